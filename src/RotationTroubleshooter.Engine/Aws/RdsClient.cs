using System.Globalization;
using System.Xml.Linq;
using RotationTroubleshooter.Network;

namespace RotationTroubleshooter.Aws;

/// <summary>
/// RDS (query protocol, API 2014-10-31): the DB instances and clusters the network check matches a secret's host against,
/// and the instance or cluster that owns a managed secret, with its recent events.
/// </summary>
public sealed partial class RdsClient(AwsPipeline pipeline) : IRunService<RdsClient>
{
    public static RdsClient Create(AwsSession session) => new(session.Pipeline);

    private const string ApiVersion = "2014-10-31";
    /// <summary>RDS's largest page.</summary>
    internal const int PageSize = 100;
    /// <summary>Pages per listing before giving up: 50 pages of 100 is far beyond one account and region.</summary>
    internal const int MaxPages = 50;

    /// <summary>
    /// Every DB instance (DescribeDBInstances) and cluster (DescribeDBClusters: writer, reader and custom endpoints).
    /// DescribeDBClusters names the DB subnet group only, so a cluster's VPC and subnets come from an instance in the same
    /// group, else from DescribeDBSubnetGroups.
    /// </summary>
    public async Task<IReadOnlyList<RdsDatabase>> DescribeDatabasesAsync(CancellationToken cancellation)
    {
        var instancesTask = ListAsync("DescribeDBInstances", "DBInstances", cancellation);
        var clustersTask = ListAsync("DescribeDBClusters", "DBClusters", cancellation);
        await Task.WhenAll(instancesTask, clustersTask).ConfigureAwait(false);
        var (instanceItems, clusterItems) = (instancesTask.Result, clustersTask.Result);
        var databases = new List<RdsDatabase>();
        var groups = new Dictionary<string, (string? VpcId, IReadOnlyList<RdsSubnet> Subnets)>(StringComparer.Ordinal);
        foreach (var item in instanceItems)
        {
            if (ToInstance(item) is not { } instance) continue;
            databases.Add(instance);
            if (item.Child("DBSubnetGroup").Child("DBSubnetGroupName")?.Value is { Length: > 0 } groupName)
                groups.TryAdd(groupName, (instance.VpcId, instance.Subnets));
        }
        foreach (var cluster in clusterItems)
        {
            var identifier = cluster.Child("DBClusterIdentifier")?.Value;
            if (string.IsNullOrEmpty(identifier)) continue;
            var endpoints = new[] { cluster.Child("Endpoint")?.Value, cluster.Child("ReaderEndpoint")?.Value }
                .Concat(Items(cluster.Child("CustomEndpoints")).Select(e => e.Value))
                .Where(e => !string.IsNullOrWhiteSpace(e)).Select(e => e!).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var groupName = cluster.Child("DBSubnetGroup")?.Value;
            (string? VpcId, IReadOnlyList<RdsSubnet> Subnets) group = (null, []);
            if (!string.IsNullOrEmpty(groupName) && !groups.TryGetValue(groupName, out group))
                groups[groupName] = group = await DescribeSubnetGroupAsync(groupName, cancellation).ConfigureAwait(false);
            databases.Add(new RdsDatabase(identifier, endpoints, ParseInt(cluster.Child("Port")?.Value), group.VpcId, group.Subnets, SecurityGroups(cluster),
                IsCluster: true));
        }
        return databases;
    }

    /// <summary>The DB instance or cluster a managed secret names, with its MasterUserSecret; null when it does not exist.</summary>
    public async Task<OwnerDescription?> DescribeOwnerAsync(OwningResource resource, CancellationToken cancellation)
    {
        var (operation, idParameter, list, statusName) = resource.Kind == OwningResourceKind.DBInstance
            ? ("DescribeDBInstances", "DBInstanceIdentifier", "DBInstances", "DBInstanceStatus")
            : ("DescribeDBClusters", "DBClusterIdentifier", "DBClusters", "Status");
        XElement root;
        try
        {
            root = await pipeline.QueryAsync(AwsServices.Rds, operation, ApiVersion, [new(idParameter, resource.Identifier)], cancellation).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.Kind == AwsErrorKind.NotFound)
        {
            return null;
        }
        if (Items(root.Child(operation + "Result").Child(list)).FirstOrDefault() is not { } item) return null;
        var secret = item.Child("MasterUserSecret");
        return new OwnerDescription(resource, NullIfEmpty(item.Child(statusName)?.Value), NullIfEmpty(secret.Child("SecretArn")?.Value),
            NullIfEmpty(secret.Child("SecretStatus")?.Value), NullIfEmpty(secret.Child("KmsKeyId")?.Value));
    }

    /// <summary>The events RDS recorded for a DB instance or cluster over the last <paramref name="days"/> days (RDS keeps 14), newest first.</summary>
    public async Task<IReadOnlyList<OwnerEvent>> DescribeEventsAsync(OwningResource resource, int days, CancellationToken cancellation)
    {
        var items = await ListAsync("DescribeEvents", "Events", cancellation,
            [new("SourceIdentifier", resource.Identifier), new("SourceType", resource.RdsSourceType!),
             new("Duration", (days * 24 * 60).ToString(CultureInfo.InvariantCulture))]).ConfigureAwait(false);
        return items
            .Select(e => new OwnerEvent(
                DateTime.TryParse(e.Child("Date")?.Value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date) ? date : null,
                e.Child("Message")?.Value ?? "", Items(e.Child("EventCategories")).Select(c => c.Value).ToList()))
            .OrderByDescending(e => e.Date).ToList();
    }

    /// <summary>A cluster's DB subnet group; a group that no longer exists leaves that cluster's VPC unknown, not the whole listing failed.</summary>
    private async Task<(string? VpcId, IReadOnlyList<RdsSubnet> Subnets)> DescribeSubnetGroupAsync(string name, CancellationToken cancellation)
    {
        XElement root;
        try
        {
            root = await pipeline.QueryAsync(AwsServices.Rds, "DescribeDBSubnetGroups", ApiVersion, [new("DBSubnetGroupName", name)], cancellation)
                .ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.Kind == AwsErrorKind.NotFound)
        {
            return (null, []);
        }
        var group = Items(root.Child("DescribeDBSubnetGroupsResult").Child("DBSubnetGroups")).FirstOrDefault();
        return (group.Child("VpcId")?.Value, Subnets(group));
    }

    /// <summary>All items of a Marker-paginated Describe call.</summary>
    private Task<List<XElement>> ListAsync(string operation, string listName, CancellationToken cancellation,
        IReadOnlyList<KeyValuePair<string, string>>? filter = null) =>
        QueryListing.ListAsync(pipeline, AwsServices.Rds, ApiVersion, operation, listName, filter ?? [], PageSize, MaxPages, cancellation);

    internal static RdsDatabase? ToInstance(XElement instance)
    {
        var identifier = instance.Child("DBInstanceIdentifier")?.Value;
        if (string.IsNullOrEmpty(identifier)) return null;
        var endpoint = instance.Child("Endpoint");
        var address = endpoint.Child("Address")?.Value;
        var subnetGroup = instance.Child("DBSubnetGroup");
        return new RdsDatabase(identifier, string.IsNullOrWhiteSpace(address) ? [] : [address], ParseInt(endpoint.Child("Port")?.Value),
            subnetGroup.Child("VpcId")?.Value, Subnets(subnetGroup), SecurityGroups(instance), NullIfEmpty(instance.Child("AvailabilityZone")?.Value),
            ClusterIdentifier: NullIfEmpty(instance.Child("DBClusterIdentifier")?.Value));
    }

    private static IReadOnlyList<RdsSubnet> Subnets(XElement? subnetGroup) =>
        Items(subnetGroup.Child("Subnets"))
            .Select(s => new RdsSubnet(s.Child("SubnetIdentifier")?.Value ?? "", NullIfEmpty(s.Child("SubnetAvailabilityZone").Child("Name")?.Value)))
            .Where(s => s.SubnetId.Length > 0).ToList();

    private static IReadOnlyList<string> SecurityGroups(XElement item) =>
        Items(item.Child("VpcSecurityGroups")).Select(m => m.Child("VpcSecurityGroupId")?.Value)
            .Where(id => !string.IsNullOrEmpty(id)).Select(id => id!).Distinct(StringComparer.Ordinal).ToList();

    private static IEnumerable<XElement> Items(XElement? list) => list?.Elements() ?? [];

    private static int? ParseInt(string? text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static string? NullIfEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
