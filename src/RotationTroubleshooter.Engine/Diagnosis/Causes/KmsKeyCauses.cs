using RotationTroubleshooter.Diagnosis.Checks;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Diagnosis.Causes;

/// <summary>"Access to KMS is not allowed": the function's role may not use the secret's customer managed key.</summary>
internal sealed class KmsKeyCauses : SymptomCauses
{
    public override IReadOnlyList<FindingDefinition> Symptoms => [RotationSymptoms.KmsAccessDenied];
    public override IReadOnlyList<FindingDefinition> Causes => [KmsKeyCheck.CustomerManagedKeyNeedsRolePermission];

    public override Task<IReadOnlyList<CauseAssessment>> AssessAsync(CauseEvidence evidence, CancellationToken cancellation)
    {
        var cause = KmsKeyCheck.CustomerManagedKeyNeedsRolePermission;
        var kms = CheckCatalogue.Checks.OfType<KmsKeyCheck>().Single();
        var assessment = evidence.ConfirmedByFinding(cause)
            ?? (string.IsNullOrEmpty(evidence.Context.Secret.KmsKeyId)
                ? new CauseAssessment(cause, CauseVerdict.RuledOut, ["The secret is encrypted with the AWS managed key aws/secretsmanager, which the role may use."])
                : !evidence.Ran<KmsKeyCheck>() || evidence.Findings.Any(f => f.CheckId == CheckCatalogue.CheckSkipped.Id && f.Message.Contains(kms.Id, StringComparison.Ordinal))
                    ? new CauseAssessment(cause, CauseVerdict.Undetermined, ["The role's and the key's policies could not be read here."],
                        evidence.Rerun($"-Check {cause.Id}"))
                    : new CauseAssessment(cause, CauseVerdict.RuledOut, ["The role's policies and the key policy allow kms:Decrypt and kms:GenerateDataKey now."]));
        return Task.FromResult<IReadOnlyList<CauseAssessment>>([assessment]);
    }
}
