using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Diagnosis;

namespace RotationTroubleshooter.Repair;

/// <summary>FunctionTimeoutTooShort: raises the function's timeout to what AWS's templates can need.</summary>
internal sealed class FunctionTimeoutRepair : MechanicalRepair
{
    private const int Needed = FunctionFindings.MinimumTimeoutSeconds;

    public override IReadOnlyList<string> FindingIds => [FunctionFindings.FunctionTimeoutTooShort.Id];

    public override async Task<Proposal?> ProposeAsync(RepairSubject subject, CancellationToken cancellation)
    {
        var config = await subject.Repairer.SettledConfigurationAsync(subject.Function, cancellation).ConfigureAwait(false);
        if (config.Timeout is not { } timeout || timeout >= Needed) return null;
        var name = config.FunctionName ?? subject.Function;
        return new Proposal(config.FunctionArn ?? subject.Function,
            $"Raise the timeout of function {name} from {timeout} s to {Needed} s, what AWS's rotation templates can need " +
            "(5 s database connects, TLS then plain, three sets of credentials).",
            $"Timeout {timeout} s", $"Timeout {Needed} s",
            async stop =>
            {
                var updated = await subject.Session.Lambda.UpdateFunctionConfigurationAsync(name,
                    new UpdateFunctionConfigurationRequest { Timeout = Needed, RevisionId = config.RevisionId ?? "" }, stop).ConfigureAwait(false);
                return $"Timeout {updated.Timeout} s";
            });
    }
}
