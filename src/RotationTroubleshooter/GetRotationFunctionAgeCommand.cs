using System.Management.Automation;
using RotationTroubleshooter.Age;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Commands;

/// <summary>Get-RotationFunctionAge: when was each rotation function set up, and does that predate TLS and SCRAM support.</summary>
[Cmdlet(VerbsCommon.Get, "RotationFunctionAge", DefaultParameterSetName = SecretSet)]
[OutputType(typeof(RotationFunctionAge))]
public sealed class GetRotationFunctionAgeCommand : SecretOrFunctionCmdlet
{
    protected override string Activity => "Dating rotation functions";

    protected override void OnProcessRecord() => AnswerEach(ForSecretAsync, ForFunctionAsync);

    private async Task<IEnumerable<object>> ForSecretAsync(AwsSession session, string secretId, CancellationToken stop) =>
        [Said(await session.Get<RotationFunctionAgeService>().ForSecretAsync(secretId, stop))];

    private async Task<IEnumerable<object>> ForFunctionAsync(AwsSession session, string functionId, CancellationToken stop) =>
        [Said(await session.Get<RotationFunctionAgeService>().ForFunctionAsync(functionId, stop))];

    private RotationFunctionAge Said(RotationFunctionAge age)
    {
        Messages.Post(() => Output.Verbose($"{age.FunctionName}: set up {(age.CreatedDate is { } d ? $"{d:yyyy-MM-dd HH:mm}Z" : "at an unknown time")} " +
            $"(from {age.CreatedDateSource}); predates TLS support: {Word(age.PredatesTlsSupport)}, SCRAM support: {Word(age.PredatesScramSupport)}."));
        return age;
    }

    private static string Word(bool? value) => value is null ? "unknown" : value.Value ? "yes" : "no";
}
