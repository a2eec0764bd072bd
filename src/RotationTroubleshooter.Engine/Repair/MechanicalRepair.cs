using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Repair;

/// <summary>
/// One change that fixes a finding with no judgement left to a person. <see cref="ProposeAsync"/> reads the current state
/// afresh (never a secret value) and says what it would change, or null when the state is already as wanted; the
/// proposal's write uses what that read saw (a RevisionId), so a change made meanwhile by someone else is not overwritten.
/// The AWS behaviour the repairs rely on: docs/reference/rotation.md, "Changing a rotation".
/// </summary>
internal abstract class MechanicalRepair
{
    /// <summary>The finding ids this repair answers.</summary>
    public abstract IReadOnlyList<string> FindingIds { get; }

    /// <summary>Only with Repair-SecretRotation -IncludeRotationEnable.</summary>
    public virtual bool NeedsRotationEnable => false;

    public abstract Task<Proposal?> ProposeAsync(RepairSubject subject, CancellationToken cancellation);
}

/// <summary>The secret a repair is for, as the diagnosis named it, and the run's clients.</summary>
internal sealed record RepairSubject(AwsSession Session, string SecretArn, string SecretName, string? FunctionArn, SecretRepairer Repairer)
{
    public string Function => FunctionArn ?? throw new NotRepairableException("the diagnosis names no rotation function.");
}

/// <summary>
/// A change a repair would make: the resource, the sentence the user confirms, the state before and after, and the write
/// (returning the state after as AWS answered it).
/// </summary>
internal sealed record Proposal(string Target, string Change, string Before, string After, Func<CancellationToken, Task<string>> WriteAsync);

/// <summary>The finding names a state this repair cannot change safely; the message says why.</summary>
internal sealed class NotRepairableException(string reason) : TroubleshooterException(ErrorIds.RepairFailed, FailureCategory.InvalidOperation, reason);
