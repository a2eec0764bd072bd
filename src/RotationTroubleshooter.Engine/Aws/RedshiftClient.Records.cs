using System.Globalization;
using System.Xml.Linq;

namespace RotationTroubleshooter.Aws;

/// <summary>Redshift's records of a provisioned cluster: status, endpoint and parameter groups (docs/reference/rds-records.md).</summary>
public sealed partial class RedshiftClient
{
    /// <summary>Redshift's largest page.</summary>
    internal const int PageSize = 100;
    /// <summary>Pages per listing before giving up, as for RDS.</summary>
    internal const int MaxPages = RdsClient.MaxPages;

    /// <summary>The cluster by identifier (empty when it does not exist), or every cluster when <paramref name="identifier"/> is null.</summary>
    public async Task<IReadOnlyList<RedshiftClusterRecord>> DescribeClustersAsync(string? identifier, CancellationToken cancellation)
    {
        List<XElement> items;
        try
        {
            items = await ListAsync("DescribeClusters", "Clusters", identifier is null ? [] : [new("ClusterIdentifier", identifier)], cancellation)
                .ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.Kind == AwsErrorKind.NotFound)
        {
            return [];
        }
        return items.Where(c => Text(c.Child("ClusterIdentifier")) is not null)
            .Select(c => new RedshiftClusterRecord(Text(c.Child("ClusterIdentifier"))!, Text(c.Child("ClusterStatus")),
                Text(c.Child("Endpoint").Child("Address")), ParseInt(Text(c.Child("Endpoint").Child("Port"))),
                (c.Child("ClusterParameterGroups")?.Elements() ?? []).Where(g => Text(g.Child("ParameterGroupName")) is not null)
                    .Select(g => new ParameterGroupUse(Text(g.Child("ParameterGroupName"))!, Text(g.Child("ParameterApplyStatus")))).ToList(),
                Text(c.Child("DBName")), Text(c.Child("MasterUsername"))))
            .ToList();
    }

    /// <summary>The parameters <paramref name="names"/> of a cluster parameter group, or null when the group does not exist.</summary>
    public async Task<IReadOnlyList<DatabaseParameter>?> DescribeClusterParametersAsync(string groupName, IReadOnlyCollection<string> names,
        CancellationToken cancellation)
    {
        List<XElement> items;
        try
        {
            items = await ListAsync("DescribeClusterParameters", "Parameters", [new("ParameterGroupName", groupName)], cancellation).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.Kind == AwsErrorKind.NotFound)
        {
            return null;
        }
        var wanted = new HashSet<string>(names, StringComparer.OrdinalIgnoreCase);
        return items.Select(RdsClient.ToParameter).OfType<DatabaseParameter>().Where(p => wanted.Contains(p.Name)).ToList();
    }

    private Task<List<XElement>> ListAsync(string operation, string listName, IReadOnlyList<KeyValuePair<string, string>> filter,
        CancellationToken cancellation) =>
        QueryListing.ListAsync(pipeline, AwsServices.Redshift, ApiVersion, operation, listName, filter, PageSize, MaxPages, cancellation);

    private static int? ParseInt(string? text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
