using System.Runtime.CompilerServices;
namespace RotationTroubleshooter.Logs;

/// <summary>Rebuilds rotation attempts from a rotation function's log events and names what went wrong.</summary>
public static class RotationLogAnalyzer
{
    /// <summary>Lambda's longest timeout: an invocation started less than this before "now" may still be running.</summary>
    internal static readonly TimeSpan RunningWindow = TimeSpan.FromMinutes(15);
    /// <summary>An invocation that names no secret joins an open attempt only if it follows that attempt's last activity within this gap.</summary>
    internal static readonly TimeSpan AnonymousJoinGap = TimeSpan.FromHours(2);

    /// <summary>
    /// Groups <paramref name="events"/> (any order; from one function) into invocations by request id, then into
    /// attempts per secret ARN and version id, and classifies each. Attempts come back oldest first.
    /// </summary>
    /// <param name="functionName">Copied onto each attempt.</param>
    /// <param name="secretArnFilter">Only attempts of this secret (full or partial ARN, or name). Attempts whose
    /// secret the logs never name (e.g. nothing logged but "Found credentials") are kept when
    /// <paramref name="includeUnattributed"/> is true, since they may belong to this secret.</param>
    /// <param name="asOf">When the logs were read (default: now); an attempt whose last activity is within 15 minutes
    /// of it and that has not ended is <c>InProgress</c>, an older one has stalled.</param>
    public static IReadOnlyList<RotationAttempt> Analyze(IEnumerable<LogEvent> events, string? functionName = null,
        string? secretArnFilter = null, DateTime? asOf = null, bool includeUnattributed = true)
    {
        ArgumentNullException.ThrowIfNull(events);
        var now = asOf is { } a ? (a.Kind == DateTimeKind.Local ? a.ToUniversalTime() : a) : DateTime.UtcNow;
        var invocations = BuildInvocations(events);
        foreach (var inv in invocations) inv.Settle(now, RunningWindow);
        var attempts = BuildAttempts(invocations);
        var result = new List<RotationAttempt>(attempts.Count);
        foreach (var attempt in attempts)
        {
            if (secretArnFilter is not null && !(attempt.SecretArn is null ? includeUnattributed : MatchesSecret(attempt.SecretArn, secretArnFilter)))
                continue;
            result.Add(SymptomClassifier.Conclude(attempt, functionName, now, RunningWindow));
        }
        result.Sort((x, y) => x.StartTime.CompareTo(y.StartTime));
        return result;
    }

    /// <summary>Full ARN, partial ARN (without the random suffix), or the secret's name.</summary>
    internal static bool MatchesSecret(string arn, string filter)
    {
        if (string.Equals(arn, filter, StringComparison.Ordinal)) return true;
        if (arn.StartsWith(filter + "-", StringComparison.Ordinal) && arn.Length == filter.Length + 7) return true;
        var nameStart = arn.IndexOf(":secret:", StringComparison.Ordinal);
        if (nameStart < 0) return false;
        var nameWithSuffix = arn.AsSpan(nameStart + ":secret:".Length);
        return nameWithSuffix.Length > 7 && nameWithSuffix[..^7].SequenceEqual(filter);
    }

    /// <summary>
    /// By request id; a record without one (an unhandled-error line, print output, INIT records) belongs to the
    /// invocation open in the same log stream (one stream is one execution environment, serving one request at a
    /// time), or, between invocations, to the next one that starts there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static List<Invocation> BuildInvocations(IEnumerable<LogEvent> events)
    {
        // OrderBy is stable: events with equal timestamps keep their input order. Exports are usually sorted already.
        var list = events as IReadOnlyList<LogEvent> ?? events.ToList();
        var sorted = true;
        for (var i = 1; i < list.Count && sorted; i++) sorted = list[i - 1].Timestamp <= list[i].Timestamp;
        var ordered = sorted ? list : list.OrderBy(e => e.Timestamp).ToList();
        var byId = new Dictionary<string, Invocation>(StringComparer.Ordinal);
        var openByStream = new Dictionary<string, Invocation>(StringComparer.Ordinal);
        var waitingByStream = new Dictionary<string, List<LogEvent>>(StringComparer.Ordinal);
        var all = new List<Invocation>();
        const int maxWaiting = 50;

        foreach (var e in ordered)
        {
            var stream = e.LogStreamName ?? string.Empty;
            if (e.RequestId is { } id)
            {
                if (!byId.TryGetValue(id, out var inv))
                {
                    inv = new Invocation(id, e.LogStreamName, e.Timestamp);
                    byId[id] = inv;
                    all.Add(inv);
                }
                if (e.Kind == LogEventKind.Start || (!inv.Ended && !openByStream.ContainsKey(stream) && e.Kind is LogEventKind.Function))
                {
                    openByStream[stream] = inv;
                    if (waitingByStream.Remove(stream, out var waiting))
                        foreach (var w in waiting) inv.Add(w);
                }
                inv.Add(e);
                if (e.Kind is LogEventKind.End or LogEventKind.Report && openByStream.TryGetValue(stream, out var open) && open == inv)
                    openByStream.Remove(stream);
            }
            else if (openByStream.TryGetValue(stream, out var open))
                open.Add(e);
            else
            {
                if (!waitingByStream.TryGetValue(stream, out var waiting)) waitingByStream[stream] = waiting = [];
                if (waiting.Count >= maxWaiting) waiting.RemoveAt(0);
                waiting.Add(e);
            }
        }
        // Records no invocation claimed (e.g. a console copy without START lines or request ids) still tell a story.
        foreach (var (stream, waiting) in waitingByStream)
        {
            if (!waiting.Any(w => w.Kind is LogEventKind.Function)) continue;
            var orphan = new Invocation(null, stream.Length == 0 ? null : stream, waiting[0].Timestamp);
            foreach (var w in waiting) orphan.Add(w);
            all.Add(orphan);
        }
        all.Sort((x, y) => x.StartTime.CompareTo(y.StartTime));
        return all;
    }

    internal sealed class AttemptBuilder(Invocation first)
    {
        public string? SecretArn { get; } = first.SecretArn;
        public string? VersionId { get; set; } = first.VersionId;
        public List<Invocation> Invocations { get; } = [];
        public bool Finished { get; set; }
        public DateTime LastActivity => Invocations.Count == 0 ? first.LastTime : Invocations[^1].LastTime;
        public string? LastStream => Invocations.Count == 0 ? first.LogStreamName : Invocations[^1].LogStreamName;
    }

    /// <summary>
    /// One attempt per secret ARN and version id. An invocation naming the secret joins that secret's open attempt
    /// (a new version id closes the old one); one naming nothing joins the open attempt it most plausibly continues
    /// (same log stream first, then the most recent), and takes the step that attempt's sequence implies.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static List<AttemptBuilder> BuildAttempts(List<Invocation> invocations)
    {
        // Open attempts by secret ARN ("" for those that name none); "recent" holds the ones an anonymous invocation may
        // still join, pruned as time moves on so a long log with many failed attempts stays linear.
        var openBySecret = new Dictionary<string, List<AttemptBuilder>>(StringComparer.Ordinal);
        var recent = new List<AttemptBuilder>();
        var all = new List<AttemptBuilder>();
        void Close(AttemptBuilder a)
        {
            if (openBySecret.TryGetValue(a.SecretArn ?? "", out var list)) list.Remove(a);
            recent.Remove(a);
        }
        foreach (var inv in invocations)
        {
            AttemptBuilder? target = null;
            recent.RemoveAll(a => inv.StartTime - a.LastActivity > AnonymousJoinGap);
            if (inv.SecretArn is { } arn)
            {
                var ofSecret = openBySecret.TryGetValue(arn, out var list) ? list : [];
                if (inv.VersionId is { } version)
                {
                    target = ofSecret.FirstOrDefault(a => a.VersionId == version) ?? ofSecret.LastOrDefault(a => a.VersionId is null);
                    // Secrets Manager started a new version, so an older unfinished one was abandoned.
                    foreach (var stale in ofSecret.Where(a => a.VersionId is not null && a.VersionId != version).ToList()) Close(stale);
                }
                else target = ofSecret.MaxBy(a => a.LastActivity);
            }
            else
            {
                AttemptBuilder? sameStream = null, latest = null;
                foreach (var a in recent)
                {
                    if (a.LastStream == inv.LogStreamName && (sameStream is null || a.LastActivity >= sameStream.LastActivity)) sameStream = a;
                    if (latest is null || a.LastActivity >= latest.LastActivity) latest = a;
                }
                target = sameStream ?? latest;
            }
            if (target is null)
            {
                target = new AttemptBuilder(inv);
                var key = target.SecretArn ?? "";
                if (!openBySecret.TryGetValue(key, out var list)) openBySecret[key] = list = [];
                list.Add(target);
                recent.Add(target);
                all.Add(target);
            }
            else if (!recent.Contains(target)) recent.Add(target);
            target.VersionId ??= inv.VersionId;
            if (inv.Step is null)
            {
                inv.StepInferred = true;
                var previous = target.Invocations.Count == 0 ? null : target.Invocations[^1];
                inv.Step = previous?.Step is not { } prevStep ? Invocation.CreateSecret
                    : previous.Status == InvocationStatus.Succeeded ? Invocation.NextStep(prevStep) : prevStep;
            }
            target.Invocations.Add(inv);
            if (inv.Step == Invocation.FinishSecret && inv.Status == InvocationStatus.Succeeded &&
                (inv.StepSuccessRecord is not null || !inv.StepInferred))
            {
                target.Finished = true;
                Close(target);
            }
        }
        return all;
    }
}
