using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace RotationTroubleshooter.Logs;

internal enum InvocationStatus { Succeeded, Failed, TimedOut, Running, Unknown }

/// <summary>One Lambda request: its platform records and what the function logged during it.</summary>
internal sealed partial class Invocation(string? requestId, string? logStreamName, DateTime firstTime)
{
    public const string CreateSecret = "createSecret", SetSecret = "setSecret", TestSecret = "testSecret", FinishSecret = "finishSecret";
    public const string FoundCredentials = "Found credentials in environment variables.";
    private const int MaxRecords = 300;

    public string? RequestId { get; } = requestId;
    public string? LogStreamName { get; } = logStreamName;
    public DateTime FirstTime { get; private set; } = firstTime;
    public DateTime LastTime { get; private set; } = firstTime;
    public DateTime? StartRecordTime { get; private set; }
    public bool Ended { get; private set; }
    public double? DurationMs { get; private set; }
    public string? PlatformStatus { get; private set; }
    public string? PlatformErrorType { get; private set; }
    public LogEvent? TimeoutRecord { get; private set; }
    /// <summary>Function and free-text records, in order (bounded: the oldest past the cap are dropped).</summary>
    public List<LogEvent> Records { get; } = [];
    /// <summary>The runtime's report of an unhandled exception (<c>[ERROR] Type: text</c> or a JSON error object).</summary>
    public LogEvent? UnhandledError { get; private set; }
    /// <summary>A message the templates write only right before raising (so the step failed even if no platform line says so).</summary>
    public LogEvent? TemplateFailure { get; private set; }
    /// <summary>The last record logged at ERROR level or above.</summary>
    public LogEvent? LastErrorRecord { get; private set; }
    public LogEvent? StepSuccessRecord { get; private set; }
    public string? Step { get; set; }
    public bool StepInferred { get; set; }
    public string? SecretArn { get; private set; }
    public string? VersionId { get; private set; }
    public InvocationStatus Status { get; private set; } = InvocationStatus.Unknown;

    public DateTime StartTime => StartRecordTime ?? FirstTime;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(LogEvent e)
    {
        if (e.Timestamp < FirstTime) FirstTime = e.Timestamp;
        if (e.Timestamp > LastTime) LastTime = e.Timestamp;
        switch (e.Kind)
        {
            case LogEventKind.Start:
                StartRecordTime ??= e.Timestamp;
                return;
            case LogEventKind.End:
            case LogEventKind.Report:
                Ended = true;
                if (e.DurationMs is { } d) DurationMs = d;
                TakeStatus(e);
                return;
            case LogEventKind.Timeout:
                TimeoutRecord = e;
                DurationMs ??= e.DurationMs;
                return;
            case LogEventKind.Platform:
                TakeStatus(e);
                return;
        }
        if (Records.Count >= MaxRecords) Records.RemoveRange(0, MaxRecords / 3);
        Records.Add(e);
        var text = e.Text ?? e.Message;
        if (e.ErrorType is not null) UnhandledError = e;
        if (e.Level is "ERROR" or "CRITICAL" or "FATAL" || e.ErrorType is not null) LastErrorRecord = e;
        Step ??= StepOf(text);
        if (IsStepSuccess(text)) StepSuccessRecord = e;
        // The templates write failures at ERROR level (or the runtime reports them unleveled); INFO records never hold one.
        if (e.Level is not ("INFO" or "DEBUG") && IsTemplateFailure(text)) TemplateFailure = e;
        // A multi-user template names the master secret when its login fails: that ARN is not the secret being rotated.
        if (SecretArn is null && text.Contains("arn:aws", StringComparison.Ordinal) && !text.Contains("master secret", StringComparison.Ordinal) &&
            SecretArnPattern().Match(text) is { Success: true } arn)
            SecretArn = arn.Value.TrimEnd('.');
        if (VersionId is null && text.Contains("ersion ", StringComparison.Ordinal) && VersionPattern().Match(text) is { Success: true } ver)
            VersionId = ver.Groups[1].Value;
    }

    private void TakeStatus(LogEvent e)
    {
        // platform.report's status is the final word; runtimeDone and INIT_REPORT only fill a gap.
        if (e.Status is { } s && (e.Kind == LogEventKind.Report || PlatformStatus is null)) PlatformStatus = s;
        if (e.ErrorType is { } t) PlatformErrorType = t;
    }

    /// <summary>
    /// Explicit platform status first, then the timeout line, an unhandled exception, the end record, a step's success
    /// message. An ERROR-level record alone fails the invocation only when no platform record says how it ended.
    /// </summary>
    public void Settle(DateTime asOf, TimeSpan runningWindow)
    {
        Status = PlatformStatus switch
        {
            "timeout" => InvocationStatus.TimedOut,
            "error" or "failure" when TimeoutRecord is null => InvocationStatus.Failed,
            "success" => InvocationStatus.Succeeded,
            _ when TimeoutRecord is not null => InvocationStatus.TimedOut,
            _ when UnhandledError is not null || TemplateFailure is not null || PlatformStatus is "error" or "failure" => InvocationStatus.Failed,
            _ when LastErrorRecord is not null && !Ended => InvocationStatus.Failed,
            _ when Ended || StepSuccessRecord is not null => InvocationStatus.Succeeded,
            _ when StartRecordTime is { } start && asOf - start <= runningWindow => InvocationStatus.Running,
            _ => InvocationStatus.Unknown,
        };
    }

    /// <summary>The function's own records other than botocore's credentials line.</summary>
    public IEnumerable<LogEvent> MeaningfulRecords =>
        Records.Where(r => !(r.Text ?? r.Message).StartsWith(FoundCredentials, StringComparison.Ordinal));

    public double? EffectiveDurationMs => DurationMs ?? (Ended || TimeoutRecord is not null ? (LastTime - StartTime).TotalMilliseconds : null);

    internal static string? StepOf(string text)
    {
        if (text.Length < 10) return null;
        return text[0] switch
        {
            'c' when text.StartsWith("createSecret:", StringComparison.Ordinal) => CreateSecret,
            's' when text.StartsWith("setSecret:", StringComparison.Ordinal) => SetSecret,
            't' when text.StartsWith("testSecret:", StringComparison.Ordinal) => TestSecret,
            'f' when text.StartsWith("finishSecret:", StringComparison.Ordinal) => FinishSecret,
            _ => null,
        };
    }

    private static bool IsStepSuccess(string text) =>
        text.StartsWith("createSecret: Successfully put secret", StringComparison.Ordinal) ||
        text.StartsWith("createSecret: Successfully retrieved secret", StringComparison.Ordinal) ||
        text.StartsWith("setSecret: Successfully set password", StringComparison.Ordinal) ||
        text.StartsWith("setSecret: AWSPENDING secret is already set as password", StringComparison.Ordinal) ||
        text.StartsWith("testSecret: Successfully signed into", StringComparison.Ordinal) ||
        IsFinishSuccess(text);

    private static readonly string[] TemplateFailures =
    [
        "Unable to log into database", "is not enabled for rotation", "not set as AWSPENDING for rotation",
        "has no stage for rotation", "key is missing from secret JSON", "Database engine must be set to",
        "Access to KMS is not allowed", "Unable to import module", "Unable to log into rdsadmin database", "Attempting to modify user",
        "is not the same host as", "appended would exceed", "is not a valid DB Instance ARN", "is not a valid DB Cluster ARN",
        "Encountered API error while fetching connection parameters", "Error encountered when attempting to set password",
    ];

    private static bool IsTemplateFailure(string text)
    {
        foreach (var failure in TemplateFailures)
            if (text.Contains(failure, StringComparison.Ordinal)) return true;
        return false;
    }

    internal static bool IsFinishSuccess(string text) =>
        text.StartsWith("finishSecret: Successfully set AWSCURRENT stage", StringComparison.Ordinal) ||
        (text.StartsWith("finishSecret: Version ", StringComparison.Ordinal) && text.Contains("already marked as AWSCURRENT", StringComparison.Ordinal));

    internal static string NextStep(string step) => step switch
    {
        CreateSecret => SetSecret,
        SetSecret => TestSecret,
        _ => FinishSecret,
    };

    // Secret names may hold '.', so a trailing sentence period is trimmed after the match (full ARNs end in "-XXXXXX").
    [GeneratedRegex(@"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+", RegexOptions.CultureInvariant)]
    internal static partial Regex SecretArnPattern();

    [GeneratedRegex(@"[Vv]ersion ([A-Za-z0-9-]{32,64})\b", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();
}
