using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>The function's resource policy lets Secrets Manager invoke it for this secret (<see cref="InvokePermission"/>).</summary>
internal sealed class InvokePermissionCheck : RotationCheck
{
    public static readonly FindingDefinition InvokePermissionMissing = new(nameof(InvokePermissionMissing), FindingSeverity.Error,
        "Secrets Manager may not invoke the rotation function for this secret; rotation fails with AccessDeniedException.",
        "Add-LMPermission -FunctionName <function> -StatementId SecretsManagerAccess -Action lambda:InvokeFunction " +
        "-Principal secretsmanager.amazonaws.com (optionally -SourceAccount <account>).",
        AwsDocs.InvokeAccessDenied);

    public override string Description => "the function's resource policy lets `secretsmanager.amazonaws.com` invoke it for this secret (`SourceAccount`/`SourceArn` conditions evaluated)";
    public override CheckArea Area => CheckArea.Function;
    public override IReadOnlyList<FindingDefinition> Findings { get; } = [InvokePermissionMissing];
    public override IReadOnlyList<Input> Inputs { get; } = [FunctionInputs.Function, FunctionInputs.Policy];

    public override async Task RunAsync(CheckContext context, CancellationToken cancellation)
    {
        var policyRead = context.GetAsync(FunctionInputs.Policy, cancellation);
        if (await context.GetAsync(FunctionInputs.Function, cancellation).ConfigureAwait(false) is not { } function) return;
        var config = function.Configuration;
        var policy = await policyRead.ConfigureAwait(false);
        var result = InvokePermission.Evaluate(policy, context.SecretArn);
        var remediation = $"Add-LMPermission -FunctionName {config.FunctionName} -StatementId SecretsManagerAccess " +
                          "-Action lambda:InvokeFunction -Principal secretsmanager.amazonaws.com (optionally -SourceAccount <account>).";
        switch (result.Decision)
        {
            case InvokeDecision.Missing or InvokeDecision.Denied or InvokeDecision.ExcludedByCondition:
                context.Add(InvokePermissionMissing.Raise([result.Detail], remediation: remediation));
                break;
            case InvokeDecision.Unknown:
                context.Add(InvokePermissionMissing.Raise([result.Detail], "Could not tell whether Secrets Manager may invoke the function.",
                    remediation, FindingSeverity.Info));
                break;
        }
    }
}
