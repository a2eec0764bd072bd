using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.History;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>What CloudTrail's history of the rotation decides: the change before the failures, writes by others, rotation turned off, a password reset.</summary>
internal sealed class RotationHistoryCheck : RotationCheck
{
    public override string Description =>
        "CloudTrail's history of the secret, its function, the network path (security groups, network ACLs, route tables), its key and its database " +
        "(after a failed rotation, or with rotation off): who changed what before it broke";
    public override CheckArea Area => CheckArea.Logs;
    public override IReadOnlyList<FindingDefinition> Findings { get; } =
        [HistoryFindings.ChangeBeforeFailure, HistoryFindings.SecretWrittenOutsideRotation, HistoryFindings.RotationTurnedOff, HistoryFindings.MasterPasswordResetByHand];
    public override IReadOnlyList<Input> Inputs { get; } = [HistoryInputs.Timeline];

    public override async Task RunAsync(CheckContext context, CancellationToken cancellation)
    {
        if (await context.GetAsync(HistoryInputs.Timeline, cancellation).ConfigureAwait(false) is not { } timeline) return;
        var streak = HistoryFacts.CurrentStreak(timeline);
        if (streak is not null && HistoryFacts.ChangeBefore(timeline, streak, HistoryFindings.Dependencies) is { } change)
            context.Add(HistoryFindings.ChangeBeforeFailure.Raise([HistoryFacts.ChangeThenFailure(change, streak), .. change.Changes],
                $"{HistoryFacts.ChangeThenFailure(change, streak)}."));
        var outside = HistoryFacts.WritesOutsideRotation(timeline);
        if (outside.Writes.Count > 0)
        {
            var last = outside.LastSuccess is { } success ? $"after the last rotation at {HistoryFacts.When(success.Time)}" : "with no successful rotation in the history";
            context.Add(HistoryFindings.SecretWrittenOutsideRotation.Raise([.. outside.Writes.Select(w => HistoryFacts.Sentence(w))],
                $"{HistoryFacts.Sentence(outside.Writes[^1])}, {last}."));
        }
        if (context.Secret.RotationEnabled != true && HistoryFacts.RotationTurnedOff(timeline) is { } off)
            context.Add(HistoryFindings.RotationTurnedOff.Raise([HistoryFacts.Sentence(off), .. off.Changes], $"{HistoryFacts.Sentence(off)}."));
        if (HistoryFacts.MasterPasswordReset(timeline) is { } reset)
            context.Add(HistoryFindings.MasterPasswordResetByHand.Raise([HistoryFacts.Sentence(reset)], $"{HistoryFacts.Sentence(reset)}, after the last rotation."));
    }
}
