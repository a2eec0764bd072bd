using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Logs;

/// <summary>
/// The runtime version one execution environment started on, from Lambda's <c>INIT_START</c> record
/// (docs/reference/bundle-fit.md, "Which runtime each attempt ran on").
/// </summary>
/// <param name="RuntimeVersion">Lambda's name for it, e.g. <c>python:3.11.v29</c>.</param>
/// <param name="RuntimeVersionArn">The version's ARN, which <c>PutRuntimeManagementConfig</c> takes to pin it.</param>
internal sealed record RuntimeVersionStart(DateTime Time, string? LogStreamName, string RuntimeVersion, string? RuntimeVersionArn)
{
    /// <summary>The runtime identifier the version belongs to (<c>python:3.11.v29</c> is <c>python3.11</c>); null for a name in no known shape.</summary>
    public string? Runtime => RuntimeVersionRecords.RuntimeOf(RuntimeVersion);
}

/// <summary>The first execution environment that started on another runtime than the one before it.</summary>
internal sealed record RuntimeVersionChange(RuntimeVersionStart Before, RuntimeVersionStart After)
{
    /// <summary>The Python (or other language) version itself changed, not only Lambda's patch release of it.</summary>
    public bool RuntimeChanged => !string.Equals(Before.Runtime, After.Runtime, StringComparison.Ordinal);
}

/// <summary>
/// Reads <c>INIT_START</c> records in both log formats: text
/// <c>INIT_START Runtime Version: python:3.11.v29\tRuntime Version ARN: arn:aws:lambda:...</c>, and JSON
/// <c>{"time":..,"type":"platform.initStart","record":{"runtimeVersion":..,"runtimeVersionArn":..}}</c>.
/// </summary>
internal static partial class RuntimeVersionRecords
{
    [GeneratedRegex(@"^INIT_START Runtime Version: (?<version>\S+)(?:\s+Runtime Version ARN: (?<arn>\S+))?", RegexOptions.CultureInvariant)]
    private static partial Regex TextRecord();

    [GeneratedRegex(@"^(?<language>[a-z]+):(?<number>\d+(?:\.\d+)?)(?:\.v\d+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionName();

    /// <summary>The start the event records; null for any other event.</summary>
    public static RuntimeVersionStart? Parse(LogEvent logEvent)
    {
        var message = logEvent.Message;
        if (message.StartsWith("INIT_START", StringComparison.Ordinal))
        {
            var match = TextRecord().Match(message);
            return match.Success
                ? new RuntimeVersionStart(logEvent.Timestamp, logEvent.LogStreamName, UntrustedText.Line(match.Groups["version"].Value),
                    match.Groups["arn"].Success ? UntrustedText.Line(match.Groups["arn"].Value) : null)
                : null;
        }
        return message.StartsWith('{') && message.Contains("platform.initStart", StringComparison.Ordinal) ? ParseJson(logEvent) : null;
    }

    /// <summary>Every start in the events, oldest first.</summary>
    public static IReadOnlyList<RuntimeVersionStart> All(IEnumerable<LogEvent> events) =>
        events.Select(Parse).OfType<RuntimeVersionStart>().OrderBy(s => s.Time).ToList();

    /// <summary>
    /// The runtime an invocation ran on: the newest start in its log stream (one stream is one execution environment)
    /// at or before it; null when that environment's start is outside the events read.
    /// </summary>
    public static RuntimeVersionStart? For(RotationStep step, IReadOnlyList<RuntimeVersionStart> starts) =>
        step.LogStreamName is null ? null
            : starts.LastOrDefault(s => s.LogStreamName == step.LogStreamName && s.Time <= step.StartTime);

    /// <summary>The runtime the attempt's failing (else last) invocation ran on.</summary>
    public static RuntimeVersionStart? For(RotationAttempt attempt, IReadOnlyList<RuntimeVersionStart> starts)
    {
        var step = attempt.Steps.LastOrDefault(s => s.Outcome is RotationStepOutcome.Failed or RotationStepOutcome.TimedOut) ?? attempt.Steps.LastOrDefault();
        return step is null ? null : For(step, starts);
    }

    /// <summary>Each point where an environment started on another runtime version than the environment before it.</summary>
    public static IReadOnlyList<RuntimeVersionChange> Changes(IReadOnlyList<RuntimeVersionStart> starts)
    {
        var changes = new List<RuntimeVersionChange>();
        for (var i = 1; i < starts.Count; i++)
            if (!string.Equals(starts[i].RuntimeVersion, starts[i - 1].RuntimeVersion, StringComparison.Ordinal))
                changes.Add(new RuntimeVersionChange(starts[i - 1], starts[i]));
        return changes;
    }

    /// <summary><c>python:3.11.v29</c> → <c>python3.11</c>, <c>nodejs:20.v31</c> → <c>nodejs20.x</c>; null for another shape.</summary>
    internal static string? RuntimeOf(string runtimeVersion)
    {
        var match = VersionName().Match(runtimeVersion);
        if (!match.Success) return null;
        var (language, number) = (match.Groups["language"].Value, match.Groups["number"].Value);
        return language == "nodejs" ? $"nodejs{number}.x" : language + number;
    }

    private static RuntimeVersionStart? ParseJson(LogEvent logEvent)
    {
        try
        {
            using var document = JsonDocument.Parse(logEvent.Message, new JsonDocumentOptions { MaxDepth = 8 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
                || type.GetString() != "platform.initStart" || !root.TryGetProperty("record", out var record) || record.ValueKind != JsonValueKind.Object)
                return null;
            var version = StringOf(record, "runtimeVersion");
            if (version is null) return null;
            var time = StringOf(root, "time") is { } t && DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                ? parsed.UtcDateTime : logEvent.Timestamp;
            return new RuntimeVersionStart(time, logEvent.LogStreamName, version, StringOf(record, "runtimeVersionArn"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? StringOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? UntrustedText.LineOrNull(value.GetString()) : null;
}
