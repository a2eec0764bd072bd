using System.Globalization;

namespace RotationTroubleshooter.Records;

/// <summary>A parameter's value as AWS documents it for an engine and version, with the page that says so.</summary>
public sealed record DocumentedDefault(string Parameter, string Value, string Source);

/// <summary>
/// The parameters that decide the guide's TLS and SCRAM causes, per engine, and AWS's documented defaults for them
/// (docs/reference/rds-records.md, "The parameters that decide the guide's causes", which gives each source). Engines are
/// RDS's <c>Engine</c> values (postgres, aurora-postgresql, mysql, aurora-mysql, mariadb, sqlserver-*, oracle-*, docdb),
/// plus redshift and redshift-serverless. A default AWS does not document for that version is null: unknown, not guessed.
/// </summary>
public static class EngineParameters
{
    public const string ForceSsl = "rds.force_ssl";
    public const string RequireSecureTransport = "require_secure_transport";
    public const string RequireSsl = "require_ssl";
    public const string DocumentDbTls = "tls";
    public const string PasswordEncryption = "password_encryption";

    /// <summary>The parameter that makes the server refuse plain connections; null for engines with none (Oracle: its option group).</summary>
    public static string? TlsParameter(string? engine) => Family(engine) switch
    {
        "postgres" or "aurora-postgresql" or "sqlserver" => ForceSsl,
        "mysql" or "aurora-mysql" or "mariadb" => RequireSecureTransport,
        "redshift" or "redshift-serverless" => RequireSsl,
        "docdb" => DocumentDbTls,
        _ => null,
    };

    /// <summary>The parameter that decides how a new password is stored (md5 or scram-sha-256); PostgreSQL only.</summary>
    public static string? PasswordParameter(string? engine) => Family(engine) is "postgres" or "aurora-postgresql" ? PasswordEncryption : null;

    /// <summary>
    /// Whether a TLS parameter's value makes the server refuse plain connections: 1/ON/true, and DocumentDB's enabled,
    /// fips-140-3, tls1.2+ and tls1.3+; null for a value it cannot read.
    /// </summary>
    public static bool? DemandsTls(string parameter, string? value)
    {
        var text = value?.Trim().ToLowerInvariant();
        if (parameter == DocumentDbTls)
            return text switch
            {
                "enabled" or "fips-140-3" or "tls1.2+" or "tls1.3+" => true,
                "disabled" => false,
                _ => null,
            };
        return text switch
        {
            "1" or "on" or "true" => true,
            "0" or "off" or "false" => false,
            _ => null,
        };
    }

    /// <summary>Whether a password_encryption value stores SCRAM verifiers; null for a value it cannot read.</summary>
    public static bool? StoresScram(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "scram-sha-256" => true,
        "md5" or "on" => false, // "on" is PostgreSQL's old alias for md5
        _ => null,
    };

    private const string Reference = "docs/reference/rds-records.md";
    private const string PostgresTls = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.SSL.html";
    private const string AuroraPostgresTls = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.Security.html";
    private const string SqlServerTls = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/SQLServer.Concepts.General.SSL.Using.html";
    private const string MySqlTls = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/mysql-ssl-connections.require-ssl.html";
    private const string MariaDbTls = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/mariadb-ssl-connections.require-ssl.html";
    private const string RedshiftTls = "https://docs.aws.amazon.com/redshift/latest/mgmt/connecting-ssl-support.html";
    // AWS refuses to create a workgroup with require_ssl false, as a user reported.
    private const string ServerlessTls = "https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/2454";
    private const string DocumentDbTlsPage = "https://docs.aws.amazon.com/documentdb/latest/developerguide/security.encryption.ssl.html";
    private const string PostgresScram = "https://aws.amazon.com/blogs/database/scram-authentication-in-rds-for-postgresql-13/";
    private const string AuroraScram = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/PostgreSQL_Password_Encryption_configuration.html";

    /// <summary>AWS's documented default of <paramref name="parameter"/> for the engine and version; null where AWS documents none.</summary>
    public static DocumentedDefault? DefaultOf(string? engine, string? engineVersion, string parameter)
    {
        var version = Version(engineVersion);
        var value = (Family(engine), parameter) switch
        {
            ("postgres", ForceSsl) when version is { } v => (v.Major >= 15 ? "1" : "0", PostgresTls),
            ("aurora-postgresql", ForceSsl) when version is { } v => (v.Major >= 17 ? "1" : "0", AuroraPostgresTls),
            ("sqlserver", ForceSsl) => ("0", SqlServerTls),
            ("mysql", RequireSecureTransport) when version is { } v && Compare(v, 8, 4) <= 0 => ("0", MySqlTls),
            ("mysql", RequireSecureTransport) when version is { } v && Compare(v, 9, 7) >= 0 => ("1", MySqlTls),
            // Before 10.5 MariaDB has no such parameter: nothing can demand TLS.
            ("mariadb", RequireSecureTransport) when version is { } v && Compare(v, 11, 4) <= 0 => ("0", MariaDbTls),
            ("mariadb", RequireSecureTransport) when version is { } v && Compare(v, 11, 8) >= 0 => ("1", MariaDbTls),
            ("redshift", RequireSsl) => ("false", RedshiftTls),
            ("redshift-serverless", RequireSsl) => ("true", ServerlessTls),
            ("docdb", DocumentDbTls) => ("enabled", DocumentDbTlsPage),
            ("postgres", PasswordEncryption) when version is { } v => (v.Major >= 14 ? "scram-sha-256" : "md5", PostgresScram),
            ("aurora-postgresql", PasswordEncryption) when version is { } v => (v.Major >= 14 ? "scram-sha-256" : "md5", AuroraScram),
            _ => ((string, string)?)null,
        };
        return value is { } found ? new DocumentedDefault(parameter, found.Item1, $"{found.Item2} ({Reference})") : null;
    }

    /// <summary>The engine without its edition: sqlserver-ee and sqlserver-se are sqlserver, oracle-ee-cdb is oracle.</summary>
    public static string? Family(string? engine)
    {
        var name = engine?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(name)) return null;
        if (name.StartsWith("sqlserver", StringComparison.Ordinal)) return "sqlserver";
        if (name.StartsWith("oracle", StringComparison.Ordinal) || name.StartsWith("custom-oracle", StringComparison.Ordinal)) return "oracle";
        return name;
    }

    private static int Compare((int Major, int Minor) version, int major, int minor) =>
        version.Major != major ? version.Major.CompareTo(major) : version.Minor.CompareTo(minor);

    /// <summary>Major and minor of an engine version: "15.4" is (15, 4), "8.0.mysql_aurora.3.05.2" is (8, 0), "10.11.6" is (10, 11).</summary>
    internal static (int Major, int Minor)? Version(string? engineVersion)
    {
        var parts = engineVersion?.Trim().Split('.');
        if (parts is not { Length: > 0 } || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)) return null;
        var minor = parts.Length > 1 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : 0;
        return (major, minor);
    }
}
