using System.Diagnostics;
using System.Management.Automation;

namespace RotationTroubleshooter.Commands;

/// <summary>
/// The part a cmdlet holds to work on many pipeline items at once (up to -ThrottleLimit), writing each answer on the
/// pipeline thread in input order (an answer waits only for those before it), with progress, and stopping promptly on
/// Ctrl+C with no work left running. An item may say when it is ready to be worked on (what it shares with other items
/// has been read ahead); until then it holds no slot, and later items that are ready go first
/// (<see cref="ReadyFirstSlots"/>).
/// </summary>
public sealed class ConcurrentItems : IRunPart
{
    public const int DefaultThrottleLimit = 8;
    public const int MaxThrottleLimit = 64;

    /// <summary>How long Stop waits for in-flight work to notice the cancellation (it normally takes milliseconds).</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    private readonly ReadyFirstSlots _slots;
    private readonly string _activity;
    private readonly IItemWriter _writer;
    private readonly PipelineMessages _messages;
    private readonly CancellationToken _stop;
    private readonly List<Task> _running = [];
    private readonly Stopwatch _sinceProgress = new();
    private readonly Stopwatch _sinceStart = new();
    private int _done;
    private bool _totalKnown;
    private bool _progressShown;
    private bool _progressDeferred;

    /// <param name="throttleLimit">How many items are worked on at the same time.</param>
    /// <param name="activity">The activity Write-Progress shows, e.g. "Dating rotation functions".</param>
    /// <param name="writer">Where results, failures and progress go (on the pipeline thread).</param>
    /// <param name="messages">The cmdlet's queue of writes from worker threads.</param>
    /// <param name="stop">Cancelled by StopProcessing (Ctrl+C).</param>
    public ConcurrentItems(int throttleLimit, string activity, IItemWriter writer, PipelineMessages messages, CancellationToken stop)
    {
        _slots = new ReadyFirstSlots(throttleLimit);
        _activity = activity;
        _writer = writer;
        _messages = messages;
        _stop = stop;
    }

    /// <summary>
    /// Starts work on one item once <paramref name="ready"/> has completed (however); its results, failure and whatever
    /// else its work posts to the messages are written after those of the items enqueued before it.
    /// </summary>
    public void Enqueue(object target, Func<CancellationToken, Task<IEnumerable<object>>> work, Task? ready = null)
    {
        if (!_sinceStart.IsRunning) _sinceStart.Start();
        var item = _messages.Begin();
        var turn = _slots.Add(ready);
        var task = Task.Run(async () =>
        {
            PipelineMessages.BelongTo(item);
            try
            {
                try
                {
                    await turn.Given.WaitAsync(_stop).ConfigureAwait(false);
                    var results = await work(_stop).ConfigureAwait(false);
                    _messages.Post(() => { foreach (var result in results) _writer.Object(result); });
                }
                finally
                {
                    _slots.Finish(turn);
                }
            }
            catch (Exception e)
            {
                _messages.Post(() => Fail(e, target));
            }
            finally
            {
                _messages.Finish(item);
                Interlocked.Increment(ref _done);
                _messages.PostNow(ReportProgress);
            }
        });
        lock (_running) _running.Add(task);
        _messages.Drain();
    }

    /// <summary>An item that failed before any work: its error is written in its place.</summary>
    public void EnqueueFailure(object target, Exception error) => Enqueue(target, _ => Task.FromException<IEnumerable<object>>(error));

    /// <summary>
    /// Says that every item has been enqueued (e.g. after listing them), so progress shows a percentage and an estimate
    /// before the cmdlet's input ends.
    /// </summary>
    public void TotalKnown() => _totalKnown = true;

    /// <summary>Waits for a task on the pipeline thread while writing the results that arrive meanwhile.</summary>
    public T WaitWritingResults<T>(Task<T> task)
    {
        _messages.DrainUntil(task, _stop);
        return task.GetAwaiter().GetResult();
    }

    /// <inheritdoc cref="WaitWritingResults{T}(Task{T})"/>
    public T WaitWritingResults<T>(ValueTask<T> task) => task.IsCompleted ? task.GetAwaiter().GetResult() : WaitWritingResults(task.AsTask());

    /// <summary>The input has ended: writes every answer as it comes, then ends the progress bar.</summary>
    public void End()
    {
        _totalKnown = true;
        _messages.DrainUntil(WhenAllRunning(), _stop);
        if (_progressShown)
            _writer.Progress(new ProgressRecord(1, _activity, "Done") { RecordType = ProgressRecordType.Completed });
    }

    /// <summary>
    /// Ctrl+C (after the stop token was cancelled): every wait in the work observes the token, so this returns within
    /// milliseconds; the bound keeps Ctrl+C prompt even if one does not. After it, no work of this run calls AWS any more.
    /// </summary>
    public void Stop()
    {
        try
        {
            WhenAllRunning().Wait(StopGrace);
        }
        catch (AggregateException)
        {
            // The items' own failures were posted as errors; a stopped run does not write them.
        }
    }

    private void Fail(Exception error, object target)
    {
        if (error is AggregateException { InnerExceptions.Count: 1 } aggregate) error = aggregate.InnerException!;
        if (error is OperationCanceledException && _stop.IsCancellationRequested) return;
        _writer.Failure(error, target);
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
        if (total < 2) return;
        if (_sinceProgress.IsRunning && _sinceProgress.Elapsed < ProgressInterval && done < total)
        {
            // Too soon after the last report: shown when the interval is over, so a burst's last count is not lost.
            if (_progressDeferred) return;
            _progressDeferred = true;
            Task.Delay(ProgressInterval - _sinceProgress.Elapsed).ContinueWith(_ => _messages.PostNow(() =>
            {
                _progressDeferred = false;
                ReportProgress();
            }), TaskScheduler.Default);
            return;
        }
        _sinceProgress.Restart();
        _progressShown = true;
        var record = _totalKnown
            ? new ProgressRecord(1, _activity, $"{done} of {total}") { PercentComplete = (int)(100.0 * done / total) }
            : new ProgressRecord(1, _activity, $"{done} done, {total} so far");
        if (_totalKnown && done > 0 && done < total)
        {
            // The rate so far, over the whole run: items are alike enough and quotas keep it steady.
            var perItem = _sinceStart.Elapsed.TotalSeconds / done;
            record.SecondsRemaining = (int)Math.Ceiling(perItem * (total - done));
        }
        _writer.Progress(record);
    }
}
