using RotationTroubleshooter.Text;
namespace RotationTroubleshooter;

/// <summary>Done: changed (or found already so); WouldChange: -WhatIf; Failed: not changed, see Error; NotRepairable: a change for a person.</summary>
public enum RepairStatus : long { Done, WouldChange, Failed, NotRepairable } // long: ConvertTo-Json writes it by name (see FindingSeverity)

/// <summary>What Repair-SecretRotation did, would do, or cannot do about one finding of one secret. Text cleaned as given (OutputText).</summary>
public sealed record RepairAction
{
    public required string SecretArn { get; init => field = OutputText.Of(value); }
    public required string SecretName { get; init => field = OutputText.Of(value); }
    /// <summary>The finding id the action answers, e.g. <c>PendingVersionStuck</c>.</summary>
    public required string CheckId { get; init => field = OutputText.Id(value); }
    /// <summary>What the finding says is wrong.</summary>
    public required string Message { get; init => field = OutputText.Of(value); }
    /// <summary>The resource changed: the secret's or the rotation function's ARN.</summary>
    public required string Target { get; init => field = OutputText.Of(value); }
    /// <summary>The change, one sentence naming the resource; null for NotRepairable.</summary>
    public string? Change { get; init => field = OutputText.OfOrNull(value); }
    /// <summary>The state the change replaces, e.g. <c>Timeout 3 s</c>; never a secret value.</summary>
    public string? Before { get; init => field = OutputText.OfOrNull(value); }
    /// <summary>The state after the change (for WouldChange, the state it would leave).</summary>
    public string? After { get; init => field = OutputText.OfOrNull(value); }
    public RepairStatus Status { get; init; }
    /// <summary>Why a change failed.</summary>
    public string? Error { get; init => field = OutputText.OfOrNull(value); }
    /// <summary>What to do by hand: the finding's remediation for NotRepairable and Failed.</summary>
    public string? Remediation { get; init => field = OutputText.OfOrNull(value); }

    public override string ToString() => $"{SecretName} {CheckId}: {Status}";
}
