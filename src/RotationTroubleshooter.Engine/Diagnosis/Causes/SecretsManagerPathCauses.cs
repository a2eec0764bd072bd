using RotationTroubleshooter.Diagnosis.Checks;
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
    public override IReadOnlyList<FindingDefinition> Causes => [.. NetworkCauses, FunctionTimeoutCheck.FunctionTimeoutTooShort];

    public override async Task<IReadOnlyList<CauseAssessment>> AssessAsync(CauseEvidence evidence, CancellationToken cancellation)
    {
        var network = evidence.Ran<NetworkPathCheck>() ? await CauseEvidence.OrNullAsync(evidence.Context.NetworkPathAsync(cancellation)).ConfigureAwait(false) : null;
        var settle = $"Test-RotationNetwork -SecretId '{evidence.Context.SecretName}'";
        var causes = NetworkCauses.Select(cause => evidence.ConfirmedByFinding(cause) ?? network switch
        {
            null => new CauseAssessment(cause, CauseVerdict.Undetermined,
                [evidence.Ran<NetworkPathCheck>() ? "The function's network could not be read here." : "The network path was not checked in this run."], settle),
            { VpcId: null } => new CauseAssessment(cause, CauseVerdict.RuledOut,
                ["The function is not in a VPC: it reaches Secrets Manager's public endpoint."]),
            { SecretsManagerPath.Verdict: PathVerdict.Reachable } => new CauseAssessment(cause, CauseVerdict.RuledOut,
                [$"The path to Secrets Manager is open: {network.SecretsManagerPath.Reason}"]),
            { SecretsManagerPath.Verdict: PathVerdict.Blocked } => new CauseAssessment(cause, CauseVerdict.RuledOut,
                [$"Another rule blocks the path: {network.SecretsManagerPath.Reason}"]),
            _ => new CauseAssessment(cause, CauseVerdict.Undetermined, [$"The path to Secrets Manager could not be judged: {network.SecretsManagerPath.Reason}"], settle),
        }).ToList();

        if (evidence.Symptom == RotationSymptoms.StalledAfterCreateSecret)
            causes.Add(ShortTimeout(evidence) ?? await TimeoutRuledOutAsync(evidence, cancellation).ConfigureAwait(false));
        return causes;
    }

    /// <summary>A short timeout is the cause when the invocation after createSecret did run into it.</summary>
    private static CauseAssessment? ShortTimeout(CauseEvidence evidence) => evidence.Problem(FunctionTimeoutCheck.FunctionTimeoutTooShort) is { } finding
        ? new CauseAssessment(FunctionTimeoutCheck.FunctionTimeoutTooShort,
            evidence.Attempt.Outcome == RotationAttemptOutcome.TimedOut ? CauseVerdict.Confirmed : CauseVerdict.Likely,
            [finding.Message, .. finding.Evidence, $"The attempt {evidence.Attempt.Outcome} in {evidence.Attempt.FailedStep ?? "an unknown step"}."])
        : null;

    private static async Task<CauseAssessment> TimeoutRuledOutAsync(CauseEvidence evidence, CancellationToken cancellation) =>
        evidence.Ran<FunctionTimeoutCheck>() && await evidence.Context.FunctionAsync(cancellation).ConfigureAwait(false) is { Configuration.Timeout: { } timeout }
            ? new CauseAssessment(FunctionTimeoutCheck.FunctionTimeoutTooShort, CauseVerdict.RuledOut,
                [$"The function's timeout is {timeout} s, enough for the templates."])
            : new CauseAssessment(FunctionTimeoutCheck.FunctionTimeoutTooShort, CauseVerdict.Undetermined,
                ["The function's configuration could not be read here."], evidence.Rerun("-Check FunctionTimeoutTooShort"));
}
