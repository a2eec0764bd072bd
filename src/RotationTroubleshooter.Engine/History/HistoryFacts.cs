using System.Globalization;

namespace RotationTroubleshooter.History;

/// <summary>The failures since the last success: the current failure streak, and where it began.</summary>
public sealed record FailureStreak(RotationHistoryEvent FirstFailure, RotationHistoryEvent? LastSuccess, int Failures);

/// <summary>Writes of the secret's value outside its rotation after the last successful rotation (or in the whole window, when none is known).</summary>
public sealed record OutsideWrites(IReadOnlyList<RotationHistoryEvent> Writes, RotationHistoryEvent? LastSuccess);

/// <summary>
/// What a secret's history decides, for the diagnosis's causes: the current failure streak, the change nearest before
/// it began, writes of the secret by others, rotation turned off, a master password reset by hand. Each a function of
/// the timeline (<see cref="TimelineBuilder"/>), oldest first.
/// </summary>
public static class HistoryFacts
{
    /// <summary>
    /// The failures (attempts in the function's logs, Secrets Manager's RotationFailed events) after the last success
    /// (a succeeded attempt, RotationSucceeded); null when the newest outcome is a success or none is known.
    /// </summary>
    public static FailureStreak? CurrentStreak(IReadOnlyList<RotationHistoryEvent> timeline)
    {
        RotationHistoryEvent? lastSuccess = null;
        RotationHistoryEvent? first = null;
        var failures = 0;
        foreach (var e in timeline)
        {
            if (IsSuccess(e))
            {
                lastSuccess = e;
                first = null;
                failures = 0;
            }
            else if (IsFailure(e))
            {
                first ??= e;
                failures++;
            }
        }
        return first is null ? null : new FailureStreak(first, lastSuccess, failures);
    }

    /// <summary>
    /// The change nearest before the streak's first failure, after its last success, that touches one of
    /// <paramref name="aspects"/> and was made by neither Secrets Manager nor the rotation function (their writes are the
    /// rotation itself): by a person, a pipeline, CloudFormation, or another service (a runtime update Lambda applied);
    /// null when there is none.
    /// </summary>
    public static RotationHistoryEvent? ChangeBefore(IReadOnlyList<RotationHistoryEvent> timeline, FailureStreak streak, IReadOnlySet<HistoryAspect> aspects) =>
        timeline.LastOrDefault(e => e.Time <= streak.FirstFailure.Time && (streak.LastSuccess is null || e.Time >= streak.LastSuccess.Time)
                                    && IsChange(e) && e.Principal?.Kind is not (PrincipalKind.SecretsManager or PrincipalKind.RotationFunction)
                                    && e.Aspects.Any(aspects.Contains));

    /// <summary>The secret's value written (PutSecretValue, UpdateSecret, AWSCURRENT moved) by CloudFormation or someone else after the last success.</summary>
    public static OutsideWrites WritesOutsideRotation(IReadOnlyList<RotationHistoryEvent> timeline)
    {
        var lastSuccess = timeline.LastOrDefault(IsSuccess);
        var writes = timeline.Where(e => (lastSuccess is null || e.Time > lastSuccess.Time) && e.Touches(HistoryAspect.SecretValue) && IsChangeByOthers(e))
            .ToList();
        return new OutsideWrites(writes, lastSuccess);
    }

    /// <summary>The event that turned rotation off, when nothing turned it on again afterwards; null otherwise.</summary>
    public static RotationHistoryEvent? RotationTurnedOff(IReadOnlyList<RotationHistoryEvent> timeline) =>
        timeline.LastOrDefault(e => e.Touches(HistoryAspect.RotationConfiguration) && e.Error is null) is { } last && last.Touches(HistoryAspect.RotationDisabled)
            ? last
            : null;

    /// <summary>The database's master password changed by CloudFormation or someone else (not RDS or Secrets Manager managing it) after the last success.</summary>
    public static RotationHistoryEvent? MasterPasswordReset(IReadOnlyList<RotationHistoryEvent> timeline)
    {
        var lastSuccess = timeline.LastOrDefault(IsSuccess);
        return timeline.LastOrDefault(e => (lastSuccess is null || e.Time > lastSuccess.Time) && e.Touches(HistoryAspect.DatabasePassword) && IsChangeByOthers(e));
    }

    /// <summary>"alice changed the function's runtime to python3.11 at 2026-11-02 14:03Z".</summary>
    public static string Sentence(RotationHistoryEvent e, DateTime? sameDayAs = null)
    {
        var who = e.Principal?.Name;
        // A name is left as it is written ("alice"); "the rotation function ..." starts a sentence.
        var text = who is null ? Capitalized(e.Summary) : $"{(who.StartsWith("the ", StringComparison.Ordinal) ? Capitalized(who) : who)} {e.Summary}";
        return $"{text} at {When(e.Time, sameDayAs)}";
    }

    /// <summary>"alice changed ... at 2026-11-02 14:03Z; the first failed rotation followed at 14:30Z".</summary>
    public static string ChangeThenFailure(RotationHistoryEvent change, FailureStreak streak) =>
        $"{Sentence(change)}; the first failed rotation followed at {When(streak.FirstFailure.Time, change.Time)}";

    /// <summary>A time to the minute in UTC; only the time of day when it is on the same day as <paramref name="sameDayAs"/>.</summary>
    public static string When(DateTime time, DateTime? sameDayAs = null) =>
        sameDayAs is { } reference && reference.Date == time.Date
            ? time.ToString("HH:mm", CultureInfo.InvariantCulture) + "Z"
            : time.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + "Z";

    // An attempt from the logs and Secrets Manager's own event of the same rotation both count: either may be missing.
    private static bool IsSuccess(RotationHistoryEvent e) => e.Touches(HistoryAspect.RotationSucceeded);

    private static bool IsFailure(RotationHistoryEvent e) => e.Touches(HistoryAspect.RotationFailed);

    /// <summary>A change: not a read, not a failed call (neither touches anything).</summary>
    private static bool IsChange(RotationHistoryEvent e) => !e.ReadOnly && e.Aspects.Count > 0;

    /// <summary>A change by CloudFormation or someone else: not the rotation, not a service managing its own resource.</summary>
    private static bool IsChangeByOthers(RotationHistoryEvent e) => IsChange(e) && e.Principal?.Kind is PrincipalKind.Other or PrincipalKind.CloudFormation;

    private static string Capitalized(string text) => text.Length == 0 || char.IsUpper(text[0]) ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
