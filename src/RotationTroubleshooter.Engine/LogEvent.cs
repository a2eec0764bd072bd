using System.Runtime.CompilerServices;
using RotationTroubleshooter.Logs;
using RotationTroubleshooter.Text;
namespace RotationTroubleshooter;

/// <summary>What kind of record a Lambda log line is.</summary>
public enum LogEventKind : long // long: ConvertTo-Json writes it by name (see FindingSeverity)
{
    /// <summary>A record written by the function through the runtime's logger (<c>[INFO]\t..</c> or a JSON object with a level).</summary>
    Function,
    /// <summary><c>START RequestId:</c> / <c>platform.start</c>.</summary>
    Start,
    /// <summary><c>END RequestId:</c> / <c>platform.runtimeDone</c>.</summary>
    End,
    /// <summary><c>REPORT RequestId:</c> / <c>platform.report</c>.</summary>
    Report,
    /// <summary><c>&lt;time&gt; &lt;request id&gt; Task timed out after N seconds</c>.</summary>
    Timeout,
    /// <summary>Other platform records (<c>INIT_START</c>, <c>platform.initReport</c>, ...).</summary>
    Platform,
    /// <summary>Anything else: print() output, traceback text, lines in no known shape.</summary>
    Text,
}

/// <summary>
/// One CloudWatch Logs event of a rotation function, with what the Lambda log formats say about it.
/// The message is stored with anything that looks like a password value redacted, the run's secret values masked and
/// control characters made visible.
/// </summary>
public sealed class LogEvent
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public LogEvent(DateTime timestamp, string message, string? logStreamName = null, DateTime? ingestionTime = null)
        : this((DateTime?)timestamp, message, logStreamName, ingestionTime, default)
    {
    }

    /// <summary>For a copied line without a timestamp column: the record's own time, else <paramref name="fallback"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal LogEvent(DateTime? timestamp, string message, string? logStreamName, DateTime? ingestionTime, DateTime fallback)
    {
        ArgumentNullException.ThrowIfNull(message);
        // As every output type's text (OutputText): the run's secret values masked, control characters made visible.
        var mask = SecretMask.Current;
        Message = Masked(SecretRedactor.Redact(UntrustedText.Lines(LambdaLogParser.TrimRecord(message))), mask)!;
        LogStreamName = string.IsNullOrEmpty(logStreamName) ? null : Masked(UntrustedText.Line(logStreamName), mask);
        IngestionTime = ingestionTime is { } i ? DateTime.SpecifyKind(i.Kind == DateTimeKind.Local ? i.ToUniversalTime() : i, DateTimeKind.Utc) : null;
        var parsed = LambdaLogParser.Parse(Message);
        Kind = parsed.Kind;
        // A JSON record's \u escapes decode to control characters (or a masked value) again: what the parser took out is cleaned too.
        RequestId = Masked(UntrustedText.LineOrNull(parsed.RequestId), mask);
        Level = Masked(UntrustedText.LineOrNull(parsed.Level), mask);
        Text = Masked(UntrustedText.LinesOrNull(parsed.Text), mask);
        DurationMs = parsed.DurationMs;
        Status = Masked(UntrustedText.LineOrNull(parsed.Status), mask);
        ErrorType = Masked(UntrustedText.LineOrNull(parsed.ErrorType), mask);
        EmbeddedTime = parsed.Time;
        var time = timestamp ?? parsed.Time ?? fallback;
        Timestamp = DateTime.SpecifyKind(time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time, DateTimeKind.Utc);
    }

    /// <summary>Builds an event from CloudWatch Logs' epoch-millisecond fields.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static LogEvent FromEpochMilliseconds(long timestamp, string message, string? logStreamName = null, long? ingestionTime = null) =>
        new(DateTime.UnixEpoch.AddMilliseconds(timestamp), message, logStreamName,
            ingestionTime is { } i ? DateTime.UnixEpoch.AddMilliseconds(i) : null);

    /// <summary>When the event happened (UTC).</summary>
    public DateTime Timestamp { get; }
    /// <summary>The event as logged, password values redacted.</summary>
    public string Message { get; }
    public string? LogStreamName { get; }
    public DateTime? IngestionTime { get; }
    /// <summary>The Lambda request id the record names, if any.</summary>
    public string? RequestId { get; }
    /// <summary><c>INFO</c>, <c>ERROR</c>, ... for function records.</summary>
    public string? Level { get; }
    public LogEventKind Kind { get; }
    /// <summary>The function's own words without the runtime's prefix (for an error object: <c>Type: message</c>).</summary>
    public string? Text { get; }
    /// <summary>The invocation's duration from REPORT / platform.report, or the timeout from "Task timed out".</summary>
    public double? DurationMs { get; }
    /// <summary>The platform's status of the invocation: <c>success</c>, <c>error</c>, <c>timeout</c>, <c>failure</c>.</summary>
    public string? Status { get; }
    /// <summary>The error type a platform or error record names (e.g. <c>Runtime.ImportModuleError</c>).</summary>
    public string? ErrorType { get; }

    /// <summary>The time written inside the record itself, used when a copied line has no timestamp column.</summary>
    internal DateTime? EmbeddedTime { get; }

    private static string? Masked(string? text, SecretMask? mask) => text is null || mask is null ? text : mask.Apply(text);

    public override string ToString() => $"{Timestamp:yyyy-MM-ddTHH:mm:ss.fffZ} {Message}";
}
