using System.Globalization;
using System.Text;
using System.Text.Json;

namespace RotationTroubleshooter.Tests.Logs;

public enum LambdaLogFormat { Text, Json }

public enum InvocationEnd { Success, Error, Timeout }

/// <summary>
/// Writes what Lambda and the Python rotation templates put in CloudWatch Logs, in either log format, with the
/// strings quoted in docs/reference/rotation.md; then exports it the ways an administrator would.
/// </summary>
internal sealed class Transcript(LambdaLogFormat format, string stream = Transcript.DefaultStream)
{
    public const string DefaultStream = "2026/11/20/[$LATEST]0a1b2c3d4e5f60718293a4b5c6d7e8f9";
    public const string ArnA = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/db-AbCdEf";
    public const string ArnB = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/billing.db-XyZ123";
    public const string Ver1 = "7e9f2b1c-3d4a-4b5c-8d6e-0f1a2b3c4d5e";
    public const string Ver2 = "a1b2c3d4-e5f6-4789-8abc-def012345678";
    public static readonly DateTime T0 = new(2026, 11, 20, 3, 0, 0, DateTimeKind.Utc);

    public static string Put(string arn, string ver) => $"createSecret: Successfully put secret for ARN {arn} and version {ver}.";
    public static string Retrieved(string arn) => $"createSecret: Successfully retrieved secret for {arn}.";
    public static string SetOk(string arn) => $"setSecret: Successfully set password for user app in PostgreSQL DB for secret arn {arn}.";
    public static string SetFailed(string arn) => $"setSecret: Unable to log into database with previous, current, or pending secret of secret arn {arn}";
    public static string TestOk(string arn) => $"testSecret: Successfully signed into PostgreSQL DB with AWSPENDING secret in {arn}.";
    public static string TestFailed(string arn) => $"testSecret: Unable to log into database with pending secret of secret ARN {arn}";
    public static string FinishOk(string arn, string ver) => $"finishSecret: Successfully set AWSCURRENT stage to version {ver} for secret {arn}.";

    private readonly List<(DateTime Time, string Message, string Stream)> _lines = [];
    private int _ids;

    public DateTime Clock { get; private set; } = T0;
    public IReadOnlyList<(DateTime Time, string Message, string Stream)> Lines => _lines;
    public List<LogEvent> Events => _lines.Select(l => new LogEvent(l.Time, l.Message, l.Stream)).ToList();

    public Transcript Wait(TimeSpan gap)
    {
        Clock += gap;
        return this;
    }

    /// <summary>Adds a line the platform or function did not write in Lambda's shape (print output, other noise).</summary>
    public Transcript Raw(string message, string? inStream = null)
    {
        _lines.Add((Clock, message, inStream ?? stream));
        Clock += TimeSpan.FromMilliseconds(3);
        return this;
    }

    /// <summary>
    /// One invocation. <paramref name="messages"/> are logger.info lines (a leading "!" makes it logger.error);
    /// <paramref name="unhandled"/> is the exception the runtime reports ("ValueError: text"); <paramref name="initError"/>
    /// is logged during init, before START and without a request id.
    /// </summary>
    public string Invoke(double durationMs, InvocationEnd end, string[] messages, string? unhandled = null, string? initError = null,
        bool coldStart = true, string? inStream = null, string? requestId = null, bool platformLines = true)
    {
        var s = inStream ?? stream;
        var id = requestId ?? $"{++_ids:x8}-1111-4222-8333-444444444444";
        var start = Clock;
        if (initError is not null) Add(start.AddMilliseconds(-40), UnhandledRecord(initError, null, start), s);
        if (platformLines)
            Add(start, format == LambdaLogFormat.Text
                ? $"START RequestId: {id} Version: $LATEST\n"
                : Json(w => { w.WriteString("time", Iso(start)); w.WriteString("type", "platform.start"); w.WriteStartObject("record"); w.WriteString("requestId", id); w.WriteString("version", "$LATEST"); w.WriteEndObject(); }), s);
        var all = (coldStart ? new[] { "Found credentials in environment variables." } : []).Concat(messages).ToList();
        var step = durationMs / (all.Count + 2);
        for (var i = 0; i < all.Count; i++)
        {
            var at = start.AddMilliseconds(step * (i + 1));
            var error = all[i].StartsWith('!');
            var text = error ? all[i][1..] : all[i];
            var logger = text.StartsWith("Found credentials", StringComparison.Ordinal) ? "botocore.credentials" : "root";
            Add(at, format == LambdaLogFormat.Text
                ? $"[{(error ? "ERROR" : "INFO")}]\t{Iso(at)}\t{id}\t{text}\n"
                : Json(w => { w.WriteString("timestamp", Iso(at)); w.WriteString("level", error ? "ERROR" : "INFO"); w.WriteString("message", text); w.WriteString("logger", logger); w.WriteString("requestId", id); }), s);
        }
        var finish = start.AddMilliseconds(durationMs);
        if (unhandled is not null) Add(finish.AddMilliseconds(-2), UnhandledRecord(unhandled, id, finish), s);
        if (platformLines)
        {
            var status = end switch { InvocationEnd.Success => "success", InvocationEnd.Error => "error", _ => "timeout" };
            if (format == LambdaLogFormat.Text)
            {
                Add(finish, $"END RequestId: {id}\n", s);
                Add(finish, $"REPORT RequestId: {id}\tDuration: {durationMs.ToString("0.00", CultureInfo.InvariantCulture)} ms\tBilled Duration: {Math.Ceiling(durationMs)} ms\tMemory Size: 128 MB\tMax Memory Used: 76 MB\t" +
                            (end == InvocationEnd.Timeout ? "Status: timeout\n" : "\n"), s);
                if (end == InvocationEnd.Timeout)
                    Add(finish, $"{Iso(finish)} {id} Task timed out after {(durationMs / 1000).ToString("0.00", CultureInfo.InvariantCulture)} seconds\n", s);
            }
            else
            {
                Add(finish, Json(w => { w.WriteString("time", Iso(finish)); w.WriteString("type", "platform.runtimeDone"); w.WriteStartObject("record"); w.WriteString("requestId", id); w.WriteString("status", status); w.WriteEndObject(); }), s);
                Add(finish, Json(w =>
                {
                    w.WriteString("time", Iso(finish)); w.WriteString("type", "platform.report");
                    w.WriteStartObject("record"); w.WriteString("requestId", id);
                    w.WriteStartObject("metrics"); w.WriteNumber("durationMs", durationMs); w.WriteNumber("billedDurationMs", Math.Ceiling(durationMs)); w.WriteNumber("memorySizeMB", 128); w.WriteNumber("maxMemoryUsedMB", 76); w.WriteEndObject();
                    w.WriteString("status", status);
                    if (end == InvocationEnd.Timeout) w.WriteString("errorType", "Sandbox.Timedout");
                    w.WriteEndObject();
                }), s);
            }
        }
        Clock = finish.AddMilliseconds(250);
        return id;
    }

    private string UnhandledRecord(string error, string? id, DateTime at)
    {
        var colon = error.IndexOf(':');
        var type = error[..colon];
        var text = error[(colon + 1)..].Trim();
        const string frame = "  File \"/var/task/lambda_function.py\", line 80, in lambda_handler\n    set_secret(service_client, arn, token)";
        if (format == LambdaLogFormat.Text) return $"[ERROR] {type}: {text}\nTraceback (most recent call last):\n{frame}\n";
        return Json(w =>
        {
            w.WriteString("timestamp", Iso(at)); w.WriteString("level", "ERROR");
            w.WriteStartObject("message"); w.WriteString("errorMessage", text); w.WriteString("errorType", type);
            w.WriteString("requestId", id ?? ""); w.WriteStartArray("stackTrace"); w.WriteStringValue(frame); w.WriteEndArray(); w.WriteEndObject();
            w.WriteString("requestId", id ?? "");
        });
    }

    private void Add(DateTime time, string message, string s) => _lines.Add((time, message, s));

    public static string Iso(DateTime t) => t.ToString("yyyy-MM-ddTHH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Json(Action<Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static long Epoch(DateTime t) => (long)(t - DateTime.UnixEpoch).TotalMilliseconds;

    /// <summary>As <c>aws logs filter-log-events --output json</c> prints it (4-space indent, sorted by time).</summary>
    public string ToFilterLogEventsJson() => Export(w =>
    {
        w.WriteStartArray("events");
        var n = 0;
        foreach (var l in _lines.OrderBy(l => l.Time))
        {
            w.WriteStartObject();
            w.WriteString("logStreamName", l.Stream);
            w.WriteNumber("timestamp", Epoch(l.Time));
            w.WriteString("message", l.Message);
            w.WriteNumber("ingestionTime", Epoch(l.Time) + 87);
            w.WriteString("eventId", $"3792{n++:D52}");
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("searchedLogStreams");
        foreach (var s in _lines.Select(l => l.Stream).Distinct())
        {
            w.WriteStartObject(); w.WriteString("logStreamName", s); w.WriteBoolean("searchedCompletely", true); w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    /// <summary>As <c>aws logs get-log-events --output json</c> prints one stream.</summary>
    public string ToGetLogEventsJson() => Export(w =>
    {
        w.WriteStartArray("events");
        foreach (var l in _lines.OrderBy(l => l.Time))
        {
            w.WriteStartObject();
            w.WriteNumber("timestamp", Epoch(l.Time));
            w.WriteString("message", l.Message);
            w.WriteNumber("ingestionTime", Epoch(l.Time) + 87);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("nextForwardToken", "f/39236453247362387463278463278463278462378462378");
        w.WriteString("nextBackwardToken", "b/39236453247362387463278463278463278462378462300");
    });

    /// <summary>As copied from the console: one event per line, with or without the timestamp column.</summary>
    public string ToPlainText(bool timestampColumn)
    {
        var sb = new StringBuilder();
        foreach (var l in _lines.OrderBy(l => l.Time))
        {
            if (timestampColumn) sb.Append(Iso(l.Time)).Append('\t');
            sb.Append(l.Message.TrimEnd('\n')).Append('\n');
        }
        return sb.ToString();
    }

    private static string Export(Action<Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }
}
