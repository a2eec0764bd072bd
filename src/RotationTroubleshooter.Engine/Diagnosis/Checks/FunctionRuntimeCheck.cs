using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>The function's Lambda runtime is still supported (<see cref="LambdaRuntimes"/>).</summary>
internal sealed class FunctionRuntimeCheck : RotationCheck
{
    public static readonly FindingDefinition FunctionRuntimeDeprecated = new(nameof(FunctionRuntimeDeprecated), FindingSeverity.Warning,
        "The function's Lambda runtime is deprecated; Lambda will block updates to it.",
        "Redeploy the rotation function from the current template (it uses a supported runtime).",
        AwsDocs.LambdaRuntimes);

    public override string Description => "the function's Lambda runtime is not past its deprecation date";
    public override CheckArea Area => CheckArea.Function;
    public override IReadOnlyList<FindingDefinition> Findings { get; } = [FunctionRuntimeDeprecated];
    public override IReadOnlyList<Input> Inputs { get; } = [FunctionInputs.Function];

    public override async Task RunAsync(CheckContext context, CancellationToken cancellation)
    {
        if (await context.GetAsync(FunctionInputs.Function, cancellation).ConfigureAwait(false) is not { } function) return;
        var config = function.Configuration;
        if (LambdaRuntimes.DeprecatedOn(config.Runtime, DateOnly.FromDateTime(context.Options.Now)) is { } deprecated)
            context.Add(FunctionRuntimeDeprecated.Raise([$"{config.FunctionName}: Runtime={config.Runtime}"],
                $"The function's runtime {config.Runtime} was deprecated on {deprecated:yyyy-MM-dd}; Lambda will block updates to it."));
    }
}
