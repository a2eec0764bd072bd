using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Records;

/// <summary>
/// What RDS, Redshift and Redshift Serverless answered about the resources a host may name. The lists hold what was
/// asked for (the resource the host's shape names, or every one of a kind); a kind not asked for is empty.
/// </summary>
public sealed record DatabaseRecordSet(
    IReadOnlyList<RdsInstanceRecord> Instances,
    IReadOnlyList<RdsClusterRecord> Clusters,
    IReadOnlyList<RdsClusterEndpointRecord> ClusterEndpoints,
    IReadOnlyList<RdsProxyRecord> Proxies,
    IReadOnlyList<RdsProxyEndpointRecord> ProxyEndpoints,
    IReadOnlyList<RedshiftClusterRecord> RedshiftClusters,
    IReadOnlyList<RedshiftWorkgroupRecord> Workgroups)
{
    public static DatabaseRecordSet Empty { get; } = new([], [], [], [], [], [], []);
}

/// <summary>
/// The resource a host is the endpoint of, with what decides the guide's causes: engine, version, status and the
/// endpoint's port. An instance that is an Aurora member carries its cluster; a proxy endpoint its proxy; a custom
/// cluster endpoint its cluster.
/// </summary>
public sealed record MatchedDatabase(
    DatabaseHostKind Kind, string Identifier, string Endpoint, int? Port, string? Engine, string? EngineVersion, string? Status,
    RdsInstanceRecord? Instance = null, RdsClusterRecord? Cluster = null, RdsProxyRecord? Proxy = null,
    RdsProxyEndpointRecord? ProxyEndpoint = null, RedshiftClusterRecord? RedshiftCluster = null, RedshiftWorkgroupRecord? Workgroup = null)
{
    /// <summary>The resource in words, for evidence: "DB instance orders", "RDS Proxy orders-proxy".</summary>
    public string Noun => Kind switch
    {
        DatabaseHostKind.RdsInstance or DatabaseHostKind.DocumentDbInstance => $"DB instance {Identifier}",
        DatabaseHostKind.ClusterWriter or DatabaseHostKind.DocumentDbCluster => $"DB cluster {Identifier}",
        DatabaseHostKind.ClusterReader or DatabaseHostKind.DocumentDbReader => $"DB cluster {Identifier} (its reader endpoint)",
        DatabaseHostKind.ClusterCustom => $"DB cluster {Cluster?.Identifier ?? "?"} (its custom endpoint {Identifier})",
        DatabaseHostKind.Proxy => $"RDS Proxy {Identifier}",
        DatabaseHostKind.ProxyEndpoint => $"RDS Proxy {Proxy?.Name ?? ProxyEndpoint?.ProxyName ?? "?"} (its endpoint {Identifier})",
        DatabaseHostKind.RedshiftCluster => $"Redshift cluster {Identifier}",
        DatabaseHostKind.RedshiftServerless => $"Redshift Serverless workgroup {Identifier}",
        _ => Identifier,
    };

    /// <summary>Whether RDS reports the resource able to take connections: available (Serverless AVAILABLE); null when it reports no status.</summary>
    public bool? IsAvailable => Status is null ? null : string.Equals(Status, "available", StringComparison.OrdinalIgnoreCase);
}

public enum EndpointMatchOutcome
{
    /// <summary>The host is the recorded endpoint of a resource.</summary>
    Matched,
    /// <summary>The host's name carries the identifier of a resource that exists under another endpoint (recreated, or a mistyped hash).</summary>
    EndpointChanged,
    /// <summary>The host has the shape of an endpoint of a service that has no resource by that identifier.</summary>
    NoSuchResource,
    /// <summary>The host has no AWS database endpoint's shape and no record matches it: a self-managed server, an IP address or an alias.</summary>
    NotAnAwsEndpoint,
}

/// <summary>How a host relates to the records: <see cref="Database"/> is the matched resource or, for EndpointChanged, the one the name points at.</summary>
public sealed record EndpointMatch(EndpointMatchOutcome Outcome, DatabaseHostName Host, MatchedDatabase? Database = null);

/// <summary>Matches a secret's host to the resource whose recorded endpoint it is (docs/reference/rds-records.md).</summary>
public static class DatabaseEndpoints
{
    /// <summary>
    /// The resource <paramref name="host"/> is the endpoint of. Endpoints compare case-insensitively without a trailing
    /// dot. When none matches, a host whose shape names a resource is EndpointChanged when that resource exists under
    /// another endpoint and NoSuchResource when it does not (the caller asked the shape's service for it).
    /// </summary>
    public static EndpointMatch Match(string host, DatabaseRecordSet records)
    {
        var name = DatabaseHostName.Parse(host);
        if (FindByEndpoint(name.Host, records) is { } matched)
            return new EndpointMatch(EndpointMatchOutcome.Matched, name, matched);
        if (name.Kind == DatabaseHostKind.NotAws || name.Identifier is null)
            return new EndpointMatch(EndpointMatchOutcome.NotAnAwsEndpoint, name);
        return FindByIdentifier(name, records) is { } named
            ? new EndpointMatch(EndpointMatchOutcome.EndpointChanged, name, named)
            : new EndpointMatch(EndpointMatchOutcome.NoSuchResource, name);
    }

    private static bool Same(string? endpoint, string host) => endpoint is not null && DatabaseHostName.Normalize(endpoint) == host;

    private static bool SameId(string? a, string? b) => a is not null && b is not null && string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static MatchedDatabase? FindByEndpoint(string host, DatabaseRecordSet records)
    {
        if (records.Instances.FirstOrDefault(i => Same(i.Address, host)) is { } instance)
            return FromInstance(instance, records);
        foreach (var cluster in records.Clusters)
        {
            var docdb = IsDocumentDb(cluster.Engine);
            if (Same(cluster.Endpoint, host))
                return FromCluster(cluster, docdb ? DatabaseHostKind.DocumentDbCluster : DatabaseHostKind.ClusterWriter, cluster.Identifier, cluster.Endpoint!);
            if (Same(cluster.ReaderEndpoint, host))
                return FromCluster(cluster, docdb ? DatabaseHostKind.DocumentDbReader : DatabaseHostKind.ClusterReader, cluster.Identifier, cluster.ReaderEndpoint!);
        }
        if (records.ClusterEndpoints.FirstOrDefault(e => Same(e.Endpoint, host)) is { } clusterEndpoint
            && records.Clusters.FirstOrDefault(c => SameId(c.Identifier, clusterEndpoint.ClusterIdentifier)) is { } owner)
            return FromCluster(owner, DatabaseHostKind.ClusterCustom, clusterEndpoint.Identifier, clusterEndpoint.Endpoint);
        // A custom endpoint DescribeDBClusters names without DescribeDBClusterEndpoints: its identifier is its first label.
        if (records.Clusters.FirstOrDefault(c => c.CustomEndpoints.Any(e => Same(e, host))) is { } customOwner)
            return FromCluster(customOwner, DatabaseHostKind.ClusterCustom, host.Split('.')[0], customOwner.CustomEndpoints.First(e => Same(e, host)));
        if (records.Proxies.FirstOrDefault(p => Same(p.Endpoint, host)) is { } proxy)
            return FromProxy(proxy, null);
        if (records.ProxyEndpoints.FirstOrDefault(e => Same(e.Endpoint, host)) is { } proxyEndpoint)
            return FromProxy(records.Proxies.FirstOrDefault(p => SameId(p.Name, proxyEndpoint.ProxyName)), proxyEndpoint);
        if (records.RedshiftClusters.FirstOrDefault(c => Same(c.Address, host)) is { } redshift)
            return FromRedshift(redshift);
        if (records.Workgroups.FirstOrDefault(w => Same(w.Address, host)) is { } workgroup)
            return FromWorkgroup(workgroup);
        return null;
    }

    private static MatchedDatabase? FindByIdentifier(DatabaseHostName name, DatabaseRecordSet records)
    {
        var id = name.Identifier;
        switch (name.Kind)
        {
            case DatabaseHostKind.RdsInstance or DatabaseHostKind.DocumentDbInstance:
                return records.Instances.FirstOrDefault(i => SameId(i.Identifier, id)) is { } instance ? FromInstance(instance, records) : null;
            case DatabaseHostKind.ClusterWriter or DatabaseHostKind.DocumentDbCluster:
                return records.Clusters.FirstOrDefault(c => SameId(c.Identifier, id)) is { Endpoint: { } writer } cluster
                    ? FromCluster(cluster, name.Kind, cluster.Identifier, writer) : null;
            case DatabaseHostKind.ClusterReader or DatabaseHostKind.DocumentDbReader:
                return records.Clusters.FirstOrDefault(c => SameId(c.Identifier, id)) is { ReaderEndpoint: { } reader } readerCluster
                    ? FromCluster(readerCluster, name.Kind, readerCluster.Identifier, reader) : null;
            case DatabaseHostKind.ClusterCustom:
                return records.ClusterEndpoints.FirstOrDefault(e => SameId(e.Identifier, id)) is { } custom
                       && records.Clusters.FirstOrDefault(c => SameId(c.Identifier, custom.ClusterIdentifier)) is { } customCluster
                    ? FromCluster(customCluster, name.Kind, custom.Identifier, custom.Endpoint) : null;
            case DatabaseHostKind.Proxy:
                return records.Proxies.FirstOrDefault(p => SameId(p.Name, id)) is { Endpoint: not null } proxy ? FromProxy(proxy, null) : null;
            case DatabaseHostKind.ProxyEndpoint:
                return records.ProxyEndpoints.FirstOrDefault(e => SameId(e.Name, id)) is { Endpoint: not null } endpoint
                    ? FromProxy(records.Proxies.FirstOrDefault(p => SameId(p.Name, endpoint.ProxyName)), endpoint) : null;
            case DatabaseHostKind.RedshiftCluster:
                return records.RedshiftClusters.FirstOrDefault(c => SameId(c.Identifier, id)) is { Address: not null } redshift ? FromRedshift(redshift) : null;
            case DatabaseHostKind.RedshiftServerless:
                return records.Workgroups.FirstOrDefault(w => SameId(w.Name, id)) is { Address: not null } workgroup ? FromWorkgroup(workgroup) : null;
            default:
                return null;
        }
    }

    internal static bool IsDocumentDb(string? engine) => string.Equals(engine, "docdb", StringComparison.OrdinalIgnoreCase);

    private static MatchedDatabase FromInstance(RdsInstanceRecord instance, DatabaseRecordSet records) =>
        new(IsDocumentDb(instance.Engine) ? DatabaseHostKind.DocumentDbInstance : DatabaseHostKind.RdsInstance, instance.Identifier,
            instance.Address ?? "", instance.Port, instance.Engine, instance.EngineVersion, instance.Status, Instance: instance,
            Cluster: records.Clusters.FirstOrDefault(c => SameId(c.Identifier, instance.ClusterIdentifier)));

    private static MatchedDatabase FromCluster(RdsClusterRecord cluster, DatabaseHostKind kind, string identifier, string endpoint) =>
        new(kind, identifier, endpoint, cluster.Port, cluster.Engine, cluster.EngineVersion, cluster.Status, Cluster: cluster);

    // A proxy listens on its engine family's port; DescribeDBProxies records none, so no port is compared.
    private static MatchedDatabase FromProxy(RdsProxyRecord? proxy, RdsProxyEndpointRecord? endpoint) =>
        new(endpoint is null ? DatabaseHostKind.Proxy : DatabaseHostKind.ProxyEndpoint, endpoint?.Name ?? proxy!.Name,
            endpoint?.Endpoint ?? proxy!.Endpoint ?? "", null, proxy?.EngineFamily, null,
            // A custom endpoint takes connections only when both it and its proxy are available.
            endpoint is not null && !string.Equals(endpoint.Status, "available", StringComparison.OrdinalIgnoreCase) ? endpoint.Status : proxy?.Status ?? endpoint?.Status,
            Proxy: proxy, ProxyEndpoint: endpoint);

    private static MatchedDatabase FromRedshift(RedshiftClusterRecord cluster) =>
        new(DatabaseHostKind.RedshiftCluster, cluster.Identifier, cluster.Address ?? "", cluster.Port, "redshift", null, cluster.Status, RedshiftCluster: cluster);

    private static MatchedDatabase FromWorkgroup(RedshiftWorkgroupRecord workgroup) =>
        new(DatabaseHostKind.RedshiftServerless, workgroup.Name, workgroup.Address ?? "", workgroup.Port, "redshift-serverless", null, workgroup.Status,
            Workgroup: workgroup);
}
