using RotationTroubleshooter.Evidence;

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
        var causes = (await family.AssessAsync(new CauseEvidence(context, family, attempt, findings), cancellation).ConfigureAwait(false))
            .OrderBy(c => c.Verdict).ThenBy(c => order.IndexOf(c.Id)).ToList();
        // Only evidence names the cause: with two confirmed, the first the guide lists; with none, no guess.
        var confirmed = causes.FirstOrDefault(c => c.Verdict == CauseVerdict.Confirmed);
        return (symptom, confirmed?.Id, causes);
    }
}
