using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>The rotation function exists and Lambda can run it.</summary>
internal sealed class RotationFunctionCheck : RotationCheck
{
    public static readonly FindingDefinition RotationFunctionMissing = new(nameof(RotationFunctionMissing), FindingSeverity.Error,
        "The rotation function does not exist.",
        "Deploy the rotation function again (from its template) or point the secret at an existing function.",
        AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition RotationFunctionNotActive = new(nameof(RotationFunctionNotActive), FindingSeverity.Error,
        "The rotation function is not active.",
        "Fix the reason Lambda gives (Get-LMFunctionConfiguration), e.g. a deleted subnet, role or layer, then update the function.",
        AwsDocs.LambdaStates);

    public override string Description => "the rotation function exists and is `Active`";
    public override CheckArea Area => CheckArea.Function;
    public override IReadOnlyList<FindingDefinition> Findings { get; } = [RotationFunctionMissing, RotationFunctionNotActive];
    public override IReadOnlyList<Input> Inputs { get; } = [FunctionInputs.Function];

    public override async Task RunAsync(CheckContext context, CancellationToken cancellation)
    {
        LambdaFunction? function;
        try
        {
            function = await context.GetAsync(FunctionInputs.Function, cancellation).ConfigureAwait(false);
        }
        catch (EvidenceUnavailableException e) when (e.Missing)
        {
            context.Add(RotationFunctionMissing.Raise([$"RotationLambdaARN={context.Secret.RotationLambdaARN}", e.Failure.Message]));
            return;
        }
        if (function?.Configuration is not { } config) return;
        if ((config.State != null && config.State != "Active") || config.LastUpdateStatus == "Failed")
            context.Add(RotationFunctionNotActive.Raise(
                [$"{config.FunctionName ?? context.Secret.RotationLambdaARN}: {config.StateReason ?? config.LastUpdateStatusReason ?? "no reason given"}"],
                $"The rotation function is not active (State {config.State ?? "?"}, LastUpdateStatus {config.LastUpdateStatus ?? "?"})."));
    }
}
