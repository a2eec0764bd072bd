using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.History;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Diagnosis.Causes;

/// <summary>From symptom to cause: weighs every cause the catalogue lists for the newest attempt's symptom, when the logs were read.</summary>
internal static class CauseAnalysis
{
    /// <summary>The symptom, the cause the evidence confirms (null when none is) and every candidate, likeliest first.</summary>
    public static async Task<(string? Symptom, string? Cause, IReadOnlyList<CauseAssessment> Causes, RotationAttempt? Attempt)> AssessAsync(
        DiagnosisContext context, IReadOnlyList<Finding> findings, CancellationToken cancellation)
    {
        if (!context.HasRead(FunctionInputs.LatestAttempt)) return (null, null, [], null);
        RotationAttempt? attempt;
        try
        {
            attempt = await context.ReadAsync(FunctionInputs.LatestAttempt, cancellation).ConfigureAwait(false);
        }
        catch (EvidenceUnavailableException)
        {
            // The check that read the logs said so.
            return (null, null, [], null);
        }
        if (attempt?.Symptom is not { } symptom || attempt.Outcome == RotationAttemptOutcome.Succeeded) return (null, null, [], attempt);
        var family = CheckCatalogue.SymptomCauses.FirstOrDefault(f => f.Symptoms.Any(s => s.Id == symptom));
        if (family is null) return (symptom, null, [], attempt);
        var order = family.Causes.Select(c => c.Id).ToList();
        var assessed = await family.AssessAsync(new CauseEvidence(context, family, attempt, findings), cancellation).ConfigureAwait(false);
        var causes = (await WithHistoryAsync(context, family, findings, assessed, cancellation).ConfigureAwait(false))
            .OrderBy(c => c.Verdict).ThenBy(c => order.IndexOf(c.Id)).ToList();
        // Only evidence names the cause: with two confirmed, the first the guide lists; with none, no guess.
        var confirmed = causes.FirstOrDefault(c => c.Verdict == CauseVerdict.Confirmed);
        return (symptom, confirmed?.Id, causes, attempt);
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

    /// <summary>
    /// Every Failing diagnosis says why where the evidence decides: the symptom's confirmed cause, else a finding that is
    /// its own cause (a missing invoke permission, a stuck AWSPENDING label: a check established it, no symptom needs
    /// explaining). A finding that only restates the failure behind the cause (the AWSPENDING version the failed attempt
    /// left, a rejected AWSPENDING password that setSecret never set) becomes evidence on the cause and no error of its own.
    /// </summary>
    public static (string? Cause, IReadOnlyList<CauseAssessment> Causes, IReadOnlyList<Finding> Findings) Settle(
        RotationAttempt? attempt, string? symptom, string? cause, IReadOnlyList<CauseAssessment> causes, IReadOnlyList<Finding> findings)
    {
        var failed = attempt is { Outcome: not RotationAttemptOutcome.Succeeded } && symptom is not null;
        var restating = findings.Where(f => f.Severity == FindingSeverity.Error && failed && Restates(f, attempt!)).ToList();
        var stuckId = RotationSymptoms.PendingVersionStuck.Id;
        cause ??= findings.FirstOrDefault(f => f.Severity == FindingSeverity.Error && f.CheckId != symptom && !Consequences.Contains(f.CheckId)
                                               && !(failed && f.CheckId == stuckId) && !restating.Contains(f)
                                               && !causes.Any(c => c.Id == f.CheckId && c.Verdict != CauseVerdict.Confirmed))?.CheckId;
        // The stuck label a failed attempt left is what stops the next rotation, once the evidence rules out every cause
        // of that failure; while one is undecided, the failure's command settles it.
        if (cause is null && !causes.Any(c => c.Verdict is CauseVerdict.Likely or CauseVerdict.Undetermined)
            && findings.FirstOrDefault(f => f.CheckId == stuckId && f.Severity == FindingSeverity.Error) is { } stuck)
        {
            cause = stuck.CheckId;
            restating.Remove(stuck);
        }
        if (restating.Count == 0 || cause is null) return (cause, causes, findings);
        var restated = restating.SelectMany(f => new[] { f.Message }.Concat(f.Evidence)).ToList();
        var updated = causes.Select(c => c.Id == cause && c.Verdict == CauseVerdict.Confirmed
            ? new CauseAssessment(new FindingDefinition(c.Id, FindingSeverity.Error, c.Summary, c.Remediation, c.HelpUri), c.Verdict, [.. c.Evidence, .. restated], c.Command)
            : c).ToList();
        // Still listed (a repair may clear the label), as a Warning: the error is the cause's.
        var kept = findings.Select(f => restating.Contains(f)
            ? new Finding(f.CheckId, FindingSeverity.Warning, f.Message, [.. f.Evidence, $"It follows from {cause}."], f.Remediation, f.HelpUri) { SecretArn = f.SecretArn, SecretName = f.SecretName }
            : f).ToList();
        return (cause, updated, kept);
    }

    /// <summary>Findings that say rotation is failing, never why: a skipped check, an overdue schedule.</summary>
    private static readonly HashSet<string> Consequences = [CheckCatalogue.CheckSkipped.Id, "RotationOverdue"];

    /// <summary>Whether a finding only restates the attempt's failure: the version it left AWSPENDING, or AWSPENDING's password setSecret never set.</summary>
    private static bool Restates(Finding finding, RotationAttempt attempt) =>
        (finding.CheckId == RotationSymptoms.PendingVersionStuck.Id && attempt.VersionId is { } version && finding.Evidence.Any(e => e.Contains(version, StringComparison.Ordinal)))
        || (finding.CheckId == Database.DatabaseLoginFindings.PendingCredentialsRejected.Id && attempt.FailedStep is "createSecret" or "setSecret");
}
