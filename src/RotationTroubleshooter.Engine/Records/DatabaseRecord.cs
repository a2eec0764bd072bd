using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Records;

/// <summary>
/// A parameter that decides a guide cause, as the record gives it: its value and where that came from (a parameter
/// group, a workgroup's configuration, or AWS's documented default for the engine and version).
/// </summary>
public sealed record RecordedSetting(string Parameter, string Value, string Source, bool IsDocumentedDefault)
{
    /// <summary>The setting in words, for evidence: "rds.force_ssl = 1 (parameter group orders-tls)".</summary>
    public override string ToString() => IsDocumentedDefault
        ? $"{Parameter} = {Value} (AWS's documented default: {Source})"
        : $"{Parameter} = {Value} ({Source})";
}

/// <summary>
/// What RDS, Redshift or Redshift Serverless records about the database a secret's host names, read without connecting
/// to it: which resource the host is the endpoint of, and the settings that decide the guide's TLS, SCRAM and Oracle
/// native network encryption causes. Null settings are those the record does not decide (another engine, or no default
/// AWS documents for that version).
/// </summary>
public sealed record DatabaseRecord(
    EndpointMatch Match,
    RecordedSetting? Tls = null,
    RecordedSetting? PasswordEncryption = null,
    string? NativeEncryptionOptionGroup = null,
    IReadOnlyList<RdsProxyTargetRecord>? ProxyTargets = null)
{
    public MatchedDatabase? Database => Match.Database;

    /// <summary>The resource whose endpoint the host is (Matched); null when it is another resource's name or none.</summary>
    public MatchedDatabase? Matched => Match.Outcome == EndpointMatchOutcome.Matched ? Match.Database : null;

    /// <summary>Whether the database parameter makes the server refuse plain connections; null when the record does not say.</summary>
    public bool? DemandsTls => Tls is null ? null : EngineParameters.DemandsTls(Tls.Parameter, Tls.Value);

    /// <summary>Whether new passwords are stored as SCRAM verifiers (PostgreSQL); null when the record does not say.</summary>
    public bool? StoresScram => PasswordEncryption is null ? null : EngineParameters.StoresScram(PasswordEncryption.Value);

    /// <summary>The proxy the host is the endpoint of, and whether it demands TLS of its clients.</summary>
    public RdsProxyRecord? Proxy => Matched?.Proxy;

    /// <summary>Why the matched database takes no connections (its status), as a sentence; null when it is available or says nothing.</summary>
    public string? NotAvailable => Matched is { IsAvailable: false } database
        ? $"{Capitalized(database.Noun)} is {database.Status}, as {Service} records it: it takes no connections." : null;

    /// <summary>Why the secret's host names no endpoint, as a sentence; null when it is an endpoint or not an AWS name.</summary>
    public string? HostNotEndpoint => Match.Outcome switch
    {
        EndpointMatchOutcome.EndpointChanged =>
            $"The secret's host {Match.Host.Host} has the shape of {Match.Host.Noun}, but {Match.Database!.Noun}'s recorded endpoint is {Match.Database.Endpoint}.",
        EndpointMatchOutcome.NoSuchResource =>
            $"The secret's host {Match.Host.Host} has the shape of {Match.Host.Noun}, but {Match.Host.Service} has no resource named '{Match.Host.Identifier}' in this account and Region.",
        _ => null,
    };

    /// <summary>Why the secret's port is not the endpoint's, as a sentence; null when it is, or the record has no port.</summary>
    public string? PortNotEndpoints(int port) => Matched is { Port: { } recorded } database && recorded != port
        ? $"The secret's port is {port}, but {database.Noun} listens on {recorded}, as {Service} records it." : null;

    /// <summary>The proxy's targets AWS reports unhealthy, each as a sentence with AWS's reason.</summary>
    public IReadOnlyList<string> UnhealthyProxyTargets =>
        (ProxyTargets ?? []).Where(t => t.HealthState is not null && !string.Equals(t.HealthState, "AVAILABLE", StringComparison.OrdinalIgnoreCase))
            .Select(t => $"RDS Proxy {Proxy?.Name} reports its target {t.Endpoint ?? t.RdsResourceId ?? t.TrackedClusterId ?? "?"} {t.HealthState}"
                         + (t.HealthReason is null ? "" : $" ({t.HealthReason}{(t.HealthDescription is null ? "" : ": " + t.HealthDescription)})") + ".")
            .ToList();

    private string Service => Match.Host.Service switch
    {
        "redshift" => "Redshift",
        "redshift-serverless" => "Redshift Serverless",
        _ => "RDS",
    };

    private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}

/// <summary>
/// Reads a <see cref="DatabaseRecord"/> for a host: the Describe call the host's shape names (no listing of the account
/// for a name that has no AWS shape), then the parameter group, option group or proxy targets of what it matched.
/// </summary>
public static class DatabaseRecordReader
{
    /// <summary>The IAM actions a read may call.</summary>
    public static IReadOnlyList<string> Permissions { get; } =
    [
        "rds:DescribeDBInstances", "rds:DescribeDBClusters", "rds:DescribeDBClusterEndpoints", "rds:DescribeDBProxies",
        "rds:DescribeDBProxyEndpoints", "rds:DescribeDBProxyTargets", "rds:DescribeDBParameters", "rds:DescribeDBClusterParameters",
        "rds:DescribeOptionGroups", "redshift:DescribeClusters", "redshift:DescribeClusterParameters", "redshift-serverless:GetWorkgroup",
    ];

    public static async Task<DatabaseRecord> ReadAsync(AwsSession session, DatabaseHostName host, CancellationToken cancellation)
    {
        var records = await RecordsAsync(session, host, cancellation).ConfigureAwait(false);
        var match = DatabaseEndpoints.Match(host.Host, records);
        if (match is not { Outcome: EndpointMatchOutcome.Matched, Database: { } database }) return new DatabaseRecord(match);
        var rds = session.Get<RdsClient>();
        if (database.Proxy is { } proxy)
            return new DatabaseRecord(match, ProxyTargets: await rds.DescribeProxyTargetsAsync(proxy.Name, cancellation).ConfigureAwait(false));
        if (database.RedshiftCluster is { } redshift)
            return new DatabaseRecord(match, Tls: await RedshiftTlsAsync(session, redshift, cancellation).ConfigureAwait(false));
        if (database.Workgroup is { } workgroup)
            return new DatabaseRecord(match, Tls: Setting(workgroup.ConfigParameters, EngineParameters.RequireSsl, $"workgroup {workgroup.Name}'s configuration",
                "redshift-serverless", null));
        var (engine, version) = (database.Engine, database.EngineVersion);
        var names = new[] { EngineParameters.TlsParameter(engine), EngineParameters.PasswordParameter(engine) }.OfType<string>().ToList();
        // Aurora, Multi-AZ clusters and DocumentDB keep these in the cluster's parameter group; an instance of its own, in its DB parameter group.
        string? group;
        IReadOnlyList<DatabaseParameter>? parameters = null;
        if (database.Cluster is { } cluster)
        {
            group = cluster.ParameterGroup;
            if (group is not null && names.Count > 0) parameters = await rds.DescribeClusterParametersAsync(group, names, cancellation).ConfigureAwait(false);
        }
        else
        {
            group = database.Instance?.ParameterGroups.FirstOrDefault()?.Name;
            if (group is not null && names.Count > 0) parameters = await rds.DescribeParametersAsync(group, names, cancellation).ConfigureAwait(false);
        }
        var where = group is null ? "" : $"parameter group {group}";
        var tls = EngineParameters.TlsParameter(engine) is { } tlsName ? Setting(parameters, tlsName, where, engine, version) : null;
        var password = EngineParameters.PasswordParameter(engine) is { } passwordName ? Setting(parameters, passwordName, where, engine, version) : null;
        string? nne = null;
        if (EngineParameters.Family(engine) == "oracle" && database.Instance is { } instance)
            foreach (var name in instance.OptionGroups)
                if (await rds.DescribeOptionGroupAsync(name, cancellation).ConfigureAwait(false) is { } options && RequiresNativeEncryption(options))
                    nne = options.Name;
        return new DatabaseRecord(match, tls, password, nne);
    }

    /// <summary>An option group whose NATIVE_NETWORK_ENCRYPTION option sets SQLNET.ENCRYPTION_SERVER to REQUIRED refuses unencrypted sessions.</summary>
    public static bool RequiresNativeEncryption(RdsOptionGroupRecord group) =>
        group.Options.Any(o => string.Equals(o.Name, "NATIVE_NETWORK_ENCRYPTION", StringComparison.OrdinalIgnoreCase)
                               && o.Settings.TryGetValue("SQLNET.ENCRYPTION_SERVER", out var value)
                               && string.Equals(value, "REQUIRED", StringComparison.OrdinalIgnoreCase));

    /// <summary>The group's value of the parameter, else AWS's documented default; null when neither says.</summary>
    private static RecordedSetting? Setting(IReadOnlyList<DatabaseParameter>? parameters, string name, string where, string? engine, string? version)
    {
        if (parameters?.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) is { Value: { Length: > 0 } value } parameter)
            return new RecordedSetting(name, value, parameter.Source is null or "user" ? where : $"{where}, source {parameter.Source}", false);
        return EngineParameters.DefaultOf(engine, version, name) is { } documented
            ? new RecordedSetting(name, documented.Value, $"{engine} {version}{(where.Length > 0 ? $", {where} does not set it" : "")}; {documented.Source}".Trim(), true)
            : null;
    }

    private static async Task<RecordedSetting?> RedshiftTlsAsync(AwsSession session, RedshiftClusterRecord cluster, CancellationToken cancellation)
    {
        var group = cluster.ParameterGroups.FirstOrDefault()?.Name;
        var parameters = group is null ? null
            : await session.Get<RedshiftClient>().DescribeClusterParametersAsync(group, [EngineParameters.RequireSsl], cancellation).ConfigureAwait(false);
        return Setting(parameters, EngineParameters.RequireSsl, group is null ? "" : $"parameter group {group}", "redshift", null);
    }

    /// <summary>What the host's shape names, asked of its service; nothing for a name with no AWS shape.</summary>
    private static async Task<DatabaseRecordSet> RecordsAsync(AwsSession session, DatabaseHostName host, CancellationToken cancellation)
    {
        var rds = session.Get<RdsClient>();
        var id = host.Identifier;
        switch (host.Kind)
        {
            case DatabaseHostKind.RdsInstance or DatabaseHostKind.DocumentDbInstance:
                var instances = await rds.DescribeInstancesAsync(id, cancellation).ConfigureAwait(false);
                var owners = instances.FirstOrDefault()?.ClusterIdentifier is { } owner ? await rds.DescribeClustersAsync(owner, cancellation).ConfigureAwait(false) : [];
                return DatabaseRecordSet.Empty with { Instances = instances, Clusters = owners };
            case DatabaseHostKind.ClusterWriter or DatabaseHostKind.ClusterReader or DatabaseHostKind.DocumentDbCluster or DatabaseHostKind.DocumentDbReader:
                return DatabaseRecordSet.Empty with { Clusters = await rds.DescribeClustersAsync(id, cancellation).ConfigureAwait(false) };
            case DatabaseHostKind.ClusterCustom:
                var endpoints = await rds.DescribeClusterEndpointsAsync(null, cancellation).ConfigureAwait(false);
                var cluster = endpoints.FirstOrDefault(e => string.Equals(e.Identifier, id, StringComparison.OrdinalIgnoreCase))?.ClusterIdentifier;
                return DatabaseRecordSet.Empty with
                {
                    ClusterEndpoints = endpoints,
                    Clusters = cluster is null ? [] : await rds.DescribeClustersAsync(cluster, cancellation).ConfigureAwait(false),
                };
            case DatabaseHostKind.Proxy:
                return DatabaseRecordSet.Empty with { Proxies = await rds.DescribeProxiesAsync(id, cancellation).ConfigureAwait(false) };
            case DatabaseHostKind.ProxyEndpoint:
                var proxyEndpoints = await rds.DescribeProxyEndpointsAsync(null, cancellation).ConfigureAwait(false);
                var proxy = proxyEndpoints.FirstOrDefault(e => string.Equals(e.Name, id, StringComparison.OrdinalIgnoreCase))?.ProxyName;
                return DatabaseRecordSet.Empty with
                {
                    ProxyEndpoints = proxyEndpoints,
                    Proxies = proxy is null ? [] : await rds.DescribeProxiesAsync(proxy, cancellation).ConfigureAwait(false),
                };
            case DatabaseHostKind.RedshiftCluster:
                return DatabaseRecordSet.Empty with { RedshiftClusters = await session.Get<RedshiftClient>().DescribeClustersAsync(id, cancellation).ConfigureAwait(false) };
            case DatabaseHostKind.RedshiftServerless:
                return DatabaseRecordSet.Empty with
                {
                    Workgroups = await session.Get<RedshiftServerlessClient>().GetWorkgroupAsync(id!, cancellation).ConfigureAwait(false) is { } workgroup ? [workgroup] : [],
                };
            default:
                return DatabaseRecordSet.Empty;
        }
    }
}

/// <summary>Where the database that owns a managed secret listens, as RDS or Redshift records it, with the engine the templates name it by.</summary>
public sealed record OwnerEndpoint(string EngineName, string Host, int? Port, string? Database)
{
    /// <summary>The owning instance's or cluster's endpoint; null when it no longer exists or records no endpoint.</summary>
    public static async Task<OwnerEndpoint?> ReadAsync(AwsSession session, OwningResource resource, CancellationToken cancellation)
    {
        switch (resource.Kind)
        {
            case OwningResourceKind.DBInstance:
                return (await session.Get<RdsClient>().DescribeInstancesAsync(resource.Identifier, cancellation).ConfigureAwait(false)).FirstOrDefault() is
                    { Address: { } address } instance && TemplateEngine(instance.Engine) is { } engine
                    ? new OwnerEndpoint(engine, address, instance.Port, instance.DatabaseName) : null;
            case OwningResourceKind.DBCluster:
                return (await session.Get<RdsClient>().DescribeClustersAsync(resource.Identifier, cancellation).ConfigureAwait(false)).FirstOrDefault() is
                    { Endpoint: { } endpoint } cluster && TemplateEngine(cluster.Engine) is { } clusterEngine
                    ? new OwnerEndpoint(clusterEngine, endpoint, cluster.Port, cluster.DatabaseName) : null;
            default:
                return (await session.Get<RedshiftClient>().DescribeClustersAsync(resource.Identifier, cancellation).ConfigureAwait(false)).FirstOrDefault() is
                    { Address: { } redshift } warehouse
                    ? new OwnerEndpoint("redshift", redshift, warehouse.Port, warehouse.DatabaseName) : null;
        }
    }

    /// <summary>The secret's engine value for an RDS engine: aurora-postgresql is postgres, sqlserver-ee sqlserver; null for one no template serves.</summary>
    public static string? TemplateEngine(string? rdsEngine) => EngineParameters.Family(rdsEngine) switch
    {
        "postgres" or "aurora-postgresql" => "postgres",
        "mysql" or "aurora-mysql" => "mysql",
        "mariadb" => "mariadb",
        "sqlserver" => "sqlserver",
        "oracle" => "oracle",
        "docdb" => "mongo",
        _ => null,
    };
}
