using System.Management.Automation;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.History;

namespace RotationTroubleshooter.Commands;

/// <summary>
/// Get-RotationHistory: one timeline per secret, oldest first, of what happened to its rotation and to everything it
/// depends on (CloudTrail's management events, the attempts and runtime updates of the function's logs).
/// </summary>
[Cmdlet(VerbsCommon.Get, "RotationHistory", DefaultParameterSetName = SecretSet)]
[OutputType(typeof(RotationHistoryEvent))]
public sealed class GetRotationHistoryCommand : SecretCmdlet
{
    /// <summary>How many days back to read, up to CloudTrail's 90.</summary>
    [Parameter]
    [ValidateRange(1, RotationHistoryService.MaxDays)]
    public int Days { get; set; } = 30;

    /// <summary>Also the reads (GetSecretValue, GetFunction, Decrypt, ...), which change nothing.</summary>
    [Parameter]
    public SwitchParameter IncludeReadOnly { get; set; }

    protected override string Activity => "Reading rotation histories";

    protected override void OnProcessRecord() => AnswerEach(ForSecretAsync);

    private async Task<IEnumerable<object>> ForSecretAsync(AwsSession session, string secretId, CancellationToken stop)
    {
        var timeline = await session.Get<RotationHistoryService>().ForSecretAsync(secretId, Days, IncludeReadOnly, stop);
        var history = session.Get<CloudTrailHistory>();
        Messages.Post(() => Output.Verbose($"{secretId}: {timeline.Count} events over the last {Days} days " +
            $"({history.Requests} CloudTrail LookupEvents requests so far in this run, for {history.Resources} resources)."));
        return timeline;
    }
}
