using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.History;

/// <summary>
/// A resource's CloudTrail events over the part of the run's window read so far, oldest first. When a lookup stopped at
/// its page cap, <see cref="CoveredFrom"/> is later than the start asked for: the events before it are unknown.
/// </summary>
public sealed record ResourceHistory(TrackedResource Resource, DateTime CoveredFrom, DateTime End, IReadOnlyList<TrailRecord> Records,
    bool Truncated, int Requests);

/// <summary>
/// The run's CloudTrail reads (docs/reference/cloudtrail.md, "How the module reads"): one LookupEvents by resource name
/// per resource, paged, ending when the run started, shared by every secret of the run that depends on the resource. A
/// caller that needs an older start than was read gets only the missing older part, and a resource is never read for
/// more than <see cref="MaxPagesPerResource"/> pages in a run. A denial is remembered: the rest of the run does not ask.
/// </summary>
public sealed class CloudTrailHistory : IRunService<CloudTrailHistory>
{
    /// <summary>1,000 events: enough for months of a function's or a secret's changes, bounded against a busy key's reads.</summary>
    public const int MaxPagesPerResource = 20;

    private readonly CloudTrailClient _client;
    private readonly ConcurrentDictionary<TrackedResource, Entry> _entries = new();
    private volatile AwsServiceException? _denied;
    private int _requests;

    public CloudTrailHistory(CloudTrailClient client, DateTime? endTime = null)
    {
        _client = client;
        EndTime = endTime ?? DateTime.UtcNow;
    }

    public static CloudTrailHistory Create(AwsSession session) => new(session.Get<CloudTrailClient>());

    /// <summary>Every read of the run ends here, so that all callers share them.</summary>
    public DateTime EndTime { get; }

    /// <summary>The oldest start CloudTrail can answer for this run.</summary>
    public DateTime OldestStart => EndTime - CloudTrailClient.Retention;

    /// <summary>LookupEvents requests this run has sent (for -Verbose and the benchmark).</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The resources read so far.</summary>
    public int Resources => _entries.Count;

    /// <summary>
    /// The resource's events from <paramref name="start"/> (at the oldest, 90 days before <see cref="EndTime"/>) to
    /// <see cref="EndTime"/>; possibly more, when another caller of the run needed an older start.
    /// </summary>
    public async Task<ResourceHistory> ReadAsync(TrackedResource resource, DateTime start, CancellationToken cancellation)
    {
        var from = start.Kind == DateTimeKind.Local ? start.ToUniversalTime() : DateTime.SpecifyKind(start, DateTimeKind.Utc);
        if (from < OldestStart) from = OldestStart;
        if (from > EndTime) from = EndTime;
        var entry = _entries.GetOrAdd(resource, _ => new Entry());
        await entry.Gate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            if (_denied is { } denied) ExceptionDispatchInfo.Throw(denied);
            if (entry.Failure is { } failure) ExceptionDispatchInfo.Throw(failure);
            var known = entry.History;
            if (known is not null && (known.CoveredFrom <= from || known.Truncated || known.Requests >= MaxPagesPerResource)) return known;

            var to = known?.CoveredFrom ?? EndTime;
            CloudTrailLookup lookup;
            try
            {
                lookup = await _client.LookupByResourceAsync(resource.Name, from, to, MaxPagesPerResource - (known?.Requests ?? 0), cancellation)
                    .ConfigureAwait(false);
            }
            catch (AwsServiceException e) when (e.Kind == AwsErrorKind.AccessDenied)
            {
                _denied = e;
                throw;
            }
            catch (AwsServiceException e)
            {
                entry.Failure = e;
                throw;
            }
            Interlocked.Add(ref _requests, lookup.Requests);
            var read = lookup.Events.Select(e => TrailRecord.From(e, resource)).OfType<TrailRecord>();
            // Both reads include the instant where they meet: an event there comes back twice.
            var records = read.Concat(known?.Records ?? []).DistinctBy(r => r.EventId).OrderBy(r => r.Time).ThenBy(r => r.EventId, StringComparer.Ordinal).ToList();
            var coveredFrom = lookup.Truncated ? records.Count > 0 ? records.Min(r => r.Time) : to : lookup.Start;
            entry.History = new ResourceHistory(resource, coveredFrom, EndTime, records, lookup.Truncated, (known?.Requests ?? 0) + lookup.Requests);
            return entry.History;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public ResourceHistory? History { get; set; }
        public AwsServiceException? Failure { get; set; }
    }
}
