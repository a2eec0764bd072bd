using System.Text.Json.Serialization;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Aws;

/// <summary>CloudWatch Logs (awsJson1.1), the one operation the engine reads: FilterLogEvents.</summary>
public sealed class CloudWatchLogsClient(AwsPipeline pipeline) : IRunService<CloudWatchLogsClient>
{
    public static CloudWatchLogsClient Create(AwsSession session) => new(session.Pipeline);

    private const string Target = "Logs_20140328";
    /// <summary>FilterLogEvents' own page maximum.</summary>
    private const int MaxPageSize = 10_000;
    /// <summary>FilterLogEvents may answer empty pages while it scans; this bounds a scan of a huge group.</summary>
    internal const int MaxPages = 2_000;

    /// <summary>
    /// The events of <paramref name="logGroupName"/> between <paramref name="start"/> and <paramref name="end"/> (UTC),
    /// oldest first, at most <paramref name="maxEvents"/>. A missing group is a <c>LogGroupNotFound</c> failure.
    /// </summary>
    public async Task<LogEventsPage> FilterLogEventsAsync(string logGroupName, DateTime start, DateTime end, int maxEvents,
        CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrEmpty(logGroupName);
        if (maxEvents < 1) throw new ArgumentOutOfRangeException(nameof(maxEvents), "maxEvents must be at least 1.");
        var events = new List<LogEvent>();
        var pages = 0;
        var truncated = false;
        try
        {
            await foreach (var e in AwsPaging.PaginateAsync(
                               (token, ct) =>
                               {
                                   // An empty page without a token ends the paging; what was read so far is kept.
                                   if (++pages > MaxPages)
                                   {
                                       truncated = true;
                                       return Task.FromResult(new FilterLogEventsResponse());
                                   }
                                   return pipeline.JsonAsync(AwsServices.CloudWatchLogs, Target, "FilterLogEvents",
                                       new FilterLogEventsRequest
                                       {
                                           LogGroupName = logGroupName, StartTime = EpochMs(start), EndTime = EpochMs(end), NextToken = token,
                                           Limit = Math.Min(MaxPageSize, maxEvents - events.Count + 1),
                                       },
                                       LogsJsonContext.Default.FilterLogEventsRequest, LogsJsonContext.Default.FilterLogEventsResponse, ct);
                               },
                               page => page.Events, page => page.NextToken, cancellation).ConfigureAwait(false))
            {
                if (e.Timestamp is not { } timestamp || e.Message is null) continue;
                if (events.Count == maxEvents)
                {
                    truncated = true;
                    break;
                }
                events.Add(LogEvent.FromEpochMilliseconds(timestamp, e.Message, e.LogStreamName, e.IngestionTime));
            }
        }
        catch (AwsServiceException e) when (e.Kind == AwsErrorKind.NotFound)
        {
            throw new TroubleshooterException(ErrorIds.LogGroupNotFound, FailureCategory.NotFound,
                $"Log group '{logGroupName}' does not exist in {pipeline.Connection.RegionName}: the function never ran, " +
                "or retention expired and the group was deleted, or its logs go to another group.", e);
        }
        return new LogEventsPage(logGroupName, events, truncated);
    }

    private static long EpochMs(DateTime time) =>
        (long)((time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time) - DateTime.UnixEpoch).TotalMilliseconds;
}

/// <summary>What FilterLogEvents gave: the events oldest first, and whether the cap cut the read short.</summary>
public sealed record LogEventsPage(string LogGroupName, IReadOnlyList<LogEvent> Events, bool Truncated);

public sealed class FilterLogEventsRequest
{
    [JsonPropertyName("logGroupName")] public string LogGroupName { get; set; } = "";
    [JsonPropertyName("startTime")] public long StartTime { get; set; }
    [JsonPropertyName("endTime")] public long EndTime { get; set; }
    [JsonPropertyName("limit")] public int Limit { get; set; }
    [JsonPropertyName("nextToken"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? NextToken { get; set; }
}

public sealed class FilterLogEventsResponse
{
    [JsonPropertyName("events")] public List<FilteredLogEvent>? Events { get; set; }
    [JsonPropertyName("nextToken")] public string? NextToken { get; set; }
}

public sealed class FilteredLogEvent
{
    [JsonPropertyName("logStreamName")] public string? LogStreamName { get; set; }
    [JsonPropertyName("timestamp")] public long? Timestamp { get; set; }
    [JsonPropertyName("message"), JsonConverter(typeof(UntrustedLinesConverter))] public string? Message { get; set; }
    [JsonPropertyName("ingestionTime")] public long? IngestionTime { get; set; }
}

// Its own context: a second partial AwsJsonContext declaration makes the System.Text.Json generator emit duplicate files.
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, Converters = [typeof(UntrustedStringConverter)])]
[JsonSerializable(typeof(FilterLogEventsRequest))]
[JsonSerializable(typeof(FilterLogEventsResponse))]
internal sealed partial class LogsJsonContext : JsonSerializerContext;
