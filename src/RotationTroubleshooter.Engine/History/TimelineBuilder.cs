using System.Text.RegularExpressions;

namespace RotationTroubleshooter.History;

/// <summary>The secret a timeline is for, and what tells its rotation function's calls from everyone else's.</summary>
public sealed record HistorySubject(string SecretArn, string? FunctionName = null, string? FunctionRoleArn = null);

/// <summary>
/// Builds one secret's rotation history: the CloudTrail events of everything its rotation depends on, its rotation
/// attempts from the function's logs and the runtime updates the logs show, oldest first, each event once, with its
/// principal classified for this secret (the same change to a shared security group is the rotation function's call for
/// one secret and someone else's for another). Reads are left out unless asked for.
/// </summary>
public static partial class TimelineBuilder
{
    public const string LogsSource = "Function logs";

    public static IReadOnlyList<RotationHistoryEvent> Build(HistorySubject subject, IEnumerable<ResourceHistory> histories,
        IEnumerable<RotationAttempt> attempts, IEnumerable<LogEvent> functionLog, DateTime start, DateTime end, bool includeReadOnly = false)
    {
        var events = new List<RotationHistoryEvent>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var record in histories.SelectMany(h => h.Records))
        {
            if (record.Time < start || record.Time > end || (record.ReadOnly && !includeReadOnly) || !seen.Add(record.EventId)) continue;
            events.Add(FromRecord(subject, record));
        }
        events.AddRange(attempts.Where(a => Same(a.SecretArn, subject.SecretArn) && a.StartTime >= start && a.StartTime <= end)
            .Select(a => FromAttempt(subject, a)));
        events.AddRange(RuntimeChanges(subject, functionLog).Where(e => e.Time >= start && e.Time <= end));
        return events.OrderBy(e => e.Time).ThenBy(e => e.EventId, StringComparer.Ordinal).ToList();
    }

    /// <summary>One CloudTrail record as an entry of <paramref name="subject"/>'s history.</summary>
    public static RotationHistoryEvent FromRecord(HistorySubject subject, TrailRecord record)
    {
        var change = ChangeDescriber.Describe(record);
        var principal = PrincipalClassifier.Classify(record.Identity, record.SourceIpAddress, subject.FunctionRoleArn);
        var error = record.ErrorCode ?? (record.EventName == "RotationFailed" ? record.ErrorMessage : null);
        return new RotationHistoryEvent(subject.SecretArn, record.Time, SourceName(record.EventSource), record.EventName, principal, change.Summary,
            change.Changes, record.Resource.Name, record.Resource.Kind, change.Aspects, error, record.ReadOnly, record.EventId);
    }

    private static RotationHistoryEvent FromAttempt(HistorySubject subject, RotationAttempt attempt)
    {
        var version = attempt.VersionId is null ? "a version" : $"version {attempt.VersionId}";
        var outcome = attempt.Outcome switch
        {
            RotationAttemptOutcome.Succeeded => "that succeeded",
            RotationAttemptOutcome.Failed => $"that failed at {attempt.FailedStep ?? "an unknown step"}" + (attempt.Symptom is null ? "" : $" ({attempt.Symptom})"),
            RotationAttemptOutcome.TimedOut => $"that timed out at {attempt.FailedStep ?? "an unknown step"}" + (attempt.Symptom is null ? "" : $" ({attempt.Symptom})"),
            _ => "still in progress",
        };
        var changes = new List<string> { $"outcome: {attempt.Outcome}" };
        if (attempt.FailedStep is not null) changes.Add($"failed step: {attempt.FailedStep}");
        if (attempt.Symptom is not null && attempt.Outcome != RotationAttemptOutcome.Succeeded) changes.Add($"symptom: {attempt.Symptom}");
        var failed = attempt.Outcome is RotationAttemptOutcome.Failed or RotationAttemptOutcome.TimedOut;
        HistoryAspect[] aspects = attempt.Outcome == RotationAttemptOutcome.Succeeded ? [HistoryAspect.RotationAttempt, HistoryAspect.RotationSucceeded]
            : failed ? [HistoryAspect.RotationAttempt, HistoryAspect.RotationFailed]
            : [HistoryAspect.RotationAttempt];
        return new RotationHistoryEvent(subject.SecretArn, attempt.StartTime, LogsSource, "RotationAttempt", Principal.SecretsManager,
            $"ran a rotation of {version} {outcome}", changes, attempt.FunctionName ?? subject.FunctionName, HistoryResourceKind.Function,
            aspects, failed ? attempt.Symptom ?? attempt.Outcome.ToString() : null, false,
            $"attempt:{attempt.VersionId}:{attempt.StartTime:O}");
    }

    [GeneratedRegex(@"Runtime Version: (?<version>[^\s]+)|""runtimeVersion""\s*:\s*""(?<version>[^""]+)""")]
    private static partial Regex RuntimeVersion();

    /// <summary>
    /// Each cold start's INIT_START line names the runtime version the environment started on; a change from one cold
    /// start to the next is a runtime update (docs/reference/cloudtrail.md, "Lambda's events").
    /// </summary>
    private static IEnumerable<RotationHistoryEvent> RuntimeChanges(HistorySubject subject, IEnumerable<LogEvent> functionLog)
    {
        string? previous = null;
        foreach (var line in functionLog.Where(e => e.Kind == LogEventKind.Platform).OrderBy(e => e.Timestamp))
        {
            if (!line.Message.Contains("INIT_START", StringComparison.Ordinal) && !line.Message.Contains("platform.initStart", StringComparison.Ordinal)) continue;
            if (RuntimeVersion().Match(line.Message) is not { Success: true } match) continue;
            var version = match.Groups["version"].Value;
            if (previous is not null && previous != version)
                yield return new RotationHistoryEvent(subject.SecretArn, line.Timestamp, LogsSource, "RuntimeVersionChanged", null,
                    $"the function started on runtime version {version} (before: {previous})", [$"runtime version: {version}", $"before: {previous}"],
                    subject.FunctionName, HistoryResourceKind.Function, [HistoryAspect.FunctionRuntime], null, false,
                    $"runtime:{version}:{line.Timestamp:O}");
            previous = version;
        }
    }

    /// <summary>The service's name as a reader knows it.</summary>
    public static string SourceName(string eventSource) => eventSource switch
    {
        "secretsmanager.amazonaws.com" => "Secrets Manager",
        "lambda.amazonaws.com" => "Lambda",
        "ec2.amazonaws.com" => "EC2",
        "kms.amazonaws.com" => "KMS",
        "rds.amazonaws.com" => "RDS",
        "cloudformation.amazonaws.com" => "CloudFormation",
        _ => eventSource.EndsWith(".amazonaws.com", StringComparison.Ordinal) ? eventSource[..^".amazonaws.com".Length] : eventSource,
    };

    private static bool Same(string? a, string? b) => a is not null && b is not null && string.Equals(a, b, StringComparison.Ordinal);
}
