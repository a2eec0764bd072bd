using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Diagnosis;

/// <summary>
/// Reads ahead, for the secrets a listing names, the inputs their diagnoses will need that are declared
/// <see cref="Input.ReadAhead"/>: each rotation function's configuration, policy, logs, stack, VPC and bundle as soon as
/// the first of its secrets is listed (each request at the pace its quota allows), and the inputs read in batches (the
/// secrets' current values, twenty per BatchGetSecretValue). Everything goes into the run's cache, where the diagnoses
/// find it; only what the chosen checks need (not merely could use) is read.
/// </summary>
public sealed class DiagnosisReadAhead(AwsSession session, DiagnosisOptions options)
{
    private readonly EvidenceSource _source = new(session);
    private readonly List<RotationCheck> _chosen = [.. CheckCatalogue.Checks.Where(options.Selection.Runs)];
    /// <summary>
    /// Batches in flight at once: values are wanted at the pace the diagnoses go, and a listing's worth at once would
    /// queue the requests that set the run's pace (the functions') behind them.
    /// </summary>
    private readonly SemaphoreSlim _batches = new(8);
    private readonly Dictionary<BatchReader, Pending> _pending = [];

    /// <summary>The keys waiting for their batch, and the signal the batch is answered.</summary>
    private sealed class Pending
    {
        public List<object> Keys { get; } = [];
        public TaskCompletionSource Read { get; set; } = NewSignal();
    }

    /// <summary>
    /// Starts reading ahead for a listed secret; the task completes when what its diagnosis needs is in, or has failed
    /// (the diagnosis then meets the failure itself). Its batched inputs wait for <see cref="Flush"/> or for their batch to fill.
    /// </summary>
    public Task ReadAheadAsync(SecretDescription secret, CancellationToken cancellation)
    {
        if (string.IsNullOrEmpty(secret.ARN)) return Task.CompletedTask;
        var context = new DiagnosisContext(secret, options, _source);
        var inputs = CheckCatalogue.Closure(RotationDiagnostician.Applicable(context, _chosen).SelectMany(c => c.Inputs))
            .Where(i => i.ReadAhead && i.WithheldBy(options) is null).ToList();
        var reads = new List<Task>();
        // Batched first: an input whose key needs one of them (a template named by the value's engine) waits for the batch.
        foreach (var batched in inputs.Where(i => i.Batcher is not null))
            if (batched.Batcher!.KeyOf(new InputReader(context, batched)) is { } key)
                reads.Add(Enqueue(batched.Batcher, key, cancellation));
        foreach (var input in inputs.Where(i => i.Batcher is null))
            reads.Add(Settled(context.ReadAheadAsync(input, cancellation)));
        return Task.WhenAll(reads);
    }

    private Task Enqueue(BatchReader batcher, object key, CancellationToken cancellation)
    {
        lock (_pending)
        {
            if (!_pending.TryGetValue(batcher, out var pending)) _pending[batcher] = pending = new Pending();
            pending.Keys.Add(key);
            var read = pending.Read.Task;
            if (pending.Keys.Count == batcher.Size) FlushLocked(batcher, pending, cancellation);
            return read;
        }
    }

    /// <summary>Sends the batches collected so far: the listing waits for its next page, or has ended.</summary>
    public void Flush(CancellationToken cancellation)
    {
        lock (_pending)
            foreach (var (batcher, pending) in _pending)
                FlushLocked(batcher, pending, cancellation);
    }

    private void FlushLocked(BatchReader batcher, Pending pending, CancellationToken cancellation)
    {
        if (pending.Keys.Count == 0) return;
        _ = ReadBatchAsync(batcher, [.. pending.Keys], pending.Read, cancellation);
        pending.Keys.Clear();
        pending.Read = NewSignal();
    }

    private async Task ReadBatchAsync(BatchReader batcher, List<object> keys, TaskCompletionSource read, CancellationToken cancellation)
    {
        try
        {
            await _batches.WaitAsync(cancellation).ConfigureAwait(false);
            try
            {
                await batcher.ReadAsync(session, keys, cancellation).ConfigureAwait(false);
            }
            finally
            {
                _batches.Release();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped: the diagnoses stop too.
        }
        finally
        {
            // Read, or not: either way the diagnoses may go (a key not read ahead is read when asked for).
            read.SetResult();
        }
    }

    /// <summary>A read ahead that failed is the diagnosis's to report (it finds the failure in the cache, or asks again).</summary>
    private static Task Settled(Task task) =>
        task.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
