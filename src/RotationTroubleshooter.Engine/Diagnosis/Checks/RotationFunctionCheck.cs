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

    public override string Id => RotationFunctionMissing.Id;
    public override string Description => "the rotation function exists and is `Active`";
    public override CheckArea Area => CheckArea.Function;
    public override IReadOnlyList<FindingDefinition> Findings { get; } = [RotationFunctionMissing, RotationFunctionNotActive];
    public override IReadOnlyList<string> Permissions { get; } = ["lambda:GetFunction"];

    public override async Task RunAsync(DiagnosisContext context, CancellationToken cancellation)
    {
        if (await context.FunctionAsync(cancellation).ConfigureAwait(false) is not { } function)
        {
            if (context.FunctionMissing is { } missing)
                context.Add(this, RotationFunctionMissing.Raise([$"RotationLambdaARN={context.Secret.RotationLambdaARN}", missing.Message]));
            return;
        }
        var config = function.Configuration;
        if ((config.State != null && config.State != "Active") || config.LastUpdateStatus == "Failed")
            context.Add(this, RotationFunctionNotActive.Raise(
                [$"{config.FunctionName ?? context.Secret.RotationLambdaARN}: {config.StateReason ?? config.LastUpdateStatusReason ?? "no reason given"}"],
                $"The rotation function is not active (State {config.State ?? "?"}, LastUpdateStatus {config.LastUpdateStatus ?? "?"})."));
    }
}
