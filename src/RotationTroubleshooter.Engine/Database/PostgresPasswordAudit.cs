using Npgsql;

namespace RotationTroubleshooter.Database;

/// <summary>The audit could not run; the message says why (e.g. the user may not read pg_authid), never a password.</summary>
public sealed class DatabaseAuditException : TroubleshooterException
{
    public DatabaseAuditException(DatabaseAuditFailure failure, string message)
        : base(failure switch
            {
                DatabaseAuditFailure.LoginFailed => ErrorIds.UserAuditLoginFailed,
                DatabaseAuditFailure.NotPermitted => ErrorIds.UserAuditNotPermitted,
                DatabaseAuditFailure.WrongEngine => ErrorIds.UserAuditNotSupported,
                _ => ErrorIds.UserAuditFailed,
            },
            failure switch
            {
                DatabaseAuditFailure.LoginFailed => FailureCategory.Authentication,
                DatabaseAuditFailure.NotPermitted => FailureCategory.PermissionDenied,
                DatabaseAuditFailure.WrongEngine => FailureCategory.InvalidArgument,
                _ => FailureCategory.Other,
            }, message) => Failure = failure;

    public DatabaseAuditFailure Failure { get; }
}

/// <summary>Why the password audit could not run.</summary>
public enum DatabaseAuditFailure
{
    /// <summary>The secret is not for PostgreSQL.</summary>
    WrongEngine,
    /// <summary>The audit's own login failed.</summary>
    LoginFailed,
    /// <summary>The user may read neither pg_authid nor rds_tools.</summary>
    NotPermitted,
    /// <summary>The query failed for another reason.</summary>
    QueryFailed,
}

/// <summary>
/// AWS's "Checking for users with non-SCRAM passwords": lists login roles whose stored password is not a SCRAM verifier.
/// Needs a secret whose user may read pg_authid (a superuser), or, on Amazon RDS, the rds_tools extension.
/// </summary>
public static class PostgresPasswordAudit
{
    // The classification happens in SQL so that no stored password hash ever leaves the server.
    private const string PgAuthidQuery =
        "SELECT rolname, CASE WHEN rolpassword LIKE 'md5%' THEN 'md5' ELSE 'other' END " +
        "FROM pg_catalog.pg_authid WHERE rolcanlogin AND rolpassword IS NOT NULL AND rolpassword NOT LIKE 'SCRAM-SHA-256$%' ORDER BY rolname LIMIT 10000";

    private const string RdsToolsQuery =
        "SELECT rolname, COALESCE(encryption_type, 'other') FROM rds_tools.role_password_encryption_type() " +
        "WHERE encryption_type IS DISTINCT FROM 'scram-sha-256' AND encryption_type IS NOT NULL ORDER BY rolname LIMIT 10000";

    /// <exception cref="DatabaseAuditException">The login failed, or neither pg_authid nor rds_tools could be read.</exception>
    public static async Task<IReadOnlyList<PostgresNonScramRole>> FindNonScramRolesAsync(DatabaseConnectionInfo privileged,
        DatabaseProbeOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(privileged);
        if (privileged.Engine != DatabaseEngine.PostgreSql)
        {
            throw new DatabaseAuditException(DatabaseAuditFailure.WrongEngine, $"The password audit reads PostgreSQL's pg_authid; the secret is for {privileged.EngineName}.");
        }

        options ??= new DatabaseProbeOptions();
        // The audit logs in under the same rule as the login test: the password goes only over TLS whose certificate verified.
        var (session, attempts) = await PostgresLogin.OpenAsync(privileged, options, new LoginTransportPolicy(options), cancellationToken).ConfigureAwait(false);
        if (session is null)
        {
            throw new DatabaseAuditException(DatabaseAuditFailure.LoginFailed, SecretScrubber.Scrub(
                $"Could not log in as '{privileged.UserName}' at {privileged.Endpoint} for the password audit: " +
                string.Join(" ", attempts.Select(a => a.Describe() + ".")), privileged.Password, 2000));
        }

        await using (session)
        {
            try
            {
                return await QueryRolesAsync(session.Connection, privileged, options, cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new DatabaseAuditException(DatabaseAuditFailure.QueryFailed, $"The password audit query failed: {SecretScrubber.Describe(ex, privileged.Password)}");
            }
        }
    }

    private static async Task<IReadOnlyList<PostgresNonScramRole>> QueryRolesAsync(NpgsqlConnection connection, DatabaseConnectionInfo privileged,
        DatabaseProbeOptions options, CancellationToken cancellationToken)
    {
        try
        {
            return await QueryAsync(connection, privileged, PgAuthidQuery, "pg_authid", options, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            // Amazon RDS denies pg_authid even to the master user; its rds_tools extension answers the same question.
        }

        try
        {
            return await QueryAsync(connection, privileged, RdsToolsQuery, "rds_tools.role_password_encryption_type()", options, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UndefinedFunction or PostgresErrorCodes.InvalidSchemaName
                                               or PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new DatabaseAuditException(DatabaseAuditFailure.NotPermitted, SecretScrubber.Scrub(
                $"'{privileged.UserName}' may not read pg_authid, and rds_tools.role_password_encryption_type() is not available ({ex.MessageText}, SQLSTATE {ex.SqlState}). " +
                "Use a superuser secret (e.g. the multi-user master secret), or on Amazon RDS run CREATE EXTENSION rds_tools.",
                privileged.Password, 2000));
        }
    }

    private static async Task<IReadOnlyList<PostgresNonScramRole>> QueryAsync(NpgsqlConnection connection, DatabaseConnectionInfo privileged, string sql, string source,
        DatabaseProbeOptions options, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = Math.Max(1, (int)Math.Ceiling(options.Timeout.TotalSeconds)) };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var roles = new List<PostgresNonScramRole>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            roles.Add(new PostgresNonScramRole(privileged.Endpoint, privileged.UserName, reader.GetString(0), reader.GetString(1), source));
        }

        return roles;
    }
}
