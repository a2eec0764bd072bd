using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Network;

namespace RotationTroubleshooter.Evidence;

/// <summary>What EC2 and RDS say about the network between the rotation function, Secrets Manager and the database.</summary>
public static class NetworkInputs
{
    /// <summary>
    /// A VPC's description (subnets, route tables, gateways, endpoints, security groups, network ACLs, peerings), once per
    /// VPC per run: every function and database in it shares one description.
    /// </summary>
    public static readonly SharedInput<string, VpcNetwork> Vpc = new()
    {
        Id = "Vpc",
        Description = "the rotation function's VPC (subnets, routes, endpoints, security groups, network ACLs)",
        Permissions = ["ec2:DescribeSubnets", "ec2:DescribeRouteTables", "ec2:DescribeNatGateways", "ec2:DescribeInternetGateways",
            "ec2:DescribeVpcEndpoints", "ec2:DescribeSecurityGroups", "ec2:DescribeNetworkAcls", "ec2:DescribeVpcPeeringConnections"],
        SharedBy = InputScope.Vpc,
        ReadAhead = true,
        DependsOn = [FunctionInputs.Function],
        KeyAsync = async (reader, cancellation) =>
            await reader.GetAsync(FunctionInputs.Function, cancellation).ConfigureAwait(false) is { Configuration.VpcConfig: { SubnetIds.Count: > 0 } vpc }
                ? vpc.VpcId : null,
        Fetch = (session, vpcId, cancellation) => session.Get<NetworkPathService>().Snapshot.FetchVpcAsync(vpcId, cancellation),
    };

    /// <summary>The account's RDS instances and clusters in the region, listed once per run: a secret's host picks its database from them.</summary>
    public static readonly SharedInput<string, IReadOnlyList<RdsDatabase>> Databases = new()
    {
        Id = "RdsDatabases",
        Description = "the region's RDS instances and clusters",
        Permissions = ["rds:DescribeDBInstances", "rds:DescribeDBClusters", "rds:DescribeDBSubnetGroups"],
        SharedBy = InputScope.Account,
        ReadAhead = true,
        // Only the secret's host says which database to check.
        WithheldBy = options => options.SkipSecretValue ? "-SkipSecretValue" : null,
        Key = reader => reader.RegionName,
        Fetch = (session, _, cancellation) => session.Get<RdsClient>().DescribeDatabasesAsync(cancellation),
    };

    /// <summary>
    /// The function's paths to Secrets Manager and to the secret's database, as Test-RotationNetwork follows them (the
    /// database from the value's host, unless values may not be read). Shared while it is worked out; each diagnosis
    /// keeps its own.
    /// </summary>
    public static readonly SharedInput<NetworkQuestion, NetworkPathReport> Path = new()
    {
        Id = "NetworkPath",
        Description = "the rotation function's network paths to Secrets Manager and to the database",
        SharedBy = InputScope.Secret,
        Lifetime = CacheLifetime.WhileInFlight,
        DependsOn = [SecretInputs.Description, FunctionInputs.Function, SecretInputs.CurrentValue, Vpc, Databases],
        Key = reader => new NetworkQuestion(reader.SecretArn, ReadsValue: !reader.Options.SkipSecretValue),
        Fetch = (session, question, cancellation) =>
            session.Get<NetworkPathService>().AnalyzeSecretAsync(question.SecretId, question.ReadsValue, cancellation),
    };
}

/// <summary>The network question of one secret: its paths, and whether its value may be read for the database's host.</summary>
public sealed record NetworkQuestion(string SecretId, bool ReadsValue);
