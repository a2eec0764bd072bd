using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>
/// A secret RDS rotates: the instance or cluster its tags name exists, still names this secret as its MasterUserSecret,
/// and RDS can still rotate it (SecretStatus not impaired).
/// </summary>
internal sealed class ManagedSecretOwnerCheck : RotationCheck
{
    public static readonly FindingDefinition ManagedSecretOwnerMissing = new(nameof(ManagedSecretOwnerMissing), FindingSeverity.Error,
        "The RDS instance or cluster that owns this secret no longer exists: nothing rotates the secret, and its password opens no database.",
        "If the database was deleted, delete this leftover secret once nothing reads it (Remove-SECSecret). If it lives on under another " +
        "name, turn on ManageMasterUserPassword there (Edit-RDSDBInstance or Edit-RDSDBCluster -ManageMasterUserPassword $true), which makes a new secret.",
        AwsDocs.RdsSecretsManager);

    public static readonly FindingDefinition ManagedSecretNotInUse = new(nameof(ManagedSecretNotInUse), FindingSeverity.Error,
        "The RDS instance or cluster that owns this secret now names another secret as its master user secret, or none: RDS no longer rotates this one.",
        "Read the master credentials from the secret the database names (MasterUserSecret.SecretArn of Get-RDSDBInstance or Get-RDSDBCluster), " +
        "and delete this one once nothing reads it.",
        AwsDocs.RdsSecretsManager);

    public static readonly FindingDefinition ManagedSecretImpaired = new(nameof(ManagedSecretImpaired), FindingSeverity.Error,
        "RDS can no longer rotate this secret (MasterUserSecret.SecretStatus impaired): the current password still works, but it will not change.",
        "Let RDS use the secret and its KMS key again: the key is enabled and not pending deletion, and neither the key policy nor the secret's " +
        "resource policy denies RDS. Otherwise turn the managed master password off (with a new -MasterUserPassword) and on again.",
        AwsDocs.RdsSecretsManager);

    public override string Id => "ManagedSecretOwner";
    public override string Description => "secrets RDS rotates: the instance or cluster the secret's tags name exists, names this secret as its `MasterUserSecret`, and its `SecretStatus` is not `impaired`";
    public override CheckArea Area => CheckArea.OwningService;
    public override IReadOnlyList<FindingDefinition> Findings => [ManagedSecretOwnerMissing, ManagedSecretNotInUse, ManagedSecretImpaired];
    public override IReadOnlyList<string> Permissions => ["rds:DescribeDBInstances", "rds:DescribeDBClusters"];
    public override CheckTarget Target => CheckTarget.ManagedRotation;
    public override bool AppliesTo(DiagnosisContext context) => base.AppliesTo(context) && context.RdsOwnerResource != null;

    public override async Task RunAsync(DiagnosisContext context, CancellationToken cancellation)
    {
        var resource = context.RdsOwnerResource!;
        var tag = resource.Kind == RdsResourceKind.Instance ? RdsResource.InstanceTag : RdsResource.ClusterTag;
        if (await context.RdsOwnerAsync(cancellation).ConfigureAwait(false) is not { } owner)
        {
            context.Add(this, ManagedSecretOwnerMissing.Raise([$"{tag}={resource.Arn}", $"rds:Describe{(resource.Kind == RdsResourceKind.Instance ? "DBInstances" : "DBClusters")}: {resource} not found"],
                $"The {resource} that owns this secret no longer exists: nothing rotates the secret, and its password opens no database."));
            return;
        }
        var managed = owner.MasterUserSecret;
        var evidence = new List<string>
        {
            $"{resource}: status {owner.Status ?? "unknown"}",
            managed is null ? $"{resource} has no MasterUserSecret (RDS manages no secret for it)"
                : $"MasterUserSecret: SecretArn={managed.SecretArn}, SecretStatus={managed.SecretStatus ?? "absent"}, KmsKeyId={managed.KmsKeyId ?? "absent"}",
        };
        if (managed?.SecretArn is not { } arn || !arn.Equals(context.Secret.ARN, StringComparison.Ordinal))
        {
            context.Add(this, ManagedSecretNotInUse.Raise(evidence, managed?.SecretArn is null
                ? $"The {resource} that owns this secret no longer has RDS manage its master password: nothing rotates this secret."
                : $"The {resource} that owns this secret now uses another secret for its master user: RDS no longer rotates this one."));
            return;
        }
        if (string.Equals(managed.SecretStatus, "impaired", StringComparison.OrdinalIgnoreCase))
            context.Add(this, ManagedSecretImpaired.Raise(evidence,
                remediation: $"Let RDS use the secret and its KMS key {managed.KmsKeyId ?? "(aws/secretsmanager)"} again: the key is enabled and not pending deletion " +
                             "(Get-KMSKey), and neither the key policy nor the secret's resource policy denies RDS. Otherwise turn the managed master password " +
                             $"off and on again ({(resource.Kind == RdsResourceKind.Instance ? $"Edit-RDSDBInstance -DBInstanceIdentifier {resource.Identifier}" : $"Edit-RDSDBCluster -DBClusterIdentifier {resource.Identifier}")} " +
                             "-ManageMasterUserPassword $false with a new -MasterUserPassword, then -ManageMasterUserPassword $true)."));
    }
}
