using System.Management.Automation;
using RotationTroubleshooter.Age;

namespace RotationTroubleshooter.Commands;

/// <summary>Get-RotationFunctionAge: when was each rotation function set up, and does that predate TLS and SCRAM support.</summary>
[Cmdlet(VerbsCommon.Get, "RotationFunctionAge", DefaultParameterSetName = SecretSet)]
[OutputType(typeof(RotationFunctionAge))]
public sealed class GetRotationFunctionAgeCommand : SecretOrFunctionCmdlet
{

    protected override string Activity => "Dating rotation functions";

    protected override void ProcessRecord()
    {
        foreach (var id in ParameterSetName == SecretSet ? SecretId : FunctionName)
        {
            var bySecret = ParameterSetName == SecretSet;
            if (!TryGetSession(id, out var session)) continue;
            var check = session.Get<RotationFunctionAgeService>();
            Enqueue(id, async stopToken =>
            {
                var age = bySecret ? await check.ForSecretAsync(id, stopToken) : await check.ForFunctionAsync(id, stopToken);
                return [age];
            });
        }
    }
}
