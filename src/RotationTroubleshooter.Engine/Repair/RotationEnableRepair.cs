using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Diagnosis.Checks;

namespace RotationTroubleshooter.Repair;

/// <summary>RotationDisabled (only with -IncludeRotationEnable): turns rotation back on with its schedule and function, without rotating now.</summary>
internal sealed class RotationEnableRepair : MechanicalRepair
{
    public override IReadOnlyList<string> FindingIds => [RotationConfigurationCheck.RotationDisabled.Id];
    public override bool NeedsRotationEnable => true;

    public override async Task<Proposal?> ProposeAsync(RepairSubject subject, CancellationToken cancellation)
    {
        var client = subject.Session.SecretsManager;
        var secret = await client.DescribeSecretAsync(subject.SecretArn, cancellation).ConfigureAwait(false);
        if (secret.RotationEnabled == true) return null;
        if (string.IsNullOrEmpty(secret.RotationLambdaARN))
            throw new NotRepairableException("the secret has no rotation function to turn back on; configure rotation instead.");
        if (secret.RotationRules is not { } rules || (rules.ScheduleExpression is null && rules.AutomaticallyAfterDays is null))
            throw new NotRepairableException("the secret keeps no rotation schedule to turn back on; configure rotation with a schedule instead.");
        // RotateSecret takes a schedule expression or a number of days, not both; DescribeSecret reports the days for an expression too.
        var schedule = rules.ScheduleExpression is { } expression
            ? new RotationRules { ScheduleExpression = expression, Duration = rules.Duration }
            : new RotationRules { AutomaticallyAfterDays = rules.AutomaticallyAfterDays, Duration = rules.Duration };
        return new Proposal(subject.SecretArn,
            $"Turn rotation of secret {subject.SecretName} back on with its schedule ({schedule}) and function {secret.RotationLambdaARN}, " +
            "without rotating now (Secrets Manager runs the function's testSecret step to check the configuration).",
            "RotationEnabled False", $"RotationEnabled True, {schedule}",
            async stop =>
            {
                await client.RotateSecretAsync(new RotateSecretRequest
                {
                    SecretId = subject.SecretArn, ClientRequestToken = Guid.NewGuid().ToString(), RotationLambdaARN = secret.RotationLambdaARN,
                    RotationRules = schedule, RotateImmediately = false,
                }, stop).ConfigureAwait(false);
                var after = await client.DescribeSecretAsync(subject.SecretArn, stop).ConfigureAwait(false);
                return $"RotationEnabled {after.RotationEnabled == true}, {after.RotationRules ?? schedule}";
            });
    }
}
