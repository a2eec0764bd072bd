using RotationTroubleshooter.Network;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>The function's VPC path to Secrets Manager and to the database, as Test-RotationNetwork follows it.</summary>
internal sealed class NetworkPathCheck : RotationCheck
{
    public override string Id => "NetworkPath";
    public override string Description => "the function's VPC path to Secrets Manager and to the database, as `Test-RotationNetwork` follows it";
    public override CheckArea Area => CheckArea.Network;
    public override IReadOnlyList<FindingDefinition> Findings { get; } = NetworkFindings.All;
    public override IReadOnlyList<string> Permissions { get; } =
    [
        "lambda:GetFunction", "secretsmanager:GetSecretValue", "ec2:DescribeSubnets", "ec2:DescribeRouteTables", "ec2:DescribeNatGateways",
        "ec2:DescribeInternetGateways", "ec2:DescribeVpcEndpoints", "ec2:DescribeSecurityGroups", "ec2:DescribeNetworkAcls",
        "ec2:DescribeVpcPeeringConnections", "rds:DescribeDBInstances", "rds:DescribeDBClusters", "rds:DescribeDBSubnetGroups",
    ];

    public override async Task RunAsync(DiagnosisContext context, CancellationToken cancellation)
    {
        foreach (var finding in (await context.NetworkPathAsync(cancellation).ConfigureAwait(false)).Findings)
            context.Add(this, finding);
    }
}
