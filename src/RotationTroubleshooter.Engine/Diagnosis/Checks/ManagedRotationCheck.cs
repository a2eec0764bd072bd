using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>A secret its owning service rotates (managed rotation) has its rotation turned on.</summary>
internal sealed class ManagedRotationCheck : RotationCheck
{
    public static readonly FindingDefinition ManagedRotationDisabled = new(nameof(ManagedRotationDisabled), FindingSeverity.Warning,
        "The service that owns this secret rotates it itself, but its rotation is turned off: the password does not change.",
        "Turn rotation back on, without a function: Invoke-SECSecretRotation -SecretId <secret> -RotationRules_ScheduleExpression 'rate(7 days)' " +
        "-RotateImmediately $false (RDS's default schedule), or in the Secrets Manager console.",
        AwsDocs.ManagedRotation);

    public override string Description => "secrets their owning service rotates (managed rotation: RDS, Aurora, ...): rotation is turned on";
    public override CheckArea Area => CheckArea.Configuration;
    public override IReadOnlyList<FindingDefinition> Findings { get; } = [ManagedRotationDisabled];
    public override CheckTarget Target => CheckTarget.ManagedRotation;

    public override Task RunAsync(CheckContext context, CancellationToken cancellation)
    {
        var secret = context.Secret;
        if (secret.RotationEnabled != true)
            context.Add(ManagedRotationDisabled.Raise([$"OwningService={secret.Owner}, RotationEnabled={secret.RotationEnabled?.ToString() ?? "absent"}, no RotationLambdaARN"],
                $"{secret.Owner} owns this secret and rotates it itself, but its rotation is turned off: the password does not change.",
                $"Turn rotation back on, without a function: Invoke-SECSecretRotation -SecretId '{context.SecretName}' " +
                "-RotationRules_ScheduleExpression 'rate(7 days)' -RotateImmediately $false, or in the Secrets Manager console."));
        return Task.CompletedTask;
    }

    /// <summary>How to have the owning service rotate the secret now.</summary>
    internal static string RotateCommand(EvidenceReader context) => context.OwningResource switch
    {
        { Kind: OwningResourceKind.DBInstance } r => $"Edit-RDSDBInstance -DBInstanceIdentifier {r.Identifier} -RotateMasterUserPassword $true -ApplyImmediately $true",
        { Kind: OwningResourceKind.DBCluster } r => $"Edit-RDSDBCluster -DBClusterIdentifier {r.Identifier} -RotateMasterUserPassword $true -ApplyImmediately $true",
        _ => $"Invoke-SECSecretRotation -SecretId '{context.SecretName}'",
    };
}
