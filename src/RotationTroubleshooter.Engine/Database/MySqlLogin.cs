using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace RotationTroubleshooter.Database;

/// <summary>MySQL and MariaDB logins through MySqlConnector, attempted as the rotation templates attempt them.</summary>
internal static class MySqlLogin
{
    /// <summary>MySQL's ER_SECURE_TRANSPORT_REQUIRED (MySqlConnector's enum has no name for it).</summary>
    private const int SecureTransportRequired = 3159;

    internal static async Task<EngineLoginOutcome> RunAsync(DatabaseConnectionInfo info, DatabaseProbeOptions options, CancellationToken cancellationToken)
    {
        var attempts = new List<LoginAttempt>();
        var notes = new List<string>();
        bool? requiresTls = null;
        foreach (var overTls in PostgresLogin.AttemptPlan(info.Tls))
        {
            var (attempt, serverRequiresTls) = await TryLoginAsync(info, overTls, options, cancellationToken).ConfigureAwait(false);
            attempts.Add(attempt);
            requiresTls ??= serverRequiresTls;
            if (attempt.Outcome == AttemptOutcome.Succeeded)
            {
                break;
            }
        }

        var reported = attempts.MaxBy(a => a.Rank)!;
        var plain = attempts.FirstOrDefault(a => !a.OverTls);
        if (plain?.Outcome == AttemptOutcome.TlsRequired)
        {
            requiresTls = true;
        }
        else if (plain?.Outcome is AttemptOutcome.Succeeded or AttemptOutcome.UnknownDatabase)
        {
            requiresTls = false;
        }

        if (plain?.Outcome == AttemptOutcome.PasswordRejected
            && attempts.Any(a => a.OverTls && a.Outcome is AttemptOutcome.Succeeded or AttemptOutcome.UnknownDatabase))
        {
            // The password was accepted over TLS, so the plain "Access denied" can only mean TLS is required.
            requiresTls = true;
        }

        if (plain?.Outcome == AttemptOutcome.PasswordRejected && !attempts.Any(a => a.OverTls))
        {
            // MariaDB answers a plain login to a server or user that requires TLS with the same "Access denied" as a
            // wrong password; one login over TLS tells the two apart.
            var (tlsCheck, _) = await TryLoginAsync(info, overTls: true, options, cancellationToken).ConfigureAwait(false);
            if (tlsCheck.Outcome == AttemptOutcome.Succeeded)
            {
                reported = plain with
                {
                    Outcome = AttemptOutcome.TlsRequired,
                    Detail = plain.Detail + "; the same credentials log in over TLS, so the server refuses them only because TLS is not used",
                };
                attempts[attempts.IndexOf(plain)] = reported;
                requiresTls = true;
                notes.Add("A second login over TLS was made to tell a required TLS from a wrong password.");
            }
            else
            {
                notes.Add($"A second login over TLS to tell a required TLS from a wrong password did not succeed either: {tlsCheck.Detail}");
            }
        }
        else if (plain?.Outcome == AttemptOutcome.PasswordRejected
                 && attempts.FirstOrDefault(a => a.OverTls) is { Outcome: AttemptOutcome.TlsCertificateRejected } tlsRejected)
        {
            // The plain refusal may only mean TLS is required, so the certificate problem is the one to fix first.
            reported = tlsRejected;
            notes.Add("The plain login was refused too; MySQL and MariaDB give the same answer for a wrong password and for a login that must use TLS.");
        }

        if (reported.Outcome == AttemptOutcome.PasswordRejected)
        {
            notes.Add("MySQL and MariaDB give the same answer for a wrong password, a user that does not exist, and a user not allowed from this host.");
        }

        var authenticationMethod = reported.AuthenticationMethod ?? attempts.Select(a => a.AuthenticationMethod).FirstOrDefault(m => m is not null);
        return new EngineLoginOutcome(attempts, reported, requiresTls, authenticationMethod, notes);
    }

    private static async Task<(LoginAttempt Attempt, bool? ServerRequiresTls)> TryLoginAsync(DatabaseConnectionInfo info, bool overTls,
        DatabaseProbeOptions options, CancellationToken cancellationToken)
    {
        var capture = new AuthenticationMethodCapture();
        var builder = new MySqlConnectionStringBuilder
        {
            Server = info.Host,
            Port = (uint)info.Port,
            UserID = info.UserName,
            Password = info.Password,
            ConnectionTimeout = (uint)Math.Max(1, Math.Ceiling(options.Timeout.TotalSeconds)),
            DefaultCommandTimeout = (uint)Math.Max(1, Math.Ceiling(options.Timeout.TotalSeconds)),
            Pooling = false,
            SslMode = overTls ? MySqlSslMode.VerifyFull : MySqlSslMode.None,
            // Never hand the password to a key the server (or someone in between) supplies over a plain connection.
            AllowPublicKeyRetrieval = false,
            ApplicationName = "RotationTroubleshooter",
        };
        if (info.DatabaseName is not null)
        {
            builder.Database = info.DatabaseName;
        }

        if (overTls && options.TrustedCaCertificatePath is { } caPath)
        {
            builder.SslCa = caPath;
        }

        await using var dataSource = new MySqlDataSourceBuilder(builder.ConnectionString).UseLoggerFactory(capture).Build();
        await using var connection = dataSource.CreateConnection();
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(options.Timeout + TimeSpan.FromSeconds(1));
        try
        {
            // WaitAsync: the driver may not watch the token while it waits for the server's greeting; Ctrl+C must not wait for it.
            await connection.OpenAsync(timeoutSource.Token).WaitAsync(timeoutSource.Token).ConfigureAwait(false);
            var requiresTls = await ReadTlsRequirementAsync(connection, timeoutSource.Token).ConfigureAwait(false);
            return (new LoginAttempt(overTls, AttemptOutcome.Succeeded,
                $"logged in as '{info.UserName}'" + (info.DatabaseName is null ? string.Empty : $" to database '{info.DatabaseName}'"),
                capture.Method), requiresTls);
        }
        // Anything a driver throws becomes a reported attempt; only the caller's own cancellation propagates.
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return (Classify(ex, overTls, info.Password) with { AuthenticationMethod = capture.Method }, null);
        }
    }

    /// <summary>Reads, on the open connection, whether the server or this user's account insists on TLS.</summary>
    private static async Task<bool?> ReadTlsRequirementAsync(MySqlConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT @@require_secure_transport";
            if (Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)) != 0)
            {
                return true;
            }

            command.CommandText = "SHOW GRANTS FOR CURRENT_USER()";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (reader.GetString(0).Contains(" REQUIRE ", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }
        catch (MySqlException)
        {
            // Servers before require_secure_transport existed, or grants the user may not read: unknown, not an error.
            return null;
        }
    }

    internal static LoginAttempt Classify(Exception exception, bool overTls, string password)
    {
        var detail = SecretScrubber.Describe(exception, password);
        if (exception is MySqlException { Number: > 0 } server && server.ErrorCode != MySqlErrorCode.UnableToConnectToHost)
        {
            var text = SecretScrubber.Scrub($"{server.Message} (error {server.Number})", password);
            var outcome = server.Number switch
            {
                (int)MySqlErrorCode.AccessDenied => AttemptOutcome.PasswordRejected,
                (int)MySqlErrorCode.UnknownDatabase => AttemptOutcome.UnknownDatabase,
                // The password was accepted; MySQL does not say whether the database is missing or just not granted.
                (int)MySqlErrorCode.DatabaseAccessDenied => AttemptOutcome.UnknownDatabase,
                SecureTransportRequired => AttemptOutcome.TlsRequired,
                _ when server.Message.Contains("insecure transport", StringComparison.OrdinalIgnoreCase) => AttemptOutcome.TlsRequired,
                _ => AttemptOutcome.Other,
            };
            return new LoginAttempt(overTls, outcome, text);
        }

        if (LoginAttempt.FromDriverFailure(exception, overTls, detail) is { } common)
        {
            return common;
        }

        if (exception.Message.Contains("timeout", StringComparison.OrdinalIgnoreCase))
        {
            return new LoginAttempt(overTls, AttemptOutcome.Timeout, $"no answer within the timeout ({detail})");
        }

        return new LoginAttempt(overTls, AttemptOutcome.Other, detail);
    }

    /// <summary>
    /// Picks the authentication plugin out of MySqlConnector's structured log events (the plugin the server's handshake
    /// names, then any it switches to for this account). Only those two values are kept; no other log text is stored.
    /// </summary>
    private sealed class AuthenticationMethodCapture : ILoggerFactory, ILogger
    {
        internal string? Method { get; private set; }

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider) { }

        public void Dispose() { }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is not IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                return;
            }

            foreach (var (key, value) in values)
            {
                // "AuthPluginName": the server's initial handshake; "AuthenticationMethod": an auth switch request for this user.
                if (key is "AuthPluginName" or "AuthenticationMethod" && value is string name && name.Length is > 0 and < 64)
                {
                    Method = name;
                }
            }
        }
    }
}
