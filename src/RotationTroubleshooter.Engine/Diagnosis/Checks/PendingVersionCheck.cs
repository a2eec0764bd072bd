using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>No AWSPENDING label is left over from a rotation that did not finish, and since when it is there.</summary>
internal sealed class PendingVersionCheck : RotationCheck
{
    public override string Id => RotationSymptoms.PendingVersionStuck.Id;
    public override string Description => "no `AWSPENDING` label is left on a version that is not `AWSCURRENT` (and since when)";
    public override CheckArea Area => CheckArea.Configuration;
    public override IReadOnlyList<FindingDefinition> Findings { get; } = [RotationSymptoms.PendingVersionStuck];
    public override IReadOnlyList<string> Permissions { get; } = ["secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds"];
    public override CheckTarget Target => CheckTarget.Rotation;

    public override async Task RunAsync(DiagnosisContext context, CancellationToken cancellation)
    {
        var stuck = context.Secret.StuckPendingVersions.ToList();
        if (stuck.Count == 0) return;
        // ListSecretVersionIds only when something is stuck: it says since when.
        var created = new Dictionary<string, DateTime>();
        AwsServiceException? undated = null;
        try
        {
            await foreach (var version in context.SecretVersionsAsync(cancellation).ConfigureAwait(false))
                if (version.VersionId is { } id && stuck.Contains(id) && version.CreatedDate is { } date) created[id] = date;
        }
        catch (AwsServiceException e) when (RotationDiagnostician.CannotRun(e))
        {
            undated = e;
        }
        foreach (var version in stuck)
        {
            var evidence = new List<string> { $"Version {version} has stages {string.Join(", ", context.Secret.Stages![version])}" };
            if (created.TryGetValue(version, out var date))
                evidence.Add($"Version {version} was created {date:yyyy-MM-dd HH:mm}Z ({Math.Max(0, (context.Options.Now - date).TotalDays):0} days ago)");
            context.Add(this, RotationSymptoms.PendingVersionStuck.Raise(evidence, remediation: context.HasManagedRotation
                ? $"The last rotation {context.Secret.Owner} started did not finish: fix what the diagnosis's other findings name (the owner's status and events), " +
                  $"then rotate again: {ManagedRotationCheck.RotateCommand(context)}."
                : "Find why the last rotation stopped (Get-RotationFunctionLog), fix it, then remove the label: " +
                  $"Update-SECSecretVersionStage -SecretId '{context.SecretName}' -VersionStage AWSPENDING -RemoveFromVersionId {version}, and rotate again."));
        }
        // The stuck label is known from DescribeSecret; the diagnosis also says why its age is missing.
        if (undated != null) throw undated;
    }
}
