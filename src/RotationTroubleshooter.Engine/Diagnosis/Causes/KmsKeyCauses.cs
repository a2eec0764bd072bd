using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Diagnosis.Causes;

/// <summary>"Access to KMS is not allowed": the function's role may not use the secret's customer managed key.</summary>
internal sealed class KmsKeyCauses : SymptomCauses
{
    public override IReadOnlyList<FindingDefinition> Symptoms => [RotationSymptoms.KmsAccessDenied];
    public override IReadOnlyList<FindingDefinition> Causes => [FunctionFindings.CustomerManagedKeyNeedsRolePermission];
    public override IReadOnlyList<Input> Inputs => [FunctionInputs.KmsVerdict];

    public override async Task<IReadOnlyList<CauseAssessment>> AssessAsync(CauseEvidence evidence, CancellationToken cancellation)
    {
        var cause = FunctionFindings.CustomerManagedKeyNeedsRolePermission;
        if (evidence.ConfirmedByFinding(cause) is { } confirmed) return [confirmed];
        if (string.IsNullOrEmpty(evidence.Secret.KmsKeyId))
            return [new CauseAssessment(cause, CauseVerdict.RuledOut, ["The secret is encrypted with the AWS managed key aws/secretsmanager, which the role may use."])];
        var verdict = await evidence.ReadAsync(FunctionInputs.KmsVerdict, cancellation).ConfigureAwait(false);
        return [verdict switch
        {
            { WasRead: false } => new CauseAssessment(cause, CauseVerdict.Undetermined, [CauseEvidence.Missing(verdict, "The role's and the key's policies")],
                evidence.Rerun($"-Check {cause.Id}")),
            { Value.Severity: FindingSeverity.Error } or { Value.Severity: FindingSeverity.Warning } => new CauseAssessment(cause,
                verdict.Value.Severity == FindingSeverity.Error ? CauseVerdict.Confirmed : CauseVerdict.Likely, [verdict.Value.Message, .. verdict.Value.Evidence]),
            { Value.Severity: FindingSeverity.Info } => new CauseAssessment(cause, CauseVerdict.Undetermined, [verdict.Value.Message, .. verdict.Value.Evidence],
                evidence.Rerun($"-Check {cause.Id}")),
            _ => new CauseAssessment(cause, CauseVerdict.RuledOut, ["The role's policies and the key policy allow kms:Decrypt and kms:GenerateDataKey now."]),
        }];
    }
}
