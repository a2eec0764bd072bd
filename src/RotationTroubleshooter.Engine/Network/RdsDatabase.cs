namespace RotationTroubleshooter.Network;

/// <summary>A DB subnet group member as RDS reports it (DBSubnetGroup.Subnets: SubnetIdentifier, SubnetAvailabilityZone.Name).</summary>
public sealed record RdsSubnet(string SubnetId, string? AvailabilityZone);

/// <summary>
/// One DB instance or cluster as DescribeDBInstances / DescribeDBClusters report it, reduced to what the network check needs.
/// </summary>
/// <param name="Identifier">DBInstanceIdentifier or DBClusterIdentifier.</param>
/// <param name="Endpoints">Instance: Endpoint.Address. Cluster: Endpoint, ReaderEndpoint and CustomEndpoints.</param>
/// <param name="Port">Endpoint.Port (instance) or Port (cluster).</param>
/// <param name="VpcId">DBSubnetGroup.VpcId (for a cluster, from its DB subnet group).</param>
/// <param name="Subnets">DBSubnetGroup.Subnets.</param>
/// <param name="SecurityGroupIds">VpcSecurityGroups[].VpcSecurityGroupId.</param>
/// <param name="AvailabilityZone">The instance's AvailabilityZone; null for clusters.</param>
/// <param name="IsCluster">A DB cluster (DescribeDBClusters), not an instance.</param>
/// <param name="ClusterIdentifier">The cluster an instance belongs to (DBClusterIdentifier): an Aurora instance's master password is its cluster's.</param>
public sealed record RdsDatabase(
    string Identifier,
    IReadOnlyList<string> Endpoints,
    int? Port,
    string? VpcId,
    IReadOnlyList<RdsSubnet> Subnets,
    IReadOnlyList<string> SecurityGroupIds,
    string? AvailabilityZone = null,
    bool IsCluster = false,
    string? ClusterIdentifier = null);

public static class DatabaseTargets
{
    /// <summary>
    /// Maps the secret's host to the RDS instance or cluster that serves it. An instance is narrowed to the subnets of
    /// its Availability Zone, where its network interface lives. A host no RDS endpoint matches gives a target with
    /// no VPC, for which only the function's side is checked.
    /// </summary>
    /// <param name="port">The secret's port, or null to use the database's own.</param>
    /// <param name="defaultPort">The engine's default port when neither the secret nor RDS gives one.</param>
    public static DatabaseTarget Resolve(string host, int? port, int defaultPort, IEnumerable<RdsDatabase> databases)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        var match = Find(host, databases);
        if (match is null)
            return new DatabaseTarget(host, port ?? defaultPort, null, null, [], []);
        var inZone = match.AvailabilityZone is null ? [] : match.Subnets.Where(s => s.AvailabilityZone == match.AvailabilityZone).ToList();
        var subnets = (inZone.Count > 0 ? inZone : match.Subnets).Select(s => s.SubnetId).Distinct(StringComparer.Ordinal).ToList();
        return new DatabaseTarget(host, port ?? match.Port ?? defaultPort, match.Identifier, match.VpcId, subnets, match.SecurityGroupIds);
    }

    /// <summary>The RDS instance or cluster one of whose endpoints the host is; null when none is.</summary>
    public static RdsDatabase? Find(string host, IEnumerable<RdsDatabase> databases)
    {
        var wanted = host.Trim().TrimEnd('.');
        return databases.FirstOrDefault(d => d.Endpoints.Any(e => string.Equals(e?.TrimEnd('.'), wanted, StringComparison.OrdinalIgnoreCase)));
    }
}
