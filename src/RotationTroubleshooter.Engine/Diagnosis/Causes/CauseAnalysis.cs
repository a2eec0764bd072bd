namespace RotationTroubleshooter.Diagnosis.Causes;

/// <summary>From symptom to cause: weighs every cause the catalogue lists for the newest attempt's symptom.</summary>
internal static class CauseAnalysis
{
    /// <summary>The symptom, the cause the evidence confirms (null when none is) and every candidate, likeliest first.</summary>
    public static async Task<(string? Symptom, string? Cause, IReadOnlyList<CauseAssessment> Causes)> AssessAsync(
        DiagnosisContext context, IReadOnlyList<Finding> findings, IReadOnlyCollection<RotationCheck> ran, CancellationToken cancellation)
    {
        var attempt = await CauseEvidence.OrNullAsync(context.LatestAttemptAsync(cancellation)).ConfigureAwait(false);
        if (attempt?.Symptom is not { } symptom || attempt.Outcome == RotationAttemptOutcome.Succeeded) return (null, null, []);
        var family = CheckCatalogue.SymptomCauses.FirstOrDefault(f => f.Symptoms.Any(s => s.Id == symptom));
        if (family is null) return (symptom, null, []);
        var causes = (await family.AssessAsync(new CauseEvidence(context, attempt, findings, ran), cancellation).ConfigureAwait(false))
            .OrderBy(c => c.Verdict).ToList();
        // Only evidence names the cause: with two confirmed, the first the guide lists; with none, no guess.
        var confirmed = causes.FirstOrDefault(c => c.Verdict == CauseVerdict.Confirmed);
        return (symptom, confirmed?.Id, causes);
    }
}
