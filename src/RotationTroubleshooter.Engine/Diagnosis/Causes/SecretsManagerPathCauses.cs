using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Logs;
using RotationTroubleshooter.Network;

namespace RotationTroubleshooter.Diagnosis.Causes;

/// <summary>
/// "No activity after Found credentials" and "No activity after createSecret": the function cannot talk to Secrets
/// Manager (route, private DNS, endpoint zone, security groups both ways, network ACLs, endpoint policy), or, after
/// createSecret, its timeout ends the invocation first.
/// </summary>
internal sealed class SecretsManagerPathCauses : SymptomCauses
{
    private static readonly FindingDefinition[] NetworkCauses =
    [
        NetworkFindings.NoRouteToSecretsManager, NetworkFindings.EndpointPrivateDnsDisabled, NetworkFindings.EndpointNotInFunctionAvailabilityZone,
        NetworkFindings.EndpointSecurityGroupBlocksFunction, NetworkFindings.FunctionSecurityGroupBlocksHttps, NetworkFindings.NetworkAclBlocksHttps,
        NetworkFindings.EndpointPolicyDeniesFunction,
    ];

    public override IReadOnlyList<FindingDefinition> Symptoms => [RotationSymptoms.TimeoutReachingSecretsManager, RotationSymptoms.StalledAfterCreateSecret];
    public override IReadOnlyList<FindingDefinition> Causes => [.. NetworkCauses, FunctionFindings.FunctionTimeoutTooShort];
    public override IReadOnlyList<Input> Inputs => [NetworkInputs.Path, FunctionInputs.Function];

    public override async Task<IReadOnlyList<CauseAssessment>> AssessAsync(CauseEvidence evidence, CancellationToken cancellation)
    {
        var reading = await evidence.ReadAsync(NetworkInputs.Path, cancellation).ConfigureAwait(false);
        var settle = $"Test-RotationNetwork -SecretId '{evidence.SecretName}'";
        var causes = NetworkCauses.Select(cause => evidence.ConfirmedByFinding(cause) ?? reading.Value switch
        {
            null => new CauseAssessment(cause, CauseVerdict.Undetermined,
                [reading.State == ReadingState.NotGathered ? "The network path was not checked in this run." : "The function's network could not be read here."], settle),
            { VpcId: null } => new CauseAssessment(cause, CauseVerdict.RuledOut,
                ["The function is not in a VPC: it reaches Secrets Manager's public endpoint."]),
            { SecretsManagerPath.Verdict: PathVerdict.Reachable } network => new CauseAssessment(cause, CauseVerdict.RuledOut,
                [$"The path to Secrets Manager is open: {network.SecretsManagerPath.Reason}"]),
            { SecretsManagerPath.Verdict: PathVerdict.Blocked } network => new CauseAssessment(cause, CauseVerdict.RuledOut,
                [$"Another rule blocks the path: {network.SecretsManagerPath.Reason}"]),
            var network => new CauseAssessment(cause, CauseVerdict.Undetermined, [$"The path to Secrets Manager could not be judged: {network.SecretsManagerPath.Reason}"], settle),
        }).ToList();

        if (evidence.Symptom == RotationSymptoms.StalledAfterCreateSecret)
            causes.Add(await TimeoutAsync(evidence, cancellation).ConfigureAwait(false));
        return causes;
    }

    /// <summary>A short timeout is the cause when the invocation after createSecret did run into it.</summary>
    private static async Task<CauseAssessment> TimeoutAsync(CauseEvidence evidence, CancellationToken cancellation)
    {
        var cause = FunctionFindings.FunctionTimeoutTooShort;
        var function = await evidence.ReadAsync(FunctionInputs.Function, cancellation).ConfigureAwait(false);
        if (function.Value?.Configuration is not { Timeout: { } timeout } config)
            return new CauseAssessment(cause, CauseVerdict.Undetermined, [CauseEvidence.Missing(function, "The function's configuration")],
                evidence.Rerun($"-Check {cause.Id}"));
        if (timeout >= FunctionFindings.MinimumTimeoutSeconds)
            return new CauseAssessment(cause, CauseVerdict.RuledOut, [$"The function's timeout is {timeout} s, enough for the templates."]);
        IReadOnlyList<string> said = evidence.Problem(cause) is { } finding ? [finding.Message, .. finding.Evidence]
            : [$"The function times out after {timeout} s; the templates can need {FunctionFindings.MinimumTimeoutSeconds} s.", $"{config.FunctionName}: Timeout={timeout}"];
        return new CauseAssessment(cause, evidence.Attempt.Outcome == RotationAttemptOutcome.TimedOut ? CauseVerdict.Confirmed : CauseVerdict.Likely,
            [.. said, $"The attempt {evidence.Attempt.Outcome} in {evidence.Attempt.FailedStep ?? "an unknown step"}."]);
    }
}
