using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

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
    internal static async Task<TlsOutcome> TryTlsHandshakeAsync(string host, int port, TimeSpan timeout, LoginTransportPolicy policy, CancellationToken cancellationToken)
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
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = host,
                // Accept any certificate to finish the handshake, but record whether it would have been trusted.
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                {
                    policyErrors = policy.Verify(host, certificate, errors);
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

    /// <summary>
    /// Why the probes will not connect to <paramref name="host"/>, or null. A link-local address (169.254.0.0/16, fe80::/10)
    /// or one of EC2's own IPv6 services (fd00:ec2::/32) is never a database: it is where instance metadata and
    /// credentials are served (169.254.169.254, fd00:ec2::254), so a secret naming one gets no connection from here.
    /// Names are resolved first; a name that does not resolve is left to the TCP probe to report
    /// (docs/reference/safety.md, "Addresses that are never a database").
    /// </summary>
    internal static async Task<string?> RefusedAddressAsync(string host, TimeSpan timeout, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else
        {
            using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeoutSource.CancelAfter(timeout);
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, timeoutSource.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ArgumentException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                return null;
            }
        }

        var refused = addresses.Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).FirstOrDefault(IsInstanceLocal);
        if (refused is null)
        {
            return null;
        }

        var what = refused.Equals(InstanceMetadataV4) || refused.Equals(InstanceMetadataV6) ? "the instance metadata service's address" : "a link-local address";
        var resolved = refused.ToString() == host.Trim('[', ']') ? "" : $" (it resolves to {refused})";
        return $"the host{resolved} is {what}, which no database has; this test does not connect to it. Correct the secret's host key";
    }

    private static readonly IPAddress InstanceMetadataV4 = IPAddress.Parse("169.254.169.254");
    private static readonly IPAddress InstanceMetadataV6 = IPAddress.Parse("fd00:ec2::254");
    private static readonly IPNetwork Ec2ServicesV6 = IPNetwork.Parse("fd00:ec2::/32");

    private static bool IsInstanceLocal(IPAddress address) => address.AddressFamily switch
    {
        AddressFamily.InterNetwork => address.GetAddressBytes() is [169, 254, ..],
        AddressFamily.InterNetworkV6 => address.IsIPv6LinkLocal || Ec2ServicesV6.Contains(address),
        _ => false,
    };
}
