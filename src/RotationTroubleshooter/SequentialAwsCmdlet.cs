using System.Management.Automation;

namespace RotationTroubleshooter.Commands;

/// <summary>
/// Base of the cmdlets that change AWS: one item at a time on the pipeline thread, since each change is confirmed
/// (ShouldProcess) before it is made, and a Ctrl+C leaves no request in flight once the cmdlet has stopped.
/// </summary>
public abstract class SequentialAwsCmdlet : AwsCmdlet
{
    /// <summary>How long Stop waits for the request in flight to notice the cancellation (it normally takes milliseconds).</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(1);

    private Task? _running;

    /// <summary>Waits for engine work, writing the messages it posts meanwhile (verbose, progress); throws when the run is stopped.</summary>
    protected T Await<T>(Task<T> work)
    {
        _running = work;
        Messages.DrainUntil(work, StopToken);
        if (StopToken.IsCancellationRequested) throw new PipelineStoppedException();
        return work.GetAwaiter().GetResult();
    }

    protected override void StopProcessing()
    {
        base.StopProcessing();
        try
        {
            _running?.Wait(StopGrace);
        }
        catch (AggregateException)
        {
            // The work was cancelled; a stopped run writes nothing more.
        }
    }

    /// <summary>
    /// Asks before a change (the sentence names the resource and the change). Null under -WhatIf, where the change is only
    /// described; false when the user declined.
    /// </summary>
    protected bool? Confirm(string change, string caption)
    {
        if (ShouldProcess(change, $"{change}{Environment.NewLine}Make this change?", caption, out var reason)) return true;
        return reason == ShouldProcessReason.WhatIf ? null : false;
    }
}
