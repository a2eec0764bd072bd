// Measures offline log analysis (LogFileReader.Read + RotationLogAnalyzer.Analyze) of 100,000 events against
// baselines measured in the same run: counting the file's lines, and (JSON files) tokenizing the JSON. Each measurement
// runs cold in its own process, as a cmdlet call does, so its time and peak memory are its own.
// Modes: all [count] (default) | generate <dir> | count|jsonscan|analyze|warm <file>
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using RotationTroubleshooter;
using RotationTroubleshooter.Logs;

var mode = args.Length > 0 ? args[0] : "all";
switch (mode)
{
    case "all":
        var dir = Directory.CreateTempSubdirectory("rt-bench-").FullName;
        try
        {
            var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
            var json = Path.Combine(dir, "filter-log-events.json");
            var text = Path.Combine(dir, "console-copy.txt");
            var jsonFormat = Path.Combine(dir, "filter-log-events-json-format.json");
            Generate(count, json, text, jsonFormat);
            Console.WriteLine($"{count:N0} events: {new FileInfo(json).Length / 1e6:0.0} MB filter-log-events export (text log format), " +
                              $"{new FileInfo(jsonFormat).Length / 1e6:0.0} MB (JSON log format), {new FileInfo(text).Length / 1e6:0.0} MB plain-text copy");
            foreach (var (m, file) in new[]
                     {
                         ("count", json), ("jsonscan", json), ("analyze", json),
                         ("count", jsonFormat), ("jsonscan", jsonFormat), ("analyze", jsonFormat),
                         ("count", text), ("analyze", text),
                     })
                RunChild(m, file);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
        break;
    case "generate":
        Generate(100_000, Path.Combine(args[1], "filter-log-events.json"), Path.Combine(args[1], "console-copy.txt"),
            Path.Combine(args[1], "filter-log-events-json-format.json"));
        break;
    case "warm":
        {
            // The same work repeated in one process: what it costs once the JIT has optimized everything.
            var read = LogFileReader.Read(args[1]);
            var messages = read.Events.Select(e => e.Message).ToList();
            for (var round = 0; round < 3; round++)
            {
                var sw = Stopwatch.StartNew();
                foreach (var m in messages) _ = new LogEvent(DateTime.UtcNow, m);
                Console.WriteLine($"construct {messages.Count:N0} LogEvents from strings: {sw.Elapsed.TotalMilliseconds:0} ms");
                sw.Restart();
                read = LogFileReader.Read(args[1]);
                Console.WriteLine($"read file: {sw.Elapsed.TotalMilliseconds:0} ms");
                sw.Restart();
                RotationLogAnalyzer.Analyze(read.Events, "bench", null, DateTime.UtcNow);
                Console.WriteLine($"analyze: {sw.Elapsed.TotalMilliseconds:0} ms");
            }
        }
        break;
    case "jsonscan":
        // Second baseline for the JSON files: tokenizing the document and materializing its strings, nothing else.
        Measure(args[1], "JSON tokens (baseline)", path =>
        {
            var bytes = File.ReadAllBytes(path);
            var reader = new Utf8JsonReader(bytes);
            long strings = 0;
            while (reader.Read())
                if (reader.TokenType == JsonTokenType.String) strings += reader.GetString()!.Length;
            return $"{strings} chars";
        });
        break;
    case "count":
        Measure(args[1], "line count (baseline)", path => $"{File.ReadLines(path).Count():N0} lines");
        break;
    case "analyze":
        Measure(args[1], "read + analyze", path =>
        {
            var sw = Stopwatch.StartNew();
            var read = LogFileReader.Read(path);
            var readMs = sw.Elapsed.TotalMilliseconds;
            var attempts = RotationLogAnalyzer.Analyze(read.Events, "bench", null, DateTime.UtcNow);
            return $"read {readMs:0} ms; {read.Events.Count:N0} events, {attempts.Count:N0} attempts, {attempts.Count(a => a.Outcome != RotationAttemptOutcome.Succeeded):N0} not succeeded";
        });
        break;
}

static void RunChild(string mode, string file)
{
    var self = Environment.ProcessPath!;
    var entry = typeof(Program).Assembly.Location;
    var psi = self.EndsWith("dotnet", StringComparison.Ordinal) || self.EndsWith("dotnet.exe", StringComparison.Ordinal)
        ? new ProcessStartInfo(self, [entry, mode, file])
        : new ProcessStartInfo(self, [mode, file]);
    using var child = Process.Start(psi)!;
    child.WaitForExit();
}

static void Measure(string path, string label, Func<string, string> work)
{
    var sw = Stopwatch.StartNew();
    var summary = work(path);
    sw.Stop();
    using var self = Process.GetCurrentProcess();
    self.Refresh();
    Console.WriteLine($"  {Path.GetFileNameWithoutExtension(path),-35} {label,-22} {sw.Elapsed.TotalMilliseconds,7:0} ms  peak working set {self.PeakWorkingSet64 / 1048576.0,6:0} MB  " +
                      $"allocated {GC.GetTotalAllocatedBytes() / 1048576.0,5:0} MB  GCs {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}  ({summary})");
}

// A shared rotation function: 40 secrets, 8 log streams, rotations that succeed, fail fast or slow in setSecret,
// time out reaching Secrets Manager, plus print() noise; written in Lambda's text format.
static void Generate(int count, string jsonPath, string textPath, string jsonFormatPath)
{
    var lines = new List<(DateTime Time, string Stream, string Message, string? Json)>(count + 32);
    var t = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
    var n = 0;
    var rotation = 0;
    string Iso(DateTime d) => d.ToString("yyyy-MM-ddTHH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    while (lines.Count < count + count / 20) // extra, so the JSON log format (no timeout lines) also reaches count
    {
        var arn = $"arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db{rotation % 40:D2}-Ab{rotation % 40:D2}Cd";
        var ver = Guid.NewGuid().ToString();
        var stream = $"2026/11/01/[$LATEST]{rotation % 8:x32}";
        var kind = rotation++ % 10;
        void Invoke(double ms, string[] messages, string? status = null)
        {
            var id = $"{++n:x8}-1111-4222-8333-444444444444";
            lines.Add((t, stream, $"START RequestId: {id} Version: $LATEST\n",
                $"{{\"time\":\"{Iso(t)}\",\"type\":\"platform.start\",\"record\":{{\"requestId\":\"{id}\",\"version\":\"$LATEST\"}}}}"));
            var at = t;
            foreach (var m in messages)
            {
                at = at.AddMilliseconds(ms / (messages.Length + 1));
                var error = m.StartsWith('!');
                var text = error ? m[1..] : m;
                lines.Add((at, stream, $"[{(error ? "ERROR" : "INFO")}]\t{Iso(at)}\t{id}\t{text}\n",
                    $"{{\"timestamp\":\"{Iso(at)}\",\"level\":\"{(error ? "ERROR" : "INFO")}\",\"message\":\"{JsonEncodedText.Encode(text)}\",\"logger\":\"root\",\"requestId\":\"{id}\"}}"));
            }
            t = t.AddMilliseconds(ms);
            var json = status ?? "success";
            lines.Add((t, stream, $"END RequestId: {id}\n",
                $"{{\"time\":\"{Iso(t)}\",\"type\":\"platform.runtimeDone\",\"record\":{{\"requestId\":\"{id}\",\"status\":\"{json}\"}}}}"));
            lines.Add((t, stream, $"REPORT RequestId: {id}\tDuration: {ms:0.00} ms\tBilled Duration: {Math.Ceiling(ms)} ms\tMemory Size: 128 MB\tMax Memory Used: 77 MB\t{(status is null ? "" : "Status: " + status)}\n",
                $"{{\"time\":\"{Iso(t)}\",\"type\":\"platform.report\",\"record\":{{\"requestId\":\"{id}\",\"metrics\":{{\"durationMs\":{ms:0.00},\"billedDurationMs\":{Math.Ceiling(ms)},\"memorySizeMB\":128,\"maxMemoryUsedMB\":77}},\"status\":\"{json}\"}}}}"));
            if (status == "timeout") lines.Add((t, stream, $"{Iso(t)} {id} Task timed out after {ms / 1000:0.00} seconds\n", null));
            t = t.AddMilliseconds(200);
        }
        if (kind == 9)
        {
            Invoke(30000, ["Found credentials in environment variables."], "timeout");
        }
        else
        {
            Invoke(800, ["Found credentials in environment variables.", $"createSecret: Successfully put secret for ARN {arn} and version {ver}."]);
            if (kind == 8) Invoke(12000, [$"!setSecret: Unable to log into database with previous, current, or pending secret of secret arn {arn}"], "error");
            else if (kind == 7) Invoke(400, [$"!setSecret: Unable to log into database with previous, current, or pending secret of secret arn {arn}"], "error");
            else
            {
                Invoke(420, ["debug: connecting", $"setSecret: Successfully set password for user app in PostgreSQL DB for secret arn {arn}."]);
                Invoke(380, [$"testSecret: Successfully signed into PostgreSQL DB with AWSPENDING secret in {arn}."]);
                Invoke(300, [$"finishSecret: Successfully set AWSCURRENT stage to version {ver} for secret {arn}."]);
            }
        }
        t = t.AddMinutes(7);
    }

    WriteExport(jsonPath, lines.Take(count).Select(l => (l.Time, l.Stream, l.Message)));
    // Lambda's JSON log format has no "Task timed out" line: platform.report carries the timeout.
    WriteExport(jsonFormatPath, lines.Where(l => l.Json is not null).Take(count).Select(l => (l.Time, l.Stream, l.Json!)));
    using var sw = new StreamWriter(textPath, false, new UTF8Encoding(false));
    foreach (var (time, _, message, _) in lines.Take(count))
        sw.Write($"{Iso(time)}\t{message}");
}

static void WriteExport(string path, IEnumerable<(DateTime Time, string Stream, string Message)> lines)
{
    using var fs = File.Create(path);
    using var w = new Utf8JsonWriter(fs, new JsonWriterOptions { Indented = true });
    w.WriteStartObject();
    w.WriteStartArray("events");
    var i = 0;
    foreach (var (time, stream, message) in lines)
    {
        var ms = (long)(time - DateTime.UnixEpoch).TotalMilliseconds;
        w.WriteStartObject();
        w.WriteString("logStreamName", stream);
        w.WriteNumber("timestamp", ms);
        w.WriteString("message", message);
        w.WriteNumber("ingestionTime", ms + 90);
        w.WriteString("eventId", $"{i++:D56}");
        w.WriteEndObject();
    }
    w.WriteEndArray();
    w.WriteEndObject();
}
