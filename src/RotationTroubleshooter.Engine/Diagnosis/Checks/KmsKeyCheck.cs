using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>The function's role may use the secret's customer managed KMS key (<see cref="KmsRolePermission"/>).</summary>
internal sealed class KmsKeyCheck : RotationCheck
{
    public override string Description => "the function's role may `kms:Decrypt` and `kms:GenerateDataKey` with the secret's customer managed key (role policies and key policy)";
    public override CheckArea Area => CheckArea.Function;
    public override IReadOnlyList<FindingDefinition> Findings { get; } = [FunctionFindings.CustomerManagedKeyNeedsRolePermission];
    public override IReadOnlyList<Input> Inputs { get; } = [FunctionInputs.KmsVerdict];
    public override bool AppliesTo(DiagnosisContext context) => !string.IsNullOrEmpty(context.Secret.KmsKeyId);

    public override async Task RunAsync(CheckContext context, CancellationToken cancellation)
    {
        if (await context.GetAsync(FunctionInputs.KmsVerdict, cancellation).ConfigureAwait(false) is { Severity: { } severity } verdict)
            context.Add(FunctionFindings.CustomerManagedKeyNeedsRolePermission.Raise(verdict.Evidence, verdict.Message, severity: severity));
    }
}
