using System.Text;
using static RotationTroubleshooter.Tests.Logs.Transcript;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Tests.Logs;

public sealed class LogFileReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rt-logs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string content, Encoding? encoding = null)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content, encoding ?? new UTF8Encoding(false));
        return path;
    }

    private static Transcript FailingRotation(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver1)]);
        t.Invoke(15400, InvocationEnd.Error, ["!" + SetFailed(ArnA)],
            unhandled: $"ValueError: Unable to log into database with previous, current, or pending secret of secret arn {ArnA}", coldStart: false);
        return t;
    }

    private static void AssertDatabaseUnreachable(LogFileReadResult read)
    {
        var a = Assert.Single(RotationLogAnalyzer.Analyze(read.Events, "f", null, T0.AddDays(1)));
        Assert.Equal(RotationSymptoms.DatabaseUnreachable.Id, a.Symptom);
        Assert.Equal(ArnA, a.SecretArn);
        Assert.Equal(["createSecret", "setSecret"], a.Steps.Select(s => s.Step));
    }

    public static TheoryData<LambdaLogFormat> Formats => new() { LambdaLogFormat.Text, LambdaLogFormat.Json };

    [Theory, MemberData(nameof(Formats))]
    public void Reads_filter_log_events_output(LambdaLogFormat format)
    {
        var t = FailingRotation(format);
        var read = LogFileReader.Read(Write("filter.json", t.ToFilterLogEventsJson()));
        Assert.Equal(LogFileFormat.FilterLogEventsJson, read.Format);
        Assert.Equal(t.Lines.Count, read.Events.Count);
        Assert.Equal(0, read.UnreadableCount);
        Assert.Empty(read.Warnings);
        Assert.Equal(DefaultStream, read.Events[0].LogStreamName);
        Assert.Equal(T0, read.Events[0].Timestamp);
        Assert.Equal(T0.AddMilliseconds(87), read.Events[0].IngestionTime);
        AssertDatabaseUnreachable(read);
    }

    [Theory, MemberData(nameof(Formats))]
    public void Reads_get_log_events_output(LambdaLogFormat format)
    {
        var t = FailingRotation(format);
        var read = LogFileReader.Read(Write("get.json", t.ToGetLogEventsJson()));
        Assert.Equal(LogFileFormat.GetLogEventsJson, read.Format);
        Assert.Equal(t.Lines.Count, read.Events.Count);
        Assert.Null(read.Events[0].LogStreamName);
        AssertDatabaseUnreachable(read);
    }

    [Theory]
    [InlineData(LambdaLogFormat.Text, true)]
    [InlineData(LambdaLogFormat.Text, false)]
    [InlineData(LambdaLogFormat.Json, true)]
    [InlineData(LambdaLogFormat.Json, false)]
    public void Reads_plain_text_copied_from_the_console(LambdaLogFormat format, bool timestampColumn)
    {
        var t = FailingRotation(format);
        var read = LogFileReader.Read(Write("copy.txt", t.ToPlainText(timestampColumn)));
        Assert.Equal(LogFileFormat.PlainText, read.Format);
        Assert.Equal(0, read.UnreadableCount);
        // The traceback's lines join the error record they belong to.
        Assert.Equal(t.Lines.Count, read.Events.Count);
        Assert.Contains(read.Events, e => e.Message.Contains("Traceback (most recent call last):\n  File", StringComparison.Ordinal) || format == LambdaLogFormat.Json);
        Assert.All(read.Events, e => Assert.InRange(e.Timestamp, T0, T0.AddMinutes(1)));
        AssertDatabaseUnreachable(read);
    }

    [Fact]
    public void Reads_aws_logs_tail_output_with_its_stream_column()
    {
        var t = FailingRotation(LambdaLogFormat.Text);
        var text = string.Join("\n", t.Lines.Select(l => $"{l.Time:yyyy-MM-ddTHH:mm:ss.ffffff}+00:00 {l.Stream} {l.Message.TrimEnd('\n')}"));
        var read = LogFileReader.Read(Write("tail.txt", text));
        Assert.Equal(DefaultStream, read.Events[0].LogStreamName);
        Assert.StartsWith("START RequestId:", read.Events[0].Message);
        AssertDatabaseUnreachable(read);
    }

    [Fact]
    public void Reads_a_UTF16_file_written_by_Windows_PowerShell()
    {
        var t = FailingRotation(LambdaLogFormat.Text);
        var read = LogFileReader.Read(Write("utf16.json", t.ToFilterLogEventsJson(), new UnicodeEncoding(false, true)));
        Assert.Equal(t.Lines.Count, read.Events.Count);
        AssertDatabaseUnreachable(read);
    }

    [Fact]
    public void Reads_the_bare_events_array_and_concatenated_pages()
    {
        var t = FailingRotation(LambdaLogFormat.Json);
        var full = t.ToFilterLogEventsJson();
        var arrayOnly = full[full.IndexOf('[')..(full.IndexOf("\"searchedLogStreams\"", StringComparison.Ordinal))].TrimEnd().TrimEnd(',');
        Assert.Equal(t.Lines.Count, LogFileReader.Read(Write("array.json", arrayOnly)).Events.Count);
        var twoPages = LogFileReader.Read(Write("pages.json", full + "\n" + full));
        Assert.Equal(2 * t.Lines.Count, twoPages.Events.Count);
    }

    [Fact]
    public void Garbage_lines_are_counted_and_skipped()
    {
        var t = FailingRotation(LambdaLogFormat.Text);
        var text = t.ToPlainText(true);
        var lines = text.Split('\n').ToList();
        lines.Insert(3, "\u0001\u0002binary\u0000junk");
        lines.Insert(7, new string('x', LogFileReader.MaxLineChars + 10));
        lines.Insert(9, "\u00ff\u00fe bad \uFFFD bytes");
        var read = LogFileReader.Read(Write("garbage.txt", string.Join('\n', lines)));
        Assert.Equal(3, read.UnreadableCount);
        Assert.Contains(read.Warnings, w => w.Contains("3 line(s) could not be read", StringComparison.Ordinal));
        AssertDatabaseUnreachable(read);
    }

    [Fact]
    public void Unreadable_JSON_events_are_counted_and_skipped()
    {
        var json = "{\"events\":[{\"timestamp\":1763607600000,\"message\":\"START RequestId: 00000001-1111-4222-8333-444444444444 Version: $LATEST\"}," +
                   "{\"message\":\"no timestamp\"},{\"timestamp\":\"not a number\",\"message\":\"x\"},42," +
                   "{\"timestamp\":1763607600100,\"message\":\"END RequestId: 00000001-1111-4222-8333-444444444444\"}]}";
        var read = LogFileReader.Read(Write("bad-events.json", json));
        Assert.Equal(2, read.Events.Count);
        Assert.Equal(3, read.UnreadableCount);
        Assert.Equal(new DateTime(2025, 11, 20, 3, 0, 0, DateTimeKind.Utc), read.Events[0].Timestamp);
    }

    [Fact]
    public void A_cut_off_JSON_export_returns_what_was_read_with_a_warning()
    {
        var t = FailingRotation(LambdaLogFormat.Text);
        var full = t.ToFilterLogEventsJson();
        var cut = full[..(full.Length * 2 / 3)];
        var read = LogFileReader.Read(Write("cut.json", cut));
        Assert.InRange(read.Events.Count, 1, t.Lines.Count - 1);
        Assert.Contains(read.Warnings, w => w.Contains("ends in the middle", StringComparison.Ordinal));
    }

    [Fact]
    public void Malformed_JSON_midway_returns_what_was_read_with_a_warning()
    {
        var t = FailingRotation(LambdaLogFormat.Text);
        var full = t.ToFilterLogEventsJson();
        var broken = full.Insert(full.IndexOf("\"logStreamName\"", 400, StringComparison.Ordinal), "}}}oops");
        var read = LogFileReader.Read(Write("broken.json", broken));
        Assert.NotEmpty(read.Events);
        Assert.Contains(read.Warnings, w => w.Contains("malformed", StringComparison.Ordinal));
    }

    [Fact]
    public void An_empty_file_reads_as_no_events_with_a_warning()
    {
        var read = LogFileReader.Read(Write("empty.txt", "  \n\n"));
        Assert.Equal(LogFileFormat.Empty, read.Format);
        Assert.Empty(read.Events);
        Assert.Contains("The file is empty.", read.Warnings);
        var noEvents = LogFileReader.Read(Write("none.json", "{\"events\": [], \"searchedLogStreams\": []}"));
        Assert.Empty(noEvents.Events);
        Assert.Empty(RotationLogAnalyzer.Analyze(noEvents.Events));
    }

    [Theory]
    [InlineData("{\"SecretList\": [{\"Name\": \"x\"}]}", "no 'events' array")]
    [InlineData("Dear diary,\nthe rotation failed again today.\n", "no line in it looks like a Lambda log event")]
    [InlineData("{\"events\": 5}", "'events' value is not an array")]
    public void A_file_in_no_known_format_is_a_typed_error(string content, string reason)
    {
        var path = Write("other.txt", content);
        var e = Assert.Throws<LogFileFormatException>(() => LogFileReader.Read(path));
        Assert.Contains(reason, e.Message);
        Assert.Contains("filter-log-events", e.Message);
        Assert.Equal(path, e.Path);
    }

    [Fact]
    public void A_binary_file_is_a_typed_error()
    {
        var path = Path.Combine(_dir, "bundle.zip");
        File.WriteAllBytes(path, [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00]);
        Assert.Contains("binary", Assert.Throws<LogFileFormatException>(() => LogFileReader.Read(path)).Message);
    }

    [Fact]
    public void The_event_cap_stops_reading_and_says_so()
    {
        var t = FailingRotation(LambdaLogFormat.Text);
        var json = LogFileReader.Read(Write("cap.json", t.ToFilterLogEventsJson()), maxEvents: 5);
        Assert.Equal(5, json.Events.Count);
        Assert.True(json.Truncated);
        Assert.Contains(json.Warnings, w => w.Contains("event cap", StringComparison.Ordinal));
        var text = LogFileReader.Read(Write("cap.txt", t.ToPlainText(true)), maxEvents: 5);
        Assert.Equal(5, text.Events.Count);
        Assert.True(text.Truncated);
    }

    [Fact]
    public void A_missing_file_throws_FileNotFound() =>
        Assert.Throws<FileNotFoundException>(() => LogFileReader.Read(Path.Combine(_dir, "nope.json")));

    [Fact]
    public void The_events_key_need_not_come_first_in_an_export()
    {
        var read = LogFileReader.Read(Write("reordered.json",
            "{\"searchedLogStreams\": [{\"logStreamName\": \"s\", \"searchedCompletely\": true}], \"events\": [" +
            "{\"logStreamName\": \"s\", \"timestamp\": 1763607600000, \"message\": \"START RequestId: 00000001-1111-4222-8333-444444444444 Version: $LATEST\\n\"}]}"));
        Assert.Equal(LogFileFormat.FilterLogEventsJson, read.Format);
        Assert.Equal(LogEventKind.Start, Assert.Single(read.Events).Kind);
    }
}
