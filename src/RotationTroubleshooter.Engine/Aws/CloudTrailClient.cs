using System.Text.Json.Serialization;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Aws;

/// <summary>
/// CloudTrail (awsJson1.1), the one operation the engine reads: LookupEvents, by resource name
/// (docs/reference/cloudtrail.md, "LookupEvents: what it can answer").
/// </summary>
public sealed class CloudTrailClient(AwsPipeline pipeline) : IRunService<CloudTrailClient>
{
    public static CloudTrailClient Create(AwsSession session) => new(session.Pipeline);

    private const string Target = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101";
    /// <summary>LookupEvents' page maximum.</summary>
    public const int MaxPageSize = 50;
    /// <summary>How far back Event history reaches.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(90);

    /// <summary>
    /// The management events that name <paramref name="resourceName"/> between <paramref name="start"/> and
    /// <paramref name="end"/> (UTC, inclusive), newest first as CloudTrail answers, reading at most
    /// <paramref name="maxPages"/> pages. A start older than CloudTrail's 90 days is moved to the oldest instant it keeps.
    /// </summary>
    public async Task<CloudTrailLookup> LookupByResourceAsync(string resourceName, DateTime start, DateTime end, int maxPages,
        CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrEmpty(resourceName);
        if (maxPages < 1) throw new ArgumentOutOfRangeException(nameof(maxPages), "maxPages must be at least 1.");
        var from = Utc(start);
        var to = Utc(end);
        var oldest = DateTime.UtcNow - Retention + TimeSpan.FromMinutes(1);
        if (from < oldest) from = oldest;
        if (from > to) return new CloudTrailLookup(resourceName, from, to, [], false, 0);

        var events = new List<LookedUpEvent>();
        string? token = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pages = 0;
        do
        {
            var page = await pipeline.JsonAsync(AwsServices.CloudTrail, Target, "LookupEvents",
                new LookupEventsRequest
                {
                    LookupAttributes = [new LookupAttribute { AttributeKey = "ResourceName", AttributeValue = resourceName }],
                    StartTime = EpochSeconds(from), EndTime = EpochSeconds(to), MaxResults = MaxPageSize, NextToken = token,
                },
                CloudTrailJsonContext.Default.LookupEventsRequest, CloudTrailJsonContext.Default.LookupEventsResponse, cancellation).ConfigureAwait(false);
            pages++;
            events.AddRange(page.Events ?? []);
            token = string.IsNullOrEmpty(page.NextToken) || !seen.Add(page.NextToken) ? null : page.NextToken;
        } while (token is not null && pages < maxPages);
        return new CloudTrailLookup(resourceName, from, to, events, Truncated: token is not null, pages);
    }

    private static DateTime Utc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Local => time.ToUniversalTime(),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(time, DateTimeKind.Utc),
        _ => time,
    };

    private static double EpochSeconds(DateTime time) => Math.Floor((time - DateTime.UnixEpoch).TotalSeconds);
}

/// <summary>
/// One lookup's answer: the events newest first, whether the page cap stopped it before the window's start (then the
/// events cover only the newest part of the window), and how many requests it took.
/// </summary>
public sealed record CloudTrailLookup(string ResourceName, DateTime Start, DateTime End, IReadOnlyList<LookedUpEvent> Events,
    bool Truncated, int Requests);

public sealed class LookupEventsRequest
{
    public List<LookupAttribute> LookupAttributes { get; set; } = [];
    public double StartTime { get; set; }
    public double EndTime { get; set; }
    public int MaxResults { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? NextToken { get; set; }
}

public sealed class LookupAttribute
{
    public string AttributeKey { get; set; } = "";
    public string AttributeValue { get; set; } = "";
}

public sealed class LookupEventsResponse
{
    public List<LookedUpEvent>? Events { get; set; }
    public string? NextToken { get; set; }
}

/// <summary>An Event history envelope; <see cref="Record"/> is the CloudTrail record itself, a JSON document.</summary>
public sealed class LookedUpEvent
{
    public string? EventId { get; set; }
    public string? EventName { get; set; }
    /// <summary>"true" or "false", as CloudTrail writes it.</summary>
    public string? ReadOnly { get; set; }
    [JsonConverter(typeof(EpochSecondsConverter))] public DateTime? EventTime { get; set; }
    public string? EventSource { get; set; }
    public string? Username { get; set; }
    public List<TrailResource>? Resources { get; set; }
    /// <summary>The record as CloudTrail wrote it, its strings cleaned like every other AWS string.</summary>
    [JsonPropertyName("CloudTrailEvent"), JsonConverter(typeof(UntrustedJsonDocumentConverter))] public string? Record { get; set; }
}

public sealed class TrailResource
{
    public string? ResourceType { get; set; }
    public string? ResourceName { get; set; }
}

// Its own context: a second partial AwsJsonContext declaration makes the System.Text.Json generator emit duplicate files.
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, Converters = [typeof(UntrustedStringConverter)])]
[JsonSerializable(typeof(LookupEventsRequest))]
[JsonSerializable(typeof(LookupEventsResponse))]
internal sealed partial class CloudTrailJsonContext : JsonSerializerContext;
