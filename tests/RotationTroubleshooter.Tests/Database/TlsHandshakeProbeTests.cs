using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using RotationTroubleshooter.Database;

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

public sealed class SqlServerPreloginProbeTests
{
    [Theory]
    [InlineData(3, true)]
    [InlineData(0, false)]
    [InlineData(2, false)]
    public async Task SqlServer_PreloginAnswerTellsWhetherTlsIsRequired(byte encryption, bool requiresTls)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = Task.Run(async () =>
        {
            using (await listener.AcceptTcpClientAsync())
            {
                // The reachability check: closed without a word.
            }

            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var header = new byte[8];
            await stream.ReadExactlyAsync(header);
            Assert.Equal(0x12, header[0]);
            var rest = new byte[(header[2] << 8 | header[3]) - 8];
            await stream.ReadExactlyAsync(rest);
            // A TDS pre-login response: VERSION and ENCRYPTION tokens, then their data.
            byte[] payload = [0x00, 0, 11, 0, 6, 0x01, 0, 17, 0, 1, 0xFF, 16, 0, 0, 0, 0, 0, encryption];
            byte[] response = [0x04, 0x01, 0, (byte)(8 + payload.Length), 0, 0, 1, 0, .. payload];
            await stream.WriteAsync(response);
        });

        var secret = DatabaseLoginProbeTests.Secret("sqlserver", "127.0.0.1", port, "sa", "probe-password-1");
        var result = await new DatabaseLoginProbe().TestLoginAsync(DatabaseConnectionInfo.Parse(secret), "AWSCURRENT");
        await server.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(result.TcpReachable);
        Assert.Equal(requiresTls, result.ServerRequiresTls);
        Assert.Null(result.LoginSucceeded);
        Assert.Contains("TDS pre-login", result.Message);
        Assert.Contains("Login not tried", result.Message);
    }
}
