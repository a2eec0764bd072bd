using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Diagnosis;
using RotationTroubleshooter.Diagnosis.Checks;

namespace RotationTroubleshooter.Tests.Diagnosis;

/// <summary>Rotation windows as Secrets Manager opens them, and RotationOverdue over every kind of schedule.</summary>
public class RotationScheduleTests
{
    private static DateTime Utc(string text) => DateTime.SpecifyKind(DateTime.Parse(text, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc);

    private static string Window(string? expression, string? duration, string after, long? days = null) =>
        RotationSchedule.Of(new RotationRules { ScheduleExpression = expression, Duration = duration, AutomaticallyAfterDays = days })!
            .FirstWindowAfter(Utc(after)) is { } w ? $"{w.Opens:yyyy-MM-dd HH:mm} {w.Closes:yyyy-MM-dd HH:mm}" : "none";

    [Theory]
    // rate in days: from the last rotation's day, at midnight, open to the end of the UTC day unless Duration says less.
    [InlineData("rate(7 days)", null, "2026-11-02 15:30", "2026-11-09 00:00 2026-11-10 00:00")]
    [InlineData("rate(1 day)", "3h", "2026-11-02 15:30", "2026-11-03 00:00 2026-11-03 03:00")]
    // rate in hours: on the hour, open one hour unless Duration says otherwise.
    [InlineData("rate(4 hours)", null, "2026-11-02 15:30", "2026-11-02 19:00 2026-11-02 20:00")]
    [InlineData("rate(12 hours)", "2h", "2026-11-02 15:30", "2026-11-03 03:00 2026-11-03 05:00")]
    // cron: AWS's fields, day-of-week counted from Sunday = 1, L alone meaning Saturday.
    [InlineData("cron(0 4 ? * SUN *)", "3h", "2026-11-02 15:30", "2026-11-08 04:00 2026-11-08 07:00")]
    [InlineData("cron(0 4 ? * 1 *)", null, "2026-11-02 15:30", "2026-11-08 04:00 2026-11-09 00:00")]
    [InlineData("cron(0 0 ? * 2-6 *)", "1h", "2026-11-06 15:30", "2026-11-09 00:00 2026-11-09 01:00")]
    [InlineData("cron(0 16 L * ? *)", null, "2026-11-02 15:30", "2026-11-30 16:00 2026-12-01 00:00")]
    [InlineData("cron(0 0 ? * 7#2 *)", null, "2026-11-02 00:00", "2026-11-14 00:00 2026-11-15 00:00")]
    [InlineData("cron(0 0 ? * L *)", null, "2026-11-02 00:00", "2026-11-07 00:00 2026-11-08 00:00")]
    [InlineData("cron(0 8/8 * * ? *)", null, "2026-11-02 17:00", "2026-11-03 08:00 2026-11-03 09:00")]
    [InlineData("cron(0 10 1 JAN,JUL ? *)", null, "2026-11-02 00:00", "2027-01-01 10:00 2027-01-02 00:00")]
    // AutomaticallyAfterDays alone reads as rate(N days).
    [InlineData(null, null, "2026-11-02 15:30", "2026-12-02 00:00 2026-12-03 00:00", 30L)]
    public void Windows_open_and_close_as_Secrets_Manager_says(string? expression, string? duration, string after, string expected, long? days = null) =>
        Assert.Equal(expected, Window(expression, duration, after, days));

    [Theory]
    [InlineData("cron(0 4 ? * SUN 2027)"), InlineData("cron(0 4 ? *)"), InlineData("cron(0 4 ? * 9 *)"), InlineData("every day"), InlineData("rate(0 days)")]
    public void An_expression_it_cannot_read_is_no_schedule_rather_than_a_wrong_one(string expression) =>
        Assert.Null(RotationSchedule.Of(new RotationRules { ScheduleExpression = expression }));

    [Fact]
    public void A_duration_it_cannot_read_is_no_schedule() =>
        Assert.Null(RotationSchedule.Of(new RotationRules { ScheduleExpression = "rate(1 day)", Duration = "3 hours" }));

    [Theory]
    // Weekly on Sundays 04:00-07:00; now is Monday 2026-11-30 06:00. Rotated yesterday: on schedule.
    [InlineData("2026-11-29 05:10", "")]
    // Rotated a week before: yesterday's window closed under a day ago, still within the grace.
    [InlineData("2026-11-22 05:10", "")]
    // Rotated three Sundays ago: the 11-22 window passed without a rotation.
    [InlineData("2026-11-15 05:10", "RotationOverdue")]
    public void A_cron_schedule_is_overdue_once_a_whole_window_passed_since_the_last_rotation(string lastRotated, string expected)
    {
        var f = new DiagnosisFixture();
        f.Options = f.Options with { Now = Utc("2026-11-30 06:00") };
        f.Secret.RotationRules = new RotationRules { ScheduleExpression = "cron(0 4 ? * SUN *)", Duration = "3h" };
        f.Secret.LastRotatedDate = Utc(lastRotated);
        var findings = f.Run<RotationScheduleCheck>();
        Assert.Equal(expected, string.Join(",", findings.Select(x => x.CheckId)));
        if (findings.Count > 0)
            Assert.Contains("window on 2026-11-22 04:00Z", findings[0].Message);
    }

    [Fact]
    public void A_schedule_in_hours_is_judged_in_hours()
    {
        var f = new DiagnosisFixture();
        f.Options = f.Options with { Now = Utc("2026-12-01 12:00") };
        f.Secret.RotationRules = new RotationRules { ScheduleExpression = "rate(4 hours)" };
        f.Secret.LastRotatedDate = Utc("2026-11-30 08:30");
        Assert.Empty(f.Run<RotationScheduleCheck>());
        f.Secret.LastRotatedDate = Utc("2026-11-29 08:30");
        Assert.Single(f.Run<RotationScheduleCheck>());
    }
}
