using System.Diagnostics;
using System.Management.Automation;

namespace RotationTroubleshooter.Commands;

/// <summary>
/// A cmdlet that works on many pipeline items at once (up to -ThrottleLimit), writing each answer on the pipeline
/// thread as soon as it is known, with progress, and stopping promptly on Ctrl+C.
/// </summary>
public abstract class ConcurrentAwsCmdlet : AwsCmdlet
{
    private readonly List<Task> _running = [];
    private readonly Stopwatch _sinceProgress = Stopwatch.StartNew();
    private SemaphoreSlim? _slots;
    private int _done;
    private bool _inputComplete;

    /// <summary>How many items are worked on at the same time.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 8;

    /// <summary>The activity shown by Write-Progress, e.g. "Dating rotation functions".</summary>
    protected abstract string Activity { get; }

    /// <summary>Starts work on one item; its results and failure are written when they arrive.</summary>
    protected void Enqueue(object target, Func<CancellationToken, Task<IEnumerable<object>>> work)
    {
        _slots ??= new SemaphoreSlim(ThrottleLimit);
        var slots = _slots;
        _running.Add(Task.Run(async () =>
        {
            try
            {
                await slots.WaitAsync(StopToken).ConfigureAwait(false);
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
                Interlocked.Increment(ref _done);
                Messages.Post(ReportProgress);
            }
        }));
        Messages.Drain();
    }

    protected override void EndProcessing()
    {
        _inputComplete = true;
        Messages.DrainUntil(Task.WhenAll(_running), StopToken);
        if (_running.Count > 1)
            WriteProgress(new ProgressRecord(1, Activity, "Done") { RecordType = ProgressRecordType.Completed });
    }

    private void ReportProgress()
    {
        var total = _running.Count;
        if (total < 2 || (_sinceProgress.ElapsedMilliseconds < 250 && _done < total)) return;
        _sinceProgress.Restart();
        var record = new ProgressRecord(1, Activity, _inputComplete ? $"{_done} of {total}" : $"{_done} of {total} so far");
        if (_inputComplete) record.PercentComplete = (int)(100.0 * _done / total);
        WriteProgress(record);
    }
}
