namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>The last rotation happened on schedule, whoever rotates the secret (a function or its owning service).</summary>
internal sealed class RotationScheduleCheck : RotationCheck
{
    /// <summary>A day's leeway before a missed window counts: AWS may start a rotation late in its window.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromDays(1);

    public static readonly FindingDefinition RotationOverdue = new(nameof(RotationOverdue), FindingSeverity.Error,
        "Rotation is overdue: it has not succeeded on schedule.",
        "Read the rotation function's logs (Get-RotationFunctionLog -SecretId ...) for the failing step.",
        AwsDocs.RotationTroubleshooting);

    public override string Description =>
        "`NextRotationDate` has not passed, and no rotation window of the schedule (`rate()`, `cron()`, `AutomaticallyAfterDays`, with its `Duration`) closed since the last rotation without one";
    public override CheckArea Area => CheckArea.Configuration;
    public override IReadOnlyList<FindingDefinition> Findings { get; } = [RotationOverdue];
    public override CheckTarget Target => CheckTarget.Rotation;
    public override bool AppliesTo(DiagnosisContext context) => context.Secret.RotationEnabled == true;

    public override Task RunAsync(CheckContext context, CancellationToken cancellation)
    {
        var secret = context.Secret;
        var now = context.Options.Now;
        var last = secret.LastRotatedDate;
        var lastText = last is { } t ? $"{t:yyyy-MM-dd HH:mm}Z" : "never";
        var schedule = RotationSchedule.Of(secret.RotationRules);
        var scheduleText = schedule is null ? [] : new[] { $"Schedule: {schedule.Description}" };
        if (secret.NextRotationDate is { } next && next + Grace < now)
        {
            context.Add(RotationOverdue.Raise([$"NextRotationDate={next:yyyy-MM-dd HH:mm}Z", $"LastRotatedDate={lastText}", .. scheduleText],
                $"Rotation is overdue: it was due {next:yyyy-MM-dd} and has not succeeded since.", Remediation(context)));
            return Task.CompletedTask;
        }
        if (last is { } rotated && schedule?.FirstWindowAfter(rotated) is { } window && window.Closes + Grace < now)
            context.Add(RotationOverdue.Raise(
                [$"LastRotatedDate={lastText}", $"Schedule: {schedule.Description}", $"Window {window.Opens:yyyy-MM-dd HH:mm}Z to {window.Closes:yyyy-MM-dd HH:mm}Z passed without a rotation"],
                $"Rotation is overdue: the schedule ({schedule.Description}) opened a window on {window.Opens:yyyy-MM-dd HH:mm}Z, the last rotation was {lastText}.",
                Remediation(context)));
        return Task.CompletedTask;
    }

    private static string Remediation(CheckContext context) => context.HasManagedRotation
        ? $"{context.Secret.Owner} rotates this secret: fix what the diagnosis's other findings name (the owner's status and events), then rotate it now: {ManagedRotationCheck.RotateCommand(context)}."
        : RotationOverdue.Remediation;
}
