using System.Runtime.CompilerServices;
using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace RotationTroubleshooter.Logs;

/// <summary>What one Lambda log record says, in either of Lambda's log formats (text or JSON).</summary>
internal readonly record struct ParsedRecord(
    LogEventKind Kind, string? RequestId, string? Level, string? Text, double? DurationMs, string? Status,
    string? ErrorType, DateTime? Time);

/// <summary>
/// Reads Lambda's record shapes. Hand-written string scanning rather than one big regex because it runs
/// once per event and 100,000 events must parse well under a second. The hot methods here and in the readers are
/// marked AggressiveOptimization: a cmdlet run is one cold pass, and tier-0 code made it three times slower.
/// </summary>
internal static partial class LambdaLogParser
{
    private const int MaxJsonRecordChars = 1 << 20;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static string TrimRecord(string message) => message.TrimEnd('\n', '\r', ' ', '\t');

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ParsedRecord Parse(string message)
    {
        var span = message.AsSpan();
        if (span.Length == 0) return new ParsedRecord(LogEventKind.Text, null, null, message, null, null, null, null);
        if (span[0] == '{' && span.Length <= MaxJsonRecordChars && TryParseJson(message, out var json)) return json;
        if (span[0] == '[') return ParseLevelRecord(message);
        if (span.StartsWith("START RequestId:"))
            return new ParsedRecord(LogEventKind.Start, RequestIdAfter(span, "START RequestId:"), null, null, null, null, null, null);
        if (span.StartsWith("END RequestId:"))
            return new ParsedRecord(LogEventKind.End, RequestIdAfter(span, "END RequestId:"), null, null, null, null, null, null);
        if (span.StartsWith("REPORT RequestId:"))
        {
            var status = FieldAfter(message, "Status: ");
            var duration = ReportDuration().Match(message) is { Success: true } m
                ? double.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : (double?)null;
            return new ParsedRecord(LogEventKind.Report, RequestIdAfter(span, "REPORT RequestId:"), null, null, duration,
                status, FieldAfter(message, "Error Type: "), null);
        }
        if (span.StartsWith("RequestId:"))
        {
            // Older runtimes: "RequestId: <id> Error: Runtime exited with error: exit status 1"
            return new ParsedRecord(LogEventKind.Platform, RequestIdAfter(span, "RequestId:"), null, message, null,
                span.Contains(" Error: ", StringComparison.Ordinal) ? "error" : null, null, null);
        }
        if (span.StartsWith("INIT_START") || span.StartsWith("INIT_REPORT") || span.StartsWith("EXTENSION") ||
            span.StartsWith("TELEMETRY") || span.StartsWith("RESTORE_"))
            return new ParsedRecord(LogEventKind.Platform, null, null, message, null, FieldAfter(message, "Status: "),
                FieldAfter(message, "Error Type: "), null);
        var timeout = span.IndexOf("Task timed out after ");
        if (timeout >= 0) return ParseTimeout(message, timeout);
        return new ParsedRecord(LogEventKind.Text, null, null, message, null, null, null, null);
    }

    /// <summary>"[LEVEL]\t&lt;time&gt;\t&lt;request id&gt;\t&lt;message&gt;" or "[ERROR] Type: text" (unhandled errors).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ParsedRecord ParseLevelRecord(string message)
    {
        var close = message.IndexOf(']', 1);
        if (close < 2 || close > 10) return new ParsedRecord(LogEventKind.Text, null, null, message, null, null, null, null);
        var level = message.Substring(1, close - 1);
        if (!IsLevel(level)) return new ParsedRecord(LogEventKind.Text, null, null, message, null, null, null, null);
        var rest = message.AsSpan(close + 1);
        var restStart = close + 1 + CountWhitespace(rest);
        // Tabs may have become spaces in a console copy, so tokens are split on any whitespace.
        var afterLevel = message.AsSpan(restStart);
        var timeEnd = IndexOfWhitespace(afterLevel);
        if (timeEnd > 0 && TryParseTime(afterLevel[..timeEnd], out var time))
        {
            var afterTime = afterLevel[timeEnd..];
            var idStart = CountWhitespace(afterTime);
            var idSpan = afterTime[idStart..];
            var idEnd = IndexOfWhitespace(idSpan);
            var id = idEnd < 0 ? idSpan : idSpan[..idEnd];
            var text = idEnd < 0 ? ReadOnlySpan<char>.Empty : idSpan[idEnd..];
            text = text[CountWhitespace(text)..];
            var requestId = IsRequestId(id) ? id.ToString() : null;
            if (requestId is null) text = idSpan; // no request id (e.g. logged during init): keep all the text
            // A logger record; only the runtime's unhandled-error shape ("[ERROR] Type: text", below) names an error type.
            return new ParsedRecord(LogEventKind.Function, requestId, level, text.ToString(), null, null, null, time);
        }
        var body = afterLevel.ToString();
        return new ParsedRecord(LogEventKind.Function, null, level, body, null, null, ErrorTypeOf(level, body), null);
    }

    /// <summary>"&lt;time&gt; &lt;request id&gt; Task timed out after 30.03 seconds"; the time may have been stripped as a column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ParsedRecord ParseTimeout(string message, int at)
    {
        var prefix = message.AsSpan(0, at).TrimEnd();
        string? requestId = null;
        DateTime? time = null;
        var lastSpace = prefix.LastIndexOfAny(' ', '\t');
        var idToken = lastSpace < 0 ? prefix : prefix[(lastSpace + 1)..];
        if (IsRequestId(idToken))
        {
            requestId = idToken.ToString();
            var before = lastSpace < 0 ? ReadOnlySpan<char>.Empty : prefix[..lastSpace].TrimEnd();
            var timeStart = before.LastIndexOfAny(' ', '\t') + 1;
            if (TryParseTime(before[timeStart..], out var t)) time = t;
        }
        var seconds = message.AsSpan(at + "Task timed out after ".Length);
        var end = seconds.IndexOf(' ');
        double? duration = end > 0 && double.TryParse(seconds[..end], NumberStyles.Float, CultureInfo.InvariantCulture, out var s)
            ? Math.Round(s * 1000, 2) : null;
        return new ParsedRecord(LogEventKind.Timeout, requestId, null, message[at..], duration, "timeout", "Sandbox.Timedout", time);
    }

    /// <summary>
    /// Lambda's JSON log format: a function record (<c>level</c>, <c>message</c> string or error object, <c>requestId</c>)
    /// or a platform record (<c>type</c> "platform.*", <c>record</c> with requestId, status, metrics.durationMs).
    /// A forward-only reader rather than JsonDocument: it runs once per event.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryParseJson(string message, out ParsedRecord record)
    {
        record = default;
        var max = Encoding.UTF8.GetMaxByteCount(message.Length);
        byte[]? rented = max > 4096 ? ArrayPool<byte>.Shared.Rent(max) : null;
        Span<byte> buffer = rented ?? stackalloc byte[4096];
        try
        {
            var length = Encoding.UTF8.GetBytes(message, buffer);
            var reader = new Utf8JsonReader(buffer[..length]);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            var f = new JsonFields();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan;
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    if (name.SequenceEqual("type"u8)) f.Type = reader.GetString();
                    else if (name.SequenceEqual("time"u8) || name.SequenceEqual("timestamp"u8)) f.Time = reader.GetString();
                    else if (name.SequenceEqual("level"u8)) f.Level = reader.GetString();
                    else if (name.SequenceEqual("message"u8)) f.Message = reader.GetString();
                    else if (name.SequenceEqual("requestId"u8)) f.RequestId = reader.GetString();
                    else if (name.SequenceEqual("errorType"u8)) f.ErrorType = reader.GetString();
                    else if (name.SequenceEqual("errorMessage"u8)) f.ErrorMessage = reader.GetString();
                }
                else if (reader.TokenType == JsonTokenType.StartObject && name.SequenceEqual("record"u8)) ReadObject(ref reader, ref f, inRecord: true);
                else if (reader.TokenType == JsonTokenType.StartObject && name.SequenceEqual("message"u8))
                {
                    // An unhandled exception: {"errorMessage":..,"errorType":..,"stackTrace":[..]}
                    var objectStart = (int)reader.TokenStartIndex;
                    var error = new JsonFields();
                    ReadObject(ref reader, ref error, inRecord: false);
                    f.ErrorType ??= error.ErrorType;
                    // Structured logging (logger.info({...})) also writes an object: keep it as its JSON text.
                    f.Message = error.ErrorType is not null ? $"{error.ErrorType}: {error.ErrorMessage}"
                        : error.ErrorMessage ?? Encoding.UTF8.GetString(buffer[objectStart..(int)reader.BytesConsumed]);
                }
                else reader.Skip();
            }
            if (reader.TokenType != JsonTokenType.EndObject) return false;
            DateTime? time = f.Time is { } ts && TryParseTime(ts, out var t) ? t : null;
            if (f.Type is { } type && type.StartsWith("platform.", StringComparison.Ordinal))
            {
                var kind = type switch
                {
                    "platform.start" => LogEventKind.Start,
                    "platform.runtimeDone" => LogEventKind.End,
                    "platform.report" => LogEventKind.Report,
                    _ => LogEventKind.Platform,
                };
                record = new ParsedRecord(kind, f.RecordRequestId, null, null, f.DurationMs, f.Status, f.RecordErrorType, time);
                return true;
            }
            if (f.Level is null && f.RequestId is null) return false;
            var text = f.Message ?? (f.ErrorMessage is { } em ? (f.ErrorType is null ? em : $"{f.ErrorType}: {em}") : null);
            record = new ParsedRecord(LogEventKind.Function, f.RequestId is { Length: > 0 } r ? r : null, f.Level, text, null, null,
                f.ErrorType, time);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private struct JsonFields
    {
        public string? Type, Time, Level, Message, RequestId, ErrorType, ErrorMessage;
        public string? RecordRequestId, Status, RecordErrorType;
        public double? DurationMs;
    }

    /// <summary>Reads a platform <c>record</c> (inRecord) or an error object; the reader ends on its EndObject.</summary>
    private static void ReadObject(ref Utf8JsonReader reader, ref JsonFields f, bool inRecord)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (reader.TokenType == JsonTokenType.String)
            {
                if (name.SequenceEqual("requestId"u8)) f.RecordRequestId = reader.GetString();
                else if (name.SequenceEqual("status"u8)) f.Status = reader.GetString();
                else if (name.SequenceEqual("errorType"u8)) { if (inRecord) f.RecordErrorType = reader.GetString(); else f.ErrorType = reader.GetString(); }
                else if (name.SequenceEqual("errorMessage"u8)) f.ErrorMessage = reader.GetString();
            }
            else if (inRecord && reader.TokenType == JsonTokenType.StartObject && name.SequenceEqual("metrics"u8))
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var metric = reader.ValueSpan;
                    reader.Read();
                    if (metric.SequenceEqual("durationMs"u8) && reader.TokenType == JsonTokenType.Number) f.DurationMs = reader.GetDouble();
                    else reader.Skip();
                }
            }
            else reader.Skip();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? ErrorTypeOf(string level, ReadOnlySpan<char> text)
    {
        if (level is not ("ERROR" or "CRITICAL")) return null;
        // "[ERROR] KeyError: 'x'" names the exception type before the first colon.
        var colon = text.IndexOf(':');
        if (colon <= 0 || colon > 80) return null;
        var candidate = text[..colon];
        foreach (var c in candidate)
            if (!(char.IsLetterOrDigit(c) || c is '.' or '_')) return null;
        return candidate.ToString();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool IsLevel(string level) =>
        level is "INFO" or "ERROR" or "WARNING" or "WARN" or "DEBUG" or "CRITICAL" or "FATAL" or "TRACE";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? RequestIdAfter(ReadOnlySpan<char> span, string prefix)
    {
        var rest = span[prefix.Length..];
        rest = rest[CountWhitespace(rest)..];
        var end = IndexOfWhitespace(rest);
        var id = end < 0 ? rest : rest[..end];
        return id.Length > 0 ? id.ToString() : null;
    }

    /// <summary>The word after "<paramref name="label"/>" in a tab-separated platform line, e.g. "Status: timeout".</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? FieldAfter(string message, string label)
    {
        var at = message.IndexOf(label, StringComparison.Ordinal);
        if (at < 0) return null;
        var rest = message.AsSpan(at + label.Length);
        var end = rest.IndexOfAny('\t', '\n');
        var value = (end < 0 ? rest : rest[..end]).Trim();
        return value.Length > 0 ? value.ToString() : null;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool IsRequestId(ReadOnlySpan<char> s)
    {
        if (s.Length != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') return false;
        foreach (var c in s)
            if (!(char.IsAsciiHexDigit(c) || c == '-')) return false;
        return true;
    }

    /// <summary>ISO 8601 times as Lambda and the console write them (Z or an offset), taken as UTC.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool TryParseTime(ReadOnlySpan<char> s, out DateTime utc)
    {
        if (TryParseLambdaTime(s, out utc)) return true;
        if (s.Length < 19 || !char.IsAsciiDigit(s[0]) || s[4] != '-' || (s[10] != 'T' && s[10] != ' ')) return false;
        if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var dto)) return false;
        utc = dto.UtcDateTime;
        return true;
    }

    /// <summary>
    /// Fast path for the shape Lambda writes on every record, "2026-11-20T03:00:00.123Z": the general parser costs
    /// about a microsecond per call, which 100,000 events feel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryParseLambdaTime(ReadOnlySpan<char> s, out DateTime utc)
    {
        utc = default;
        if (s.Length != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[23] != 'Z')
            return false;
        if (!Digits(s, 0, 4, out var year) || !Digits(s, 5, 2, out var month) || !Digits(s, 8, 2, out var day) ||
            !Digits(s, 11, 2, out var hour) || !Digits(s, 14, 2, out var minute) || !Digits(s, 17, 2, out var second) ||
            !Digits(s, 20, 3, out var ms))
            return false;
        if (month is < 1 or > 12 || day < 1 || year < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
            return false;
        utc = new DateTime(year, month, day, hour, minute, second, ms, DateTimeKind.Utc);
        return true;

        static bool Digits(ReadOnlySpan<char> s, int start, int count, out int value)
        {
            value = 0;
            for (var i = start; i < start + count; i++)
            {
                var d = s[i] - '0';
                if ((uint)d > 9) return false;
                value = value * 10 + d;
            }
            return true;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int CountWhitespace(ReadOnlySpan<char> s)
    {
        var i = 0;
        while (i < s.Length && s[i] is ' ' or '\t') i++;
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int IndexOfWhitespace(ReadOnlySpan<char> s) => s.IndexOfAny(' ', '\t', '\n');

    [GeneratedRegex(@"(?<!Billed |Init |Restore )Duration:\s*([0-9]+(?:\.[0-9]+)?)\s*ms", RegexOptions.CultureInvariant)]
    private static partial Regex ReportDuration();
}
