using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>The function's timeout leaves room for the templates' connection attempts.</summary>
internal sealed class FunctionTimeoutCheck : RotationCheck
{
    public override string Description => "the function's timeout is at least 30 s (5 s connects, TLS then plain, three sets of credentials)";
    public override CheckArea Area => CheckArea.Function;
    public override IReadOnlyList<FindingDefinition> Findings { get; } = [FunctionFindings.FunctionTimeoutTooShort];
    public override IReadOnlyList<Input> Inputs { get; } = [FunctionInputs.Function];

    public override async Task RunAsync(CheckContext context, CancellationToken cancellation)
    {
        if (await context.GetAsync(FunctionInputs.Function, cancellation).ConfigureAwait(false) is not { Configuration: { Timeout: { } timeout } config }) return;
        if (timeout < FunctionFindings.MinimumTimeoutSeconds)
            context.Add(FunctionFindings.FunctionTimeoutTooShort.Raise([$"{config.FunctionName}: Timeout={timeout}"],
                $"The function times out after {timeout} s; the templates can need {FunctionFindings.MinimumTimeoutSeconds} s."));
    }
}
