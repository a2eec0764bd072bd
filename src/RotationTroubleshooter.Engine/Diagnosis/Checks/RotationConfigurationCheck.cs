namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>Rotation never configured, or configured and then turned off.</summary>
internal sealed class RotationConfigurationCheck : RotationCheck
{
    public static readonly FindingDefinition RotationNotConfigured = new(nameof(RotationNotConfigured), FindingSeverity.Info,
        "Rotation was never configured for this secret.",
        "Configure rotation (Invoke-SECSecretRotation -RotationLambdaARN ... or the console) if this secret should rotate.",
        AwsDocs.Rotation);

    public static readonly FindingDefinition RotationDisabled = new(nameof(RotationDisabled), FindingSeverity.Warning,
        "Rotation was configured, then turned off.",
        "Turn rotation back on (Invoke-SECSecretRotation) or remove the rotation configuration on purpose.",
        AwsDocs.RotationTroubleshooting);

    public override string Description => "rotation was never configured, or was configured and then turned off";
    public override CheckArea Area => CheckArea.Configuration;
    public override IReadOnlyList<FindingDefinition> Findings { get; } = [RotationNotConfigured, RotationDisabled];
    public override CheckTarget Target => CheckTarget.Secret;

    public override Task RunAsync(CheckContext context, CancellationToken cancellation)
    {
        var secret = context.Secret;
        if (context.HasManagedRotation) return Task.CompletedTask;
        if (string.IsNullOrEmpty(secret.RotationLambdaARN))
            context.Add(RotationNotConfigured.Raise(
                [$"DescribeSecret: RotationEnabled={secret.RotationEnabled?.ToString() ?? "absent"}, no RotationLambdaARN{(secret.Owner is { } owner ? $", OwningService={owner}" : "")}"],
                secret.Owner is { } by ? $"Rotation is not configured for this secret, which {by} owns." : null));
        else if (secret.RotationEnabled != true)
            context.Add(RotationDisabled.Raise([$"RotationEnabled=false, RotationLambdaARN={secret.RotationLambdaARN}"]));
        return Task.CompletedTask;
    }
}
