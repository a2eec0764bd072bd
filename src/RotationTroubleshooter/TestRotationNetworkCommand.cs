using System.Management.Automation;
using RotationTroubleshooter.Network;

namespace RotationTroubleshooter.Commands;

/// <summary>Test-RotationNetwork: can each rotation function reach Secrets Manager and its database, and which rule decides.</summary>
[Cmdlet(VerbsDiagnostic.Test, "RotationNetwork", DefaultParameterSetName = SecretSet)]
[OutputType(typeof(NetworkPathReport))]
public sealed class TestRotationNetworkCommand : SecretOrFunctionCmdlet
{

    /// <summary>Do not call GetSecretValue: the database path is then not checked.</summary>
    [Parameter(ParameterSetName = SecretSet)]
    public SwitchParameter SkipSecretValue { get; set; }

    protected override string Activity => "Checking rotation network paths";

    protected override void ProcessRecord()
    {
        var bySecret = ParameterSetName == SecretSet;
        foreach (var id in bySecret ? SecretId : FunctionName)
        {
            if (!TryGetSession(id, out var session)) continue;
            var service = session.Get<NetworkPathService>();
            var readSecretValue = !SkipSecretValue.IsPresent;
            Enqueue(id, async stopToken =>
            {
                NetworkPathReport report;
                if (bySecret)
                {
                    report = await service.ForSecretAsync(id, readSecretValue, stopToken);
                }
                else
                {
                    var function = await session.GetFunctionAsync(id, stopToken);
                    report = await service.ForFunctionAsync(function, null, null, stopToken);
                }
                Messages.Post(() => WriteVerbose($"{report.FunctionName}: Secrets Manager {report.SecretsManagerPath.Verdict}" +
                    (report.DatabasePath is null ? "" : $", database {report.DatabasePath.Verdict}") + $", {report.Findings.Count} finding(s)."));
                return [report];
            });
        }
    }
}
