namespace RotationTroubleshooter.History;

/// <summary>
/// A resource whose CloudTrail events belong in a secret's history, and the name CloudTrail lists it under
/// (docs/reference/cloudtrail.md, "LookupEvents: what it can answer": a secret's and a key's ARN, a function's name,
/// EC2 ids, RDS identifiers). Equal resources are looked up once per run.
/// </summary>
public sealed record TrackedResource(HistoryResourceKind Kind, string Name)
{
    public override string ToString() => $"{Kind} {Name}";
}

/// <summary>
/// What a secret's rotation depends on, as far as CloudTrail can tell of changes to it: the secret, its rotation
/// function, the network path's security groups (the function's and the database's), network ACLs and route tables, the
/// customer managed KMS key, and the database.
/// </summary>
public sealed record RotationDependencies(string SecretArn)
{
    public string? FunctionName { get; init; }
    /// <summary>The function's execution role: its sessions are the rotation function's calls.</summary>
    public string? FunctionRoleArn { get; init; }
    /// <summary>The key's ARN; null for the <c>aws/secretsmanager</c> key, which nobody can change.</summary>
    public string? KmsKeyArn { get; init; }
    public IReadOnlyList<string> SecurityGroupIds { get; init; } = [];
    public IReadOnlyList<string> NetworkAclIds { get; init; } = [];
    public IReadOnlyList<string> RouteTableIds { get; init; } = [];
    public string? DatabaseInstanceId { get; init; }
    public string? DatabaseClusterId { get; init; }
    /// <summary>What could not be read of these dependencies, each in words with why: the timeline leaves their changes out.</summary>
    public IReadOnlyList<string> Unread { get; init; } = [];

    /// <summary>The resources to look up, the secret first (an event several of them name is shown under the first).</summary>
    public IEnumerable<TrackedResource> Resources()
    {
        yield return new TrackedResource(HistoryResourceKind.Secret, SecretArn);
        if (FunctionName is not null) yield return new TrackedResource(HistoryResourceKind.Function, FunctionName);
        foreach (var id in SecurityGroupIds.Distinct(StringComparer.Ordinal)) yield return new TrackedResource(HistoryResourceKind.SecurityGroup, id);
        foreach (var id in NetworkAclIds.Distinct(StringComparer.Ordinal)) yield return new TrackedResource(HistoryResourceKind.NetworkAcl, id);
        foreach (var id in RouteTableIds.Distinct(StringComparer.Ordinal)) yield return new TrackedResource(HistoryResourceKind.RouteTable, id);
        if (KmsKeyArn is not null) yield return new TrackedResource(HistoryResourceKind.KmsKey, KmsKeyArn);
        if (DatabaseInstanceId is not null) yield return new TrackedResource(HistoryResourceKind.DatabaseInstance, DatabaseInstanceId);
        if (DatabaseClusterId is not null) yield return new TrackedResource(HistoryResourceKind.DatabaseCluster, DatabaseClusterId);
    }
}
