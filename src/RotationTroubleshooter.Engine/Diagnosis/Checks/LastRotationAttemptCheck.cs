using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>The newest rotation attempt in the function's CloudWatch logs and its symptom, as Get-RotationFunctionLog reads it.</summary>
internal sealed class LastRotationAttemptCheck : RotationCheck
{
    public override string Description => "the newest rotation attempt in the function's CloudWatch logs and its symptom, as `Get-RotationFunctionLog` reads them";
    public override CheckArea Area => CheckArea.Logs;
    public override IReadOnlyList<FindingDefinition> Findings { get; } = RotationSymptoms.All;
    public override IReadOnlyList<Input> Inputs { get; } = [FunctionInputs.LatestAttempt];

    public override async Task RunAsync(CheckContext context, CancellationToken cancellation)
    {
        if (await context.GetAsync(FunctionInputs.LatestAttempt, cancellation).ConfigureAwait(false) is { } attempt && FindingOf(attempt) is { } finding)
            context.Add(finding);
    }

    /// <summary>The attempt's symptom as a finding; null while in progress with no failure yet.</summary>
    internal static Finding? FindingOf(RotationAttempt attempt)
    {
        if (attempt.Symptom is null) return null;
        var severity = attempt.Outcome switch
        {
            RotationAttemptOutcome.Succeeded => FindingSeverity.Info,
            RotationAttemptOutcome.InProgress => FindingSeverity.Warning,
            _ => FindingSeverity.Error,
        };
        var message = attempt.Outcome == RotationAttemptOutcome.Succeeded
            ? $"Rotation of version {attempt.VersionId ?? "(unknown)"} succeeded at {attempt.EndTime:u}."
            : $"Rotation {attempt.Outcome} in {attempt.FailedStep ?? "an unknown step"} at {attempt.StartTime:u}: {attempt.Symptom}.";
        var definition = RotationSymptoms.Of(attempt.Symptom) ?? RotationSymptoms.Unknown;
        return new Finding(attempt.Symptom, severity, message, attempt.Evidence, attempt.Remediation ?? definition.Remediation, definition.HelpUri);
    }
}
