using RotationTroubleshooter.Bundles;
using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Diagnosis.Causes;

/// <summary>
/// A failure in the database's, the driver's or Python's own words (<see cref="DriverVocabulary"/>): each message points
/// to its causes. One cause the words name alone is confirmed by them; where they name several, the bundle fit decides
/// those it can (a PyMySQL without 'cryptography', a FreeTDS without TLS) and the others wait for a login.
/// </summary>
internal sealed class DriverMessageCauses : SymptomCauses
{
    public override IReadOnlyList<FindingDefinition> Symptoms => [RotationSymptoms.DriverError];

    public override IReadOnlyList<FindingDefinition> Causes { get; } = [.. DriverVocabulary.All.SelectMany(m => m.Causes).Distinct()];

    public override IReadOnlyList<Input> Inputs => [FunctionInputs.BundleFit];

    public override async Task<IReadOnlyList<CauseAssessment>> AssessAsync(CauseEvidence evidence, CancellationToken cancellation)
    {
        var fit = await evidence.ReadAsync(FunctionInputs.BundleFit, cancellation).ConfigureAwait(false);
        var words = evidence.Attempt.DriverMessages;
        return [.. DriverVocabulary.CausesOf(words).Select(cause => Assess(evidence, cause, words.Where(w => w.Message.Causes.Contains(cause)).ToList(), fit))];
    }

    private static CauseAssessment Assess(CauseEvidence evidence, FindingDefinition cause, List<DriverMessageMatch> said, Reading<BundleFit?> fit)
    {
        var quoted = said.Select(w => $"{w.Message.Writer} says: {w.Text}").ToList();
        if (evidence.ConfirmedByFinding(cause) is { Verdict: CauseVerdict.Confirmed } confirmed) return confirmed;
        if (BundleFitFindings.All.Contains(cause) && fit.Value is { } read)
            return read.Problem(cause) is { } problem
                ? new CauseAssessment(cause, CauseVerdict.Confirmed, [.. quoted, .. problem.Evidence])
                : new CauseAssessment(cause, CauseVerdict.RuledOut, [$"The bundle ({read.Source}) shows no such misfit."]);
        if (said.Any(w => w.Message.Causes.Count == 1))
            return new CauseAssessment(cause, CauseVerdict.Confirmed, [.. quoted, $"{said[0].Message.Meaning}"]);
        var settle = BundleFitFindings.All.Contains(cause) ? evidence.Rerun("-Check FunctionBundleFit") : $"Test-RotationDatabaseLogin -SecretId '{evidence.SecretName}'";
        return new CauseAssessment(cause, CauseVerdict.Undetermined, [.. quoted, $"{said[0].Message.Meaning} These words do not tell which."], settle);
    }
}
