namespace RotationTroubleshooter.Aws;

public enum OwningResourceKind { DBInstance, DBCluster, RedshiftCluster }

/// <summary>
/// The database that owns a managed secret, as the secret's tag names it: aws:rds:primaryDBInstanceArn,
/// aws:rds:primaryDBClusterArn or aws:redshift:primaryclusterarn (docs/reference/rotation.md, "Managed rotation").
/// </summary>
public sealed record OwningResource(OwningResourceKind Kind, string Identifier, string Arn, string Tag)
{
    public const string DBInstanceTag = "aws:rds:primaryDBInstanceArn";
    public const string DBClusterTag = "aws:rds:primaryDBClusterArn";
    public const string RedshiftClusterTag = "aws:redshift:primaryclusterarn";

    /// <summary>The database a secret's tags name; null when they name none.</summary>
    public static OwningResource? OwnerOf(SecretDescription secret) =>
        FromTag(secret, OwningResourceKind.DBInstance, DBInstanceTag, "rds", "db")
        ?? FromTag(secret, OwningResourceKind.DBCluster, DBClusterTag, "rds", "cluster")
        ?? FromTag(secret, OwningResourceKind.RedshiftCluster, RedshiftClusterTag, "redshift", "cluster");

    public bool IsRds => Kind is OwningResourceKind.DBInstance or OwningResourceKind.DBCluster;

    /// <summary>RDS DescribeEvents' SourceType for this resource; null for Redshift.</summary>
    public string? RdsSourceType => Kind switch
    {
        OwningResourceKind.DBInstance => "db-instance",
        OwningResourceKind.DBCluster => "db-cluster",
        _ => null,
    };

    public string Noun => Kind switch
    {
        OwningResourceKind.DBInstance => "DB instance",
        OwningResourceKind.DBCluster => "DB cluster",
        _ => "Redshift cluster",
    };

    public override string ToString() => $"{Noun} {Identifier}";

    // arn:aws:<service>:<region>:<account>:<resource type>:<identifier>; AWS's templates read Redshift's tag key in any case.
    private static OwningResource? FromTag(SecretDescription secret, OwningResourceKind kind, string tag, string service, string type)
    {
        var found = secret.Tags?.FirstOrDefault(t => string.Equals(t.Key, tag, kind == OwningResourceKind.RedshiftCluster ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal));
        if (found?.Value is not { } value || !Amazon.Arn.TryParse(value, out var arn) || arn.Service != service) return null;
        return arn.Resource.Split(':') is [var resourceType, { Length: > 0 } identifier] && resourceType == type
            ? new OwningResource(kind, identifier, value, found.Key!)
            : null;
    }
}

/// <summary>
/// The owning database as its service describes it: its status, the secret it names for its master user (RDS's
/// MasterUserSecret.SecretArn, Redshift's MasterPasswordSecretArn; null when none) and RDS's SecretStatus and KmsKeyId.
/// </summary>
public sealed record OwnerDescription(OwningResource Resource, string? Status, string? SecretArn, string? SecretStatus, string? KmsKeyId);

/// <summary>One event the owning service recorded about the database.</summary>
public sealed record OwnerEvent(DateTime? Date, string Message, IReadOnlyList<string> Categories);
