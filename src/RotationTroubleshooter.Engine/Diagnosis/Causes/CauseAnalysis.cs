using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.History;

namespace RotationTroubleshooter.Diagnosis.Causes;

/// <summary>From symptom to cause: weighs every cause the catalogue lists for the newest attempt's symptom, when the logs were read.</summary>
internal static class CauseAnalysis
{
    /// <summary>The symptom, the cause the evidence confirms (null when none is) and every candidate, likeliest first.</summary>
    public static async Task<(string? Symptom, string? Cause, IReadOnlyList<CauseAssessment> Causes)> AssessAsync(
        DiagnosisContext context, IReadOnlyList<Finding> findings, CancellationToken cancellation)
    {
        if (!context.HasRead(FunctionInputs.LatestAttempt)) return (null, null, []);
        RotationAttempt? attempt;
        try
        {
            attempt = await context.ReadAsync(FunctionInputs.LatestAttempt, cancellation).ConfigureAwait(false);
        }
        catch (EvidenceUnavailableException)
        {
            // The check that read the logs said so.
            return (null, null, []);
        }
        if (attempt?.Symptom is not { } symptom || attempt.Outcome == RotationAttemptOutcome.Succeeded) return (null, null, []);
        var family = CheckCatalogue.SymptomCauses.FirstOrDefault(f => f.Symptoms.Any(s => s.Id == symptom));
        if (family is null) return (symptom, null, []);
        var order = family.Causes.Select(c => c.Id).ToList();
        var assessed = await family.AssessAsync(new CauseEvidence(context, family, attempt, findings), cancellation).ConfigureAwait(false);
        var causes = (await WithHistoryAsync(context, family, findings, assessed, cancellation).ConfigureAwait(false))
            .OrderBy(c => c.Verdict).ThenBy(c => order.IndexOf(c.Id)).ToList();
        // Only evidence names the cause: with two confirmed, the first the guide lists; with none, no guess.
        var confirmed = causes.FirstOrDefault(c => c.Verdict == CauseVerdict.Confirmed);
        return (symptom, confirmed?.Id, causes);
    }

    /// <summary>
    /// What the rotation's history adds, where the history check read it: for a failed login, the writes of the secret and
    /// the password resets by others as causes of their own; on each confirmed or likely cause, the change nearest before
    /// the first failed rotation of the current streak that touches what the cause depends on.
    /// </summary>
    private static async Task<IReadOnlyList<CauseAssessment>> WithHistoryAsync(DiagnosisContext context, SymptomCauses family, IReadOnlyList<Finding> findings,
        IReadOnlyList<CauseAssessment> causes, CancellationToken cancellation)
    {
        if (!context.HasRead(HistoryInputs.Timeline)) return causes;
        IReadOnlyList<RotationHistoryEvent>? timeline;
        try
        {
            timeline = await context.ReadAsync(HistoryInputs.Timeline, cancellation).ConfigureAwait(false);
        }
        catch (EvidenceUnavailableException)
        {
            // The history check said so.
            return causes;
        }
        if (timeline is null) return causes;
        var all = causes.ToList();
        if (family is DatabaseLoginCauses)
        {
            var rejected = causes.Any(c => c.Id is "CurrentCredentialsRejected" or "MasterCredentialsRejected" && c.Verdict == CauseVerdict.Confirmed);
            foreach (var cause in new[] { HistoryFindings.SecretWrittenOutsideRotation, HistoryFindings.MasterPasswordResetByHand })
                if (findings.FirstOrDefault(f => f.CheckId == cause.Id) is { } finding)
                    all.Add(new CauseAssessment(cause, rejected ? CauseVerdict.Confirmed : CauseVerdict.Likely,
                        [finding.Message, .. finding.Evidence.Where(e => !finding.Message.StartsWith(e, StringComparison.Ordinal))]));
        }
        if (HistoryFacts.CurrentStreak(timeline) is not { } streak) return all;
        return all.Select(c => c.Verdict is CauseVerdict.Confirmed or CauseVerdict.Likely
                               && HistoryFacts.ChangeBefore(timeline, streak, HistoryFindings.AspectsOf(c.Id)) is { } change
                               && HistoryFacts.ChangeThenFailure(change, streak) is var line && !c.Evidence.Any(e => e.StartsWith(line, StringComparison.Ordinal))
                ? c.WithEvidence(line + ".")
                : c).ToList();
    }
}
