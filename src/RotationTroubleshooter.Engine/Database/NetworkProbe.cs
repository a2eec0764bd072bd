using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace RotationTroubleshooter.Database;

/// <summary>TCP reachability and a bare TLS handshake, for every engine.</summary>
internal static class NetworkProbe
{
    internal sealed record TcpOutcome(bool Reachable, DatabaseLoginFailureKind? FailureKind, string Detail);

    internal sealed record TlsOutcome(bool HandshakeCompleted, bool? CertificateTrusted, string Detail);

    internal static async Task<TcpOutcome> TryConnectAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (socket, outcome) = await OpenAsync(host, port, timeout, cancellationToken).ConfigureAwait(false);
        socket?.Dispose();
        return outcome;
    }

    /// <summary>Opens a TCP connection or says why it could not.</summary>
    internal static async Task<(Socket? Socket, TcpOutcome Outcome)> OpenAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(host, port, timeoutSource.Token).ConfigureAwait(false);
            return (socket, new TcpOutcome(true, null, "TCP connection opened"));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            return (null, new TcpOutcome(false, DatabaseLoginFailureKind.Timeout,
                $"no answer to a TCP connection within {timeout.TotalSeconds:0.#} s (packets dropped: security group, network ACL, route or firewall)"));
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            var detail = ex.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "the TCP connection was refused: nothing listens on that port (or a firewall rejects it)",
                SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "the host name does not resolve from this machine (a private DNS name may resolve only inside the VPC)",
                SocketError.NetworkUnreachable or SocketError.HostUnreachable => "no network route to the host from this machine",
                SocketError.TimedOut => "the TCP connection timed out",
                _ => $"the TCP connection failed ({ex.SocketErrorCode})",
            };
            var kind = ex.SocketErrorCode == SocketError.TimedOut ? DatabaseLoginFailureKind.Timeout : DatabaseLoginFailureKind.Unreachable;
            return (null, new TcpOutcome(false, kind, detail));
        }
    }

    /// <summary>A TLS handshake straight after TCP connect (Oracle TCPS, MongoDB, Db2 SSL ports); reports whether the certificate is trusted.</summary>
    internal static async Task<TlsOutcome> TryTlsHandshakeAsync(string host, int port, TimeSpan timeout, string? trustedCaPath, CancellationToken cancellationToken)
    {
        var (socket, tcp) = await OpenAsync(host, port, timeout, cancellationToken).ConfigureAwait(false);
        if (socket is null)
        {
            return new TlsOutcome(false, null, tcp.Detail);
        }

        using var stream = new NetworkStream(socket, ownsSocket: true);
        SslPolicyErrors? policyErrors = null;
        using var tls = new SslStream(stream, leaveInnerStreamOpen: false);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        var trust = LoadTrust(trustedCaPath);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = host,
                // Accept any certificate to finish the handshake, but record whether it would have been trusted.
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                {
                    policyErrors = trust is null ? errors : VerifyAgainst(trust, certificate, host, errors);
                    return true;
                },
            }, timeoutSource.Token).ConfigureAwait(false);
            var trusted = policyErrors == SslPolicyErrors.None;
            return new TlsOutcome(true, trusted, trusted
                ? $"TLS handshake completed ({tls.SslProtocol}), certificate trusted"
                : $"TLS handshake completed ({tls.SslProtocol}), but the certificate is not trusted here ({policyErrors})");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new TlsOutcome(false, null, $"no TLS handshake within {timeout.TotalSeconds:0.#} s (the port may not speak TLS)");
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or SocketException)
        {
            return new TlsOutcome(false, null, $"no TLS handshake: {ex.Message.TrimEnd('.')}");
        }
    }

    internal static X509Certificate2Collection? LoadTrust(string? trustedCaPath)
    {
        if (trustedCaPath is null)
        {
            return null;
        }

        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(trustedCaPath);
        return collection;
    }

    private static SslPolicyErrors VerifyAgainst(X509Certificate2Collection trust, X509Certificate? certificate, string host, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return SslPolicyErrors.RemoteCertificateNotAvailable;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trust);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        var result = chain.Build(leaf) ? SslPolicyErrors.None : SslPolicyErrors.RemoteCertificateChainErrors;
        if (!leaf.MatchesHostname(host))
        {
            result |= SslPolicyErrors.RemoteCertificateNameMismatch;
        }

        return result | (errors & SslPolicyErrors.RemoteCertificateNotAvailable);
    }
}
