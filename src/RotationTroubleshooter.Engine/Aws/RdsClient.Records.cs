using System.Xml.Linq;

namespace RotationTroubleshooter.Aws;

/// <summary>
/// RDS's records of a database beyond its network: instances and clusters with engine, version, status and parameter
/// groups; cluster and proxy endpoints; proxies and their targets' health; parameter and option groups
/// (docs/reference/rds-records.md). DocumentDB answers through the same API. Each call is a read-only Describe.
/// </summary>
public sealed partial class RdsClient
{
    /// <summary>The DB instance by identifier (empty when it does not exist), or every instance when <paramref name="identifier"/> is null.</summary>
    public async Task<IReadOnlyList<RdsInstanceRecord>> DescribeInstancesAsync(string? identifier, CancellationToken cancellation) =>
        (await ListOrEmptyAsync("DescribeDBInstances", "DBInstances", cancellation, Named("DBInstanceIdentifier", identifier)).ConfigureAwait(false))
            .Select(ToInstanceRecord).OfType<RdsInstanceRecord>().ToList();

    /// <summary>The DB cluster by identifier (empty when it does not exist), or every cluster when <paramref name="identifier"/> is null.</summary>
    public async Task<IReadOnlyList<RdsClusterRecord>> DescribeClustersAsync(string? identifier, CancellationToken cancellation) =>
        (await ListOrEmptyAsync("DescribeDBClusters", "DBClusters", cancellation, Named("DBClusterIdentifier", identifier)).ConfigureAwait(false))
            .Select(ToClusterRecord).OfType<RdsClusterRecord>().ToList();

    /// <summary>The endpoints of one cluster, or of every cluster when <paramref name="clusterIdentifier"/> is null.</summary>
    public async Task<IReadOnlyList<RdsClusterEndpointRecord>> DescribeClusterEndpointsAsync(string? clusterIdentifier, CancellationToken cancellation) =>
        (await ListOrEmptyAsync("DescribeDBClusterEndpoints", "DBClusterEndpoints", cancellation, Named("DBClusterIdentifier", clusterIdentifier)).ConfigureAwait(false))
            .Select(e => (Id: Text(e, "DBClusterEndpointIdentifier"), Cluster: Text(e, "DBClusterIdentifier"), Endpoint: Text(e, "Endpoint"), Element: e))
            .Where(e => e.Id is not null && e.Cluster is not null && e.Endpoint is not null)
            .Select(e => new RdsClusterEndpointRecord(e.Id!, e.Cluster!, e.Endpoint!, Text(e.Element, "EndpointType"), Text(e.Element, "Status")))
            .ToList();

    /// <summary>The proxy by name (empty when it does not exist), or every proxy when <paramref name="name"/> is null.</summary>
    public async Task<IReadOnlyList<RdsProxyRecord>> DescribeProxiesAsync(string? name, CancellationToken cancellation) =>
        (await ListOrEmptyAsync("DescribeDBProxies", "DBProxies", cancellation, Named("DBProxyName", name)).ConfigureAwait(false))
            .Where(p => Text(p, "DBProxyName") is not null)
            .Select(p => new RdsProxyRecord(Text(p, "DBProxyName")!, Text(p, "Status"), Text(p, "EngineFamily"), Text(p, "Endpoint"),
                string.Equals(Text(p, "RequireTLS"), "true", StringComparison.OrdinalIgnoreCase), Text(p, "VpcId"),
                Items(p.Child("Auth")).Select(a => new RdsProxyAuth(Text(a, "AuthScheme"), Text(a, "SecretArn"), Text(a, "IAMAuth"),
                    Text(a, "ClientPasswordAuthType"))).ToList()))
            .ToList();

    /// <summary>The endpoints of one proxy, or of every proxy when <paramref name="proxyName"/> is null.</summary>
    public async Task<IReadOnlyList<RdsProxyEndpointRecord>> DescribeProxyEndpointsAsync(string? proxyName, CancellationToken cancellation) =>
        (await ListOrEmptyAsync("DescribeDBProxyEndpoints", "DBProxyEndpoints", cancellation, Named("DBProxyName", proxyName)).ConfigureAwait(false))
            .Where(e => Text(e, "DBProxyEndpointName") is not null && Text(e, "DBProxyName") is not null)
            .Select(e => new RdsProxyEndpointRecord(Text(e, "DBProxyEndpointName")!, Text(e, "DBProxyName")!, Text(e, "Endpoint"), Text(e, "Status"),
                Text(e, "TargetRole"), string.Equals(Text(e, "IsDefault"), "true", StringComparison.OrdinalIgnoreCase)))
            .ToList();

    /// <summary>The targets of a proxy's default target group with their health; empty when the proxy does not exist.</summary>
    public async Task<IReadOnlyList<RdsProxyTargetRecord>> DescribeProxyTargetsAsync(string proxyName, CancellationToken cancellation) =>
        (await ListOrEmptyAsync("DescribeDBProxyTargets", "Targets", cancellation, [new("DBProxyName", proxyName)]).ConfigureAwait(false))
            .Select(t => new RdsProxyTargetRecord(Text(t, "RdsResourceId"), Text(t, "Endpoint"), ParseInt(Text(t, "Port")), Text(t, "Type"),
                Text(t, "TrackedClusterId"), Text(t.Child("TargetHealth"), "State"), Text(t.Child("TargetHealth"), "Reason"),
                Text(t.Child("TargetHealth"), "Description")))
            .ToList();

    /// <summary>
    /// The parameters <paramref name="names"/> of a DB parameter group, or null when the group does not exist (moto has no
    /// default groups). DescribeDBParameters takes no filter by name ("This parameter isn't currently supported"), so
    /// every page is read and the rest dropped.
    /// </summary>
    public Task<IReadOnlyList<DatabaseParameter>?> DescribeParametersAsync(string groupName, IReadOnlyCollection<string> names, CancellationToken cancellation) =>
        ParametersAsync("DescribeDBParameters", "DBParameterGroupName", groupName, names, cancellation);

    /// <summary>The parameters <paramref name="names"/> of a DB cluster parameter group (Aurora, DocumentDB), or null when the group does not exist.</summary>
    public Task<IReadOnlyList<DatabaseParameter>?> DescribeClusterParametersAsync(string groupName, IReadOnlyCollection<string> names, CancellationToken cancellation) =>
        ParametersAsync("DescribeDBClusterParameters", "DBClusterParameterGroupName", groupName, names, cancellation);

    /// <summary>The option group by name, or null when it does not exist.</summary>
    public async Task<RdsOptionGroupRecord?> DescribeOptionGroupAsync(string name, CancellationToken cancellation) =>
        (await ListOrEmptyAsync("DescribeOptionGroups", "OptionGroupsList", cancellation, [new("OptionGroupName", name)]).ConfigureAwait(false))
            .Where(g => Text(g, "OptionGroupName") is not null)
            .Select(g => new RdsOptionGroupRecord(Text(g, "OptionGroupName")!, Text(g, "EngineName"), Text(g, "MajorEngineVersion"),
                Items(g.Child("Options")).Where(o => Text(o, "OptionName") is not null)
                    .Select(o => new RdsOption(Text(o, "OptionName")!, ParseInt(Text(o, "Port")),
                        Items(o.Child("OptionSettings")).Where(s => Text(s, "Name") is not null)
                            .GroupBy(s => Text(s, "Name")!, StringComparer.OrdinalIgnoreCase)
                            .ToDictionary(s => s.Key, s => Text(s.First(), "Value"), StringComparer.OrdinalIgnoreCase)))
                    .ToList()))
            .FirstOrDefault();

    private async Task<IReadOnlyList<DatabaseParameter>?> ParametersAsync(string operation, string groupParameter, string groupName,
        IReadOnlyCollection<string> names, CancellationToken cancellation)
    {
        List<XElement> items;
        try
        {
            items = await ListAsync(operation, "Parameters", cancellation, [new(groupParameter, groupName)]).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.Kind == AwsErrorKind.NotFound)
        {
            return null;
        }
        var wanted = new HashSet<string>(names, StringComparer.OrdinalIgnoreCase);
        return items.Select(ToParameter).OfType<DatabaseParameter>().Where(p => wanted.Contains(p.Name)).ToList();
    }

    internal static DatabaseParameter? ToParameter(XElement parameter) =>
        Text(parameter, "ParameterName") is { } name
            ? new DatabaseParameter(name, Text(parameter, "ParameterValue"), Text(parameter, "Source"), Text(parameter, "ApplyType"))
            : null;

    private static RdsInstanceRecord? ToInstanceRecord(XElement instance)
    {
        if (Text(instance, "DBInstanceIdentifier") is not { } identifier) return null;
        var endpoint = instance.Child("Endpoint");
        return new RdsInstanceRecord(identifier, Text(instance, "Engine"), Text(instance, "EngineVersion"), Text(instance, "DBInstanceStatus"),
            Text(endpoint, "Address"), ParseInt(Text(endpoint, "Port")),
            Items(instance.Child("DBParameterGroups")).Where(g => Text(g, "DBParameterGroupName") is not null)
                .Select(g => new ParameterGroupUse(Text(g, "DBParameterGroupName")!, Text(g, "ParameterApplyStatus"))).ToList(),
            Items(instance.Child("OptionGroupMemberships")).Select(g => Text(g, "OptionGroupName")).OfType<string>().ToList(),
            Text(instance, "DBClusterIdentifier"), Text(instance, "MasterUsername"), Text(instance, "DBName"));
    }

    private static RdsClusterRecord? ToClusterRecord(XElement cluster)
    {
        if (Text(cluster, "DBClusterIdentifier") is not { } identifier) return null;
        var memberStatuses = Items(cluster.Child("DBClusterMembers")).Select(m => Text(m, "DBClusterParameterGroupStatus")).OfType<string>().ToList();
        return new RdsClusterRecord(identifier, Text(cluster, "Engine"), Text(cluster, "EngineVersion"), Text(cluster, "Status"),
            Text(cluster, "Endpoint"), Text(cluster, "ReaderEndpoint"),
            Items(cluster.Child("CustomEndpoints")).Select(e => NullIfEmpty(e.Value)).OfType<string>().ToList(),
            ParseInt(Text(cluster, "Port")), Text(cluster, "DBClusterParameterGroup"),
            memberStatuses.FirstOrDefault(s => !string.Equals(s, "in-sync", StringComparison.OrdinalIgnoreCase)) ?? memberStatuses.FirstOrDefault(),
            Text(cluster, "MasterUsername"), Text(cluster, "DatabaseName"));
    }

    /// <summary>A Describe call's items, or none when the named resource does not exist.</summary>
    private async Task<List<XElement>> ListOrEmptyAsync(string operation, string listName, CancellationToken cancellation,
        IReadOnlyList<KeyValuePair<string, string>> filter)
    {
        try
        {
            return await ListAsync(operation, listName, cancellation, filter).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.Kind == AwsErrorKind.NotFound)
        {
            return [];
        }
    }

    private static IReadOnlyList<KeyValuePair<string, string>> Named(string parameter, string? value) =>
        value is null ? [] : [new(parameter, value)];

    private static string? Text(XElement? parent, string name) => NullIfEmpty(parent.Child(name)?.Value);
}
