using System.Text.RegularExpressions;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>The last rotation happened on schedule.</summary>
internal sealed partial class RotationScheduleCheck : RotationCheck
{
    private static readonly TimeSpan Grace = TimeSpan.FromDays(1);

    public static readonly FindingDefinition RotationOverdue = new(nameof(RotationOverdue), FindingSeverity.Error,
        "Rotation is overdue: it has not succeeded on schedule.",
        "Read the rotation function's logs (Get-RotationFunctionLog -SecretId ...) for the failing step.",
        AwsDocs.RotationTroubleshooting);

    public override string Id => RotationOverdue.Id;
    public override string Description => "`NextRotationDate` has not passed, and the last rotation is not older than the schedule";
    public override CheckArea Area => CheckArea.Configuration;
    public override IReadOnlyList<FindingDefinition> Findings => [RotationOverdue];
    public override IReadOnlyList<string> Permissions => ["secretsmanager:DescribeSecret"];
    public override bool AppliesTo(DiagnosisContext context) => context.HasRotationFunction && context.Secret.RotationEnabled == true;

    public override Task RunAsync(DiagnosisContext context, CancellationToken cancellation)
    {
        var secret = context.Secret;
        var now = context.Options.Now;
        if (secret.NextRotationDate is { } next && next + Grace < now)
        {
            context.Add(this, RotationOverdue.Raise(
                [$"NextRotationDate={next:yyyy-MM-dd HH:mm}Z", $"LastRotatedDate={secret.LastRotatedDate?.ToString("yyyy-MM-dd HH:mm") ?? "never"}"],
                $"Rotation is overdue: it was due {next:yyyy-MM-dd} and has not succeeded since."));
            return Task.CompletedTask;
        }
        var days = secret.RotationRules?.AutomaticallyAfterDays ?? RateDays(secret.RotationRules?.ScheduleExpression);
        if (days is > 0 && secret.LastRotatedDate is { } last && last + TimeSpan.FromDays(days.Value) + Grace < now)
            context.Add(this, RotationOverdue.Raise([$"LastRotatedDate={last:yyyy-MM-dd HH:mm}Z", $"Schedule: every {days} days"],
                $"Rotation is overdue: the schedule asks for every {days} days, the last rotation was {last:yyyy-MM-dd}."));
        return Task.CompletedTask;
    }

    /// <summary>Days of a <c>rate(N days)</c> schedule expression; null for other expressions.</summary>
    internal static long? RateDays(string? expression) =>
        expression != null && RateExpression().Match(expression.Trim()) is { Success: true } m ? long.Parse(m.Groups[1].Value) : null;

    [GeneratedRegex(@"^rate\((\d+) days?\)$")]
    private static partial Regex RateExpression();
}
