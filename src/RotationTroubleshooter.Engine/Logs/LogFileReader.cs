using System.Runtime.CompilerServices;
using System.Buffers;
using System.Text;
using System.Text.Json;

namespace RotationTroubleshooter.Logs;

/// <summary>The shape a log file was recognised as.</summary>
public enum LogFileFormat
{
    /// <summary><c>aws logs filter-log-events --output json</c> (also several such documents, or the bare <c>events</c> array).</summary>
    FilterLogEventsJson,
    /// <summary><c>aws logs get-log-events --output json</c>.</summary>
    GetLogEventsJson,
    /// <summary>One event per line as copied from the console or <c>aws logs tail</c>, text or JSON log format.</summary>
    PlainText,
    /// <summary>The file holds nothing.</summary>
    Empty,
}

/// <summary>A file that is not a log export this module reads. The message says what was expected.</summary>
public sealed class LogFileFormatException : TroubleshooterException
{
    public LogFileFormatException(string path, string reason)
        : base(ErrorIds.LogFileFormatUnknown, FailureCategory.InvalidData, $"'{path}' is not a log file this module reads: {reason} Expected the output of 'aws logs filter-log-events --output json', " +
               "'aws logs get-log-events --output json', or plain text with one log event per line.")
    {
        Path = path;
    }

    public string Path { get; }
}

/// <summary>What was read from one file: the events in file order, and what could not be read.</summary>
public sealed class LogFileReadResult
{
    internal LogFileReadResult(string path, LogFileFormat format, IReadOnlyList<LogEvent> events, int unreadableCount,
        bool truncated, IReadOnlyList<string> warnings)
    {
        Path = path;
        Format = format;
        Events = events;
        UnreadableCount = unreadableCount;
        Truncated = truncated;
        Warnings = warnings;
    }

    public string Path { get; }
    public LogFileFormat Format { get; }
    public IReadOnlyList<LogEvent> Events { get; }
    /// <summary>Lines or JSON events that were skipped because they could not be read.</summary>
    public int UnreadableCount { get; }
    /// <summary>True when reading stopped at the event cap.</summary>
    public bool Truncated { get; }
    /// <summary>Human-readable notes (skipped lines, cap reached, file cut short); never contain log content.</summary>
    public IReadOnlyList<string> Warnings { get; }
}

/// <summary>Reads exported rotation-function logs from a file, streaming, without AWS access.</summary>
public static class LogFileReader
{
    /// <summary>About 350 MB of events in memory; a week of a rotation function's logs is far less.</summary>
    public const int DefaultMaxEvents = 250_000;
    /// <summary>CloudWatch Logs caps an event at 1 MB; a longer line is not a log event.</summary>
    internal const int MaxLineChars = 1 << 20;
    private const int SniffBytes = 64 * 1024;

    /// <summary>Reads <paramref name="path"/>, detecting its format.</summary>
    /// <exception cref="LogFileFormatException">The file is binary, or JSON without an <c>events</c> array, or text with no log line in it.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static LogFileReadResult Read(string path, int maxEvents = DefaultMaxEvents)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (maxEvents < 1) throw new ArgumentOutOfRangeException(nameof(maxEvents), "maxEvents must be at least 1.");
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024, FileOptions.SequentialScan);
        return Read(file, path, maxEvents);
    }

    /// <summary>Reads a seekable stream; <paramref name="sourceName"/> names it in messages.</summary>
    public static LogFileReadResult Read(Stream stream, string sourceName, int maxEvents = DefaultMaxEvents)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek) throw new ArgumentException("The stream must be seekable (the format is detected from its start).", nameof(stream));
        var (encoding, bomLength) = DetectEncoding(stream);
        var head = ReadHead(stream, encoding, bomLength);
        var first = FirstNonWhitespace(head);
        if (first < 0) return new LogFileReadResult(sourceName, LogFileFormat.Empty, [], 0, false, ["The file is empty."]);
        if (encoding is null && LooksBinary(head))
            throw new LogFileFormatException(sourceName, "it is a binary file.");

        stream.Position = bomLength;
        var utf8 = encoding is null ? stream : Encoding.CreateTranscodingStream(stream, encoding, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (IsAwsCliJson(head, first))
                return new JsonExportReader(sourceName, maxEvents).Read(utf8);
            return PlainTextReader.Read(utf8, sourceName, maxEvents);
        }
        finally
        {
            if (!ReferenceEquals(utf8, stream)) utf8.Dispose();
        }
    }

    /// <summary>UTF-16 files come from Windows PowerShell's <c>&gt;</c> redirection; everything else is read as UTF-8.</summary>
    private static (Encoding? Encoding, int BomLength) DetectEncoding(Stream stream)
    {
        Span<byte> bom = stackalloc byte[3];
        stream.Position = 0;
        var n = stream.ReadAtLeast(bom, 3, throwOnEndOfStream: false);
        stream.Position = 0;
        if (n >= 2 && bom[0] == 0xFF && bom[1] == 0xFE) return (Encoding.Unicode, 2);
        if (n >= 2 && bom[0] == 0xFE && bom[1] == 0xFF) return (Encoding.BigEndianUnicode, 2);
        if (n >= 3 && bom[0] == 0xEF && bom[1] == 0xBB && bom[2] == 0xBF) return (null, 3);
        return (null, 0);
    }

    private static byte[] ReadHead(Stream stream, Encoding? encoding, int bomLength)
    {
        stream.Position = bomLength;
        var raw = new byte[SniffBytes];
        var n = stream.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
        Array.Resize(ref raw, n);
        // A UTF-16 head is converted so the sniffing below only deals with UTF-8.
        return encoding is null ? raw : Encoding.UTF8.GetBytes(encoding.GetString(raw, 0, n - n % 2));
    }

    /// <summary>A known archive/executable signature, or many control bytes; a few garbage lines in a text file are not enough.</summary>
    private static bool LooksBinary(byte[] head)
    {
        ReadOnlySpan<byte> h = head;
        if (h.StartsWith((ReadOnlySpan<byte>)[0x50, 0x4B, 0x03, 0x04]) || h.StartsWith((ReadOnlySpan<byte>)[0x7F, 0x45, 0x4C, 0x46]) ||
            h.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B])) return true;
        var control = 0;
        foreach (var b in h)
            if (b < 0x09 || b is > 0x0D and < 0x20) control++;
        return control > h.Length / 10;
    }

    private static int FirstNonWhitespace(byte[] head)
    {
        for (var i = 0; i < head.Length; i++)
            if (head[i] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')) return i;
        return -1;
    }

    /// <summary>
    /// An AWS CLI document starts with a JSON object whose first key is one of the response's keys, or with an
    /// array (<c>--query events</c>); a JSON-format Lambda line starts with <c>{"time"</c> or <c>{"timestamp"</c>.
    /// </summary>
    private static bool IsAwsCliJson(byte[] head, int first)
    {
        if (head[first] == (byte)'[') return true;
        if (head[first] != (byte)'{') return false;
        var reader = new Utf8JsonReader(head.AsSpan(first), isFinalBlock: false, state: default);
        try
        {
            if (!reader.Read() || !reader.Read() || reader.TokenType != JsonTokenType.PropertyName) return false;
            // Any other JSON document goes to the JSON reader too, which names what is missing.
            return !IsLambdaRecordKey(TryGetString(ref reader));
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// A JSON string, or null when its bytes are not UTF-8: Utf8JsonReader checks the encoding only when a string is
    /// decoded, and one bad event must not make the whole file unreadable.
    /// </summary>
    private static string? TryGetString(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static bool IsLambdaRecordKey(string? key) =>
        key is "time" or "timestamp" or "type" or "level" or "message" or "requestId" or "record" or "logger" or "errorMessage" or "errorType";

    /// <summary>Streams an AWS CLI JSON document with a refilled buffer, one event object at a time.</summary>
    private sealed class JsonExportReader(string sourceName, int maxEvents)
    {
        private readonly List<LogEvent> _events = [];
        private readonly List<string> _warnings = [];
        private int _unreadable;
        private bool _truncated;
        private bool _sawEventsArray, _sawForwardToken, _sawSearchedStreams;
        private Phase _phase = Phase.TopLevel;
        private bool _rootIsArray;

        private enum Phase { TopLevel, InRoot, InEvents, Done }

        internal static bool IsExportKey(string? key) =>
            key is "events" or "nextToken" or "searchedLogStreams" or "nextForwardToken" or "nextBackwardToken";

        public LogFileReadResult Read(Stream stream)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(256 * 1024);
            var state = new JsonReaderState(new JsonReaderOptions { AllowMultipleValues = true });
            int filled = 0;
            long offset = 0;
            var final = false;
            try
            {
                while (_phase != Phase.Done)
                {
                    if (!final)
                    {
                        if (filled == buffer.Length)
                        {
                            // One event bigger than the buffer: grow, bounded by the event size cap.
                            if (buffer.Length >= 8 * MaxLineChars)
                            {
                                _warnings.Add($"Stopped at byte {offset}: one JSON value is larger than {8 * MaxLineChars} bytes; {_events.Count} events were read.");
                                break;
                            }
                            var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                            buffer.AsSpan(0, filled).CopyTo(bigger);
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = bigger;
                        }
                        var n = stream.Read(buffer, filled, buffer.Length - filled);
                        if (n == 0) final = true;
                        filled += n;
                    }
                    var reader = new Utf8JsonReader(buffer.AsSpan(0, filled), final, state);
                    try
                    {
                        Process(ref reader);
                    }
                    catch (JsonException e)
                    {
                        // Past the end of the data, the reader fails on what was cut off, not on a bad byte.
                        _warnings.Add(final
                            ? $"The file ends in the middle of the JSON document (line {e.LineNumber + 1}); {_events.Count} events were read."
                            : $"The JSON is malformed at line {e.LineNumber + 1}; {_events.Count} events were read before it, the rest was not.");
                        break;
                    }
                    var consumed = (int)reader.BytesConsumed;
                    state = reader.CurrentState;
                    offset += consumed;
                    buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                    filled -= consumed;
                    if (final && _phase != Phase.Done)
                    {
                        _warnings.Add($"The file ends in the middle of the JSON document; {_events.Count} events were read.");
                        break;
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            if (!_sawEventsArray && !_rootIsArray)
                throw new LogFileFormatException(sourceName, "it is JSON but has no 'events' array.");
            if (_unreadable > 0) _warnings.Insert(0, $"{_unreadable} event(s) could not be read and were skipped.");
            if (_truncated) _warnings.Add($"Stopped after {maxEvents} events (the event cap); later events were not read.");
            var format = _sawForwardToken && !_sawSearchedStreams ? LogFileFormat.GetLogEventsJson : LogFileFormat.FilterLogEventsJson;
            return new LogFileReadResult(sourceName, format, _events, _unreadable, _truncated, _warnings);
        }

        /// <summary>Consumes complete tokens; returns with the reader at the last complete unit when data runs out.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Process(ref Utf8JsonReader reader)
        {
            while (true)
            {
                var checkpoint = reader;
                if (!reader.Read())
                {
                    reader = checkpoint;
                    if (reader.IsFinalBlock && _phase == Phase.TopLevel) _phase = Phase.Done;
                    return;
                }
                switch (_phase)
                {
                    case Phase.TopLevel:
                        if (reader.TokenType == JsonTokenType.StartObject) _phase = Phase.InRoot;
                        else if (reader.TokenType == JsonTokenType.StartArray) { _phase = Phase.InEvents; _rootIsArray = true; }
                        else throw new LogFileFormatException(sourceName, "its JSON is neither an object nor an array.");
                        break;
                    case Phase.InRoot:
                        if (reader.TokenType == JsonTokenType.EndObject) { _phase = Phase.TopLevel; break; }
                        var key = TryGetString(ref reader);
                        if (!reader.Read() || (key != "events" && !reader.TrySkip()))
                        {
                            reader = checkpoint;
                            return;
                        }
                        if (key == "events")
                        {
                            if (reader.TokenType != JsonTokenType.StartArray)
                                throw new LogFileFormatException(sourceName, "its 'events' value is not an array.");
                            _sawEventsArray = true;
                            _phase = Phase.InEvents;
                        }
                        else if (key == "nextForwardToken") _sawForwardToken = true;
                        else if (key == "searchedLogStreams") _sawSearchedStreams = true;
                        break;
                    case Phase.InEvents:
                        if (reader.TokenType == JsonTokenType.EndArray)
                        {
                            _phase = _rootIsArray ? Phase.TopLevel : Phase.InRoot;
                            break;
                        }
                        if (reader.TokenType != JsonTokenType.StartObject)
                        {
                            if (!reader.TrySkip()) { reader = checkpoint; return; }
                            _unreadable++;
                            break;
                        }
                        if (_events.Count >= maxEvents)
                        {
                            _truncated = true;
                            _phase = Phase.Done;
                            return;
                        }
                        if (!TryReadEvent(ref reader))
                        {
                            reader = checkpoint; // the event continues past the buffer: read it again after a refill
                            return;
                        }
                        break;
                }
            }
        }

        /// <summary>Reads one event object; false when the buffer ends inside it (nothing is added then).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private bool TryReadEvent(ref Utf8JsonReader reader)
        {
            long? timestamp = null, ingestion = null;
            string? message = null, stream = null;
            var depth = reader.CurrentDepth;
            while (true)
            {
                if (!reader.Read()) return false;
                if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth) break;
                if (reader.TokenType != JsonTokenType.PropertyName) continue;
                var name = reader.ValueSpan;
                if (!reader.Read()) return false;
                if (name.SequenceEqual("timestamp"u8) && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var ts)) timestamp = ts;
                else if (name.SequenceEqual("message"u8) && reader.TokenType == JsonTokenType.String) message = TryGetString(ref reader);
                else if (name.SequenceEqual("logStreamName"u8) && reader.TokenType == JsonTokenType.String) stream = StreamName(ref reader);
                else if (name.SequenceEqual("ingestionTime"u8) && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var it)) ingestion = it;
                else if (!reader.TrySkip()) return false;
            }
            // Epoch milliseconds outside DateTime's range are as unreadable as a missing field.
            if (timestamp is null || message is null || timestamp < 0 || timestamp > 253_402_300_799_999L)
            {
                _unreadable++;
                return true;
            }
            if (ingestion is < 0 or > 253_402_300_799_999L) ingestion = null;
            _events.Add(LogEvent.FromEpochMilliseconds(timestamp.Value, message, stream, ingestion));
            return true;
        }

        private readonly List<(byte[] Utf8, string Name)> _streamNames = [];

        /// <summary>A log holds few streams and 100,000 events: one string per stream, not per event.</summary>
        private string? StreamName(ref Utf8JsonReader reader)
        {
            if (!reader.ValueIsEscaped && !reader.HasValueSequence)
            {
                foreach (var (utf8, name) in _streamNames)
                    if (reader.ValueSpan.SequenceEqual(utf8)) return name;
            }
            var value = TryGetString(ref reader);
            if (value is null) return null;
            if (_streamNames.Count < 64 && !reader.ValueIsEscaped) _streamNames.Add((reader.ValueSpan.ToArray(), value));
            return value;
        }
    }
}
