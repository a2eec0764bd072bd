using System.Diagnostics;
using System.Management.Automation;

namespace RotationTroubleshooter.Commands;

/// <summary>
/// A cmdlet that works on many pipeline items at once (up to -ThrottleLimit), writing each answer on the pipeline
/// thread in input order (an answer waits only for those before it), with progress, and stopping promptly on Ctrl+C with
/// no work left running. An item may say when it is ready to be worked on (what it shares with other items has been read
/// ahead); until then it holds no slot, and later items that are ready go first.
/// </summary>
public abstract class ConcurrentAwsCmdlet : AwsCmdlet
{
    /// <summary>How long Stop waits for in-flight work to notice the cancellation (it normally takes milliseconds).</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    private readonly List<Task> _running = [];
    private readonly Stopwatch _sinceProgress = new();
    private readonly Stopwatch _sinceStart = new();
    private Slots? _slots;
    private int _done;
    private bool _totalKnown;
    private bool _progressShown;
    private bool _progressDeferred;

    /// <summary>How many items are worked on at the same time.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 8;

    /// <summary>The activity shown by Write-Progress, e.g. "Dating rotation functions".</summary>
    protected abstract string Activity { get; }

    /// <summary>
    /// Starts work on one item once <paramref name="ready"/> has completed (however); its results, failure and verbose
    /// lines (whatever its work posts to <see cref="AwsCmdlet.Messages"/>) are written after those of the items enqueued
    /// before it.
    /// </summary>
    protected void Enqueue(object target, Func<CancellationToken, Task<IEnumerable<object>>> work, Task? ready = null)
    {
        _slots ??= new Slots(ThrottleLimit);
        if (!_sinceStart.IsRunning) _sinceStart.Start();
        var slots = _slots;
        var item = Messages.Begin();
        var turn = slots.Add(ready);
        var task = Task.Run(async () =>
        {
            PipelineMessages.BelongTo(item);
            try
            {
                try
                {
                    await turn.Given.WaitAsync(StopToken).ConfigureAwait(false);
                    var results = await work(StopToken).ConfigureAwait(false);
                    Messages.Post(() => { foreach (var result in results) WriteObject(result); });
                }
                finally
                {
                    slots.Finish(turn);
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

    /// <summary>
    /// The -ThrottleLimit slots. They go to the earliest item that is ready (items are numbered in input order, so an
    /// early item never waits behind later ones that are not ready either), and to no item more than
    /// <see cref="LookAhead"/> past the earliest unfinished one: results wait to be written in input order, and this
    /// bounds how many wait.
    /// </summary>
    private sealed class Slots(int count)
    {
        /// <summary>A diagnosis is a few kilobytes: a thousand waiting results are a few megabytes.</summary>
        private const int LookAhead = 1000;

        private readonly object _lock = new();
        private readonly LinkedList<Turn> _waiting = new();
        private readonly SortedSet<long> _unfinished = new();
        private int _free = count;
        private long _next;

        public sealed class Turn(long index, bool ready)
        {
            private readonly TaskCompletionSource _given = new(TaskCreationOptions.RunContinuationsAsynchronously);
            public long Index { get; } = index;
            public bool Ready { get; set; } = ready;
            public bool HasSlot { get; set; }
            public LinkedListNode<Turn>? Node { get; set; }
            public Task Given => _given.Task;
            public void Give() => _given.TrySetResult();
        }

        public Turn Add(Task? ready)
        {
            Turn turn;
            lock (_lock)
            {
                turn = new Turn(_next++, ready is null || ready.IsCompleted);
                turn.Node = _waiting.AddLast(turn);
                _unfinished.Add(turn.Index);
                Hand();
            }
            ready?.ContinueWith(_ =>
            {
                lock (_lock)
                {
                    turn.Ready = true;
                    Hand();
                }
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return turn;
        }

        /// <summary>The item is done, or stopped before its turn came.</summary>
        public void Finish(Turn turn)
        {
            lock (_lock)
            {
                if (turn.HasSlot) _free++;
                else if (turn.Node?.List is not null) _waiting.Remove(turn.Node);
                _unfinished.Remove(turn.Index);
                Hand();
            }
        }

        private void Hand()
        {
            if (_free == 0 || _unfinished.Count == 0) return;
            var limit = _unfinished.Min + LookAhead;
            for (var node = _waiting.First; node is not null && _free > 0 && node.Value.Index < limit;)
            {
                var next = node.Next;
                if (node.Value.Ready)
                {
                    _waiting.Remove(node);
                    _free--;
                    node.Value.HasSlot = true;
                    node.Value.Give();
                }
                node = next;
            }
        }
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
            Task.Delay(ProgressInterval - _sinceProgress.Elapsed).ContinueWith(_ => Messages.PostNow(() =>
            {
                _progressDeferred = false;
                ReportProgress();
            }), TaskScheduler.Default);
            return;
        }
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
