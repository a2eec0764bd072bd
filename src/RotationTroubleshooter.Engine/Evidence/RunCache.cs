using System.Collections.Concurrent;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Evidence;

/// <summary>How long the run keeps a shared read once it has an answer.</summary>
public enum CacheLifetime
{
    /// <summary>For the rest of the run: later callers get the same answer (a function, a VPC, a value's key names).</summary>
    Run,
    /// <summary>
    /// Only while it is being read: concurrent callers share it, later ones read again (a secret's network report, which a
    /// fleet's diagnoses would otherwise pile up in memory; each diagnosis keeps what it read for itself).
    /// </summary>
    WhileInFlight,
}

/// <summary>
/// The one cache of a run (one per <see cref="AwsSession"/>): every read that checks, secrets and cmdlets share (a
/// function, its logs, a VPC, a secret's value) is one task per kind and key, with one failure policy for all. A failure
/// that may pass (<see cref="EvidenceFailure.MayPass"/>: throttled past the retries, a transport or service fault, a read
/// stopped by another caller) is dropped as it happens, so the next caller of that key asks again (an unreachable
/// resource only once more: <see cref="MayReadAgain"/>); one that will not
/// (denied, not found, invalid) is kept, so the run asks once per key and every caller hears the same answer.
/// A kind is any object that names what is read: an input descriptor (<see cref="SharedInput{TKey,T}"/>) or a
/// service's private kind.
/// </summary>
public sealed class RunCache
{
    private readonly ConcurrentDictionary<(object Kind, object Key), Entry> _entries = new();
    private readonly Lock _claiming = new();
    private readonly ConcurrentDictionary<(object Kind, object Key), byte> _unreachableOnce = new();

    /// <summary>A read that keeps being cancelled by something other than the callers (a timeout inside it) is given up.</summary>
    private const int MaxRereads = 3;

    /// <summary>
    /// The shared read of <paramref name="key"/>, started with <paramref name="fetch"/> when no caller has asked yet. A
    /// caller whose own token is not cancelled does not inherit another caller's cancellation: it reads again.
    /// </summary>
    public async Task<T> GetAsync<T>(object kind, object key, Func<CancellationToken, Task<T>> fetch, CancellationToken cancellation,
        CacheLifetime lifetime = CacheLifetime.Run)
    {
        for (var attempt = 1; ; attempt++)
        {
            var entry = (Entry<T>)_entries.GetOrAdd((kind, key), k => new Entry<T>(this, k, () => fetch(cancellation), lifetime));
            var task = entry.Task;
            try
            {
                return await task.WaitAsync(cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested && task.IsCanceled && attempt < MaxRereads)
            {
                // Another caller's stop ended the shared read (and dropped it): read again under this caller's token.
            }
        }
    }

    /// <summary>
    /// Claims the keys of <paramref name="keys"/> no caller has asked for yet, all at once (a concurrent caller with some
    /// of the same keys waits for this claim, not for half of it): each claimed key is answered by
    /// <paramref name="answer"/> when it is first asked for, typically from one batch request the caller then sends.
    /// </summary>
    /// <returns>The keys claimed, in order; the others were already asked for.</returns>
    public List<TKey> Claim<TKey, T>(object kind, IEnumerable<TKey> keys, Func<TKey, Task<T>> answer) where TKey : notnull
    {
        var mine = new List<TKey>();
        lock (_claiming)
            foreach (var key in keys.Distinct())
            {
                var entry = new Entry<T>(this, (kind, key), () => answer(key), CacheLifetime.Run);
                if (ReferenceEquals(_entries.GetOrAdd((kind, key), entry), entry)) mine.Add(key);
            }
        return mine;
    }

    /// <summary>An answer the run already has (e.g. a listing's entry): later reads of the key get it, unless one was asked for first.</summary>
    public void Remember<T>(object kind, object key, T value) =>
        _entries.TryAdd((kind, key), new Entry<T>(this, (kind, key), () => Task.FromResult(value), CacheLifetime.Run));

    private void Drop((object, object) key, Entry entry) => _entries.TryRemove(new KeyValuePair<(object, object), Entry>(key, entry));

    /// <summary>
    /// Whether a read that failed in a way that may pass is asked again. A resource that could not be reached after the
    /// pipeline's own attempts (a transport failure, a download that kept failing) is asked once more, then its second
    /// failure is kept for the run: an unreachable bundle costs two downloads, not one per secret of its function.
    /// Throttling and service faults are always asked again: the rate limiter slows down for them.
    /// </summary>
    private bool MayReadAgain((object, object) key, Exception failure) =>
        !EvidenceFailure.IsUnreachable(failure) || _unreachableOnce.TryAdd(key, 0);

    private abstract class Entry;

    private sealed class Entry<T> : Entry
    {
        private readonly Lazy<Task<T>> _task;

        public Entry(RunCache cache, (object, object) key, Func<Task<T>> start, CacheLifetime lifetime)
        {
            _task = new Lazy<Task<T>>(() =>
            {
                Task<T> task;
                try
                {
                    task = start();
                }
                catch (Exception e)
                {
                    // A fetch that fails before its first await is a failed read like any other, under the same policy.
                    task = System.Threading.Tasks.Task.FromException<T>(e);
                }
                task.ContinueWith(t =>
                {
                    if (lifetime == CacheLifetime.WhileInFlight || t.IsCanceled
                        || (t.IsFaulted && EvidenceFailure.MayPass(t.Exception!.InnerException!) && cache.MayReadAgain(key, t.Exception.InnerException!)))
                        cache.Drop(key, this);
                }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return task;
            });
        }

        public Task<T> Task => _task.Value;
    }
}

/// <summary>What a failed read means: whether it may pass, and whether it is the evidence that cannot be had (or the run's own trouble).</summary>
public static class EvidenceFailure
{
    /// <summary>
    /// A failure that may pass within the run: throttled past the retries, a transport or service fault, an expired
    /// session token, a timeout, a stopped read, or an unexpected exception. The cache does not keep it.
    /// </summary>
    public static bool MayPass(Exception e) => e switch
    {
        OperationCanceledException => true,
        AwsServiceException aws => aws.Kind is AwsErrorKind.Throttled or AwsErrorKind.Transport or AwsErrorKind.ServiceFault or AwsErrorKind.ExpiredToken,
        TroubleshooterException t => t.Category is FailureCategory.Unavailable or FailureCategory.Timeout || (t.InnerException is { } inner && MayPass(inner)),
        _ => true,
    };

    /// <summary>The thing could not be reached after every attempt: a transport failure, or a download that stayed unavailable.</summary>
    public static bool IsUnreachable(Exception e) =>
        e is AwsServiceException { Kind: AwsErrorKind.Transport } || (e is TroubleshooterException { Category: FailureCategory.Unavailable } and not AwsServiceException);

    /// <summary>
    /// A failure that keeps one piece of evidence from the diagnosis but says nothing about the rotation: a denied,
    /// throttled, missing or faulty AWS call, or the engine's own refusal (an unreadable bundle, a value that is not
    /// JSON). Anything else (invalid credentials, a request AWS calls invalid) is the run's trouble and fails the item.
    /// </summary>
    public static bool KeepsEvidence(Exception e) => e switch
    {
        AwsServiceException aws => aws.Kind is AwsErrorKind.AccessDenied or AwsErrorKind.Throttled or AwsErrorKind.ServiceFault
            or AwsErrorKind.Transport or AwsErrorKind.ExpiredToken or AwsErrorKind.NotFound,
        TroubleshooterException => true,
        _ => false,
    };

    /// <summary>The thing asked for does not exist (a deleted function, a secret that is gone).</summary>
    public static bool IsMissing(Exception e) =>
        e is AwsServiceException { Kind: AwsErrorKind.NotFound } || (e is TroubleshooterException { Category: FailureCategory.NotFound } and not AwsServiceException);
}
