using RotationTroubleshooter.Diagnosis.Checks;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Diagnosis.Causes;

/// <summary>"Key is missing" and the engine error: which key, for which template, in the secret's value as it is now.</summary>
internal sealed class SecretContentCauses : SymptomCauses
{
    public override IReadOnlyList<FindingDefinition> Symptoms => [RotationSymptoms.SecretJsonKeyMissing, RotationSymptoms.EngineMismatch];
    public override IReadOnlyList<FindingDefinition> Causes => [RotationSymptoms.SecretJsonKeyMissing, RotationSymptoms.EngineMismatch];

    public override Task<IReadOnlyList<CauseAssessment>> AssessAsync(CauseEvidence evidence, CancellationToken cancellation)
    {
        var cause = evidence.Symptom;
        var json = CheckCatalogue.Checks.OfType<SecretJsonCheck>().Single();
        CauseAssessment assessment;
        if (evidence.Context.Raised(json, cause))
            assessment = evidence.ConfirmedByFinding(cause)!;
        else if (!evidence.Ran<SecretJsonCheck>())
            assessment = new CauseAssessment(cause, CauseVerdict.Likely, [.. evidence.Attempt.Evidence,
                evidence.Context.Options.SkipSecretValue ? "The secret's value was not read (-SkipSecretValue)." : "The secret's JSON was not checked in this run."],
                evidence.Rerun($"-Check {cause.Id}"));
        else
            assessment = new CauseAssessment(cause, CauseVerdict.RuledOut,
                [.. evidence.Attempt.Evidence, "The AWSCURRENT value now has what the template needs: rotate again."]);
        return Task.FromResult<IReadOnlyList<CauseAssessment>>([assessment]);
    }
}
