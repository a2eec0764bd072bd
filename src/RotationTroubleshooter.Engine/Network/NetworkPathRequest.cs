namespace RotationTroubleshooter.Network;

/// <summary>What the analyzer needs to know about one rotation function, taken from Lambda's GetFunction and the secret.</summary>
/// <param name="SubnetIds">VpcConfig.SubnetIds; empty when the function is not in a VPC.</param>
/// <param name="SecurityGroupIds">VpcConfig.SecurityGroupIds.</param>
/// <param name="RoleArn">The function's execution role, the principal the endpoint policy is evaluated for.</param>
/// <param name="SecretsManagerEndpoint">The function's SECRETS_MANAGER_ENDPOINT environment value, if set.</param>
/// <param name="Region">The function's region, e.g. us-east-1.</param>
/// <param name="SecretArn">The secret being rotated, the resource the endpoint policy is evaluated for.</param>
/// <param name="Database">The database the secret's host points at; null to skip the database path.</param>
public sealed record NetworkPathRequest(
    string FunctionName,
    IReadOnlyList<string> SubnetIds,
    IReadOnlyList<string> SecurityGroupIds,
    string? RoleArn,
    string? SecretsManagerEndpoint,
    string Region,
    string? SecretArn,
    DatabaseTarget? Database = null)
{
    /// <summary>
    /// VpcConfig.VpcId: the VPC is described at once, in one round trip, when its subnets include the function's; null
    /// (or a VPC that does not hold them) finds it from the subnets first.
    /// </summary>
    public string? VpcId { get; init; }
}

/// <summary>
/// The database as RDS describes it (DescribeDBInstances / DescribeDBClusters matched on the secret's host).
/// For a host that is not an RDS endpoint, leave <see cref="VpcId"/> null and the lists empty: only the
/// function's side is checked then.
/// </summary>
/// <param name="Host">The secret's host value.</param>
/// <param name="Port">The port the function connects to (the secret's port, else the engine default).</param>
/// <param name="ResourceId">The DB instance or cluster identifier; null when the host is not an RDS endpoint.</param>
/// <param name="VpcId">DBSubnetGroup.VpcId.</param>
/// <param name="SubnetIds">The DB subnet group's subnets (narrow to the instance's availability zone when known).</param>
/// <param name="SecurityGroupIds">VpcSecurityGroups ids.</param>
public sealed record DatabaseTarget(
    string Host,
    int Port,
    string? ResourceId,
    string? VpcId,
    IReadOnlyList<string> SubnetIds,
    IReadOnlyList<string> SecurityGroupIds)
{
    public bool IsRdsEndpoint => ResourceId is not null && VpcId is not null;

    /// <summary>How an export shows the target: host:port and the RDS resource it resolved to.</summary>
    public override string ToString() => $"{Host}:{Port}" + (ResourceId is null ? " (not an RDS endpoint)" : $" ({ResourceId} in {VpcId})");
}
