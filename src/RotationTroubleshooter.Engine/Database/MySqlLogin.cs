using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace RotationTroubleshooter.Database;

/// <summary>MySQL and MariaDB logins through MySqlConnector, attempted as the rotation templates attempt them.</summary>
internal static class MySqlLogin
{
    internal static async Task<EngineLoginOutcome> RunAsync(DatabaseConnectionInfo info, DatabaseProbeOptions options, LoginTransportPolicy policy,
        CancellationToken cancellationToken)
    {
        var notes = new List<string>();
        bool? requiresTls = null;
        string? greetingMethod = null;
        var attempts = await policy.RunAsync(info, async _ =>
        {
            var (attempt, serverRequiresTls, greeting) = await TryLoginAsync(info, policy, options, cancellationToken).ConfigureAwait(false);
            requiresTls ??= serverRequiresTls;
            greetingMethod ??= greeting;
            return attempt;
        }).ConfigureAwait(false);

        var reported = attempts.MaxBy(a => a.Rank)!;
        if (reported.Outcome == AttemptOutcome.PasswordRejected)
        {
            notes.Add("MySQL and MariaDB give the same answer for a wrong password, a user that does not exist, and a user not allowed from this host.");
        }

        var authenticationMethod = reported.AuthenticationMethod ?? attempts.Select(a => a.AuthenticationMethod).FirstOrDefault(m => m is not null);
        return new EngineLoginOutcome(attempts, reported, requiresTls, authenticationMethod, notes, greetingMethod);
    }

    /// <summary>One login over TLS, the certificate checked by <paramref name="policy"/> before anything else is sent.</summary>
    /// <returns>The attempt, whether the server or account insists on TLS (read once logged in), and the method the server's greeting names.</returns>
    private static async Task<(LoginAttempt Attempt, bool? ServerRequiresTls, string? GreetingMethod)> TryLoginAsync(DatabaseConnectionInfo info,
        LoginTransportPolicy policy, DatabaseProbeOptions options, CancellationToken cancellationToken)
    {
        const bool overTls = true;
        var capture = new AuthenticationMethodCapture();
        var certificate = policy.CheckFor(info.Host);
        var builder = new MySqlConnectionStringBuilder
        {
            Server = info.Host,
            Port = (uint)info.Port,
            UserID = info.UserName,
            Password = info.Password,
            ConnectionTimeout = (uint)Math.Max(1, Math.Ceiling(options.Timeout.TotalSeconds)),
            DefaultCommandTimeout = (uint)Math.Max(1, Math.Ceiling(options.Timeout.TotalSeconds)),
            Pooling = false,
            // Required with the policy's callback, not VerifyFull: MySqlConnector's VerifyFull lets a certificate that fails
            // verification through and checks it only after the login (MariaDB's zero-configuration TLS), by which time
            // the password, or a hash of it, has gone to whoever answered. The callback refuses it at the handshake
            // (docs/reference/safety.md, "What the drivers let a caller refuse").
            SslMode = MySqlSslMode.Required,
            // Never hand the password to a key the server (or someone in between) supplies.
            AllowPublicKeyRetrieval = false,
            ApplicationName = "RotationTroubleshooter",
        };
        if (info.DatabaseName is not null)
        {
            builder.Database = info.DatabaseName;
        }

        // No SslCa: MySqlConnector ignores the callback when one is set; the policy verifies against the CA bundle itself.
        await using var dataSource = new MySqlDataSourceBuilder(builder.ConnectionString).UseLoggerFactory(capture)
            .UseRemoteCertificateValidationCallback(certificate.Validate).Build();
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
                capture.Method), requiresTls, capture.GreetingMethod);
        }
        // Anything a driver throws becomes a reported attempt; only the caller's own cancellation propagates.
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return (Classify(ex, overTls, info.Password, certificate.Explain()) with { AuthenticationMethod = capture.Method }, null, capture.GreetingMethod);
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

    internal static LoginAttempt Classify(Exception exception, bool overTls, string password, string? certificateProblem = null)
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
                _ => AttemptOutcome.Other,
            };
            return new LoginAttempt(overTls, outcome, text);
        }

        if (LoginAttempt.FromDriverFailure(exception, overTls, detail, certificateProblem) is { } common)
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

        /// <summary>The plugin the server's greeting names, read before TLS: what a login without TLS would start with.</summary>
        internal string? GreetingMethod { get; private set; }

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
                    Method = Text.UntrustedText.Line(name);
                    if (key == "AuthPluginName")
                    {
                        GreetingMethod ??= Method;
                    }
                }
            }
        }
    }
}
