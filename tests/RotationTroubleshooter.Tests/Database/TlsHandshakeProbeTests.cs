using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RotationTroubleshooter.Tests.Database;

public sealed class TlsHandshakeProbeTests
{
    [Fact]
    public async Task TlsOnlyEngine_HandshakeIsProbed_AndTrustIsReported()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        using var serverCertificate = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = Task.Run(async () =>
        {
            // The probe first checks TCP reachability (one connection), then does the handshake (a second one).
            for (var i = 0; i < 2; i++)
            {
                using var client = await listener.AcceptTcpClientAsync();
                await using var tls = new SslStream(client.GetStream());
                try
                {
                    await tls.AuthenticateAsServerAsync(serverCertificate);
                }
                catch (IOException)
                {
                    // The reachability check closes without a handshake.
                }
            }
        });

        var secret = DatabaseLoginProbeTests.Secret("mongo", "127.0.0.1", port, "u", "probe-password-1");
        var result = await new DatabaseLoginProbe().TestLoginAsync(DatabaseConnectionInfo.Parse(secret), "AWSCURRENT");
        await server.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(result.TcpReachable);
        Assert.True(result.TlsUsed);
        Assert.Null(result.LoginSucceeded);
        Assert.Contains("TLS handshake completed", result.Message);
        Assert.Contains("not trusted", result.Message);
        Assert.Contains("Login not tried", result.Message);
    }
}
