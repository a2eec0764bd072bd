using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Logs;

/// <summary>One rotation function's logs over one window, as read from CloudWatch Logs, with the attempts rebuilt from them.</summary>
public sealed class FunctionLogs
{
    internal FunctionLogs(string functionName, string logGroupName, DateTime startTime, DateTime endTime, IReadOnlyList<LogEvent> events,
        bool truncated, IReadOnlyList<string> warnings, IReadOnlyList<RotationAttempt> attempts)
    {
        FunctionName = functionName;
        LogGroupName = logGroupName;
        StartTime = startTime;
        EndTime = endTime;
        Events = events;
        Truncated = truncated;
        Warnings = warnings;
        Attempts = attempts;
    }

    public string FunctionName { get; }
    public string LogGroupName { get; }
    public DateTime StartTime { get; }
    public DateTime EndTime { get; }
    /// <summary>Oldest first.</summary>
    public IReadOnlyList<LogEvent> Events { get; }
    /// <summary>True when the event cap (or the page cap) stopped the read before the end of the window.</summary>
    public bool Truncated { get; }
    /// <summary>What the reader should know (cap reached, no events, a custom log group that could not be looked up); no log content.</summary>
    public IReadOnlyList<string> Warnings { get; }
    /// <summary>Every attempt in the window, oldest first.</summary>
    public IReadOnlyList<RotationAttempt> Attempts { get; }
}

/// <summary>
/// Reads rotation functions' logs and rebuilds their rotation attempts; a function's logs over a window are read once per
/// run (<see cref="FunctionInputs.Logs"/>), so Get-RotationFunctionLog and Test-SecretRotation share one read.
/// </summary>
public sealed class RotationLogService(AwsSession session) : IRunService<RotationLogService>
{
    public static RotationLogService Create(AwsSession session) => new(session);

    public static readonly TimeSpan DefaultLookback = TimeSpan.FromDays(7);
    public const int DefaultMaxEvents = 10_000;

    private readonly CloudWatchLogsClient _client = session.Get<CloudWatchLogsClient>();

    /// <summary>The run's default window ends when the service was created, so every caller in a run shares one read.</summary>
    public DateTime DefaultEndTime { get; } = DateTime.UtcNow;
    public DateTime DefaultStartTime => DefaultEndTime - DefaultLookback;

    /// <summary>The function's log events and attempts in the window (UTC), read once per function and window per run.</summary>
    public async Task<FunctionLogs> ReadAsync(string functionName, DateTime startTime, DateTime endTime, int maxEvents, CancellationToken cancellation)
    {
        var start = Utc(startTime);
        var end = Utc(endTime);
        if (start >= end) throw new TroubleshooterException(ErrorIds.InvalidTimeWindow, FailureCategory.InvalidArgument,
            $"The start time {start:u} is not before the end time {end:u}.");
        if (maxEvents < 1) throw new ArgumentOutOfRangeException(nameof(maxEvents), "maxEvents must be at least 1.");
        var window = new LogWindow(AwsArn.CheckFunctionName(functionName), start, end, maxEvents);
        return await FunctionInputs.Logs.GetAsync(session, window, ct => ReadWindowAsync(window, ct), cancellation).ConfigureAwait(false);
    }

    /// <summary>The function's logs over a window (null bounds: the run's default), read now; the run's shared read is <see cref="FunctionInputs.Logs"/>.</summary>
    internal Task<FunctionLogs> ReadWindowAsync(LogWindow window, CancellationToken cancellation) =>
        ReadGuessingGroupAsync(AwsArn.CheckFunctionName(window.FunctionId), window.Start is { } start ? Utc(start) : DefaultStartTime,
            window.End is { } end ? Utc(end) : DefaultEndTime, window.MaxEvents, cancellation);

    /// <summary>
    /// Reads Lambda's default log group while GetFunction says whether LoggingConfig names another one (then that one
    /// is read instead, and the guess is called off, before it is sent if its turn under the quota has not come): one
    /// round trip after DescribeSecret instead of two, for the functions that log where Lambda does by default.
    /// </summary>
    private async Task<FunctionLogs> ReadGuessingGroupAsync(string functionId, DateTime start, DateTime end, int maxEvents, CancellationToken cancellation)
    {
        var guessedGroup = DefaultLogGroup(NameOf(functionId));
        using var guess = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var guessed = _client.FilterLogEventsAsync(guessedGroup, start, end, maxEvents, guess.Token);
        var guessUsed = false;
        try
        {
            var (name, group, note) = await LogGroupOfAsync(functionId, cancellation).ConfigureAwait(false);
            guessUsed = group == guessedGroup;
            var page = guessUsed ? guessed : _client.FilterLogEventsAsync(group, start, end, maxEvents, cancellation);
            return Analyze(name, note, start, end, await page.ConfigureAwait(false));
        }
        finally
        {
            if (!guessUsed)
            {
                guess.Cancel();
                // An unused guess's cancellation or failure is nobody's.
                _ = guessed.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
        }
    }

    /// <summary>
    /// The function's logs from <paramref name="startTime"/> until now, read afresh on every call (not kept for the run):
    /// for following a rotation while it runs.
    /// </summary>
    public async Task<FunctionLogs> ReadUntilNowAsync(string functionName, DateTime startTime, int maxEvents, CancellationToken cancellation)
    {
        var (name, group, note) = await LogGroupOfAsync(functionName, cancellation).ConfigureAwait(false);
        return await ReadUncachedAsync(name, group, note, Utc(startTime), DateTime.UtcNow, maxEvents, cancellation).ConfigureAwait(false);
    }

    /// <summary>Every rotation attempt of the function in the window, oldest first.</summary>
    public async Task<IReadOnlyList<RotationAttempt>> ForFunctionAsync(string functionName, DateTime startTime, DateTime endTime, int maxEvents,
        CancellationToken cancellation) =>
        (await ReadAsync(functionName, startTime, endTime, maxEvents, cancellation).ConfigureAwait(false)).Attempts;

    /// <summary>Every rotation attempt of the function over the run's default window (the last 7 days, 10,000 events).</summary>
    public async Task<IReadOnlyList<RotationAttempt>> ForFunctionAsync(string functionName, CancellationToken cancellation)
    {
        var window = new LogWindow(AwsArn.CheckFunctionName(functionName));
        return (await FunctionInputs.Logs.GetAsync(session, window, ct => ReadWindowAsync(window, ct), cancellation).ConfigureAwait(false)).Attempts;
    }

    /// <summary>
    /// The secret's attempts (found through DescribeSecret's RotationLambdaARN), oldest first. Attempts whose logs name
    /// no secret are included: they may be this secret's.
    /// </summary>
    public async Task<IReadOnlyList<RotationAttempt>> ForSecretAsync(string secretId, DateTime startTime, DateTime endTime, int maxEvents,
        CancellationToken cancellation)
    {
        var (secret, functionArn) = await RotatedSecretAsync(secretId, cancellation).ConfigureAwait(false);
        var logs = await ReadAsync(functionArn, startTime, endTime, maxEvents, cancellation).ConfigureAwait(false);
        return OfSecret(logs.Attempts, secret.ARN ?? secretId);
    }

    /// <summary>
    /// The secret's newest attempt over the run's default window, or null when its function logged none (for
    /// Test-SecretRotation). With <paramref name="includeUnattributed"/> false, attempts whose logs name no secret are
    /// skipped (on a function shared by several secrets they may be another secret's).
    /// </summary>
    public async Task<RotationAttempt?> LatestForSecretAsync(string secretId, CancellationToken cancellation, bool includeUnattributed = true)
    {
        var attempts = await ForSecretAsync(secretId, DefaultStartTime, DefaultEndTime, DefaultMaxEvents, cancellation).ConfigureAwait(false);
        return attempts.LastOrDefault(a => includeUnattributed || a.SecretArn is not null);
    }

    /// <summary>The secret and its rotation function; a secret without one is a <c>RotationNotConfigured</c> failure.</summary>
    public Task<(SecretDescription Secret, string FunctionArn)> RotatedSecretAsync(string secretId, CancellationToken cancellation) =>
        session.RotationFunctionOfAsync(secretId, "read a function's logs with -FunctionName", cancellation);

    /// <summary>The attempts of one secret (full ARN, partial ARN or name), plus those whose logs name no secret.</summary>
    public static IReadOnlyList<RotationAttempt> OfSecret(IReadOnlyList<RotationAttempt> attempts, string secretArn) =>
        attempts.Where(a => a.SecretArn is null || RotationLogAnalyzer.MatchesSecret(a.SecretArn, secretArn)).ToList();

    /// <summary>
    /// The events that belong to <paramref name="attempts"/>, in order: those of their requests, and request-less lines
    /// (tracebacks, print output) in the same log streams during those requests.
    /// </summary>
    public static IReadOnlyList<LogEvent> EventsOf(IReadOnlyList<LogEvent> events, IEnumerable<RotationAttempt> attempts)
    {
        var requests = new HashSet<string>(StringComparer.Ordinal);
        var spans = new List<(string? Stream, DateTime From, DateTime To)>();
        foreach (var attempt in attempts)
            foreach (var step in attempt.Steps)
            {
                if (step.RequestId is { } id) requests.Add(id);
                // A request-less record (init error, traceback) can precede START by a moment.
                spans.Add((step.LogStreamName, step.StartTime.AddSeconds(-1), step.StartTime.AddMilliseconds((step.DurationMs ?? 0) + 1000)));
            }
        return events.Where(e => e.RequestId is { } id
            ? requests.Contains(id)
            : spans.Any(s => s.Stream == e.LogStreamName && e.Timestamp >= s.From && e.Timestamp <= s.To)).ToList();
    }

    private async Task<FunctionLogs> ReadUncachedAsync(string name, string group, string? note, DateTime start, DateTime end, int maxEvents,
        CancellationToken cancellation) =>
        Analyze(name, note, start, end, await _client.FilterLogEventsAsync(group, start, end, maxEvents, cancellation).ConfigureAwait(false));

    private static FunctionLogs Analyze(string name, string? note, DateTime start, DateTime end, LogEventsPage page)
    {
        var group = page.LogGroupName;
        var warnings = new List<string>();
        if (note is not null) warnings.Add(note);
        if (page.Truncated)
            warnings.Add($"Read only the first {page.Events.Count} events of '{group}' from {start:u}" +
                         (page.Events.Count > 0 ? $"; nothing after {page.Events[^1].Timestamp:u} was read" : "") +
                         ". Use a later -StartTime, an earlier -EndTime, or a larger -MaxEvents.");
        if (page.Events.Count == 0)
            warnings.Add($"Log group '{group}' has no events between {start:u} and {end:u}: the function did not run then. " +
                         "Widen the window with -StartTime.");
        var asOf = end < DateTime.UtcNow ? end : DateTime.UtcNow;
        var attempts = RotationLogAnalyzer.Analyze(page.Events, name, null, asOf);
        return new FunctionLogs(name, group, start, end, page.Events, page.Truncated, warnings, attempts);
    }

    /// <summary>The function's LoggingConfig.LogGroup, else Lambda's default group; without lambda:GetFunction, the default with a note.</summary>
    private async Task<(string Name, string Group, string? Note)> LogGroupOfAsync(string functionName, CancellationToken cancellation)
    {
        var id = AwsArn.CheckFunctionName(functionName);
        try
        {
            var config = (await session.GetFunctionAsync(id, cancellation).ConfigureAwait(false)).Configuration;
            var name = config.FunctionName ?? NameOf(id);
            var group = config.LoggingConfig?.LogGroup;
            return (name, string.IsNullOrEmpty(group) ? DefaultLogGroup(name) : group, null);
        }
        catch (AwsServiceException e) when (e.Kind == AwsErrorKind.AccessDenied)
        {
            var name = NameOf(id);
            return (name, DefaultLogGroup(name),
                $"{e.IamAction} was denied, so a custom log group (LoggingConfig.LogGroup) cannot be seen; reading {DefaultLogGroup(name)}.");
        }
    }

    public static string DefaultLogGroup(string functionName) => "/aws/lambda/" + functionName;

    /// <summary>The name inside a function ARN (without a version or alias qualifier), or the name itself.</summary>
    internal static string NameOf(string functionId)
    {
        var at = functionId.IndexOf("function:", StringComparison.Ordinal);
        if (at < 0) return functionId;
        var rest = functionId[(at + "function:".Length)..];
        var colon = rest.IndexOf(':');
        return colon < 0 ? rest : rest[..colon];
    }

    private static DateTime Utc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Utc => time,
        DateTimeKind.Local => time.ToUniversalTime(),
        _ => DateTime.SpecifyKind(time, DateTimeKind.Utc),
    };
}
