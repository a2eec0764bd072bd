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

    public override string Id => RotationNotConfigured.Id;
    public override string Description => "rotation was never configured, or was configured and then turned off";
    public override CheckArea Area => CheckArea.Configuration;
    public override IReadOnlyList<FindingDefinition> Findings { get; } = [RotationNotConfigured, RotationDisabled];
    public override IReadOnlyList<string> Permissions { get; } = ["secretsmanager:DescribeSecret"];
    public override CheckTarget Target => CheckTarget.Secret;

    public override Task RunAsync(DiagnosisContext context, CancellationToken cancellation)
    {
        var secret = context.Secret;
        if (context.HasManagedRotation) return Task.CompletedTask;
        if (!context.HasRotationFunction)
            context.Add(this, RotationNotConfigured.Raise(
                [$"DescribeSecret: RotationEnabled={secret.RotationEnabled?.ToString() ?? "absent"}, no RotationLambdaARN{(secret.Owner is { } owner ? $", OwningService={owner}" : "")}"],
                secret.Owner is { } by ? $"Rotation is not configured for this secret, which {by} owns." : null));
        else if (secret.RotationEnabled != true)
            context.Add(this, RotationDisabled.Raise([$"RotationEnabled=false, RotationLambdaARN={secret.RotationLambdaARN}"]));
        return Task.CompletedTask;
    }
}
