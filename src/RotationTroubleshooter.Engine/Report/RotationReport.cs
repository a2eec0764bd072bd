using System.Globalization;
using System.Text;

namespace RotationTroubleshooter.Report;

/// <summary>What the report says about itself: its title, when it was made and by what.</summary>
public sealed record ReportOptions
{
    public const string DefaultTitle = "Secrets Manager rotation report";

    public string Title { get; init; } = DefaultTitle;
    public DateTime GeneratedAt { get; init; } = DateTime.UtcNow;
    /// <summary>What made it, e.g. "RotationTroubleshooter 0.1.0".</summary>
    public string Generator { get; init; } = "RotationTroubleshooter";
}

/// <summary>
/// Export-RotationReport's page: one self-contained HTML file (inline style, inline SVG chart, no script) that reads
/// top-down as an admin acts on it: the summary (counts by status, by cause, by account and region, and the chart),
/// then each secret that needs attention with its cause, evidence and the command that settles or fixes it, then every
/// secret. Every string from a diagnosis passes through <see cref="Html"/>.
/// </summary>
public static class RotationReport
{
    /// <summary>
    /// Writes the page to <paramref name="file"/>: beside it first, then moved into place, so a failure leaves the old
    /// file, not half a report. A read-only file (the caller allowed replacing it) stays read-only.
    /// </summary>
    public static void WriteFile(string file, ReportData data, ReportOptions options)
    {
        var temporary = $"{file}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var page = new StreamWriter(temporary, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
                Write(page, data, options);
            var target = new FileInfo(file);
            var readOnly = target.Exists && target.IsReadOnly;
            if (readOnly) target.IsReadOnly = false;
            File.Move(temporary, file, overwrite: true);
            if (readOnly) new FileInfo(file).IsReadOnly = true;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public static void Write(TextWriter page, ReportData data, ReportOptions options)
    {
        var attention = ReportData.StatusOrder.Take(3).Select(status => (Status: status, Secrets: data.Secrets.Where(s => s.Status == status).ToList())).ToList();
        // Anchors are numbered, never made from a name: nothing from the data goes into an id attribute.
        var anchors = new Dictionary<RotationDiagnosis, string>(ReferenceEqualityComparer.Instance);
        foreach (var secret in data.Secrets) anchors[secret] = $"secret-{anchors.Count + 1}";
        var needing = attention.Sum(a => a.Secrets.Count);

        page.Write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        page.Write($"<meta http-equiv=\"Content-Security-Policy\" content=\"{ReportStyle.ContentSecurityPolicy}\">\n");
        page.Write("<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        page.Write($"<meta name=\"generator\" content=\"{Html.Line(options.Generator)}\">\n");
        page.Write($"<title>{Html.Line(options.Title)}</title>\n<style>{ReportStyle.Css}</style>\n</head>\n<body>\n<main>\n");

        page.Write($"<header class=\"page\">\n<h1>{Html.Line(options.Title)}</h1>\n");
        page.Write($"<p class=\"lead\">{Plural(data.Secrets.Count, "secret")} in {Plural(data.Accounts, "account")} and {Plural(data.Regions, "region")}; " +
                   $"{Plural(needing, "secret")} {(needing == 1 ? "needs" : "need")} attention. Generated {Utc(options.GeneratedAt)} by {Html.Line(options.Generator)}.</p>\n");
        page.Write("<nav class=\"toc\"><a href=\"#summary\">Summary</a><a href=\"#attention\">Needs attention (" + needing + ")</a>" +
                   "<a href=\"#secrets\">Every secret (" + data.Secrets.Count + ")</a></nav>\n</header>\n");

        WriteSummary(page, data);
        WriteAttention(page, attention, anchors);
        WriteEverySecret(page, data, anchors, new HashSet<RotationDiagnosis>(attention.SelectMany(a => a.Secrets), ReferenceEqualityComparer.Instance));

        page.Write("<footer>This report holds no secret value: only names, ids, and what AWS, the rotation functions' logs and the databases " +
                   "said about each rotation, as Test-SecretRotation found it. Text from those sources is shown as text.</footer>\n");
        page.Write("</main>\n</body>\n</html>\n");
    }

    private static void WriteSummary(TextWriter page, ReportData data)
    {
        page.Write("<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"tiles\">\n");
        foreach (var status in ReportData.StatusOrder)
        {
            var look = StatusLook.Of(status);
            var count = data.Count(status);
            page.Write($"<div class=\"tile {look.Class}{(count == 0 ? " none" : "")}\"><span class=\"n\">{count}</span><span class=\"w\">{look.Symbol} {look.Word}</span></div>\n");
        }
        page.Write("</div>\n");

        var shown = StatusChart.Shown(data);
        page.Write("<figure class=\"chart\">\n" + StatusChart.Svg(data) + "\n<figcaption>Secrets by status, per account and region" +
                   (shown.Count < data.Shards.Count
                       ? $": the {shown.Count} of {data.Shards.Count} accounts and regions with the most to fix; the table below has them all."
                       : ".") + "</figcaption>\n</figure>\n");

        page.Write("<div class=\"grid\">\n<div>\n<h3>By status</h3>\n<table class=\"by-status\"><thead><tr><th>Status</th><th class=\"num\">Secrets</th><th class=\"num\">Share</th></tr></thead><tbody>\n");
        foreach (var status in ReportData.StatusOrder)
        {
            var count = data.Count(status);
            var share = data.Secrets.Count == 0 ? "" : ((double)count / data.Secrets.Count).ToString("P0", CultureInfo.InvariantCulture);
            page.Write($"<tr><td>{StatusLook.Of(status).Badge}</td><td class=\"num\">{count}</td><td class=\"num\">{share}</td></tr>\n");
        }
        page.Write("</tbody></table>\n</div>\n<div>\n<h3>By cause</h3>\n");
        if (data.ByCause.Count == 0)
        {
            page.Write("<p class=\"muted\">No secret has an error or a warning.</p>\n");
        }
        else
        {
            page.Write("<table class=\"by-cause\"><thead><tr><th>Cause or first problem</th><th class=\"num\">Secrets</th><th>Worst status</th></tr></thead><tbody>\n");
            foreach (var row in data.ByCause)
            {
                var how = row.Problem.Confirmed ? "confirmed cause" : "finding";
                page.Write($"<tr><td><span class=\"id\">{Html.Line(row.Problem.Id)}</span> <span class=\"muted\">({how})</span>" +
                           (row.Problem.Meaning is { Length: > 0 } meaning ? $"<br>{Html.Text(meaning)}" : "") +
                           $"</td><td class=\"num\">{row.Secrets}</td><td>{StatusLook.Of(row.WorstStatus).Badge}</td></tr>\n");
            }
            page.Write("</tbody></table>\n<p class=\"muted\">Each secret counts once: by the cause its evidence confirmed, else by its first error (or warning) finding.</p>\n");
        }
        page.Write("</div>\n</div>\n");

        page.Write("<h3>By account and region</h3>\n<table class=\"by-shard\"><thead><tr><th>Account</th><th>Region</th><th class=\"num\">Secrets</th>");
        foreach (var status in ReportData.StatusOrder) page.Write($"<th class=\"num\">{StatusLook.Of(status).Word}</th>");
        page.Write("</tr></thead><tbody>\n");
        foreach (var shard in data.Shards)
        {
            page.Write($"<tr><td class=\"id nowrap\">{Html.Line(shard.Shard.AccountLabel)}</td><td class=\"id nowrap\">{Html.Line(shard.Shard.RegionLabel)}</td><td class=\"num\">{shard.Secrets.Count}</td>");
            foreach (var status in ReportData.StatusOrder)
            {
                var count = shard.Count(status);
                page.Write($"<td class=\"num{(count == 0 ? " zero" : "")}\">{count}</td>");
            }
            page.Write("</tr>\n");
        }
        page.Write("</tbody></table>\n</section>\n");
    }

    private static void WriteAttention(TextWriter page, IReadOnlyList<(RotationStatus Status, List<RotationDiagnosis> Secrets)> attention,
        IReadOnlyDictionary<RotationDiagnosis, string> anchors)
    {
        page.Write("<section id=\"attention\">\n<h2>Needs attention</h2>\n");
        if (attention.All(a => a.Secrets.Count == 0))
            page.Write("<p>No secret is failing, unknown or warned about.</p>\n");
        foreach (var (status, secrets) in attention.Where(a => a.Secrets.Count > 0))
        {
            var look = StatusLook.Of(status);
            page.Write($"<h3 class=\"group\">{look.Badge} {secrets.Count}</h3>\n");
            foreach (var secret in secrets) WriteCard(page, secret, anchors[secret]);
        }
        page.Write("</section>\n");
    }

    private static void WriteCard(TextWriter page, RotationDiagnosis secret, string anchor)
    {
        var look = StatusLook.Of(secret.Status);
        page.Write($"<article class=\"card {look.Class}\" id=\"{anchor}\">\n<header>{look.Badge}<h3 class=\"name\">{Html.Line(secret.Name)}</h3></header>\n");
        WriteMeta(page, secret);
        if (secret.Summary is { Length: > 0 } summary) page.Write($"<p class=\"summary\">{Html.Text(summary)}</p>\n");

        var confirmed = secret.Causes.FirstOrDefault(c => c.Id == secret.Cause && c.Verdict == CauseVerdict.Confirmed);
        var open = secret.Causes.Where(c => c.Verdict is CauseVerdict.Likely or CauseVerdict.Undetermined).ToList();
        var symptom = Html.Line(secret.Symptom ?? "its symptom");
        if (confirmed is not null)
        {
            page.Write($"<div class=\"cause\"><p><b>Cause, confirmed:</b> <span class=\"id\">{Html.Line(confirmed.Id)}</span>: {Html.Text(confirmed.Summary)}</p>\n");
            if (confirmed.Evidence.Count > 0) page.Write(Evidence(confirmed.Evidence) + "\n");
            if (confirmed.Remediation is { Length: > 0 } fix) page.Write($"<p><b>To fix it:</b> {Html.Text(fix)} {Html.Link(confirmed.HelpUri, "(AWS documentation)")}</p>\n");
            if (confirmed.Command is { Length: > 0 } command) page.Write($"<code class=\"cmd\">{Html.Text(command)}</code>\n");
            page.Write("</div>\n");
        }
        else if (open.Count > 0)
        {
            page.Write($"<div class=\"cause\"><p><b>Cause not confirmed.</b> The evidence leaves {Plural(open.Count, "cause")} of {symptom} open; the command beside each one settles it.</p>\n");
            page.Write("<ul class=\"causes\">\n");
            foreach (var cause in open)
            {
                page.Write($"<li><p><span class=\"sev\">{Html.Line(cause.Verdict.ToString())}</span> <span class=\"id\">{Html.Line(cause.Id)}</span>: {Html.Text(cause.Summary)}</p>" +
                           Evidence(cause.Evidence) +
                           (cause.Command is { Length: > 0 } command ? $"<p class=\"fix\"><b>To settle it:</b></p><code class=\"cmd\">{Html.Text(command)}</code>" : "") + "</li>\n");
            }
            page.Write("</ul>\n</div>\n");
        }
        else if (secret.Causes.Count > 0)
        {
            page.Write($"<div class=\"cause\"><p><b>Cause not confirmed.</b> The evidence rules out every cause AWS's guide gives for {symptom}; the findings say what was found.</p></div>\n");
        }
        else if (LeadingProblem.Of(secret) is { } problem && secret.Findings.FirstOrDefault(f => f.CheckId == problem.Id) is { } leading)
        {
            page.Write($"<div class=\"cause\"><p><b>First problem:</b> <span class=\"id\">{Html.Line(leading.CheckId)}</span>: {Html.Text(leading.Message)}</p>\n");
            if (leading.Remediation is { Length: > 0 } fix) page.Write($"<p><b>To fix it:</b> {Html.Text(fix)} {Html.Link(leading.HelpUri, "(AWS documentation)")}</p>\n");
            page.Write("</div>\n");
        }

        // Ruled-out causes are many and share their reasons: one line per reason.
        var ruledOut = secret.Causes.Where(c => c.Verdict == CauseVerdict.RuledOut).GroupBy(c => string.Join('\n', c.Evidence)).ToList();
        if (ruledOut.Count > 0)
        {
            page.Write("<div class=\"ruled-out\"><h4>Ruled out</h4><ul>\n");
            foreach (var reason in ruledOut)
                page.Write($"<li>{string.Join(", ", reason.Select(c => $"<span class=\"id\">{Html.Line(c.Id)}</span>"))}: {Html.Text(reason.Key)}</li>\n");
            page.Write("</ul></div>\n");
        }
        WriteFindings(page, secret);
        page.Write("</article>\n");
    }

    private static void WriteEverySecret(TextWriter page, ReportData data, IReadOnlyDictionary<RotationDiagnosis, string> anchors, HashSet<RotationDiagnosis> inCards)
    {
        page.Write("<section id=\"secrets\">\n<h2>Every secret</h2>\n");
        page.Write("<table class=\"secrets\"><thead><tr><th>Secret</th><th>Status</th><th>Account</th><th>Region</th><th>Rotated by</th>" +
                   "<th>Last rotated</th><th>Next rotation</th><th>Cause or first problem</th></tr></thead><tbody>\n");
        foreach (var secret in data.Secrets)
        {
            var problem = LeadingProblem.Of(secret);
            page.Write($"<tr><td class=\"name\"><a href=\"#{anchors[secret]}\">{Html.Line(secret.Name)}</a></td><td>{StatusLook.Of(secret.Status).Badge}</td>" +
                       $"<td class=\"id nowrap\">{Html.Line(secret.AccountId)}</td><td class=\"id nowrap\">{Html.Line(secret.Region)}</td><td class=\"id\">{Html.Line(RotatedBy(secret))}</td>" +
                       $"<td class=\"nowrap\">{Utc(secret.LastRotatedDate)}</td><td class=\"nowrap\">{Utc(secret.NextRotationDate)}</td>" +
                       $"<td>{(problem is null ? "" : $"<span class=\"id\">{Html.Line(problem.Id)}</span>{(problem.Confirmed ? " (confirmed)" : "")}")}</td></tr>\n");
        }
        page.Write("</tbody></table>\n");

        var rest = data.Secrets.Where(s => !inCards.Contains(s)).ToList();
        if (rest.Count > 0)
        {
            page.Write("<h3>Secrets that need nothing</h3>\n<p class=\"muted\">The details of the others are under Needs attention.</p>\n");
            foreach (var secret in rest)
            {
                page.Write($"<div class=\"secret\" id=\"{anchors[secret]}\">\n<header>{StatusLook.Of(secret.Status).Badge}<h3 class=\"name\">{Html.Line(secret.Name)}</h3></header>\n");
                WriteMeta(page, secret);
                WriteFindings(page, secret);
                page.Write("</div>\n");
            }
        }
        page.Write("</section>\n");
    }

    private static void WriteMeta(TextWriter page, RotationDiagnosis secret)
    {
        var parts = new List<string>
        {
            $"Account <span class=\"id\">{Html.Line(secret.AccountId ?? "not known")}</span>",
            $"region <span class=\"id\">{Html.Line(secret.Region ?? "not known")}</span>",
            secret.RotationFunctionArn is { Length: > 0 } ? $"rotated by function <span class=\"id\">{Html.Line(RotatedBy(secret))}</span>"
                : secret.OwningService is { Length: > 0 } ? $"rotated by <span class=\"id\">{Html.Line(secret.OwningService)}</span> (managed rotation)"
                : "no rotation function",
            secret.RotationEnabled ? "rotation on" : "rotation off",
        };
        if (secret.LastRotatedDate is { } last) parts.Add($"last rotated {Utc(last)}");
        if (secret.NextRotationDate is { } next) parts.Add($"next {Utc(next)}");
        page.Write($"<p class=\"meta\">{string.Join(" \u00B7 ", parts)}<br><span class=\"id\">{Html.Line(secret.SecretArn)}</span></p>\n");
    }

    private static void WriteFindings(TextWriter page, RotationDiagnosis secret)
    {
        if (secret.Findings.Count == 0)
        {
            page.Write("<p class=\"muted\">No findings.</p>\n");
            return;
        }
        page.Write("<h4>Findings</h4>\n<ul class=\"findings\">\n");
        foreach (var finding in secret.Findings.OrderBy(f => f.Severity))
        {
            var severity = finding.Severity switch { FindingSeverity.Error => "error", FindingSeverity.Warning => "warning", _ => "info" };
            page.Write($"<li class=\"finding sev-{severity}\"><p><span class=\"sev\">{Html.Line(finding.Severity.ToString())}</span> " +
                       $"<span class=\"id\">{Html.Line(finding.CheckId)}</span> {Html.Text(finding.Message)}</p>{Evidence(finding.Evidence)}");
            if (finding.Remediation is { Length: > 0 } fix)
                page.Write($"<p class=\"fix\"><b>What to do:</b> {Html.Text(fix)}{(finding.HelpUri is { Length: > 0 } ? " " + Html.Link(finding.HelpUri, "(AWS documentation)") : "")}</p>");
            page.Write("</li>\n");
        }
        page.Write("</ul>\n");
    }

    private static string Evidence(IReadOnlyList<string> lines) => lines.Count == 0 ? "" : $"<pre>{Html.Text(string.Join('\n', lines))}</pre>";

    private static string RotatedBy(RotationDiagnosis secret) =>
        secret.RotationFunctionArn is { Length: > 0 } arn ? arn[(arn.LastIndexOf(":function:", StringComparison.Ordinal) is var at and >= 0 ? at + 10 : 0)..]
        : secret.OwningService is { Length: > 0 } owner ? owner
        : "";

    private static string Utc(DateTime? time) =>
        time is { } t ? (t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : t).ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "";

    private static string Plural(int count, string noun) => $"{count} {noun}{(count == 1 ? "" : "s")}";
}
