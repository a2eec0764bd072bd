using Npgsql;

namespace RotationTroubleshooter.Database;

/// <summary>PostgreSQL and Redshift logins through Npgsql, attempted as the rotation templates attempt them.</summary>
internal static class PostgresLogin
{
    internal static async Task<EngineLoginOutcome> RunAsync(DatabaseConnectionInfo info, DatabaseProbeOptions options, LoginTransportPolicy policy,
        CancellationToken cancellationToken)
    {
        var (session, attempts) = await OpenAsync(info, options, policy, cancellationToken).ConfigureAwait(false);
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
        if (plainAttempt is not null && (plainAttempt.JudgedCredentials || plainAttempt.Outcome == AttemptOutcome.TlsRequired))
        {
            requiresTls = plainAttempt.Outcome == AttemptOutcome.TlsRequired;
        }
        else
        {
            plainAnswer = await PostgresStartupProbe.ProbeAsync(info.Host, info.Port, info.UserName, database, useTls: false, options.Timeout, cancellationToken).ConfigureAwait(false);
            requiresTls = plainAnswer.RefusedForNoEncryption ? true : plainAnswer.AuthenticationMethod is not null ? false : null;
            if (plainAnswer.RefusedForNoEncryption)
            {
                notes.Add($"Without TLS the server refuses the connection before asking for a password: {SecretScrubber.Scrub(plainAnswer.ErrorMessage, info.Password, 300)}.");
            }
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

        return new EngineLoginOutcome(attempts, reported, requiresTls, authenticationMethod, notes, plainAnswer?.AuthenticationMethod);
    }

    /// <summary>
    /// Opens a connection as the templates do (TLS first, plain as the fallback), as far as <paramref name="policy"/> lets it;
    /// null with the attempts when none opened.
    /// </summary>
    internal static async Task<(Session? Session, IReadOnlyList<LoginAttempt> Attempts)> OpenAsync(DatabaseConnectionInfo info,
        DatabaseProbeOptions options, LoginTransportPolicy policy, CancellationToken cancellationToken)
    {
        Session? opened = null;
        var attempts = await policy.RunAsync(info, async planned =>
        {
            var certificate = policy.CheckFor(info.Host);
            var session = new Session(CreateDataSource(info, planned, options, certificate));
            try
            {
                await OpenWithTimeoutAsync(session.Connection, options, cancellationToken).ConfigureAwait(false);
                opened = session;
                return new LoginAttempt(planned.OverTls, AttemptOutcome.Succeeded, $"logged in as '{info.UserName}' to database '{session.Connection.Database}'");
            }
            // Anything a driver throws becomes a reported attempt; only the caller's own cancellation propagates.
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                await session.DisposeAsync().ConfigureAwait(false);
                return Classify(ex, planned.OverTls, info.Password, certificate.Explain());
            }
        }).ConfigureAwait(false);
        return (opened, attempts);
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

    private static async Task OpenWithTimeoutAsync(NpgsqlConnection connection, DatabaseProbeOptions options, CancellationToken cancellationToken)
    {
        // Npgsql enforces its own Timeout; this bound also covers name resolution and a server that stalls mid-handshake.
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(options.Timeout + TimeSpan.FromSeconds(1));
        // WaitAsync: the driver may not watch the token while it waits for the server's greeting; Ctrl+C must not wait for it.
        await connection.OpenAsync(timeoutSource.Token).WaitAsync(timeoutSource.Token).ConfigureAwait(false);
    }

    private static NpgsqlDataSource CreateDataSource(DatabaseConnectionInfo info, PlannedAttempt planned, DatabaseProbeOptions options,
        LoginTransportPolicy.CertificateCheck certificate)
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
            // Require with the policy's own validation: Npgsql refuses VerifyFull beside a callback, and the callback is the rule.
            SslMode = planned.OverTls ? SslMode.Require : SslMode.Disable,
            GssEncryptionMode = GssEncryptionMode.Disable,
            ApplicationName = "RotationTroubleshooter",
        };
        if (planned.ScramOnly)
        {
            // Without verified TLS only a challenge that does not send the password or its md5 is answered.
            builder.RequireAuth = "ScramSHA256";
        }

        var dataSourceBuilder = new NpgsqlDataSourceBuilder(builder.ConnectionString);
        if (planned.OverTls)
        {
            dataSourceBuilder.UseSslClientAuthenticationOptionsCallback(options => options.RemoteCertificateValidationCallback = certificate.Validate);
        }

        // No catalog queries at open: the probe does one login and nothing else.
        dataSourceBuilder.ConfigureTypeLoading(typeLoading => typeLoading.EnableTypeLoading(false));
        return dataSourceBuilder.Build();
    }

    internal static LoginAttempt Classify(Exception exception, bool overTls, string password, string? certificateProblem = null)
    {
        var detail = SecretScrubber.Describe(exception, password);
        if (exception is PostgresException pg)
        {
            var text = SecretScrubber.Scrub($"{pg.MessageText} (SQLSTATE {pg.SqlState})", password);
            var outcome = pg.SqlState switch
            {
                PostgresErrorCodes.InvalidPassword => AttemptOutcome.PasswordRejected,
                PostgresErrorCodes.InvalidCatalogName => AttemptOutcome.UnknownDatabase,
                _ when PostgresHbaRefusal.RefusesPlain(pg.SqlState, pg.MessageText) => AttemptOutcome.TlsRequired,
                PostgresErrorCodes.InvalidAuthorizationSpecification when pg.MessageText.Contains("does not exist", StringComparison.Ordinal) => AttemptOutcome.UserMissing,
                _ => AttemptOutcome.Other,
            };
            return new LoginAttempt(overTls, outcome, text);
        }

        if (exception.Message.Contains("authentication method is not allowed", StringComparison.Ordinal) && exception.Message.Split('"') is [_, var method, ..])
        {
            return new LoginAttempt(overTls, AttemptOutcome.NotSafe,
                $"stopped unanswered: the server asked for {Words(method)} on a connection without verified TLS, and only a scram-sha-256 challenge is answered there",
                Words(method));
        }

        if (LoginAttempt.FromDriverFailure(exception, overTls, detail, certificateProblem) is { } common)
        {
            return common;
        }

        return new LoginAttempt(overTls, AttemptOutcome.Other, detail);
    }

    /// <summary>Npgsql's name of an authentication method in PostgreSQL's words.</summary>
    private static string Words(string npgsqlName) => npgsqlName switch
    {
        "Password" => "password",
        "MD5" => "md5",
        "ScramSHA256" => "scram-sha-256",
        _ => SecretScrubber.Scrub(npgsqlName, null, 40),
    };
}
