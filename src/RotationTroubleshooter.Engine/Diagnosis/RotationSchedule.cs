using System.Globalization;
using System.Text.RegularExpressions;
using Cronos;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Diagnosis;

/// <summary>
/// A secret's rotation schedule (RotationRules): when each rotation window opens and when it closes, in UTC, as Secrets
/// Manager reads ScheduleExpression (rate or cron), AutomaticallyAfterDays and Duration (docs/reference/rotation.md,
/// "Rotation schedules").
/// </summary>
public sealed partial class RotationSchedule
{
    private readonly Func<DateTime, DateTime?> _nextOpening;
    private readonly TimeSpan? _duration;
    private readonly bool _hourly;

    private RotationSchedule(string description, Func<DateTime, DateTime?> nextOpening, TimeSpan? duration, bool hourly)
    {
        Description = description;
        _nextOpening = nextOpening;
        _duration = duration;
        _hourly = hourly;
    }

    /// <summary>In words, e.g. "rate(7 days)" or "cron(0 4 ? * SUN *), 3h window".</summary>
    public string Description { get; }

    /// <summary>The schedule the rules set; null without one, or when the expression cannot be read.</summary>
    public static RotationSchedule? Of(RotationRules? rules)
    {
        if (rules is null) return null;
        var duration = DurationOf(rules.Duration);
        if (rules.Duration != null && duration is null) return null;
        var window = rules.Duration is { Length: > 0 } d ? $", {d} window" : "";
        var expression = rules.ScheduleExpression?.Trim();
        if (string.IsNullOrEmpty(expression))
            return rules.AutomaticallyAfterDays is > 0 and var days ? Rate(days, hours: false, $"every {days} days{window}", duration) : null;
        if (RateExpression().Match(expression) is { Success: true } rate && long.TryParse(rate.Groups["n"].Value, out var n) && n > 0)
            return Rate(n, rate.Groups["unit"].Value.StartsWith("hour", StringComparison.Ordinal), expression + window, duration);
        if (CronSchedule().Match(expression) is { Success: true } cron && ToCronos(cron.Groups["fields"].Value) is { } parsed)
            return new RotationSchedule(expression + window, after => parsed.Expression.GetNextOccurrence(after), duration, parsed.Hourly);
        return null;
    }

    /// <summary>The first window that opens after <paramref name="instant"/>; null when the schedule never opens one again.</summary>
    public (DateTime Opens, DateTime Closes)? FirstWindowAfter(DateTime instant)
    {
        if (_nextOpening(DateTime.SpecifyKind(instant, DateTimeKind.Utc)) is not { } opens) return null;
        // Without Duration, a schedule in hours keeps its window open an hour, a schedule in days until the end of the UTC day.
        var closes = _duration is { } duration ? opens + duration : _hourly ? opens.AddHours(1) : opens.Date.AddDays(1);
        return (opens, closes);
    }

    // Rate windows open at midnight UTC, counted from the last rotation's day (hours: from its hour).
    private static RotationSchedule Rate(long count, bool hours, string description, TimeSpan? duration) => hours
        ? new RotationSchedule(description, after => Floor(after, TimeSpan.FromHours(1)).AddHours(count), duration, hourly: true)
        : new RotationSchedule(description, after => after.Date.AddDays(count), duration, hourly: false);

    private static DateTime Floor(DateTime instant, TimeSpan unit) => new(instant.Ticks - instant.Ticks % unit.Ticks, DateTimeKind.Utc);

    private static TimeSpan? DurationOf(string? duration) =>
        duration is null ? null
        : DurationExpression().Match(duration.Trim()) is { Success: true } m && int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var h) && h > 0
            ? TimeSpan.FromHours(h) : null;

    /// <summary>
    /// AWS's cron fields (Minutes Hours Day-of-month Month Day-of-week Year, day-of-week 1-7 from Sunday, L alone meaning
    /// Saturday) as a Cronos expression (day-of-week 0-6 from Sunday, no year field). Null when they cannot be read.
    /// </summary>
    private static (CronExpression Expression, bool Hourly)? ToCronos(string fields)
    {
        var parts = fields.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 6 || parts[5] != "*") return null;
        if (DayOfWeek(parts[4]) is not { } dayOfWeek) return null;
        try
        {
            var expression = CronExpression.Parse($"{parts[0]} {parts[1]} {parts[2]} {parts[3]} {dayOfWeek}", CronFormat.Standard);
            return (expression, Hourly: !HourField().IsMatch(parts[1]));
        }
        catch (CronFormatException)
        {
            return null;
        }
    }

    private static string? DayOfWeek(string field)
    {
        if (field is "L") return "SAT";
        var days = new List<string>();
        foreach (var item in field.Split(','))
        {
            var m = DayItem().Match(item);
            if (!m.Success) return null;
            days.Add(m.Groups["from"].Value.Length == 0 && m.Groups["to"].Value.Length == 0 ? item
                : $"{Day(m.Groups["from"].Value)}{(m.Groups["to"].Success ? "-" + Day(m.Groups["to"].Value) : "")}{m.Groups["rest"].Value}");
        }
        return string.Join(',', days);

        static string Day(string value) => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? (n - 1).ToString(CultureInfo.InvariantCulture) : value;
    }

    [GeneratedRegex(@"^rate\((?<n>\d+) (?<unit>hours?|days?)\)$")]
    private static partial Regex RateExpression();

    [GeneratedRegex(@"^cron\((?<fields>[^()]+)\)$")]
    private static partial Regex CronSchedule();

    [GeneratedRegex(@"^(\d+)h$")]
    private static partial Regex DurationExpression();

    /// <summary>A single hour: a schedule in days.</summary>
    [GeneratedRegex(@"^\d{1,2}$")]
    private static partial Regex HourField();

    /// <summary>One item of a day-of-week list: *, ?, a day (1-7 or SUN-SAT), a range, with a step, #n or L.</summary>
    [GeneratedRegex(@"^(?:[*?]|(?<from>[1-7]|[A-Za-z]{3})(?:-(?<to>[1-7]|[A-Za-z]{3}))?)(?<rest>/\d+|#[1-5]|L)?$")]
    private static partial Regex DayItem();
}
