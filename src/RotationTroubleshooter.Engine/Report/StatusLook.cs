namespace RotationTroubleshooter.Report;

/// <summary>
/// How the report shows a status: a class, a word, a symbol and, in the chart, a fill. The symbol and the chart's
/// patterns keep the statuses apart on a black-and-white print, where the colours alone would not.
/// </summary>
internal sealed record StatusLook(string Class, string Word, string Symbol, string Fill, string? Pattern, string Label)
{
    public static StatusLook Of(RotationStatus status) => status switch
    {
        RotationStatus.Failing => new("st-failing", "Failing", "\u2716", "#c62828", null, "#ffffff"),
        RotationStatus.Unknown => new("st-unknown", "Unknown", "?", "#6f63a8", "dots", "#ffffff"),
        RotationStatus.Warning => new("st-warning", "Warning", "\u25B2", "#e3a21a", "hatch", "#1f2328"),
        RotationStatus.NotConfigured => new("st-notconfigured", "Not configured", "\u25CB", "#c3c8cf", null, "#1f2328"),
        RotationStatus.Healthy => new("st-healthy", "Healthy", "\u2714", "#2e7d32", null, "#ffffff"),
        _ => new("st-unknown", "Unknown", "?", "#6f63a8", "dots", "#ffffff"),
    };

    /// <summary>The chart's fill: the pattern where there is one (it paints the colour too), else the colour.</summary>
    public string ChartFill => Pattern is null ? Fill : $"url(#{Class}-{Pattern})";

    public string Badge => $"<span class=\"badge {Class}\">{Symbol} {Word}</span>";
}
