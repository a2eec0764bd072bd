using RotationTroubleshooter.Database;

namespace RotationTroubleshooter.Records;

/// <summary>The findings the database's own record decides (docs/reference/rds-records.md), raised by the DatabaseRecord check and weighed as login causes.</summary>
public static class DatabaseRecordFindings
{
    public static readonly FindingDefinition DatabaseNotAvailable = new(nameof(DatabaseNotAvailable), FindingSeverity.Error,
        "The secret's database is not available (stopped, stopping, being modified or failed, as its service records it): it takes no connections, so every login fails.",
        "Start the database (Start-RDSDBInstance, Start-RDSDBCluster, Resume-RSCluster) or wait until it is available, then rotate again.",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/accessing-monitoring.html#Overview.DBInstance.Status");

    public static readonly FindingDefinition DatabaseHostNotEndpoint = new(nameof(DatabaseHostNotEndpoint), FindingSeverity.Error,
        "The secret's host is not the endpoint of the database it names: the database was recreated under another endpoint, or the host is mistyped.",
        "Put the database's recorded endpoint (the evidence names it) into the secret's host, then rotate again.",
        AwsDocs.SecretJsonStructure);

    public static readonly FindingDefinition DatabasePortNotEndpoint = new(nameof(DatabasePortNotEndpoint), FindingSeverity.Error,
        "The secret's port is not the port its database's endpoint listens on.",
        "Put the endpoint's port (the evidence names it) into the secret's port, then rotate again.",
        AwsDocs.SecretJsonStructure);

    public static readonly FindingDefinition ProxyRequiresTls = new(nameof(ProxyRequiresTls), FindingSeverity.Error,
        "The secret's host is an RDS Proxy that requires TLS (RequireTLS), and the function connects to it without TLS.",
        "Set \"ssl\" to true in the secret (or remove \"ssl\": false), redeploying a function that predates the templates' TLS support; or turn RequireTLS off on the proxy.",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.howitworks.html#rds-proxy-security.tls");

    public static readonly FindingDefinition OptionGroupRequiresNativeEncryption = new(nameof(OptionGroupRequiresNativeEncryption), FindingSeverity.Error,
        "The Oracle database's option group requires native network encryption (SQLNET.ENCRYPTION_SERVER = REQUIRED), which python-oracledb's thin mode, the templates' default, cannot do (DPY-3001).",
        "Set SQLNET.ENCRYPTION_SERVER to REQUESTED in the NATIVE_NETWORK_ENCRYPTION option and connect with TLS (the SSL option), or give the function Oracle's client libraries and thick mode.",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Appendix.Oracle.Options.NetworkEncryption.html");

    public static readonly FindingDefinition ProxyTargetUnhealthy = new(nameof(ProxyTargetUnhealthy), FindingSeverity.Warning,
        "The RDS Proxy the secret's host names reports a target unhealthy: the proxy cannot connect its clients to the database.",
        "Fix what AWS's reason names (AUTH_FAILURE: the proxy's own secret; CONNECTION_FAILED: the proxy's security groups and the database's), then rotate again.",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.troubleshooting.html");
}

/// <summary>The record's facts as evidence sentences, shared by the check and the login causes.</summary>
public static class RecordedFacts
{
    /// <summary>Why the function's connection is plain where the record demands TLS: the secret's "ssl": false, or a function older than the templates' TLS.</summary>
    public static IEnumerable<(bool SecretDisablesTls, IReadOnlyList<string> Evidence)> PlainConnection(DatabaseRecord record, DatabaseTlsPreference? tls,
        RotationFunctionAge? age)
    {
        if (TlsDemand(record) is not { } demand) yield break;
        if (tls == DatabaseTlsPreference.PlainOnly) yield return (true, [demand, "The secret says \"ssl\": false: the function connects without TLS."]);
        if (age?.PredatesTlsSupport == true)
            yield return (false, [demand, $"The function was set up {age.CreatedDate:yyyy-MM-dd}, before the templates supported TLS (2021-12-20): it connects without TLS."]);
    }

    /// <summary>What in the record demands TLS, as a sentence; null when nothing does or the record does not say.</summary>
    public static string? TlsDemand(DatabaseRecord record) =>
        record.Proxy is { RequireTls: true } proxy ? $"RDS Proxy {proxy.Name} requires TLS of its clients (RequireTLS is true, as RDS records it)."
        : record.Proxy is null && record.DemandsTls == true ? $"{Capitalized(record.Matched!.Noun)} refuses plain connections: {record.Tls}."
        : null;

    /// <summary>What in the record says TLS is not demanded, as a sentence; null when it does not say.</summary>
    public static string? NoTlsDemand(DatabaseRecord record) =>
        record.Proxy is { RequireTls: false } proxy ? $"RDS Proxy {proxy.Name} does not require TLS of its clients (RequireTLS is false, as RDS records it)."
        : record.Proxy is null && record.DemandsTls == false ? $"{Capitalized(record.Matched!.Noun)} accepts plain connections: {record.Tls}."
        : null;

    public static IReadOnlyList<string> Scram(DatabaseRecord record, int libpq) =>
        [$"{Capitalized(record.Matched!.Noun)} stores new passwords as SCRAM verifiers: {record.PasswordEncryption}.", $"The function bundles libpq {libpq}, which cannot do scram-sha-256."];

    public static string NativeEncryption(DatabaseRecord record, string group) =>
        $"{Capitalized(record.Matched!.Noun)} uses option group {group}, whose NATIVE_NETWORK_ENCRYPTION option sets SQLNET.ENCRYPTION_SERVER = REQUIRED.";

    public static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
