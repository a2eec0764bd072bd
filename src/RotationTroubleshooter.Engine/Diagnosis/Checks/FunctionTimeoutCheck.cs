namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>The function's timeout leaves room for the templates' connection attempts.</summary>
internal sealed class FunctionTimeoutCheck : RotationCheck
{
    /// <summary>Each database connect waits up to 5 s, tries TLS then plain, and setSecret tries three sets of credentials.</summary>
    public const int MinimumTimeoutSeconds = 30;

    public static readonly FindingDefinition FunctionTimeoutTooShort = new(nameof(FunctionTimeoutTooShort), FindingSeverity.Warning,
        $"The function's timeout is under the {MinimumTimeoutSeconds} s AWS's templates can need.",
        $"Raise the timeout to at least {MinimumTimeoutSeconds} s (Update-LMFunctionConfiguration -Timeout {MinimumTimeoutSeconds}): each database connect waits up to 5 s, " +
        "tries TLS then plain, and setSecret tries the pending, current and previous credentials.",
        AwsDocs.RotationTroubleshooting);

    public override string Id => FunctionTimeoutTooShort.Id;
    public override string Description => "the function's timeout is at least 30 s (5 s connects, TLS then plain, three sets of credentials)";
    public override CheckArea Area => CheckArea.Function;
    public override IReadOnlyList<FindingDefinition> Findings { get; } = [FunctionTimeoutTooShort];
    public override IReadOnlyList<string> Permissions { get; } = ["lambda:GetFunction"];

    public override async Task RunAsync(DiagnosisContext context, CancellationToken cancellation)
    {
        if (await context.FunctionAsync(cancellation).ConfigureAwait(false) is not { Configuration: { Timeout: { } timeout } config }) return;
        if (timeout < MinimumTimeoutSeconds)
            context.Add(this, FunctionTimeoutTooShort.Raise([$"{config.FunctionName}: Timeout={timeout}"],
                $"The function times out after {timeout} s; the templates can need {MinimumTimeoutSeconds} s."));
    }
}
