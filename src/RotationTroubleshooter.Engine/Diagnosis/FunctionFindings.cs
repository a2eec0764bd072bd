namespace RotationTroubleshooter.Diagnosis;

/// <summary>
/// Findings about the rotation function that a check raises and a cause weighs (Diagnosis/Causes names them too, so they
/// are declared here rather than in the check).
/// </summary>
public static class FunctionFindings
{
    /// <summary>Each database connect waits up to 5 s, tries TLS then plain, and setSecret tries three sets of credentials.</summary>
    public const int MinimumTimeoutSeconds = 30;

    public static readonly FindingDefinition FunctionTimeoutTooShort = new(nameof(FunctionTimeoutTooShort), FindingSeverity.Warning,
        $"The function's timeout is under the {MinimumTimeoutSeconds} s AWS's templates can need.",
        $"Raise the timeout to at least {MinimumTimeoutSeconds} s (Update-LMFunctionConfiguration -Timeout {MinimumTimeoutSeconds}): each database connect waits up to 5 s, " +
        "tries TLS then plain, and setSecret tries the pending, current and previous credentials.",
        AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition CustomerManagedKeyNeedsRolePermission = new(nameof(CustomerManagedKeyNeedsRolePermission), FindingSeverity.Error,
        "The rotation function's role may not use the secret's customer managed KMS key.",
        "Allow the function's role kms:Decrypt and kms:GenerateDataKey on the key (in its IAM policy, or in the key policy).",
        AwsDocs.FunctionPermissions);
}
