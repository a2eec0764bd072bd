using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RotationTroubleshooter.Database;

/// <summary>
/// Logs into a database with one version of a secret the way the rotation templates do (TLS with certificate
/// verification first, then plain as a fallback unless the secret's <c>ssl</c> key says otherwise, 5 s per attempt), as
/// far as <see cref="LoginTransportPolicy"/> allows: the password, or anything derived from it, goes only over TLS whose
/// certificate verified. PostgreSQL and Redshift through Npgsql, MySQL and MariaDB through MySqlConnector; for Oracle,
/// SQL Server, MongoDB and Db2 only TCP reachability and a TLS handshake are probed. Connects only to the secret's host
/// and port, never to a link-local or metadata address. Never throws for a database's answer; the password never
/// reaches the result.
/// </summary>
public sealed class DatabaseLoginProbe
{
    private readonly DatabaseProbeOptions _options;
    private readonly LoginTransportPolicy _policy;

    public DatabaseLoginProbe(DatabaseProbeOptions? options = null)
    {
        _options = options ?? new DatabaseProbeOptions();
        if (_options.Timeout <= TimeSpan.Zero || _options.Timeout > TimeSpan.FromMinutes(2))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "The timeout must be more than 0 and at most 120 seconds.");
        }

        if (_options.TrustedCaCertificatePath is { } path)
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException("The trusted CA certificate file does not exist.", path);
            }

            // Checked once here so that a bad file is one clear error, not a failed TLS attempt per login.
            X509Certificate2Collection? certificates = null;
            try
            {
                certificates = LoginTransportPolicy.LoadTrust(path);
            }
            catch (CryptographicException)
            {
            }

            if (certificates is not { Count: > 0 })
            {
                throw new ArgumentException($"'{path}' holds no PEM certificates; pass a PEM bundle of CA certificates (such as the RDS CA bundle).", nameof(options));
            }
        }

        _policy = new LoginTransportPolicy(_options);
    }

    internal LoginTransportPolicy Policy => _policy;

    /// <summary>"this machine (host name)": the vantage point every result states.</summary>
    public static string Vantage { get; } =
        $"this machine ({Environment.MachineName}); the rotation function may see the database differently (its VPC, subnets, security groups and DNS)";

    /// <summary>Tries one login for <paramref name="stage"/> (a label for the result, e.g. AWSCURRENT).</summary>
    public async Task<DatabaseLoginResult> TestLoginAsync(DatabaseConnectionInfo connection, string? stage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var stopwatch = Stopwatch.StartNew();
        if (await NetworkProbe.RefusedAddressAsync(connection.Host, _options.Timeout, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            return Result(connection, stage, stopwatch, tcpReachable: false, tlsUsed: null, requiresTls: null, authenticationMethod: null,
                loginSucceeded: null, DatabaseLoginFailureKind.LinkLocalAddress, $"Login not tried: {refused}.");
        }

        var tcp = await NetworkProbe.TryConnectAsync(connection.Host, connection.Port, _options.Timeout, cancellationToken).ConfigureAwait(false);
        if (!tcp.Reachable)
        {
            return Result(connection, stage, stopwatch, tcpReachable: false, tlsUsed: null, requiresTls: null, authenticationMethod: null,
                loginSucceeded: null, tcp.FailureKind, $"Login not tried: {tcp.Detail} (from {Vantage}).");
        }

        switch (connection.Engine)
        {
            case DatabaseEngine.PostgreSql or DatabaseEngine.Redshift:
                return FromEngineOutcome(connection, stage, stopwatch,
                    await PostgresLogin.RunAsync(connection, _options, _policy, cancellationToken).ConfigureAwait(false));
            case DatabaseEngine.MySql or DatabaseEngine.MariaDb:
                return FromEngineOutcome(connection, stage, stopwatch,
                    await MySqlLogin.RunAsync(connection, _options, _policy, cancellationToken).ConfigureAwait(false));
            case DatabaseEngine.SqlServer:
                var prelogin = await SqlServerPreloginProbe.ProbeAsync(connection.Host, connection.Port, _options.Timeout, cancellationToken).ConfigureAwait(false);
                return Result(connection, stage, stopwatch, tcpReachable: true, tlsUsed: null,
                    requiresTls: prelogin.Encryption is null ? null : prelogin.Encryption == SqlServerPreloginProbe.Encryption.Required,
                    authenticationMethod: null, loginSucceeded: null, failureKind: null,
                    $"The port accepts TCP connections. TDS pre-login: {prelogin.Detail}. {NotTried}");
            default:
                var tls = connection.Tls == DatabaseTlsPreference.PlainOnly
                    ? null
                    : await NetworkProbe.TryTlsHandshakeAsync(connection.Host, connection.Port, _options.Timeout, _policy, cancellationToken).ConfigureAwait(false);
                var tlsText = tls is null ? "No TLS handshake probed (the secret's ssl key is false)." : $"TLS probe: {tls.Detail}.";
                return Result(connection, stage, stopwatch, tcpReachable: true, tlsUsed: tls?.HandshakeCompleted, requiresTls: null,
                    authenticationMethod: null, loginSucceeded: null, failureKind: null,
                    $"The port accepts TCP connections. {tlsText} {NotTried}");
        }
    }

    private const string NotTried = "Login not tried: this tool logs in only to PostgreSQL, Redshift, MySQL and MariaDB.";

    private DatabaseLoginResult FromEngineOutcome(DatabaseConnectionInfo connection, string? stage, Stopwatch stopwatch, EngineLoginOutcome outcome)
    {
        var attempts = outcome.Attempts;
        var template = attempts.Where(a => a.Role == AttemptRole.Template).ToList();
        var judged = attempts.Where(a => a.JudgedCredentials && a.Outcome != AttemptOutcome.Succeeded).MaxBy(a => a.Rank);
        var notes = new List<string>(outcome.Notes);
        LoginAttempt reported;
        bool? succeeded;
        string headline;
        if (template.FirstOrDefault(a => a.Outcome == AttemptOutcome.Succeeded) is { } success)
        {
            (reported, succeeded) = (success, true);
            headline = $"Login succeeded over {(success.OverTls ? "TLS (certificate verified)" : "a plain connection (no TLS) with scram-sha-256")}.";
        }
        else if (judged is not null)
        {
            // The server judged these credentials (over verified TLS or scram): the function's login meets the same answer.
            (reported, succeeded) = (judged, false);
            headline = $"Login failed: {Words(judged.FailureKind!.Value)}.";
        }
        else if (connection.Tls == DatabaseTlsPreference.PlainOnly && outcome.ServerRequiresTls == true)
        {
            reported = template.FirstOrDefault(a => a.Outcome == AttemptOutcome.TlsRequired)
                       ?? new LoginAttempt(false, AttemptOutcome.TlsRequired, "the server refuses connections without TLS (learnt without sending a password)");
            succeeded = false;
            headline = $"Login failed: {Words(DatabaseLoginFailureKind.TlsRequired)}.";
        }
        else if (template.Any(a => a.Outcome is AttemptOutcome.NotSafe or AttemptOutcome.TlsCertificateRejected)
                 && template.All(a => a.Outcome is AttemptOutcome.NotSafe or AttemptOutcome.TlsCertificateRejected or AttemptOutcome.TlsNotOffered))
        {
            // Every login the template makes was stopped, or would have been, for want of a verified connection.
            reported = attempts.Where(a => a.Outcome is AttemptOutcome.NotSafe or AttemptOutcome.TlsCertificateRejected).MaxBy(a => a.Rank)!;
            succeeded = null;
            headline = $"Login not tried: no connection to {connection.Endpoint} would carry the password safely from here. {Instead(connection, attempts, outcome)}";
            if (attempts.FirstOrDefault(a => a.Role == AttemptRole.StandIn && a.Outcome == AttemptOutcome.Succeeded) is not null)
            {
                notes.Add("Over verified TLS instead, the credentials log in.");
            }
        }
        else
        {
            // A login that ran and failed for another reason explains the result better than the one this test skipped.
            reported = attempts.Where(a => a.Outcome != AttemptOutcome.NotSafe).MaxBy(a => a.Rank) ?? attempts.MaxBy(a => a.Rank)!;
            succeeded = false;
            headline = $"Login failed: {Words(reported.FailureKind!.Value)}.";
        }

        var failureKind = succeeded == true ? (DatabaseLoginFailureKind?)null : succeeded == null ? DatabaseLoginFailureKind.NoVerifiedTls : reported.FailureKind;
        var described = string.Join(" ", attempts.Select((a, i) => $"Attempt {i + 1}, {a.Describe()}."));
        var message = $"{headline} {described}{(notes.Count == 0 ? "" : " " + string.Join(" ", notes))}";
        var credentialsAccepted = attempts.Any(a => a.Outcome == AttemptOutcome.Succeeded) ? true : judged is not null ? false : (bool?)null;
        return Result(connection, stage, stopwatch, tcpReachable: true, tlsUsed: TlsUsed(reported), outcome.ServerRequiresTls, outcome.AuthenticationMethod,
            succeeded, failureKind, message, credentialsAccepted);
    }

    /// <summary>What the rotation function does where this test would not go, and how to make the test possible.</summary>
    private string Instead(DatabaseConnectionInfo connection, IReadOnlyList<LoginAttempt> attempts, EngineLoginOutcome outcome)
    {
        var asked = outcome.PlainAuthenticationMethod is { } method ? $" (the server asks for {method} there, learnt without a password)" : "";
        var plain = outcome.ServerRequiresTls == true
            ? "is refused before any password is sent (the server requires TLS)"
            : $"sends {LoginTransportPolicy.Reveals(outcome.PlainAuthenticationMethod)}{asked}";
        if (attempts.Any(a => a.Outcome == AttemptOutcome.TlsCertificateRejected))
        {
            var function = connection.Tls switch
            {
                DatabaseTlsPreference.TlsOnly => "The rotation function verifies the certificate against its own trust store (the Lambda runtime's, which holds the Amazon RDS CAs) and, the secret's ssl key being true, never logs in without TLS.",
                _ => "The rotation function verifies the certificate against its own trust store (the Lambda runtime's, which holds the Amazon RDS CAs); " +
                     $"where that fails too, its login without TLS {plain}.",
            };
            return $"{function} To make this test possible, pass the CA bundle that signed the server's certificate with -CaCertificatePath " +
                   "(for Amazon RDS, https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem), or run it from a host in the function's VPC that trusts it.";
        }

        var why = connection.Tls == DatabaseTlsPreference.PlainOnly ? "the secret's ssl key is false" : "the server offers no TLS and the secret has no ssl key";
        var possible = connection.Engine is DatabaseEngine.MySql or DatabaseEngine.MariaDb
            ? "turn on TLS on the server (and leave the ssl key out or set it to true)"
            : outcome.PlainAuthenticationMethod is "scram-sha-256" || outcome.PlainAuthenticationMethod is null
                ? "turn on TLS on the server, or run it from a host in the function's VPC with -AllowPlaintextLogin (a scram-sha-256 login without TLS)"
                : $"turn on TLS on the server; this test never answers {outcome.PlainAuthenticationMethod} without verified TLS, even with -AllowPlaintextLogin";
        return $"The rotation function logs in without TLS ({why}) and {plain}. To make this test possible, {possible}.";
    }

    private static bool? TlsUsed(LoginAttempt reported) =>
        reported.TlsEstablished ? true
        : !reported.OverTls || reported.Outcome is AttemptOutcome.TlsCertificateRejected or AttemptOutcome.TlsNotOffered ? false
        : null;

    private static string Words(DatabaseLoginFailureKind kind) => kind switch
    {
        DatabaseLoginFailureKind.PasswordRejected => "the server rejected the user name or password",
        DatabaseLoginFailureKind.UserMissing => "the user does not exist",
        DatabaseLoginFailureKind.UnknownDatabase => "the credentials work but the database named by dbname does not exist (MySQL and MariaDB also say so when the user has no privileges on it)",
        DatabaseLoginFailureKind.TlsRequired => "the server refuses connections without TLS",
        DatabaseLoginFailureKind.TlsHandshakeFailed => "the server offers no TLS (or broke off the TLS handshake)",
        DatabaseLoginFailureKind.Timeout => "no answer within the timeout",
        DatabaseLoginFailureKind.Unreachable => "the server could not be reached",
        _ => "see the attempts",
    };

    private static DatabaseLoginResult Result(DatabaseConnectionInfo connection, string? stage, Stopwatch stopwatch, bool tcpReachable,
        bool? tlsUsed, bool? requiresTls, string? authenticationMethod, bool? loginSucceeded, DatabaseLoginFailureKind? failureKind, string message,
        bool? credentialsAccepted = null) =>
        new(stage, connection.Engine, connection.Endpoint, connection.UserName, connection.DatabaseName, tcpReachable, tlsUsed, requiresTls,
            authenticationMethod, loginSucceeded, failureKind, stopwatch.ElapsedMilliseconds, Vantage,
            SecretScrubber.Scrub(message, connection.Password, maxLength: 2000), credentialsAccepted);
}
