using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Diagnosis.Causes;

/// <summary>"Key is missing" and the engine error: which key, for which template, in the secret's value as it is now.</summary>
internal sealed class SecretContentCauses : SymptomCauses
{
    public override IReadOnlyList<FindingDefinition> Symptoms => [RotationSymptoms.SecretJsonKeyMissing, RotationSymptoms.EngineMismatch];
    public override IReadOnlyList<FindingDefinition> Causes => [RotationSymptoms.SecretJsonKeyMissing, RotationSymptoms.EngineMismatch];
    public override IReadOnlyList<Input> Inputs => [FunctionInputs.TemplateFit];

    public override async Task<IReadOnlyList<CauseAssessment>> AssessAsync(CauseEvidence evidence, CancellationToken cancellation)
    {
        var cause = evidence.Symptom;
        var fit = await evidence.ReadAsync(FunctionInputs.TemplateFit, cancellation).ConfigureAwait(false);
        if (!fit.WasRead)
            return [new CauseAssessment(cause, CauseVerdict.Likely, [.. evidence.Attempt.Evidence, CauseEvidence.Missing(fit, "The secret's JSON")],
                evidence.Rerun($"-Check {cause.Id}"))];
        var stillWrong = fit.Value is { } now && (cause == RotationSymptoms.EngineMismatch ? !now.EngineAccepted : now.MissingKeys.Count > 0);
        return [stillWrong
            ? evidence.ConfirmedByFinding(cause) ?? new CauseAssessment(cause, CauseVerdict.Confirmed, [.. evidence.Attempt.Evidence,
                cause == RotationSymptoms.EngineMismatch ? $"The AWSCURRENT value still says engine '{fit.Value!.Engine}'."
                    : $"The AWSCURRENT value still lacks {string.Join(", ", fit.Value!.MissingKeys)}."])
            : new CauseAssessment(cause, CauseVerdict.RuledOut, [.. evidence.Attempt.Evidence, "The AWSCURRENT value now has what the template needs: rotate again."])];
    }
}
