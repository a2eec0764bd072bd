using System.Management.Automation;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Network;

namespace RotationTroubleshooter.Commands;

/// <summary>Test-RotationNetwork: can each rotation function reach Secrets Manager and its database, and which rule decides.</summary>
[Cmdlet(VerbsDiagnostic.Test, "RotationNetwork", DefaultParameterSetName = SecretSet)]
[OutputType(typeof(NetworkPathReport))]
public sealed class TestRotationNetworkCommand : SecretOrFunctionCmdlet
{
    /// <summary>Do not call GetSecretValue: the database path is then not checked.</summary>
    [Parameter(ParameterSetName = SecretSet)]
    [Parameter(ParameterSetName = InputSet)]
    public SwitchParameter SkipSecretValue { get; set; }

    protected override string Activity => "Checking rotation network paths";

    protected override void OnProcessRecord() => AnswerEach(ForSecretAsync, ForFunctionAsync);

    private async Task<IEnumerable<object>> ForSecretAsync(AwsSession session, string secretId, CancellationToken stop) =>
        [Said(await session.Get<NetworkPathService>().ForSecretAsync(secretId, !SkipSecretValue.IsPresent, stop))];

    private async Task<IEnumerable<object>> ForFunctionAsync(AwsSession session, string functionId, CancellationToken stop)
    {
        var function = await session.GetFunctionAsync(functionId, stop);
        return [Said(await session.Get<NetworkPathService>().ForFunctionAsync(function, null, null, stop))];
    }

    private NetworkPathReport Said(NetworkPathReport report)
    {
        Messages.Post(() => Output.Verbose($"{report.FunctionName}: Secrets Manager {report.SecretsManagerPath.Verdict}" +
            (report.DatabasePath is null ? "" : $", database {report.DatabasePath.Verdict}") + $", {report.Findings.Count} finding(s)."));
        return report;
    }
}
