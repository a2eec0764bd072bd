namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>The function's role may use the secret's customer managed KMS key (<see cref="KmsRolePermission"/>).</summary>
internal sealed class KmsKeyCheck : RotationCheck
{
    public static readonly FindingDefinition CustomerManagedKeyNeedsRolePermission = new(nameof(CustomerManagedKeyNeedsRolePermission), FindingSeverity.Error,
        "The rotation function's role may not use the secret's customer managed KMS key.",
        "Allow the function's role kms:Decrypt and kms:GenerateDataKey on the key (in its IAM policy, or in the key policy).",
        AwsDocs.FunctionPermissions);

    public override string Id => CustomerManagedKeyNeedsRolePermission.Id;
    public override string Description => "the function's role may `kms:Decrypt` and `kms:GenerateDataKey` with the secret's customer managed key (role policies and key policy)";
    public override CheckArea Area => CheckArea.Function;
    public override IReadOnlyList<FindingDefinition> Findings { get; } = [CustomerManagedKeyNeedsRolePermission];
    public override IReadOnlyList<string> Permissions { get; } =
        ["lambda:GetFunction", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:GetPolicy", "iam:GetPolicyVersion", "kms:DescribeKey", "kms:GetKeyPolicy"];
    public override bool AppliesTo(DiagnosisContext context) => base.AppliesTo(context) && !string.IsNullOrEmpty(context.Secret.KmsKeyId);

    public override async Task RunAsync(DiagnosisContext context, CancellationToken cancellation)
    {
        if (await context.FunctionAsync(cancellation).ConfigureAwait(false) is not { Configuration.Role: { } role } function) return;
        var verdict = await context.KmsVerdictAsync(context.Secret.KmsKeyId!, role, function.Configuration.FunctionName!, cancellation).ConfigureAwait(false);
        if (verdict?.Severity is { } severity)
            context.Add(this, CustomerManagedKeyNeedsRolePermission.Raise(verdict.Evidence, verdict.Message, severity: severity));
    }
}
