using System.Text.RegularExpressions;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>AWS's templates read SECRETS_MANAGER_ENDPOINT; it must be set and name the secret's region.</summary>
internal sealed partial class SecretsManagerEndpointCheck : RotationCheck
{
    public static readonly FindingDefinition SecretsManagerEndpointVariableMissing = new(nameof(SecretsManagerEndpointVariableMissing), FindingSeverity.Warning,
        "The function has no SECRETS_MANAGER_ENDPOINT variable; AWS's rotation templates read it.",
        "Set SECRETS_MANAGER_ENDPOINT=https://secretsmanager.<region>.amazonaws.com (or your VPC endpoint's DNS name).",
        AwsDocs.RotationTemplates);

    public static readonly FindingDefinition SecretsManagerEndpointVariableWrongRegion = new(nameof(SecretsManagerEndpointVariableWrongRegion), FindingSeverity.Error,
        "SECRETS_MANAGER_ENDPOINT names another region than the secret's.",
        "Set SECRETS_MANAGER_ENDPOINT=https://secretsmanager.<the secret's region>.amazonaws.com.",
        AwsDocs.RotationTemplates);

    public override string Id => SecretsManagerEndpointVariableMissing.Id;
    public override string Description => "the templates' `SECRETS_MANAGER_ENDPOINT` is set and names the secret's region";
    public override CheckArea Area => CheckArea.Function;
    public override IReadOnlyList<FindingDefinition> Findings => [SecretsManagerEndpointVariableMissing, SecretsManagerEndpointVariableWrongRegion];
    public override IReadOnlyList<string> Permissions => ["lambda:GetFunction"];

    public override async Task RunAsync(DiagnosisContext context, CancellationToken cancellation)
    {
        if (await context.FunctionAsync(cancellation).ConfigureAwait(false) is not { } function) return;
        var name = function.Configuration.FunctionName ?? context.Secret.RotationLambdaARN;
        var variables = function.Configuration.Environment?.Variables ?? [];
        if (!variables.TryGetValue("SECRETS_MANAGER_ENDPOINT", out var endpoint) || string.IsNullOrWhiteSpace(endpoint))
        {
            context.Add(this, SecretsManagerEndpointVariableMissing.Raise(
                [$"{name}: environment variables {(variables.Count == 0 ? "(none)" : string.Join(", ", variables.Keys))}"],
                remediation: $"Set SECRETS_MANAGER_ENDPOINT=https://secretsmanager.{context.RegionName}.amazonaws.com (or your VPC endpoint's DNS name)."));
            return;
        }
        if (AwsArn.RegionOf(context.Secret.ARN ?? "") is { } region && !endpoint.Contains(region, StringComparison.OrdinalIgnoreCase)
            && EndpointRegion().Match(endpoint) is { Success: true } m)
            context.Add(this, SecretsManagerEndpointVariableWrongRegion.Raise([$"{name}: SECRETS_MANAGER_ENDPOINT={endpoint}"],
                $"SECRETS_MANAGER_ENDPOINT names region {m.Groups[1].Value}, but the secret is in {region}.",
                $"Set SECRETS_MANAGER_ENDPOINT=https://secretsmanager.{region}.amazonaws.com."));
    }

    [GeneratedRegex(@"secretsmanager\.([a-z]{2}(?:-[a-z]+)+-\d+)\.", RegexOptions.IgnoreCase)]
    private static partial Regex EndpointRegion();
}
