using System.Collections.Concurrent;

namespace RotationTroubleshooter.Commands;

/// <summary>
/// PowerShell lets only the pipeline thread write output, errors, verbose and progress. Work on other threads posts
/// here; the cmdlet drains the queue on its own thread.
/// </summary>
public sealed class PipelineMessages
{
    private readonly BlockingCollection<Action> _queue = new();

    public void Post(Action write) => _queue.Add(write);

    /// <summary>Writes whatever is queued, without waiting.</summary>
    public void Drain()
    {
        while (_queue.TryTake(out var write)) write();
    }

    /// <summary>Writes queued messages until <paramref name="done"/> completes or the run is stopped.</summary>
    public void DrainUntil(Task done, CancellationToken stopping)
    {
        while (!done.IsCompleted && !stopping.IsCancellationRequested)
        {
            if (_queue.TryTake(out var write, 100)) write();
        }
        Drain();
    }
}
