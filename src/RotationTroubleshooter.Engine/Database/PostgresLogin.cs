using Npgsql;

namespace RotationTroubleshooter.Database;

/// <summary>PostgreSQL and Redshift logins through Npgsql, attempted as the rotation templates attempt them.</summary>
internal static class PostgresLogin
{
    internal static async Task<EngineLoginOutcome> RunAsync(DatabaseConnectionInfo info, DatabaseProbeOptions options, CancellationToken cancellationToken)
    {
        var (session, attempts) = await OpenAsync(info, options, cancellationToken).ConfigureAwait(false);
        if (session is not null)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }

        var reported = attempts.MaxBy(a => a.Rank)!;
        var notes = new List<string>();
        if (reported.Outcome is AttemptOutcome.Timeout or AttemptOutcome.Unreachable)
        {
            // A server that does not answer a login will not answer the startup probes either; do not wait for them too.
            return new EngineLoginOutcome(attempts, reported, null, null, notes);
        }

        var database = info.DatabaseName ?? "postgres";

        // Whether plain TCP is refused: known from a plain attempt, otherwise asked of the server without a password.
        bool? requiresTls = null;
        PostgresStartupProbe.Answer? plainAnswer = null;
        var plainAttempt = attempts.FirstOrDefault(a => !a.OverTls);
        if (plainAttempt is not null && plainAttempt.Outcome is not (AttemptOutcome.Other or AttemptOutcome.Timeout or AttemptOutcome.Unreachable))
        {
            requiresTls = plainAttempt.Outcome == AttemptOutcome.TlsRequired;
        }
        else
        {
            plainAnswer = await PostgresStartupProbe.ProbeAsync(info.Host, info.Port, info.UserName, database, useTls: false, options.Timeout, cancellationToken).ConfigureAwait(false);
            requiresTls = plainAnswer.RefusedForNoEncryption ? true : plainAnswer.AuthenticationMethod is not null ? false : null;
        }

        // The authentication the server asks for on the transport the reported attempt used.
        var overTlsReported = reported.TlsEstablished || (reported.OverTls && reported.Outcome != AttemptOutcome.TlsNotOffered);
        var authAnswer = !overTlsReported && plainAnswer is not null
            ? plainAnswer
            : await PostgresStartupProbe.ProbeAsync(info.Host, info.Port, info.UserName, database, overTlsReported, options.Timeout, cancellationToken).ConfigureAwait(false);
        if (authAnswer.AuthenticationMethod is null && requiresTls == true && !overTlsReported)
        {
            // Refused before authentication for lack of TLS: ask over TLS which authentication a TLS client would get.
            authAnswer = await PostgresStartupProbe.ProbeAsync(info.Host, info.Port, info.UserName, database, useTls: true, options.Timeout, cancellationToken).ConfigureAwait(false);
        }

        var authenticationMethod = authAnswer.AuthenticationMethod;

        if (reported.Outcome == AttemptOutcome.PasswordRejected)
        {
            notes.Add("PostgreSQL gives the same answer for a wrong password and for a user that does not exist.");
        }

        if (authenticationMethod == "scram-sha-256")
        {
            notes.Add("The server asks for scram-sha-256: the rotation function's libpq must be version 10 or later.");
        }

        return new EngineLoginOutcome(attempts, reported, requiresTls, authenticationMethod, notes);
    }

    /// <summary>Opens a connection the way the templates do (TLS first, plain as fallback when allowed); null with the attempts when none opened.</summary>
    internal static async Task<(Session? Session, IReadOnlyList<LoginAttempt> Attempts)> OpenAsync(DatabaseConnectionInfo info,
        DatabaseProbeOptions options, CancellationToken cancellationToken)
    {
        var attempts = new List<LoginAttempt>();
        foreach (var overTls in AttemptPlan(info.Tls))
        {
            var session = new Session(CreateDataSource(info, overTls, options));
            try
            {
                await OpenWithTimeoutAsync(session.Connection, options, cancellationToken).ConfigureAwait(false);
                attempts.Add(new LoginAttempt(overTls, AttemptOutcome.Succeeded, $"logged in as '{info.UserName}' to database '{session.Connection.Database}'"));
                return (session, attempts);
            }
            // Anything a driver throws becomes a reported attempt; only the caller's own cancellation propagates.
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                await session.DisposeAsync().ConfigureAwait(false);
                attempts.Add(Classify(ex, overTls, info.Password));
            }
        }

        return (null, attempts);
    }

    /// <summary>An open connection and the unpooled data source it came from, disposed together.</summary>
    internal sealed class Session(NpgsqlDataSource dataSource) : IAsyncDisposable
    {
        internal NpgsqlConnection Connection { get; } = dataSource.CreateConnection();

        public async ValueTask DisposeAsync()
        {
            await Connection.DisposeAsync().ConfigureAwait(false);
            await dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal static IEnumerable<bool> AttemptPlan(DatabaseTlsPreference preference) => preference switch
    {
        DatabaseTlsPreference.TlsOnly => [true],
        DatabaseTlsPreference.PlainOnly => [false],
        _ => [true, false],
    };

    private static async Task OpenWithTimeoutAsync(NpgsqlConnection connection, DatabaseProbeOptions options, CancellationToken cancellationToken)
    {
        // Npgsql enforces its own Timeout; this bound also covers name resolution and a server that stalls mid-handshake.
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(options.Timeout + TimeSpan.FromSeconds(1));
        // WaitAsync: the driver may not watch the token while it waits for the server's greeting; Ctrl+C must not wait for it.
        await connection.OpenAsync(timeoutSource.Token).WaitAsync(timeoutSource.Token).ConfigureAwait(false);
    }

    private static NpgsqlDataSource CreateDataSource(DatabaseConnectionInfo info, bool overTls, DatabaseProbeOptions options)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = info.Host,
            Port = info.Port,
            Database = info.DatabaseName ?? "postgres",
            Username = info.UserName,
            Password = info.Password,
            Timeout = Math.Max(1, (int)Math.Ceiling(options.Timeout.TotalSeconds)),
            // One physical login per attempt and nothing kept open afterwards.
            Pooling = false,
            SslMode = overTls ? SslMode.VerifyFull : SslMode.Disable,
            ApplicationName = "RotationTroubleshooter",
        };
        if (overTls && options.TrustedCaCertificatePath is { } caPath)
        {
            builder.RootCertificate = caPath;
        }

        var dataSourceBuilder = new NpgsqlDataSourceBuilder(builder.ConnectionString);
        // No catalog queries at open: the probe does one login and nothing else.
        dataSourceBuilder.ConfigureTypeLoading(typeLoading => typeLoading.EnableTypeLoading(false));
        return dataSourceBuilder.Build();
    }

    internal static LoginAttempt Classify(Exception exception, bool overTls, string password)
    {
        var detail = SecretScrubber.Describe(exception, password);
        if (exception is PostgresException pg)
        {
            var text = SecretScrubber.Scrub($"{pg.MessageText} (SQLSTATE {pg.SqlState})", password);
            var outcome = pg.SqlState switch
            {
                PostgresErrorCodes.InvalidPassword => AttemptOutcome.PasswordRejected,
                PostgresErrorCodes.InvalidCatalogName => AttemptOutcome.UnknownDatabase,
                PostgresErrorCodes.InvalidAuthorizationSpecification when pg.MessageText.Contains("no pg_hba.conf entry", StringComparison.Ordinal)
                    && pg.MessageText.Contains("no encryption", StringComparison.Ordinal) => AttemptOutcome.TlsRequired,
                PostgresErrorCodes.InvalidAuthorizationSpecification when pg.MessageText.Contains("does not exist", StringComparison.Ordinal) => AttemptOutcome.UserMissing,
                _ => AttemptOutcome.Other,
            };
            return new LoginAttempt(overTls, outcome, text);
        }

        if (LoginAttempt.FromDriverFailure(exception, overTls, detail) is { } common)
        {
            return common;
        }

        return new LoginAttempt(overTls, AttemptOutcome.Other, detail);
    }
}
