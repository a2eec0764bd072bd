using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Diagnosis.Causes;

/// <summary>The pending-version guard: a version is still labelled AWSPENDING from a rotation that did not finish.</summary>
internal sealed class PendingVersionCauses : SymptomCauses
{
    public override IReadOnlyList<FindingDefinition> Symptoms => [RotationSymptoms.PendingVersionStuck];
    public override IReadOnlyList<FindingDefinition> Causes => [RotationSymptoms.PendingVersionStuck];

    public override Task<IReadOnlyList<CauseAssessment>> AssessAsync(CauseEvidence evidence, CancellationToken cancellation)
    {
        var cause = RotationSymptoms.PendingVersionStuck;
        var stuck = evidence.Secret.StuckPendingVersions.ToList();
        var assessment = stuck.Count > 0
            ? new CauseAssessment(cause, CauseVerdict.Confirmed, [.. evidence.Attempt.Evidence, $"Still labelled AWSPENDING: {string.Join(", ", stuck)}"])
            : new CauseAssessment(cause, CauseVerdict.RuledOut, [.. evidence.Attempt.Evidence, "No version is left labelled AWSPENDING now: rotate again."]);
        return Task.FromResult<IReadOnlyList<CauseAssessment>>([assessment]);
    }
}
