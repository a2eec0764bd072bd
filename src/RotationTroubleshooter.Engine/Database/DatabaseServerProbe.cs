using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;

namespace RotationTroubleshooter.Database;

/// <summary>How a database's port answered a TCP connection.</summary>
public enum TcpAnswer { Open, Refused, NoAnswer, NotResolved, Unreachable, NotTried }

/// <summary>
/// What a database server says before any credential is sent (docs/reference/rotation.md, "What the database probe
/// sends"): whether its port answers, whether it offers TLS and with a certificate that verifies, which authentication
/// it asks this user for, and whether it refuses this user without TLS.
/// </summary>
public sealed record DatabaseServerFacts
{
    public required DatabaseEngine Engine { get; init; }
    /// <summary>host:port, as the secret names them.</summary>
    public required string Endpoint { get; init; }
    public required TcpAnswer Tcp { get; init; }
    public required string TcpDetail { get; init; }
    /// <summary>
    /// Whether a silent or refused port seen from here says anything about the rotation function's view: not when the
    /// host is a private address of a network this machine is not in (the function's VPC).
    /// </summary>
    public required bool SeesFunctionsNetwork { get; init; }
    public required string Vantage { get; init; }
    public bool? TlsOffered { get; init; }
    /// <summary>Whether the server's certificate verifies (this machine's trust store or -CaCertificatePath) for the secret's host.</summary>
    public bool? TlsCertificateVerified { get; init; }
    public string? TlsDetail { get; init; }
    /// <summary>PostgreSQL: the server refuses this user and database without TLS (pg_hba.conf), said before any password.</summary>
    public bool? PlainRefusedForUser { get; init; }
    public string? PlainDetail { get; init; }
    /// <summary>What the server asks this user for without TLS (scram-sha-256, md5, mysql_native_password, ...); null when unknown.</summary>
    public string? AuthenticationMethod { get; init; }
    /// <summary>Every exchange the probe made, for the evidence: what was sent and what came back.</summary>
    public IReadOnlyList<string> Evidence { get; init; } = [];

    // What these answers mean for a function that connects as the secret says: the DatabaseServer check raises a finding
    // where one holds, and the causes of a failed login weigh the same verdicts.

    /// <summary>The server refuses this user without TLS, and the secret's "ssl": false makes the function connect without it.</summary>
    public bool RefusesThePlainLoginTheSecretAsksFor(DatabaseTlsPreference? tls) => PlainRefusedForUser == true && tls == DatabaseTlsPreference.PlainOnly;

    /// <summary>The server refuses this user without TLS, and the function predates the templates' TLS support.</summary>
    public bool RefusesTheFunctionsPlainLogin(bool? functionPredatesTls) => PlainRefusedForUser == true && functionPredatesTls == true;

    /// <summary>The server offers no TLS, and the secret's "ssl": true makes the function insist on it.</summary>
    public bool LacksTheTlsTheSecretInsistsOn(DatabaseTlsPreference? tls) => TlsOffered == false && tls == DatabaseTlsPreference.TlsOnly;

    /// <summary>The server asks for scram-sha-256, which a libpq older than 10 cannot answer.</summary>
    public bool AsksForScramOf(int? libpqMajor) => AuthenticationMethod == "scram-sha-256" && libpqMajor < 10;
}

/// <summary>
/// Asks a database what it can say without credentials: a TCP connect; for PostgreSQL and Redshift a startup message
/// (the user and database names, never a password) without and with TLS, closed at the server's first answer; for MySQL
/// and MariaDB the server's greeting, to which nothing is sent back. Connects only to the secret's host and port, never
/// to a link-local or metadata address.
/// </summary>
public static class DatabaseServerProbe
{
    public static async Task<DatabaseServerFacts> ProbeAsync(DatabaseEngine engine, string host, int port, string userName, string database,
        DatabaseProbeOptions options, CancellationToken cancellation)
    {
        var endpoint = $"{host}:{port}";
        var (sees, vantage) = await VantageAsync(host, options.Timeout, cancellation).ConfigureAwait(false);
        if (await NetworkProbe.RefusedAddressAsync(host, options.Timeout, cancellation).ConfigureAwait(false) is { } refused)
            return new DatabaseServerFacts
            {
                Engine = engine, Endpoint = endpoint, Tcp = TcpAnswer.NotTried, TcpDetail = refused, SeesFunctionsNetwork = sees, Vantage = vantage,
                Evidence = [$"{endpoint}: not probed: {refused}."],
            };

        var tcp = await NetworkProbe.TryConnectAsync(host, port, options.Timeout, cancellation).ConfigureAwait(false);
        var answer = tcp.Reachable ? TcpAnswer.Open : TcpAnswerOf(tcp);
        var facts = new DatabaseServerFacts
        {
            Engine = engine, Endpoint = endpoint, Tcp = answer, TcpDetail = tcp.Detail, SeesFunctionsNetwork = sees, Vantage = vantage,
            Evidence = [$"{endpoint} from {vantage}: {tcp.Detail}."],
        };
        if (answer != TcpAnswer.Open) return facts;
        return engine switch
        {
            DatabaseEngine.PostgreSql or DatabaseEngine.Redshift =>
                await PostgresAsync(facts, host, port, userName, database, options, cancellation).ConfigureAwait(false),
            DatabaseEngine.MySql or DatabaseEngine.MariaDb => await MySqlAsync(facts, host, port, options, cancellation).ConfigureAwait(false),
            _ => facts,
        };
    }

    private static TcpAnswer TcpAnswerOf(NetworkProbe.TcpOutcome tcp) => tcp.Detail switch
    {
        _ when tcp.FailureKind == DatabaseLoginFailureKind.Timeout => TcpAnswer.NoAnswer,
        _ when tcp.Detail.Contains("refused", StringComparison.Ordinal) => TcpAnswer.Refused,
        _ when tcp.Detail.Contains("does not resolve", StringComparison.Ordinal) => TcpAnswer.NotResolved,
        _ => TcpAnswer.Unreachable,
    };

    private static async Task<DatabaseServerFacts> PostgresAsync(DatabaseServerFacts facts, string host, int port, string userName, string database,
        DatabaseProbeOptions options, CancellationToken cancellation)
    {
        var policy = new LoginTransportPolicy(options);
        var plain = await PostgresStartupProbe.ProbeAsync(host, port, userName, database, useTls: false, options.Timeout, cancellation).ConfigureAwait(false);
        var tls = await PostgresStartupProbe.ProbeAsync(host, port, userName, database, useTls: true, options.Timeout, cancellation, policy).ConfigureAwait(false);
        var sent = $"a startup message for user '{userName}' and database '{database}' (no password)";
        var plainSaid = plain.RefusedForNoEncryption ? $"refused without TLS: {plain.ErrorMessage}"
            : plain.AuthenticationMethod is { } method ? $"asks for {method}"
            : plain.ErrorMessage is { } error ? $"refused: {error}" : plain.Failure ?? "no answer";
        var tlsSaid = tls.TlsAccepted switch
        {
            false => "does not offer TLS",
            true => $"offers TLS with a certificate that {(tls.CertificateProblem is { } problem ? $"does not verify here ({problem}, against {policy.TrustSource})" : "verifies")}"
                    + (tls.AuthenticationMethod is { } m ? $", and asks for {m} over it" : ""),
            null => tls.Failure ?? "no answer to the TLS request",
        };
        return facts with
        {
            TlsOffered = tls.TlsAccepted,
            TlsCertificateVerified = tls.TlsAccepted == true ? tls.CertificateProblem is null : null,
            TlsDetail = tlsSaid,
            PlainRefusedForUser = plain.RefusedForNoEncryption ? true : plain.AuthenticationMethod is null ? null : false,
            PlainDetail = plainSaid,
            AuthenticationMethod = plain.AuthenticationMethod ?? tls.AuthenticationMethod,
            Evidence = [.. facts.Evidence, $"Sent {sent} without TLS: the server {plainSaid}.", $"Asked for TLS: the server {tlsSaid}."],
        };
    }

    /// <summary>Reads MySQL's initial handshake packet (protocol 10): the TLS capability and the default authentication plugin.</summary>
    private static async Task<DatabaseServerFacts> MySqlAsync(DatabaseServerFacts facts, string host, int port, DatabaseProbeOptions options,
        CancellationToken cancellation)
    {
        var (socket, _) = await NetworkProbe.OpenAsync(host, port, options.Timeout, cancellation).ConfigureAwait(false);
        if (socket is null) return facts;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(options.Timeout);
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            var header = new byte[4];
            await stream.ReadExactlyAsync(header, timeout.Token).ConfigureAwait(false);
            var length = header[0] | header[1] << 8 | header[2] << 16;
            if (length is < 1 or > 16 * 1024) return facts with { Evidence = [.. facts.Evidence, "The server's greeting is not a MySQL handshake."] };
            var body = new byte[length];
            await stream.ReadExactlyAsync(body, timeout.Token).ConfigureAwait(false);
            if (ParseGreeting(body) is not { } greeting)
                return facts with { Evidence = [.. facts.Evidence, body.Length > 0 && body[0] == 0xFF
                    ? "The server answered the connection with an error instead of a greeting."
                    : "The server's greeting is not a MySQL handshake."] };
            var said = $"The server's greeting (nothing sent): {(greeting.Tls ? "offers TLS" : "does not offer TLS")}, default authentication {greeting.Plugin ?? "not named"}.";
            return facts with { TlsOffered = greeting.Tls, TlsDetail = greeting.Tls ? "offers TLS" : "does not offer TLS", AuthenticationMethod = greeting.Plugin,
                Evidence = [.. facts.Evidence, said] };
        }
        catch (Exception e) when (e is IOException or SocketException or EndOfStreamException || (e is OperationCanceledException && !cancellation.IsCancellationRequested))
        {
            return facts with { Evidence = [.. facts.Evidence, "The server sent no greeting within the timeout."] };
        }
    }

    /// <summary>Protocol 10: version, thread id, 8 bytes of nonce, filler, capabilities (CLIENT_SSL = 0x800), ..., plugin name.</summary>
    internal static (bool Tls, string? Plugin)? ParseGreeting(byte[] body)
    {
        if (body.Length < 1 || body[0] != 10) return null;
        var versionEnd = Array.IndexOf(body, (byte)0, 1);
        var at = versionEnd + 1 + 4 + 8 + 1;
        if (versionEnd < 0 || at + 2 > body.Length) return null;
        var capabilities = (uint)BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(at));
        const uint ClientSsl = 0x800, ClientPluginAuth = 0x80000;
        at += 2 + 1 + 2;
        if (at + 2 + 1 + 10 > body.Length) return ((capabilities & ClientSsl) != 0, null);
        capabilities |= (uint)BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(at)) << 16;
        var nonceLength = body[at + 2];
        at += 2 + 1 + 10 + Math.Max(13, nonceLength - 8);
        string? plugin = null;
        if ((capabilities & ClientPluginAuth) != 0 && at < body.Length)
        {
            var end = Array.IndexOf(body, (byte)0, at);
            plugin = Encoding.ASCII.GetString(body, at, (end < 0 ? body.Length : end) - at);
        }
        return ((capabilities & ClientSsl) != 0, string.IsNullOrEmpty(plugin) ? null : plugin);
    }

    /// <summary>
    /// Whether this machine sees the database's network as the function would: yes for loopback and public addresses
    /// and for a private address inside a network of one of this machine's interfaces; no for other private addresses.
    /// </summary>
    private static async Task<(bool Sees, string Vantage)> VantageAsync(string host, TimeSpan timeout, CancellationToken cancellation)
    {
        IPAddress[] addresses;
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            limit.CancelAfter(timeout);
            addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ArgumentException || (e is OperationCanceledException && !cancellation.IsCancellationRequested))
        {
            return (false, $"this machine ({Environment.MachineName}), where '{host}' does not resolve (a private name may resolve only inside the VPC)");
        }
        var address = addresses.Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).FirstOrDefault();
        if (address is null || IPAddress.IsLoopback(address) || !IsPrivate(address))
            return (true, $"this machine ({Environment.MachineName})");
        var local = NetworkInterface.GetAllNetworkInterfaces().SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .FirstOrDefault(u => u.PrefixLength > 0 && SamePrefix(u.Address, address, u.PrefixLength));
        return local is null
            ? (false, $"this machine ({Environment.MachineName}), which is not in {address}'s private network: what the port does here says nothing of the function's VPC")
            : (true, $"this machine ({Environment.MachineName}), in {address}'s network");
    }

    private static bool SamePrefix(IPAddress a, IPAddress b, int prefixLength)
    {
        if (a.AddressFamily != b.AddressFamily) return false;
        var (x, y) = (a.GetAddressBytes(), b.GetAddressBytes());
        for (var bit = 0; bit < prefixLength && bit < x.Length * 8; bit++)
            if (((x[bit / 8] ^ y[bit / 8]) & (0x80 >> (bit % 8))) != 0) return false;
        return true;
    }

    private static bool IsPrivate(IPAddress address) => address.AddressFamily == AddressFamily.InterNetwork
        ? PrivateV4.Any(n => n.Contains(address))
        : address.IsIPv6UniqueLocal || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal;

    private static readonly IPNetwork[] PrivateV4 =
        [IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("100.64.0.0/10")];
}
