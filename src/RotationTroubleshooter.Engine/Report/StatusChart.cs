using System.Globalization;
using System.Text;

namespace RotationTroubleshooter.Report;

/// <summary>
/// The summary's chart: one stacked bar per account and region, a segment per status with its count, as inline SVG (no
/// script, no image file). Each segment's &lt;title&gt; says what it counts, which browsers show on hover.
/// </summary>
internal static class StatusChart
{
    /// <summary>More bars than this would make a chart nobody reads: the shards with the most to fix are shown, the table has all.</summary>
    public const int MaxBars = 40;

    private const int LabelWidth = 250, BarWidth = 560, TotalWidth = 60, RowHeight = 28, BarHeight = 18, LegendHeight = 34;

    public static IReadOnlyList<ShardSecrets> Shown(ReportData data) =>
        data.Shards.Count <= MaxBars
            ? data.Shards
            : [.. data.Shards
                .OrderByDescending(s => s.Count(RotationStatus.Failing))
                .ThenByDescending(s => s.Count(RotationStatus.Unknown))
                .ThenByDescending(s => s.Count(RotationStatus.Warning))
                .Take(MaxBars)
                .OrderBy(s => s.Shard, Shard.Order)];

    public static string Svg(ReportData data)
    {
        var shards = Shown(data);
        var max = Math.Max(1, shards.Select(s => s.Secrets.Count).DefaultIfEmpty(0).Max());
        var width = LabelWidth + BarWidth + TotalWidth;
        var height = LegendHeight + Math.Max(1, shards.Count) * RowHeight + 8;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"status-chart\" role=\"img\" aria-labelledby=\"chart-title\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\">");
        svg.Append("<title id=\"chart-title\">Secrets by status, per account and region</title>");
        svg.Append("<defs>");
        foreach (var look in ReportData.StatusOrder.Select(StatusLook.Of).Where(l => l.Pattern is not null))
            svg.Append(Pattern(look));
        svg.Append("</defs>");

        var x = LabelWidth;
        foreach (var look in ReportData.StatusOrder.Select(StatusLook.Of))
        {
            svg.Append(CultureInfo.InvariantCulture,
                $"<g class=\"legend\"><rect x=\"{x}\" y=\"8\" width=\"14\" height=\"14\" fill=\"{look.ChartFill}\" stroke=\"#1f2328\" stroke-width=\"0.5\"/>" +
                $"<text x=\"{x + 19}\" y=\"19\">{look.Symbol} {look.Word}</text></g>");
            x += 22 + look.Word.Length * 8 + 16;
        }

        var y = LegendHeight;
        foreach (var shard in shards)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"bar\"><text class=\"shard\" x=\"{LabelWidth - 10}\" y=\"{y + 14}\" text-anchor=\"end\">");
            svg.Append(CultureInfo.InvariantCulture, $"<tspan class=\"account\">{Html.Line(shard.Shard.AccountLabel)}</tspan> <tspan class=\"region\">{Html.Line(shard.Shard.RegionLabel)}</tspan></text>");
            var left = (double)LabelWidth;
            foreach (var status in ReportData.StatusOrder)
            {
                var count = shard.Count(status);
                if (count == 0) continue;
                var look = StatusLook.Of(status);
                var w = BarWidth * (double)count / max;
                svg.Append(CultureInfo.InvariantCulture,
                    $"<rect class=\"{look.Class}\" x=\"{left:0.#}\" y=\"{y}\" width=\"{w:0.#}\" height=\"{BarHeight}\" fill=\"{look.ChartFill}\" stroke=\"#ffffff\" stroke-width=\"1\">" +
                    $"<title>{Html.Line(shard.Shard.ToString())}: {count} {look.Word}</title></rect>");
                // A count fits inside its segment from about 18 px; narrower ones are told by the total and the hover title.
                if (w >= 18)
                    svg.Append(CultureInfo.InvariantCulture,
                        $"<text class=\"count\" x=\"{left + w / 2:0.#}\" y=\"{y + 13}\" text-anchor=\"middle\" fill=\"{look.Label}\">{count}</text>");
                left += w;
            }
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"total\" x=\"{left + 8:0.#}\" y=\"{y + 14}\">{shard.Secrets.Count}</text></g>");
            y += RowHeight;
        }
        if (shards.Count == 0)
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{LabelWidth}\" y=\"{LegendHeight + 14}\">No secrets.</text>");
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static string Pattern(StatusLook look) => look.Pattern switch
    {
        "hatch" => $"<pattern id=\"{look.Class}-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">" +
                   $"<rect width=\"6\" height=\"6\" fill=\"{look.Fill}\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#7a4a00\" stroke-width=\"2\"/></pattern>",
        _ => $"<pattern id=\"{look.Class}-dots\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">" +
             $"<rect width=\"6\" height=\"6\" fill=\"{look.Fill}\"/><circle cx=\"3\" cy=\"3\" r=\"1.3\" fill=\"#ffffff\"/></pattern>",
    };
}
