using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Network;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>The function's VPC path to Secrets Manager and to the database, as Test-RotationNetwork follows it.</summary>
internal sealed class NetworkPathCheck : RotationCheck
{
    public override string Description => "the function's VPC path to Secrets Manager and to the database, as `Test-RotationNetwork` follows it";
    public override CheckArea Area => CheckArea.Network;
    public override IReadOnlyList<FindingDefinition> Findings { get; } = NetworkFindings.All;
    public override IReadOnlyList<Input> Inputs { get; } = [NetworkInputs.Path];

    public override async Task RunAsync(CheckContext context, CancellationToken cancellation)
    {
        foreach (var finding in (await context.GetAsync(NetworkInputs.Path, cancellation).ConfigureAwait(false))?.Findings ?? [])
            context.Add(finding);
    }
}
