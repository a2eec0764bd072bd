using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Repair;

/// <summary>PendingVersionStuck: takes the AWSPENDING label off the version a rotation left behind (the version and its value stay).</summary>
internal sealed class PendingLabelRepair : MechanicalRepair
{
    private const string Pending = "AWSPENDING";

    public override IReadOnlyList<string> FindingIds => [RotationSymptoms.PendingVersionStuck.Id];

    public override async Task<Proposal?> ProposeAsync(RepairSubject subject, CancellationToken cancellation)
    {
        var client = subject.Session.SecretsManager;
        var secret = await client.DescribeSecretAsync(subject.SecretArn, cancellation).ConfigureAwait(false);
        // One label is on one version at most, so there is at most one.
        if (secret.StuckPendingVersions.FirstOrDefault() is not { } version) return null;
        var stages = secret.Stages![version];
        var remaining = stages.Where(s => s != Pending).ToList();
        return new Proposal(subject.SecretArn,
            $"Remove the {Pending} label from version {version} of secret {subject.SecretName}, left by a rotation that did not finish " +
            "(the version and its value stay, AWSCURRENT does not move).",
            $"{version}: {string.Join(", ", stages)}",
            $"{version}: {(remaining.Count == 0 ? "(no labels)" : string.Join(", ", remaining))}",
            async stop =>
            {
                await client.UpdateSecretVersionStageAsync(new UpdateSecretVersionStageRequest
                {
                    SecretId = subject.SecretArn, VersionStage = Pending, RemoveFromVersionId = version,
                }, stop).ConfigureAwait(false);
                var after = (await client.DescribeSecretAsync(subject.SecretArn, stop).ConfigureAwait(false)).Stages?.GetValueOrDefault(version) ?? [];
                return $"{version}: {(after.Count == 0 ? "(no labels)" : string.Join(", ", after))}";
            });
    }
}
