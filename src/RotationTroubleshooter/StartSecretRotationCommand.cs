using System.Management.Automation;
using RotationTroubleshooter.Rotation;

namespace RotationTroubleshooter.Commands;

/// <summary>Start-SecretRotation: starts a rotation, refusing one that would fail at once, and with -Wait follows it step by step.</summary>
[Cmdlet(VerbsLifecycle.Start, "SecretRotation", DefaultParameterSetName = SecretSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(string))]
[OutputType(typeof(RotationAttempt))]
public sealed class StartSecretRotationCommand : SecretCmdlet
{
    private static readonly string[] Steps = ["createSecret", "setSecret", "testSecret", "finishSecret"];
    private OneAtATime? _work;
    private int _progressId;

    [Parameter]
    public SwitchParameter Wait { get; set; }

    [Parameter]
    [ValidateRange(1, 86_400)]
    public int TimeoutSeconds { get; set; } = 600;

    /// <summary>Not a parameter here: each rotation is confirmed and started one at a time.</summary>
    public override int ThrottleLimit { get => 1; set { } }

    private OneAtATime Work => _work ??= Use(new OneAtATime(Messages, StopToken));

    protected override void OnProcessRecord()
    {
        foreach (var id in SecretIds(Targets(Refuse), "Start-SecretRotation rotates secrets: give a secret this function rotates."))
        {
            var starter = SessionFor(id).Get<RotationStarter>();
            try
            {
                if (Work.Await(starter.PrepareAsync(id, StopToken)) is not { } target)
                {
                    Output.Verbose($"{id}: a rotation of this secret was started already in this run.");
                    continue;
                }
                if (Output.Confirm($"Rotate secret {target.SecretName} now with function {target.FunctionArn}: a new version, and new credentials " +
                            "where the secret is used (e.g. the database user's password).", "Start secret rotation") != true)
                    continue;
                var startedAt = DateTime.UtcNow;
                var versionId = Work.Await(starter.StartAsync(target, StopToken));
                Output.Verbose($"{target.SecretName}: rotation started, new version {versionId}.");
                if (Wait) Follow(starter, target, versionId, startedAt);
                else Output.Object(versionId);
            }
            catch (Exception e) when (e is not PipelineStoppedException)
            {
                WriteFailure(e, id);
            }
        }
    }

    private void Follow(RotationStarter starter, RotationTarget target, string versionId, DateTime startedAt)
    {
        var record = new ProgressRecord(++_progressId, $"Rotating {target.SecretName} (version {versionId})", "Starting");
        var reported = new HashSet<string>(StringComparer.Ordinal);
        var warned = false;
        var result = Work.Await(starter.FollowAsync(target, versionId, startedAt, TimeSpan.FromSeconds(TimeoutSeconds),
            progress => Messages.Post(() =>
            {
                if (progress.LogProblem is { } problem && !warned)
                {
                    warned = true;
                    Output.Warning(problem);
                }
                foreach (var step in progress.Attempt?.Steps ?? [])
                    if (step.Outcome != RotationStepOutcome.InProgress && reported.Add($"{step.RequestId}|{step.Step}"))
                        Output.Verbose($"{target.SecretName}: {step.Step} {step.Outcome} after {Seconds(step.DurationMs)} ({step.StartTime:u}).");
                Describe(record, progress);
                Output.Progress(record);
            }), StopToken));
        record.RecordType = ProgressRecordType.Completed;
        Output.Progress(record);
        if (result.Attempt is { } attempt) Output.Object(attempt);
        switch (result.End)
        {
            case RotationWaitEnd.Succeeded when result.Attempt is null:
                Output.Warning($"{target.SecretName}: AWSCURRENT moved to version {versionId}, but the function's logs show no attempt for it.");
                break;
            case RotationWaitEnd.StillRunning:
                var last = result.Attempt?.Steps.LastOrDefault();
                WriteFailure(new TroubleshooterException(ErrorIds.RotationWaitTimedOut, FailureCategory.Timeout,
                    $"The rotation of {target.SecretName} (version {versionId}) had not ended after {TimeoutSeconds} s" +
                    (last is null ? ", and the function had logged nothing for it" : $"; the last step seen is {last.Step} ({last.Outcome})") +
                    $". Secrets Manager goes on: follow it with Get-RotationFunctionLog -SecretId '{target.SecretName}'."), target.SecretArn);
                break;
        }
    }

    /// <summary>The step running or last ended and its time, every step so far, and the share of the four steps done.</summary>
    private static void Describe(ProgressRecord record, RotationProgress progress)
    {
        var steps = progress.Attempt?.Steps ?? [];
        if (steps.Count == 0)
        {
            record.StatusDescription = $"Waiting for the rotation function's first step ({progress.Elapsed.TotalSeconds:0} s)";
            return;
        }
        var last = steps[^1];
        record.StatusDescription = last.Outcome == RotationStepOutcome.InProgress
            ? $"{last.Step} running ({progress.Elapsed.TotalSeconds:0} s since the start)"
            : $"{last.Step} {last.Outcome} after {Seconds(last.DurationMs)}";
        record.CurrentOperation = string.Join(", ", steps.Select(s => $"{s.Step} {s.Outcome} {Seconds(s.DurationMs)}"));
        var done = Steps.Count(name => steps.Any(s => s.Step == name && s.Outcome == RotationStepOutcome.Succeeded));
        record.PercentComplete = 100 * done / Steps.Length;
    }

    private static string Seconds(double? milliseconds) => milliseconds is { } ms ? $"{ms / 1000:0.0} s" : "(running)";
}
