using System.Management.Automation;

namespace RotationTroubleshooter.Commands;

/// <summary>Something a cmdlet composes whose run ends with the cmdlet's (EndProcessing) or is stopped with it (Ctrl+C).</summary>
public interface IRunPart
{
    /// <summary>The input has ended (EndProcessing, on the pipeline thread).</summary>
    void End();

    /// <summary>The run was stopped (StopProcessing, on another thread, after the stop token was cancelled).</summary>
    void Stop();
}

/// <summary>
/// The part the cmdlets that change AWS hold: one item at a time on the pipeline thread, since each change is confirmed
/// (ShouldProcess) before it is made, and a Ctrl+C leaves no request in flight once the cmdlet has stopped.
/// </summary>
public sealed class OneAtATime(PipelineMessages messages, CancellationToken stop) : IRunPart
{
    /// <summary>How long Stop waits for the request in flight to notice the cancellation (it normally takes milliseconds).</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(1);

    private Task? _running;

    /// <summary>Waits for engine work, writing the messages it posts meanwhile (verbose, progress); throws when the run is stopped.</summary>
    public T Await<T>(Task<T> work)
    {
        _running = work;
        messages.DrainUntil(work, stop);
        if (stop.IsCancellationRequested) throw new PipelineStoppedException();
        return work.GetAwaiter().GetResult();
    }

    public void End() => messages.Drain();

    public void Stop()
    {
        try
        {
            _running?.Wait(StopGrace);
        }
        catch (AggregateException)
        {
            // The work was cancelled; a stopped run writes nothing more.
        }
    }
}
