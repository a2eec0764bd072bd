using System.Text.RegularExpressions;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Evidence;

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

    public override string Description => "the templates' `SECRETS_MANAGER_ENDPOINT` is set and names the secret's region";
    public override CheckArea Area => CheckArea.Function;
    public override IReadOnlyList<FindingDefinition> Findings { get; } = [SecretsManagerEndpointVariableMissing, SecretsManagerEndpointVariableWrongRegion];
    public override IReadOnlyList<Input> Inputs { get; } = [FunctionInputs.Function];

    public override async Task RunAsync(CheckContext context, CancellationToken cancellation)
    {
        if (await context.GetAsync(FunctionInputs.Function, cancellation).ConfigureAwait(false) is not { } function) return;
        var name = function.Configuration.FunctionName ?? context.Secret.RotationLambdaARN;
        var variables = function.Configuration.Environment?.Variables ?? [];
        switch (Judge(variables, context.Secret.ARN ?? ""))
        {
            case { Definition: var missing } when missing == SecretsManagerEndpointVariableMissing:
                context.Add(missing.Raise(
                    [$"{name}: environment variables {(variables.Count == 0 ? "(none)" : string.Join(", ", variables.Keys))}"],
                    remediation: $"Set SECRETS_MANAGER_ENDPOINT={EndpointFor(context.RegionName)} (or your VPC endpoint's DNS name)."));
                break;
            case { Definition: var wrong, NamedRegion: var named }:
                var region = AwsArn.RegionOf(context.Secret.ARN ?? "");
                context.Add(wrong.Raise([$"{name}: {Variable}={variables[Variable]}"],
                    $"{Variable} names region {named}, but the secret is in {region}.",
                    $"Set {Variable}={EndpointFor(region!)}."));
                break;
        }
    }

    /// <summary>The variable AWS's templates read the endpoint from.</summary>
    internal const string Variable = "SECRETS_MANAGER_ENDPOINT";

    /// <summary>
    /// What is wrong with a function's variables for rotating <paramref name="secretArn"/>: missing, or naming another
    /// region (with the region it names); null when nothing is.
    /// </summary>
    internal static (FindingDefinition Definition, string? NamedRegion)? Judge(IReadOnlyDictionary<string, string> variables, string secretArn)
    {
        if (!variables.TryGetValue(Variable, out var endpoint) || string.IsNullOrWhiteSpace(endpoint))
            return (SecretsManagerEndpointVariableMissing, null);
        if (AwsArn.RegionOf(secretArn) is { } region && !endpoint.Contains(region, StringComparison.OrdinalIgnoreCase)
            && EndpointRegion().Match(endpoint) is { Success: true } m)
            return (SecretsManagerEndpointVariableWrongRegion, m.Groups[1].Value);
        return null;
    }

    /// <summary>Secrets Manager's public endpoint in a region, as AWS's templates are deployed with it.</summary>
    internal static string EndpointFor(string region) =>
        $"https://secretsmanager.{region}.{Amazon.RegionEndpoint.GetBySystemName(region).PartitionDnsSuffix}";

    [GeneratedRegex(@"secretsmanager\.([a-z]{2}(?:-[a-z]+)+-\d+)\.", RegexOptions.IgnoreCase)]
    private static partial Regex EndpointRegion();
}
