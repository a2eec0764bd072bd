using System.Runtime.CompilerServices;
using System.Text;

namespace RotationTroubleshooter.Logs;

/// <summary>
/// One event per line, as copied from the CloudWatch console or printed by <c>aws logs tail</c>: an optional leading
/// timestamp (and, from <c>aws logs tail</c>, the stream name), then the record in Lambda's text or JSON format.
/// Indented lines and "Traceback" lines continue the previous event (a Python traceback spans lines).
/// </summary>
internal static class PlainTextReader
{
    private const int MaxMessageChars = 256 * 1024;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static LogFileReadResult Read(Stream utf8, string sourceName, int maxEvents)
    {
        var events = new List<LogEvent>();
        var warnings = new List<string>();
        int unreadable = 0, recognised = 0, overlong = 0;
        var truncated = false;
        DateTime? lastTime = null, firstTime = null;
        var undated = new List<int>(); // events before the first dated one, back-filled with that date

        DateTime? pendingTime = null;
        string? pendingStream = null;
        var pending = new StringBuilder();
        var hasPending = false;

        void Flush()
        {
            if (!hasPending) return;
            hasPending = false;
            var e = new LogEvent(pendingTime, pending.ToString(), pendingStream, null, lastTime ?? DateTime.UnixEpoch);
            pending.Clear();
            var dated = pendingTime is not null || e.EmbeddedTime is not null;
            if (dated)
            {
                lastTime = e.Timestamp;
                firstTime ??= e.Timestamp;
            }
            else if (lastTime is null) undated.Add(events.Count);
            if (dated || e.Kind != LogEventKind.Text) recognised++;
            events.Add(e);
        }

        using var reader = new BoundedLineReader(utf8, LogFileReader.MaxLineChars);
        while (reader.ReadLine() is { } line)
        {
            if (reader.LastLineTooLong) { overlong++; unreadable++; continue; }
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (HasControlCharacters(line)) { unreadable++; continue; }
            if (hasPending && IsContinuation(line))
            {
                if (pending.Length + line.Length < MaxMessageChars) pending.Append('\n').Append(line);
                continue;
            }
            Flush();
            if (events.Count >= maxEvents) { truncated = true; break; }
            SplitColumns(line, out pendingTime, out pendingStream, out var message);
            pending.Append(message);
            hasPending = true;
        }
        if (!truncated) Flush();

        if (events.Count > 0 && recognised == 0)
            throw new LogFileFormatException(sourceName, "no line in it looks like a Lambda log event.");
        if (firstTime is { } first && undated.Count > 0)
        {
            // Lines before the first dated one take the first date seen after them, so ordering keeps them first.
            foreach (var i in undated)
                events[i] = new LogEvent(first, events[i].Message, events[i].LogStreamName, null);
        }
        else if (undated.Count > 0)
            warnings.Add("No line carries a timestamp; times are unknown and shown as 1970-01-01.");
        if (unreadable > 0)
            warnings.Insert(0, $"{unreadable} line(s) could not be read and were skipped" +
                               (overlong > 0 ? $" ({overlong} longer than {LogFileReader.MaxLineChars} characters)." : "."));
        if (truncated) warnings.Add($"Stopped after {maxEvents} events (the event cap); later lines were not read.");
        return new LogFileReadResult(sourceName, events.Count == 0 ? LogFileFormat.Empty : LogFileFormat.PlainText, events,
            unreadable, truncated, warnings);
    }

    private static bool IsContinuation(string line) =>
        line[0] is ' ' or '\t' || line.StartsWith("Traceback (most recent call last):", StringComparison.Ordinal);

    /// <summary>Binary junk or text decoded from invalid UTF-8 is not a log line.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool HasControlCharacters(string line)
    {
        // ESC and BEL are kept: a coloured console copy is text, and LogEvent makes its escape sequences visible.
        foreach (var c in line)
            if ((c < ' ' && c is not ('\t' or '\u001b' or '\u0007')) || c == '\uFFFD' || c == '\u007F') return true;
        return false;
    }

    /// <summary>Leading "timestamp" column and, as <c>aws logs tail</c> prints it, "yyyy/mm/dd/[$LATEST]id" stream column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SplitColumns(string line, out DateTime? time, out string? stream, out string message)
    {
        time = null;
        stream = null;
        var span = line.AsSpan();
        var end = LambdaLogParser.IndexOfWhitespace(span);
        if (end <= 0 || !LambdaLogParser.TryParseTime(span[..end], out var t))
        {
            message = line;
            return;
        }
        var rest = span[end..];
        rest = rest[LambdaLogParser.CountWhitespace(rest)..];
        // "<time> <request id> Task timed out ..." is itself a record: its time is part of the message, not a column.
        if (rest.Length >= 36 && LambdaLogParser.IsRequestId(rest[..36]) && rest[36..].TrimStart().StartsWith("Task timed out"))
        {
            message = line;
            time = t;
            return;
        }
        time = t;
        var streamEnd = LambdaLogParser.IndexOfWhitespace(rest);
        if (streamEnd > 11 && rest[4] == '/' && rest[7] == '/' && rest[10] == '/' && rest[11] == '[')
        {
            stream = rest[..streamEnd].ToString();
            rest = rest[streamEnd..];
            rest = rest[LambdaLogParser.CountWhitespace(rest)..];
        }
        message = rest.ToString();
    }

    /// <summary>ReadLine with a cap: a longer line is consumed and reported, never held whole in memory.</summary>
    private sealed class BoundedLineReader(Stream stream, int maxChars) : IDisposable
    {
        private readonly StreamReader _reader = new(stream, new UTF8Encoding(false, false), false, 64 * 1024, leaveOpen: true);
        private readonly char[] _buffer = new char[64 * 1024];
        private readonly StringBuilder _long = new();
        private int _start, _end;
        private bool _skipLineFeed;

        public bool LastLineTooLong { get; private set; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public string? ReadLine()
        {
            _long.Clear();
            LastLineTooLong = false;
            var any = false;
            while (true)
            {
                if (_start == _end)
                {
                    _start = 0;
                    _end = _reader.Read(_buffer, 0, _buffer.Length);
                    if (_end == 0) return any ? Finish(ReadOnlySpan<char>.Empty) : null;
                }
                if (_skipLineFeed)
                {
                    _skipLineFeed = false;
                    if (_buffer[_start] == '\n' && ++_start == _end) continue;
                }
                any = true;
                var span = _buffer.AsSpan(_start, _end - _start);
                var eol = span.IndexOfAny('\r', '\n');
                if (eol >= 0)
                {
                    _start += eol + 1;
                    _skipLineFeed = span[eol] == '\r';
                    return Finish(span[..eol]);
                }
                Append(span);
                _start = _end;
            }
        }

        private void Append(ReadOnlySpan<char> part)
        {
            var room = maxChars - _long.Length;
            if (part.Length > room) LastLineTooLong = true;
            _long.Append(part[..Math.Min(room, part.Length)]);
        }

        private string Finish(ReadOnlySpan<char> tail)
        {
            if (_long.Length == 0 && tail.Length <= maxChars) return tail.ToString();
            Append(tail);
            return LastLineTooLong ? string.Empty : _long.ToString();
        }

        public void Dispose() => _reader.Dispose();
    }
}
