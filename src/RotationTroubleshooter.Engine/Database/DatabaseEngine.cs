namespace RotationTroubleshooter.Database;

/// <summary>The database engines the rotation templates know, by the secret's <c>engine</c> value.</summary>
public enum DatabaseEngine : long // long: ConvertTo-Json writes it by name (see FindingSeverity)
{
    PostgreSql,
    Redshift,
    MySql,
    MariaDb,
    Oracle,
    SqlServer,
    MongoDb,
    Db2,
}

/// <summary>What the secret's <c>ssl</c> key tells the templates to do.</summary>
public enum DatabaseTlsPreference
{
    /// <summary>No usable <c>ssl</c> key: TLS with certificate verification first, then plain as a fallback.</summary>
    TlsThenPlain,
    /// <summary><c>ssl</c> is true: TLS with certificate verification only.</summary>
    TlsOnly,
    /// <summary><c>ssl</c> is false: plain only.</summary>
    PlainOnly,
}

/// <summary>Why a login did not succeed, in the terms an administrator acts on.</summary>
public enum DatabaseLoginFailureKind : long // long: ConvertTo-Json writes it by name (see FindingSeverity)
{
    /// <summary>Nothing answered on the host and port (refused, no route, or the name does not resolve).</summary>
    Unreachable,
    /// <summary>No answer within the timeout: typically a security group or network ACL dropping packets.</summary>
    Timeout,
    /// <summary>The server refused the credentials (for PostgreSQL and MySQL this also covers a user that does not exist).</summary>
    PasswordRejected,
    /// <summary>The server refuses connections without TLS.</summary>
    TlsRequired,
    /// <summary>TLS could not be set up: the server offers none, or broke off the handshake.</summary>
    TlsHandshakeFailed,
    /// <summary>
    /// Not tried: the only way to log in from here would send the password, or a hash of it, over a connection whose
    /// certificate did not verify, or without TLS. The message says what the rotation function does instead and how to
    /// make the test possible.
    /// </summary>
    NoVerifiedTls,
    /// <summary>Not tried: the host is a link-local or instance metadata address, which no database has.</summary>
    LinkLocalAddress,
    /// <summary>The credentials were accepted but the database named by <c>dbname</c> does not exist.</summary>
    UnknownDatabase,
    /// <summary>The server said the user does not exist.</summary>
    UserMissing,
    Other,
}

/// <summary>What each template assumes of its engine (docs/reference/rotation.md, "Secret JSON each template needs").</summary>
public static class DatabaseEngines
{
    /// <summary>The engine a secret's <c>engine</c> value names, with the template's default port and database; null for a value no template accepts.</summary>
    public static (DatabaseEngine Engine, int DefaultPort, string? DefaultDatabase)? Of(string? engineName) => engineName?.ToLowerInvariant() switch
    {
        "postgres" or "aurora-postgresql" => (DatabaseEngine.PostgreSql, 5432, "postgres"),
        "mysql" or "aurora-mysql" => (DatabaseEngine.MySql, 3306, null),
        "mariadb" => (DatabaseEngine.MariaDb, 3306, null),
        "oracle" => (DatabaseEngine.Oracle, 1521, null),
        "sqlserver" => (DatabaseEngine.SqlServer, 1433, "master"),
        "redshift" => (DatabaseEngine.Redshift, 5439, "dev"),
        "mongo" => (DatabaseEngine.MongoDb, 27017, "admin"),
        // The Db2 templates accept any engine starting with db2 (db2-se, db2-ae).
        { } name when name.StartsWith("db2", StringComparison.Ordinal) => (DatabaseEngine.Db2, 50000, null),
        _ => null,
    };

    /// <summary>What the templates read from the <c>ssl</c> key: a boolean or the strings "true"/"false" decide; anything else means TLS, then plain.</summary>
    public static DatabaseTlsPreference? TlsPreferenceOf(Aws.SecretValue? value) =>
        value is { NotJsonReason: null } ? TlsPreferenceOf(value.GetPublicValue("ssl")) : null;

    /// <inheritdoc cref="TlsPreferenceOf(Aws.SecretValue?)"/>
    public static DatabaseTlsPreference TlsPreferenceOf(string? ssl) => ssl?.Trim().ToLowerInvariant() switch
    {
        "true" => DatabaseTlsPreference.TlsOnly,
        "false" => DatabaseTlsPreference.PlainOnly,
        _ => DatabaseTlsPreference.TlsThenPlain,
    };
}
