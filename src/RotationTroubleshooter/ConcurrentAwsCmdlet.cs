using System.Diagnostics;
using System.Management.Automation;

namespace RotationTroubleshooter.Commands;

/// <summary>
/// A cmdlet that works on many pipeline items at once (up to -ThrottleLimit), writing each answer on the pipeline
/// thread in input order (an answer waits only for those before it), with progress, and stopping promptly on Ctrl+C with
/// no work left running.
/// </summary>
public abstract class ConcurrentAwsCmdlet : AwsCmdlet
{
    /// <summary>How long Stop waits for in-flight work to notice the cancellation (it normally takes milliseconds).</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    private readonly List<Task> _running = [];
    private readonly Stopwatch _sinceProgress = new();
    private readonly Stopwatch _sinceStart = new();
    private SemaphoreSlim? _slots;
    private Task _lastTurn = Task.CompletedTask;
    private int _done;
    private bool _totalKnown;
    private bool _progressShown;

    /// <summary>How many items are worked on at the same time.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 8;

    /// <summary>The activity shown by Write-Progress, e.g. "Dating rotation functions".</summary>
    protected abstract string Activity { get; }

    /// <summary>
    /// Starts work on one item; its results, failure and verbose lines (whatever its work posts to
    /// <see cref="AwsCmdlet.Messages"/>) are written after those of the items enqueued before it.
    /// </summary>
    protected void Enqueue(object target, Func<CancellationToken, Task<IEnumerable<object>>> work)
    {
        _slots ??= new SemaphoreSlim(ThrottleLimit);
        if (!_sinceStart.IsRunning) _sinceStart.Start();
        var slots = _slots;
        var item = Messages.Begin();
        var previousTurn = _lastTurn;
        var turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _lastTurn = turn.Task;
        var task = Task.Run(async () =>
        {
            PipelineMessages.BelongTo(item);
            try
            {
                try
                {
                    // Slots are taken in input order: the thread pool starts these tasks in any order, and an early
                    // item waiting behind later ones would hold back every answer after it.
                    await previousTurn.ConfigureAwait(false);
                    await slots.WaitAsync(StopToken).ConfigureAwait(false);
                }
                finally
                {
                    turn.SetResult();
                }
                try
                {
                    var results = await work(StopToken).ConfigureAwait(false);
                    Messages.Post(() => { foreach (var result in results) WriteObject(result); });
                }
                finally
                {
                    slots.Release();
                }
            }
            catch (Exception e)
            {
                Messages.Post(() => WriteFailure(e, target));
            }
            finally
            {
                Messages.Finish(item);
                Interlocked.Increment(ref _done);
                Messages.PostNow(ReportProgress);
            }
        });
        lock (_running) _running.Add(task);
        Messages.Drain();
    }

    /// <summary>An item that failed before any work: its error is written in its place.</summary>
    protected void EnqueueFailure(object target, Exception error) => Enqueue(target, _ => Task.FromException<IEnumerable<object>>(error));

    /// <summary>
    /// Says that every item has been enqueued (e.g. after listing them), so progress shows a percentage and an estimate
    /// before the cmdlet's input ends.
    /// </summary>
    protected void TotalKnown() => _totalKnown = true;

    /// <summary>Waits for a task on the pipeline thread while writing the results that arrive meanwhile.</summary>
    protected T WaitWritingResults<T>(Task<T> task)
    {
        Messages.DrainUntil(task, StopToken);
        return task.GetAwaiter().GetResult();
    }

    /// <inheritdoc cref="WaitWritingResults{T}(Task{T})"/>
    protected T WaitWritingResults<T>(ValueTask<T> task) => task.IsCompleted ? task.GetAwaiter().GetResult() : WaitWritingResults(task.AsTask());

    protected override void EndProcessing()
    {
        _totalKnown = true;
        Messages.DrainUntil(WhenAllRunning(), StopToken);
        if (_progressShown)
            WriteProgress(new ProgressRecord(1, Activity, "Done") { RecordType = ProgressRecordType.Completed });
    }

    protected override void StopProcessing()
    {
        base.StopProcessing();
        // Every wait in the work observes StopToken, so this returns within milliseconds; the bound keeps Ctrl+C prompt
        // even if one does not. After it, no work of this run calls AWS any more.
        try
        {
            WhenAllRunning().Wait(StopGrace);
        }
        catch (AggregateException)
        {
            // The items' own failures were posted as errors; a stopped run does not write them.
        }
    }

    private Task WhenAllRunning()
    {
        lock (_running) return Task.WhenAll(_running.ToArray());
    }

    private void ReportProgress()
    {
        int total;
        lock (_running) total = _running.Count;
        var done = Volatile.Read(ref _done);
        if (total < 2 || (_sinceProgress.IsRunning && _sinceProgress.Elapsed < ProgressInterval && done < total)) return;
        _sinceProgress.Restart();
        _progressShown = true;
        var record = _totalKnown
            ? new ProgressRecord(1, Activity, $"{done} of {total}") { PercentComplete = (int)(100.0 * done / total) }
            : new ProgressRecord(1, Activity, $"{done} done, {total} so far");
        if (_totalKnown && done > 0 && done < total)
        {
            // The rate so far, over the whole run: items are alike enough and quotas keep it steady.
            var perItem = _sinceStart.Elapsed.TotalSeconds / done;
            record.SecondsRemaining = (int)Math.Ceiling(perItem * (total - done));
        }
        WriteProgress(record);
    }
}
