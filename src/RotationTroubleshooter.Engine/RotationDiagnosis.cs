using RotationTroubleshooter.Text;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter;

public enum RotationStatus : long { Healthy, Warning, Failing, NotConfigured, Unknown } // long: ConvertTo-Json writes it by name (see FindingSeverity)

/// <summary>
/// One secret's rotation, diagnosed: the status, and every finding with its evidence and remediation. Its text is cleaned
/// as it is given (<see cref="OutputText"/>); its findings and causes are masked again with what the run read meanwhile,
/// since a check's finding may predate a value another check read at the same time.
/// </summary>
public sealed class RotationDiagnosis
{
    public required string SecretArn { get; init => field = OutputText.Of(value); }
    public required string Name { get; init => field = OutputText.Of(value); }

    /// <summary>The account the secret is in: its ARN's unless the run says otherwise; null when neither tells.</summary>
    public string? AccountId { get => _accountId ?? AwsArn.LocationOf(SecretArn).AccountId; init => _accountId = OutputText.OfOrNull(value); }
    private readonly string? _accountId;

    /// <summary>The region the secret is in: its ARN's, else the session's that diagnosed it.</summary>
    public string? Region { get => _region ?? AwsArn.LocationOf(SecretArn).Region; init => _region = OutputText.OfOrNull(value); }
    private readonly string? _region;
    public RotationStatus Status { get; init; }
    public bool RotationEnabled { get; init; }
    public string? RotationFunctionArn { get; init => field = OutputText.OfOrNull(value); }
    /// <summary>The AWS service that owns the secret (e.g. rds); with no rotation function, it rotates the secret itself (managed rotation).</summary>
    public string? OwningService { get; init => field = OutputText.OfOrNull(value); }
    public DateTime? LastRotatedDate { get; init; }
    public DateTime? NextRotationDate { get; init; }
    /// <summary>In an export: "Error DatabaseUnreachable; Warning FunctionRuntimeDeprecated".</summary>
    public IReadOnlyList<Finding> Findings { get; init => field = Readable.Findings(value?.Select(f => f.Masked())); } = Readable.Findings([]);

    /// <summary>The newest rotation attempt's symptom in the function's logs (a finding id); null when none failed.</summary>
    public string? Symptom { get; init => field = OutputText.IdOrNull(value); }

    /// <summary>The id of the cause the evidence confirms for <see cref="Symptom"/>; null when healthy or undetermined.</summary>
    public string? Cause { get; init => field = OutputText.IdOrNull(value); }

    /// <summary>
    /// Every cause AWS's guide gives for the symptom, each with its verdict and evidence, the likeliest first. In an
    /// export: "Confirmed DatabaseSecurityGroupBlocksFunction; RuledOut ...".
    /// </summary>
    public IReadOnlyList<CauseAssessment> Causes { get; init => field = Readable.Items(value?.Select(c => c.Masked())); } = Readable.Items<CauseAssessment>([]);

    public int ErrorCount => Findings.Count(f => f.Severity == FindingSeverity.Error);
    public int WarningCount => Findings.Count(f => f.Severity == FindingSeverity.Warning);

    /// <summary>
    /// The first Error finding's message, else the first Warning's: what to look at first. A failing rotation whose cause
    /// the evidence does not decide names the one command that would.
    /// </summary>
    public string? Summary => (Findings.FirstOrDefault(f => f.Severity == FindingSeverity.Error)
                               ?? Findings.FirstOrDefault(f => f.Severity == FindingSeverity.Warning))?.Message
                              + (Status == RotationStatus.Failing && Cause is null ? Unsettled : "");

    /// <summary>Why a failing rotation has no cause: the command of the likeliest cause left undecided, or that the evidence rules out every one.</summary>
    private string Unsettled =>
        Causes.FirstOrDefault(c => c.Verdict is CauseVerdict.Likely or CauseVerdict.Undetermined && c.Command is not null)?.Command is { } command
            ? $" To settle the cause: {command}"
            : Causes.Count > 0 && Causes.All(c => c.Verdict == CauseVerdict.RuledOut)
                ? $" The evidence rules out every cause AWS's guide gives for {Symptom}: read the failed attempt's own log lines for what else stopped it: Get-RotationFunctionLog -SecretId '{Name}'"
                : "";

    public override string ToString() => $"{Name}: {Status}";
}
