using RotationTroubleshooter.Bundles;

namespace RotationTroubleshooter.History;

/// <summary>What a secret's CloudTrail history decides (the history check raises them; the causes weigh them).</summary>
public static class HistoryFindings
{
    private const string CloudTrailHelp = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/monitoring-cloudtrail.html";

    public static readonly FindingDefinition SecretWrittenOutsideRotation = new(nameof(SecretWrittenOutsideRotation), FindingSeverity.Error,
        "The secret's value was written outside rotation, by someone other than the rotation function, after the last rotation: the database's password and the secret may no longer match.",
        "Find what wrote it (often infrastructure code re-applying an old value: ignore the secret's value there, e.g. Terraform's lifecycle ignore_changes), " +
        "put the database's current password back into AWSCURRENT, then rotate again (Start-SecretRotation).",
        CloudTrailHelp);

    public static readonly FindingDefinition RotationTurnedOff = new(nameof(RotationTurnedOff), FindingSeverity.Warning,
        "Rotation was turned off (CancelRotateSecret) by CloudFormation or a user.",
        "Turn rotation on again (Invoke-SECSecretRotation with RotationLambdaARN and RotationRules), and in the stack or code that turned it off keep the rotation schedule.",
        AwsDocs.RotationSchedules);

    public static readonly FindingDefinition MasterPasswordResetByHand = new(nameof(MasterPasswordResetByHand), FindingSeverity.Error,
        "The database's master password was reset outside rotation (ModifyDBInstance or ModifyDBCluster) after the last rotation.",
        "Put the password set by hand into the secret (or reset it to the secret's AWSCURRENT password), then rotate again (Start-SecretRotation).",
        CloudTrailHelp);

    public static readonly FindingDefinition ChangeBeforeFailure = new(nameof(ChangeBeforeFailure), FindingSeverity.Warning,
        "A change to what the rotation depends on came just before its first failed rotation.",
        "Look at the change first (Get-RotationHistory): undo it, or adapt the rotation to it, then rotate again.",
        CloudTrailHelp);

    /// <summary>What each cause depends on, in the history's terms: a change touching it becomes evidence on that cause.</summary>
    public static IReadOnlySet<HistoryAspect> AspectsOf(string causeId) => causeId switch
    {
        "FunctionImportError" or "FunctionRuntimeDeprecated" or "DatabaseRequiresScramButFunctionLibpqTooOld" or "DatabaseRequiresTlsButFunctionPredatesTls" =>
            new HashSet<HistoryAspect> { HistoryAspect.FunctionRuntime, HistoryAspect.FunctionCode },
        "DatabaseSecurityGroupBlocksFunction" or "FunctionSecurityGroupBlocksDatabase" or "NetworkAclBlocksDatabase" or "DatabaseInOtherVpc"
            or "DatabaseDoesNotAnswer" or "DatabasePortClosed" or "SecretsManagerEndpointUnreachable" =>
            new HashSet<HistoryAspect> { HistoryAspect.SecurityGroupRules, HistoryAspect.NetworkAclEntries, HistoryAspect.Routes, HistoryAspect.FunctionNetwork },
        "CurrentCredentialsRejected" or "MasterCredentialsRejected" or "PendingCredentialsRejected" or nameof(SecretWrittenOutsideRotation) or nameof(MasterPasswordResetByHand) =>
            new HashSet<HistoryAspect> { HistoryAspect.SecretValue, HistoryAspect.SecretLabels, HistoryAspect.DatabasePassword },
        "CustomerManagedKeyNeedsRolePermission" or "KmsKeyDisabled" =>
            new HashSet<HistoryAspect> { HistoryAspect.KeyPolicy, HistoryAspect.KeyState, HistoryAspect.FunctionRole },
        "FunctionTimeoutTooShort" or "TaskTimedOut" => new HashSet<HistoryAspect> { HistoryAspect.FunctionTimeout, HistoryAspect.FunctionNetwork },
        // The bundle fit's causes (a native module for another Python, a driver missing, ...) are the bundle against its runtime.
        _ when BundleFitFindings.All.Any(f => f.Id == causeId) => new HashSet<HistoryAspect> { HistoryAspect.FunctionRuntime, HistoryAspect.FunctionCode },
        _ => new HashSet<HistoryAspect>(),
    };

    /// <summary>Every aspect a change to what a rotation depends on can touch (the change nearest before a failure).</summary>
    public static IReadOnlySet<HistoryAspect> Dependencies { get; } = new HashSet<HistoryAspect>
    {
        HistoryAspect.SecretValue, HistoryAspect.SecretLabels, HistoryAspect.SecretKey, HistoryAspect.SecretPolicy, HistoryAspect.RotationConfiguration,
        HistoryAspect.FunctionRuntime, HistoryAspect.FunctionCode, HistoryAspect.FunctionNetwork, HistoryAspect.FunctionTimeout, HistoryAspect.FunctionMemory,
        HistoryAspect.FunctionRole, HistoryAspect.FunctionEnvironment, HistoryAspect.FunctionPermission, HistoryAspect.SecurityGroupRules,
        HistoryAspect.NetworkAclEntries, HistoryAspect.Routes, HistoryAspect.KeyPolicy, HistoryAspect.KeyState, HistoryAspect.DatabasePassword,
        HistoryAspect.DatabaseParameters, HistoryAspect.DatabaseNetwork, HistoryAspect.DatabaseCertificate, HistoryAspect.DatabaseEngine,
    };
}
