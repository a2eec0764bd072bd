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

    /// <summary>Do not read the secret's value for its database's host: the database's changes are then left out.</summary>
    [Parameter]
    public SwitchParameter SkipSecretValue { get; set; }

    protected override string Activity => "Reading rotation histories";

    protected override void OnProcessRecord() => AnswerEach(ForSecretAsync);

    private async Task<IEnumerable<object>> ForSecretAsync(AwsSession session, string secretId, CancellationToken stop)
    {
        var (dependencies, timeline) = await session.Get<RotationHistoryService>().ForSecretAsync(secretId, Days, IncludeReadOnly, !SkipSecretValue, stop);
        var history = session.Get<CloudTrailHistory>();
        foreach (var unread in dependencies.Unread)
            Messages.Post(() => Output.Warning($"{secretId}: the timeline leaves out the changes to {unread}."));
        Messages.Post(() => Output.Verbose($"{secretId}: {timeline.Count} events over the last {Days} days " +
            $"({history.Requests} CloudTrail LookupEvents requests so far in this run, for {history.Resources} resources)."));
        return timeline;
    }
}
