using System.Globalization;

namespace RotationTroubleshooter.Aws;

/// <summary>
/// The pipeline's bounds for a cmdlet run. Tests shorten them through the environment (RT_AWS_MAX_ATTEMPTS,
/// RT_AWS_ATTEMPT_TIMEOUT_SECONDS, RT_AWS_BASE_DELAY_MS) so that fault tests finish in seconds; README "Safety" says so.
/// </summary>
public static class AwsPipelineLimits
{
    public static AwsPipelineOptions FromEnvironment(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var options = new AwsPipelineOptions();
        if (Positive(environment("RT_AWS_MAX_ATTEMPTS")) is { } attempts)
            options = options with { MaxAttempts = (int)Math.Min(attempts, 20) };
        if (Positive(environment("RT_AWS_ATTEMPT_TIMEOUT_SECONDS")) is { } seconds)
            options = options with { AttemptTimeout = TimeSpan.FromSeconds(Math.Min(seconds, 300)) };
        if (Positive(environment("RT_AWS_BASE_DELAY_MS")) is { } delay)
            options = options with { BaseDelay = TimeSpan.FromMilliseconds(Math.Min(delay, 10_000)) };
        return options;
    }

    private static double? Positive(string? value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number > 0 ? number : null;
}
