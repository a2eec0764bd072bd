using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Diagnosis.Checks;

namespace RotationTroubleshooter.Repair;

/// <summary>
/// SecretsManagerEndpointVariableMissing / WrongRegion: sets SECRETS_MANAGER_ENDPOINT to the secret's region, as AWS's
/// templates are deployed, keeping every other variable: read, change one key, write back with the RevisionId read.
/// </summary>
internal sealed class EndpointVariableRepair : MechanicalRepair
{
    private const string Variable = SecretsManagerEndpointCheck.Variable;

    public override IReadOnlyList<string> FindingIds =>
        [SecretsManagerEndpointCheck.SecretsManagerEndpointVariableMissing.Id, SecretsManagerEndpointCheck.SecretsManagerEndpointVariableWrongRegion.Id];

    public override async Task<Proposal?> ProposeAsync(RepairSubject subject, CancellationToken cancellation)
    {
        var config = await subject.Repairer.SettledConfigurationAsync(subject.Function, cancellation).ConfigureAwait(false);
        var name = config.FunctionName ?? subject.Function;
        if (config.Environment?.Error is { } error)
            // Writing without the variables Lambda would not show would delete them.
            throw new TroubleshooterException(ErrorIds.FunctionEnvironmentUnreadable, FailureCategory.PermissionDenied,
                $"Lambda did not return the environment variables of function {name} ({error.ErrorCode}: {error.Message}); they are encrypted " +
                $"with {config.KMSKeyArn ?? "a customer managed key"}, which needs kms:Decrypt and kms:Encrypt. Nothing was changed.");
        var variables = config.Environment?.Variables ?? [];
        if (SecretsManagerEndpointCheck.Judge(variables, subject.SecretArn) is null) return null;
        var region = AwsArn.RegionOf(subject.SecretArn) ?? subject.Session.Connection.RegionName;
        var endpoint = SecretsManagerEndpointCheck.EndpointFor(region);
        var others = variables.Keys.Count(k => k != Variable);
        return new Proposal(config.FunctionArn ?? subject.Function,
            $"Set {Variable} of function {name} to {endpoint}, keeping its {others} other environment variable{(others == 1 ? "" : "s")}.",
            variables.TryGetValue(Variable, out var old) ? $"{Variable}={old}" : $"{Variable} not set",
            $"{Variable}={endpoint}",
            async stop =>
            {
                var changed = new Dictionary<string, string>(variables) { [Variable] = endpoint };
                var updated = await subject.Session.Lambda.UpdateFunctionConfigurationAsync(name, new UpdateFunctionConfigurationRequest
                {
                    Environment = new FunctionEnvironment { Variables = changed }, RevisionId = config.RevisionId ?? "",
                }, stop).ConfigureAwait(false);
                return updated.Environment?.Variables?.GetValueOrDefault(Variable) is { } now ? $"{Variable}={now}" : $"{Variable} not set";
            });
    }
}
