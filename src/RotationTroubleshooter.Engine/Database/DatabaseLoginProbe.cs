using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RotationTroubleshooter.Database;

/// <summary>
/// Logs into a database with one version of a secret the way the rotation templates do: TLS with certificate
/// verification first, then plain as a fallback unless the secret's <c>ssl</c> key says otherwise, 5 s per attempt.
/// PostgreSQL and Redshift through Npgsql, MySQL and MariaDB through MySqlConnector; for Oracle, SQL Server, MongoDB and
/// Db2 only TCP reachability and a TLS handshake are probed. Never throws for a database's answer; the password never
/// reaches the result.
/// </summary>
public sealed class DatabaseLoginProbe
{
    private readonly DatabaseProbeOptions _options;

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
                certificates = NetworkProbe.LoadTrust(path);
            }
            catch (CryptographicException)
            {
            }

            if (certificates is not { Count: > 0 })
            {
                throw new ArgumentException($"'{path}' holds no PEM certificates; pass a PEM bundle of CA certificates (such as the RDS CA bundle).", nameof(options));
            }
        }
    }

    /// <summary>"this machine (host name)": the vantage point every result states.</summary>
    public static string Vantage { get; } =
        $"this machine ({Environment.MachineName}); the rotation function may see the database differently (its VPC, subnets, security groups and DNS)";

    /// <summary>Tries one login for <paramref name="stage"/> (a label for the result, e.g. AWSCURRENT).</summary>
    public async Task<DatabaseLoginResult> TestLoginAsync(DatabaseConnectionInfo connection, string? stage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var stopwatch = Stopwatch.StartNew();
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
                    await PostgresLogin.RunAsync(connection, _options, cancellationToken).ConfigureAwait(false));
            case DatabaseEngine.MySql or DatabaseEngine.MariaDb:
                return FromEngineOutcome(connection, stage, stopwatch,
                    await MySqlLogin.RunAsync(connection, _options, cancellationToken).ConfigureAwait(false));
            case DatabaseEngine.SqlServer:
                var prelogin = await SqlServerPreloginProbe.ProbeAsync(connection.Host, connection.Port, _options.Timeout, cancellationToken).ConfigureAwait(false);
                return Result(connection, stage, stopwatch, tcpReachable: true, tlsUsed: null,
                    requiresTls: prelogin.Encryption is null ? null : prelogin.Encryption == SqlServerPreloginProbe.Encryption.Required,
                    authenticationMethod: null, loginSucceeded: null, failureKind: null,
                    $"The port accepts TCP connections. TDS pre-login: {prelogin.Detail}. {NotTried}");
            default:
                var tls = connection.Tls == DatabaseTlsPreference.PlainOnly
                    ? null
                    : await NetworkProbe.TryTlsHandshakeAsync(connection.Host, connection.Port, _options.Timeout, _options.TrustedCaCertificatePath, cancellationToken).ConfigureAwait(false);
                var tlsText = tls is null ? "No TLS handshake probed (the secret's ssl key is false)." : $"TLS probe: {tls.Detail}.";
                return Result(connection, stage, stopwatch, tcpReachable: true, tlsUsed: tls?.HandshakeCompleted, requiresTls: null,
                    authenticationMethod: null, loginSucceeded: null, failureKind: null,
                    $"The port accepts TCP connections. {tlsText} {NotTried}");
        }
    }

    private const string NotTried = "Login not tried: this tool logs in only to PostgreSQL, Redshift, MySQL and MariaDB.";

    private static DatabaseLoginResult FromEngineOutcome(DatabaseConnectionInfo connection, string? stage, Stopwatch stopwatch, EngineLoginOutcome outcome)
    {
        var reported = outcome.Reported;
        var succeeded = reported.Outcome == AttemptOutcome.Succeeded;
        var headline = succeeded
            ? $"Login succeeded over {(reported.OverTls ? "TLS (certificate verified)" : "a plain connection (no TLS)")}."
            : $"Login failed: {Words(reported.FailureKind!.Value)}.";
        var attempts = string.Join(" ", outcome.Attempts.Select((a, i) => $"Attempt {i + 1}, {a.Describe()}."));
        var notes = outcome.Notes.Count == 0 ? string.Empty : " " + string.Join(" ", outcome.Notes);
        var message = $"{headline} {attempts}{notes}";
        return Result(connection, stage, stopwatch, tcpReachable: true, tlsUsed: TlsUsed(reported),
            outcome.ServerRequiresTls, outcome.AuthenticationMethod, succeeded, reported.FailureKind, message);
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
        DatabaseLoginFailureKind.TlsHandshakeFailed => "TLS could not be set up",
        DatabaseLoginFailureKind.Timeout => "no answer within the timeout",
        DatabaseLoginFailureKind.Unreachable => "the server could not be reached",
        _ => "see the attempts",
    };

    private static DatabaseLoginResult Result(DatabaseConnectionInfo connection, string? stage, Stopwatch stopwatch, bool tcpReachable,
        bool? tlsUsed, bool? requiresTls, string? authenticationMethod, bool? loginSucceeded, DatabaseLoginFailureKind? failureKind, string message) =>
        new(stage, connection.Engine, connection.Endpoint, connection.UserName, connection.DatabaseName, tcpReachable, tlsUsed, requiresTls,
            authenticationMethod, loginSucceeded, failureKind, stopwatch.ElapsedMilliseconds, Vantage,
            SecretScrubber.Scrub(message, connection.Password, maxLength: 2000));
}
