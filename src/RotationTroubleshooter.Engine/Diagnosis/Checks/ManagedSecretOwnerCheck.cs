using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>
/// A secret RDS or Redshift rotates: the database its tag names exists, still names this secret as its master user's,
/// and (RDS) can still rotate it: SecretStatus is not impaired.
/// </summary>
internal sealed class ManagedSecretOwnerCheck : RotationCheck
{
    public static readonly FindingDefinition ManagedSecretOwnerMissing = new(nameof(ManagedSecretOwnerMissing), FindingSeverity.Error,
        "The database (RDS instance or cluster, Redshift cluster) that owns this secret no longer exists: nothing rotates the secret, and its password opens no database.",
        "If the database was deleted, delete this leftover secret once nothing reads it (Remove-SECSecret). If it lives on under another " +
        "name, have its service manage the master password there again (RDS: -ManageMasterUserPassword $true, Redshift: -ManageMasterPassword $true), which makes a new secret.",
        AwsDocs.RdsSecretsManager);

    public static readonly FindingDefinition ManagedSecretNotInUse = new(nameof(ManagedSecretNotInUse), FindingSeverity.Error,
        "The database that owns this secret now names another secret for its master user, or none: its service no longer rotates this one.",
        "Read the master credentials from the secret the database names (RDS: MasterUserSecret.SecretArn of Get-RDSDBInstance or Get-RDSDBCluster; " +
        "Redshift: MasterPasswordSecretArn of Get-RSCluster), and delete this one once nothing reads it.",
        AwsDocs.RdsSecretsManager);

    public static readonly FindingDefinition ManagedSecretImpaired = new(nameof(ManagedSecretImpaired), FindingSeverity.Error,
        "RDS can no longer rotate this secret (MasterUserSecret.SecretStatus impaired): the current password still works, but it will not change.",
        "Let RDS use the secret and its KMS key again: the key is enabled and not pending deletion, and neither the key policy nor the secret's " +
        "resource policy denies RDS. Otherwise turn the managed master password off (with a new -MasterUserPassword) and on again.",
        AwsDocs.RdsSecretsManager);

    public override string Description =>
        "secrets RDS, Aurora or Redshift rotate: the database the secret's tag names exists and names this secret for its master user " +
        "(`MasterUserSecret`, `MasterPasswordSecretArn`), and RDS's `SecretStatus` is not `impaired`";
    public override CheckArea Area => CheckArea.OwningService;
    public override IReadOnlyList<FindingDefinition> Findings { get; } = [ManagedSecretOwnerMissing, ManagedSecretNotInUse, ManagedSecretImpaired];
    public override IReadOnlyList<Input> Inputs { get; } = [DatabaseInputs.Owner];
    public override CheckTarget Target => CheckTarget.ManagedRotation;
    public override bool AppliesTo(DiagnosisContext context) => context.OwningResource != null;

    public override async Task RunAsync(CheckContext context, CancellationToken cancellation)
    {
        var resource = context.OwningResource!;
        if (await context.GetAsync(DatabaseInputs.Owner, cancellation).ConfigureAwait(false) is not { } owner)
        {
            context.Add(ManagedSecretOwnerMissing.Raise([$"{resource.Tag}={resource.Arn}", $"{Lookup(resource)}: {resource} not found"],
                $"The {resource} that owns this secret no longer exists: nothing rotates the secret, and its password opens no database.",
                resource.IsRds ? null
                    : "If the cluster was deleted, delete this leftover secret once nothing reads it (Remove-SECSecret). If it lives on under another " +
                      "name, turn on the managed admin password there (Edit-RSCluster -ManageMasterPassword $true), which makes a new secret."));
            return;
        }
        var evidence = new List<string>
        {
            $"{resource}: status {owner.Status ?? "unknown"}",
            owner.SecretArn is null ? $"{resource} names no managed master user secret"
                : resource.IsRds ? $"MasterUserSecret: SecretArn={owner.SecretArn}, SecretStatus={owner.SecretStatus ?? "absent"}, KmsKeyId={owner.KmsKeyId ?? "absent"}"
                : $"MasterPasswordSecretArn={owner.SecretArn}, MasterPasswordSecretKmsKeyId={owner.KmsKeyId ?? "absent"}",
        };
        if (owner.SecretArn is not { } arn || !arn.Equals(context.Secret.ARN, StringComparison.Ordinal))
        {
            context.Add(ManagedSecretNotInUse.Raise(evidence, owner.SecretArn is null
                ? $"The {resource} that owns this secret no longer has {context.Secret.Owner} manage its master password: nothing rotates this secret."
                : $"The {resource} that owns this secret now uses another secret for its master user: {context.Secret.Owner} no longer rotates this one."));
            return;
        }
        if (string.Equals(owner.SecretStatus, "impaired", StringComparison.OrdinalIgnoreCase))
            context.Add(ManagedSecretImpaired.Raise(evidence,
                remediation: $"Let RDS use the secret and its KMS key {owner.KmsKeyId ?? "(aws/secretsmanager)"} again: the key is enabled and not pending deletion " +
                             "(Get-KMSKey), and neither the key policy nor the secret's resource policy denies RDS. Otherwise turn the managed master password " +
                             $"off and on again ({(resource.Kind == OwningResourceKind.DBInstance ? $"Edit-RDSDBInstance -DBInstanceIdentifier {resource.Identifier}" : $"Edit-RDSDBCluster -DBClusterIdentifier {resource.Identifier}")} " +
                             "-ManageMasterUserPassword $false with a new -MasterUserPassword, then -ManageMasterUserPassword $true)."));
    }

    private static string Lookup(OwningResource resource) => resource.Kind switch
    {
        OwningResourceKind.DBInstance => "rds:DescribeDBInstances",
        OwningResourceKind.DBCluster => "rds:DescribeDBClusters",
        _ => "redshift:DescribeClusters",
    };
}
