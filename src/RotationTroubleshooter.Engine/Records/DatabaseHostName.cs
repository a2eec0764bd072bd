namespace RotationTroubleshooter.Records;

/// <summary>What kind of AWS endpoint a host's DNS name has the shape of.</summary>
public enum DatabaseHostKind
{
    /// <summary>Not the shape of an RDS, DocumentDB or Redshift endpoint (a self-managed server, an IP address, an alias).</summary>
    NotAws,
    RdsInstance,
    ClusterWriter,
    ClusterReader,
    ClusterCustom,
    Proxy,
    ProxyEndpoint,
    DocumentDbInstance,
    DocumentDbCluster,
    DocumentDbReader,
    RedshiftCluster,
    RedshiftServerless,
}

/// <summary>
/// A secret's host read as the endpoint it looks like (docs/reference/rds-records.md, "From a secret's host to the
/// resource"): the kind, the identifier its first label carries and the Region. The shape only chooses which Describe
/// call to make; whether the host is that resource's endpoint is decided by the recorded endpoint.
/// </summary>
public sealed record DatabaseHostName(string Host, DatabaseHostKind Kind, string? Identifier, string? Region)
{
    /// <summary>The host as the matcher compares it: trimmed, without a trailing dot, lower case.</summary>
    public static string Normalize(string host) => host.Trim().TrimEnd('.').ToLowerInvariant();

    public static DatabaseHostName Parse(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var name = Normalize(host);
        var labels = name.Split('.');
        var suffix = name.EndsWith(".amazonaws.com.cn", StringComparison.Ordinal) ? 5 : 4; // <service>.<region>.amazonaws.com[.cn]
        if (labels.Length < suffix + 1 || labels.Any(l => l.Length == 0) || labels[^(suffix - 2)] != "amazonaws")
            return new DatabaseHostName(name, DatabaseHostKind.NotAws, null, null);
        var service = labels[^(suffix - 1)];
        var region = labels[^suffix];
        var identifier = labels[0];
        var second = labels.Length > suffix + 1 ? labels[1] : "";
        var kind = service switch
        {
            "rds" when second.StartsWith("cluster-ro-", StringComparison.Ordinal) => DatabaseHostKind.ClusterReader,
            "rds" when second.StartsWith("cluster-custom-", StringComparison.Ordinal) => DatabaseHostKind.ClusterCustom,
            "rds" when second.StartsWith("cluster-", StringComparison.Ordinal) => DatabaseHostKind.ClusterWriter,
            "rds" when second == "endpoint" && labels.Length > suffix + 2 && labels[2].Contains("proxy-", StringComparison.Ordinal) => DatabaseHostKind.ProxyEndpoint,
            // AWS names a proxy <name>.proxy-<hash>; moto <name>.db-proxy-<hash>.
            "rds" when second.Contains("proxy-", StringComparison.Ordinal) => DatabaseHostKind.Proxy,
            "rds" when second.Length > 0 => DatabaseHostKind.RdsInstance,
            "docdb" when second.StartsWith("cluster-ro-", StringComparison.Ordinal) => DatabaseHostKind.DocumentDbReader,
            "docdb" when second.StartsWith("cluster-", StringComparison.Ordinal) => DatabaseHostKind.DocumentDbCluster,
            "docdb" when second.Length > 0 => DatabaseHostKind.DocumentDbInstance,
            "redshift" when second.Length > 0 => DatabaseHostKind.RedshiftCluster,
            "redshift-serverless" when second.Length > 0 => DatabaseHostKind.RedshiftServerless,
            _ => DatabaseHostKind.NotAws,
        };
        return kind == DatabaseHostKind.NotAws
            ? new DatabaseHostName(name, kind, null, null)
            : new DatabaseHostName(name, kind, identifier, region);
    }

    /// <summary>The service whose Describe call answers for this kind of name; null when none does.</summary>
    public string? Service => Kind switch
    {
        DatabaseHostKind.NotAws => null,
        DatabaseHostKind.RedshiftCluster => "redshift",
        DatabaseHostKind.RedshiftServerless => "redshift-serverless",
        _ => "rds",
    };

    /// <summary>What the name looks like, for evidence: "an RDS DB instance endpoint".</summary>
    public string Noun => Kind switch
    {
        DatabaseHostKind.RdsInstance => "an RDS DB instance endpoint",
        DatabaseHostKind.ClusterWriter => "an Aurora cluster (writer) endpoint",
        DatabaseHostKind.ClusterReader => "an Aurora cluster reader endpoint",
        DatabaseHostKind.ClusterCustom => "an Aurora custom endpoint",
        DatabaseHostKind.Proxy => "an RDS Proxy endpoint",
        DatabaseHostKind.ProxyEndpoint => "an RDS Proxy custom endpoint",
        DatabaseHostKind.DocumentDbInstance => "a DocumentDB instance endpoint",
        DatabaseHostKind.DocumentDbCluster => "a DocumentDB cluster endpoint",
        DatabaseHostKind.DocumentDbReader => "a DocumentDB cluster reader endpoint",
        DatabaseHostKind.RedshiftCluster => "a Redshift cluster endpoint",
        DatabaseHostKind.RedshiftServerless => "a Redshift Serverless workgroup endpoint",
        _ => "no AWS database endpoint",
    };
}
