using RotationTroubleshooter.Rotation;

namespace RotationTroubleshooter.Tests.Rotation;

public class RotationStarterTests
{
    private const string Arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-AbCdEf";
    private const string Other = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/billing-XyZwVu";
    private static readonly DateTime Since = new(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc);

    private static RotationAttempt Attempt(string? secret, string? version, DateTime start) =>
        new(secret, version, "rotate", start, null, RotationAttemptOutcome.InProgress, null, null, [], null, []);

    [Fact]
    public void The_attempt_followed_is_the_one_naming_the_new_version_even_when_later_ones_name_none()
    {
        var ours = Attempt(Arn, "v-new", Since.AddSeconds(2));
        var attempts = new[] { Attempt(Arn, "v-old", Since.AddHours(-3)), ours, Attempt(null, null, Since.AddSeconds(5)), Attempt(Other, "v-x", Since.AddSeconds(6)) };
        Assert.Same(ours, RotationStarter.AttemptOf(attempts, Arn, "v-new", Since));
    }

    [Fact]
    public void Before_its_logs_name_the_version_only_an_attempt_naming_nothing_that_began_after_the_start_is_taken()
    {
        var anonymous = Attempt(null, null, Since.AddSeconds(1));
        Assert.Same(anonymous, RotationStarter.AttemptOf([Attempt(null, null, Since.AddMinutes(-10)), anonymous], Arn, "v-new", Since));
        Assert.Null(RotationStarter.AttemptOf([Attempt(null, null, Since.AddMinutes(-10)), Attempt(Arn, "v-old", Since.AddSeconds(1)),
            Attempt(Other, null, Since.AddSeconds(1))], Arn, "v-new", Since));
    }
}
