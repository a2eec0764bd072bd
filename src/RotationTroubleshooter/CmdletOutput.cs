#pragma warning disable RS0030 // The one place that calls PowerShell's writers (BannedSymbols.txt).
using System.Diagnostics.CodeAnalysis;
using System.Management.Automation;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Commands;

/// <summary>What the concurrent part writes through, on the pipeline thread.</summary>
public interface IItemWriter
{
    void Object(object? value);

    void Failure(Exception error, object? target);

    void Progress(ProgressRecord record);
}

/// <summary>
/// The one way this module's cmdlets write to PowerShell: results, verbose, debug, warning, errors, progress and the
/// text of confirmation prompts. Output objects leave as they are (their types clean their own text where it enters
/// them: <see cref="OutputText"/>); every message, error and prompt leaves with the run's secret values masked and
/// control characters made visible. The compiler refuses PowerShell's own writers anywhere else in this assembly
/// (BannedSymbols.txt), so no call path skips this.
/// </summary>
public sealed class CmdletOutput(Cmdlet cmdlet, SecretMask mask) : IItemWriter
{
    /// <summary>False when verbose lines would not be shown: they are then not written (nor need building).</summary>
    public bool VerboseShown { get; set; } = true;

    public void Object(object? value) => cmdlet.WriteObject(value is string text ? Clean(text) : value);

    public void Verbose(string text)
    {
        if (VerboseShown) cmdlet.WriteVerbose(Clean(text));
    }

    public void Debug(string text) => cmdlet.WriteDebug(Clean(text));

    public void Warning(string text) => cmdlet.WriteWarning(Clean(text));

    public void Progress(ProgressRecord record)
    {
        record.Activity = Clean(record.Activity);
        record.StatusDescription = Clean(record.StatusDescription);
        if (record.CurrentOperation is { } operation) record.CurrentOperation = Clean(operation);
        cmdlet.WriteProgress(record);
    }

    /// <summary>A failure for one item: a non-terminating error with a stable id; the pipeline goes on.</summary>
    public void Failure(Exception error, object? target) => cmdlet.WriteError(ErrorRecordOf(error, target));

    /// <summary>A failure that stops the command (it would fail every item).</summary>
    [DoesNotReturn]
    public void Stop(Exception error, object? target)
    {
        cmdlet.ThrowTerminatingError(ErrorRecordOf(error, target));
        throw new InvalidOperationException("ThrowTerminatingError returned."); // not reached: it throws
    }

    /// <summary>
    /// Asks before a change (the sentence names the resource and the change). Null under -WhatIf, where the change is only
    /// described; false when the user declined.
    /// </summary>
    public bool? Confirm(string change, string caption)
    {
        change = Clean(change);
        if (cmdlet.ShouldProcess(change, $"{change}{Environment.NewLine}Make this change?", Clean(caption), out var reason)) return true;
        return reason == ShouldProcessReason.WhatIf ? null : false;
    }

    /// <summary>
    /// The error record for a failure: an engine failure keeps its stable id and category; anything else is
    /// UnexpectedError. The message is clean (an engine exception's was cleaned when it was made; values read since are
    /// masked here), and so is a target given as text.
    /// </summary>
    public ErrorRecord ErrorRecordOf(Exception error, object? target)
    {
        if (error is AggregateException { InnerExceptions.Count: 1 } aggregate) error = aggregate.InnerException!;
        error = OutputText.Error(error, mask);
        var shown = target is string text ? Clean(text) : target;
        return error switch
        {
            TroubleshooterException t => new ErrorRecord(t, t.ErrorId, CategoryOf(t.Category), shown),
            _ => new ErrorRecord(error, ErrorIds.UnexpectedError, ErrorCategory.NotSpecified, shown),
        };
    }

    private string Clean(string text) => OutputText.Of(text, mask);

    private static ErrorCategory CategoryOf(FailureCategory category) => category switch
    {
        FailureCategory.NotFound => ErrorCategory.ObjectNotFound,
        FailureCategory.PermissionDenied => ErrorCategory.PermissionDenied,
        FailureCategory.InvalidArgument => ErrorCategory.InvalidArgument,
        FailureCategory.InvalidData => ErrorCategory.InvalidData,
        FailureCategory.Unavailable => ErrorCategory.ResourceUnavailable,
        FailureCategory.LimitsExceeded => ErrorCategory.LimitsExceeded,
        FailureCategory.Authentication => ErrorCategory.AuthenticationError,
        FailureCategory.InvalidOperation => ErrorCategory.InvalidOperation,
        FailureCategory.Timeout => ErrorCategory.OperationTimeout,
        _ => ErrorCategory.NotSpecified,
    };
}
