using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>No AWSPENDING label is left over from a rotation that did not finish, and since when it is there.</summary>
internal sealed class PendingVersionCheck : RotationCheck
{
    public override string Description => "no `AWSPENDING` label is left on a version that is not `AWSCURRENT` (and since when)";
    public override CheckArea Area => CheckArea.Configuration;
    public override IReadOnlyList<FindingDefinition> Findings { get; } = [RotationSymptoms.PendingVersionStuck];
    // The stuck label is known from DescribeSecret; its versions' list says since when.
    public override IReadOnlyList<Input> OptionalInputs { get; } = [SecretInputs.Versions];
    public override CheckTarget Target => CheckTarget.Rotation;

    public override async Task RunAsync(CheckContext context, CancellationToken cancellation)
    {
        var stuck = context.Secret.StuckPendingVersions.ToList();
        if (stuck.Count == 0) return;
        // ListSecretVersionIds only when something is stuck.
        var created = (await context.TryGetAsync(SecretInputs.Versions, cancellation).ConfigureAwait(false) ?? [])
            .Where(v => v.VersionId is { } id && stuck.Contains(id) && v.CreatedDate is not null)
            .GroupBy(v => v.VersionId!).ToDictionary(g => g.Key, g => g.First().CreatedDate!.Value);
        foreach (var version in stuck)
        {
            var evidence = new List<string> { $"Version {version} has stages {string.Join(", ", context.Secret.Stages![version])}" };
            if (created.TryGetValue(version, out var date))
                evidence.Add($"Version {version} was created {date:yyyy-MM-dd HH:mm}Z ({Math.Max(0, (context.Options.Now - date).TotalDays):0} days ago)");
            context.Add(RotationSymptoms.PendingVersionStuck.Raise(evidence, remediation: context.HasManagedRotation
                ? $"The last rotation {context.Secret.Owner} started did not finish: fix what the diagnosis's other findings name (the owner's status and events), " +
                  $"then rotate again: {ManagedRotationCheck.RotateCommand(context)}."
                : "Find why the last rotation stopped (Get-RotationFunctionLog), fix it, then remove the label: " +
                  $"Update-SECSecretVersionStage -SecretId '{context.SecretName}' -VersionStage AWSPENDING -RemoveFromVersionId {version}, and rotate again."));
        }
    }
}
