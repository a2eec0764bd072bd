using System.Text.RegularExpressions;
using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>A secret RDS rotates: the owning instance's or cluster's recent events say nothing failed about the secret or its password.</summary>
internal sealed partial class OwningServiceEventsCheck : RotationCheck
{
    private const int Days = DatabaseInputs.OwnerEventDays;
    private const int MaxEvidence = 10;

    public static readonly FindingDefinition OwningServiceReportedProblem = new(nameof(OwningServiceReportedProblem), FindingSeverity.Warning,
        $"RDS reported a failure about the secret or the master password in the last {Days} days.",
        "Read the events (Get-RDSEvent -SourceIdentifier <instance or cluster> -SourceType db-instance or db-cluster -Duration 20160) and fix what they name, " +
        "usually the secret's KMS key or a policy that keeps RDS from the secret.",
        AwsDocs.RdsEvents);

    public override string Description => $"secrets RDS rotates: the owning instance's or cluster's events of the last {Days} days report no failure about the secret or the password";
    public override CheckArea Area => CheckArea.OwningService;
    public override IReadOnlyList<FindingDefinition> Findings { get; } = [OwningServiceReportedProblem];
    public override IReadOnlyList<Input> Inputs { get; } = [DatabaseInputs.OwnerEvents];
    public override CheckTarget Target => CheckTarget.ManagedRotation;
    public override bool AppliesTo(DiagnosisContext context) => context.OwningResource is { IsRds: true };

    public override async Task RunAsync(CheckContext context, CancellationToken cancellation)
    {
        var resource = context.OwningResource!;
        var events = await context.GetAsync(DatabaseInputs.OwnerEvents, cancellation).ConfigureAwait(false) ?? [];
        var failures = events.Where(e => AboutTheSecret().IsMatch(e.Message) && SaysFailure().IsMatch(e.Message)).ToList();
        if (failures.Count == 0) return;
        context.Add(OwningServiceReportedProblem.Raise(
            [.. failures.Take(MaxEvidence).Select(e => $"{e.Date:yyyy-MM-dd HH:mm}Z {resource}: {e.Message}")],
            $"RDS reported {failures.Count} failure{(failures.Count == 1 ? "" : "s")} about the secret or the master password of the {resource} in the last {Days} days; the newest: {failures[0].Message}",
            $"Fix what the events name (usually the secret's KMS key, or a policy that keeps RDS from the secret); all of them: " +
            $"Get-RDSEvent -SourceIdentifier {resource.Identifier} -SourceType {resource.RdsSourceType} -Duration 20160."));
    }

    // RDS's event wording is not a contract: an event counts when it speaks of the secret or password and of a failure.
    [GeneratedRegex(@"secret|password|credential|\bKMS\b", RegexOptions.IgnoreCase)]
    private static partial Regex AboutTheSecret();

    [GeneratedRegex(@"fail|unable|could ?n[o']t|can ?n[o']t|error|denied|impaired|invalid|disabled|not (?:be )?(?:rotat|access)", RegexOptions.IgnoreCase)]
    private static partial Regex SaysFailure();
}
