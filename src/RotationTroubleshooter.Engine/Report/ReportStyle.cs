using System.Security.Cryptography;
using System.Text;

namespace RotationTroubleshooter.Report;

/// <summary>
/// The report's one style sheet, inline (the file stands alone). The Content-Security-Policy allows exactly this
/// style by its hash, and nothing else: no script, no other style, no image, font or frame from anywhere.
/// </summary>
internal static class ReportStyle
{
    public const string Css = """
        :root { color-scheme: light; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; color: #1f2328; background: #ffffff; }
        main { max-width: 1200px; margin: 0 auto; padding: 24px 32px 48px; }
        header.page { border-bottom: 3px solid #1f2328; padding-bottom: 10px; }
        h1 { font-size: 1.7em; margin: 0 0 4px; }
        h2 { font-size: 1.35em; margin: 36px 0 12px; padding-bottom: 4px; border-bottom: 1px solid #d0d7de; }
        h3 { font-size: 1.07em; margin: 0; overflow-wrap: anywhere; }
        h4 { font-size: 0.93em; margin: 12px 0 4px; text-transform: uppercase; letter-spacing: 0.04em; color: #57606a; }
        p { margin: 6px 0; }
        a { color: #0550ae; }
        .lead { color: #57606a; margin: 0; }
        nav.toc { margin: 10px 0 0; font-size: 13px; }
        nav.toc a { margin-right: 18px; }
        .tiles { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0 20px; }
        .tile { flex: 1 1 140px; border: 1px solid #d0d7de; border-left: 8px solid #d0d7de; border-radius: 4px; padding: 8px 14px; }
        .tile .n { display: block; font-size: 30px; font-weight: 700; line-height: 1.1; font-variant-numeric: tabular-nums; }
        .tile .w { font-weight: 600; }
        .tile.st-failing, .card.st-failing { border-left-color: #c62828; }
        .tile.st-unknown, .card.st-unknown { border-left-color: #6f63a8; }
        .tile.st-warning, .card.st-warning { border-left-color: #e3a21a; }
        .tile.st-notconfigured { border-left-color: #c3c8cf; }
        .tile.st-healthy { border-left-color: #2e7d32; }
        .tile.none { color: #8c959f; }
        .badge { display: inline-block; padding: 0 8px; border: 1px solid; border-radius: 10px; font-size: 0.86em; font-weight: 600; white-space: nowrap; }
        .badge.st-failing { color: #8e1b1b; background: #fdecea; border-color: #c62828; }
        .badge.st-unknown { color: #3f3578; background: #efedf8; border-color: #6f63a8; }
        .badge.st-warning { color: #6b4200; background: #fff4dc; border-color: #c98a00; }
        .badge.st-notconfigured { color: #424a53; background: #f3f4f6; border-color: #9aa2ab; }
        .badge.st-healthy { color: #1b5e20; background: #e8f5e9; border-color: #2e7d32; }
        .sev { font-weight: 700; white-space: nowrap; }
        ul.findings { list-style: none; margin: 0; padding: 0; }
        li.finding { border-left: 4px solid #d0d7de; padding: 2px 0 2px 10px; margin: 0 0 10px; }
        li.finding.sev-error { border-left-color: #c62828; }
        li.finding.sev-error .sev { color: #8e1b1b; }
        li.finding.sev-warning { border-left-color: #e3a21a; }
        li.finding.sev-warning .sev { color: #6b4200; }
        li.finding.sev-info { color: #424a53; }
        li.finding.sev-info .sev { color: #57606a; font-weight: 600; }
        .fix { margin-top: 2px; }
        ul.causes { list-style: none; margin: 8px 0 0; padding: 0; }
        ul.causes li { border-top: 1px solid #d8dee4; padding: 6px 0; }
        .ruled-out ul { margin: 2px 0 8px; padding-left: 20px; color: #424a53; font-size: 0.93em; }
        table { border-collapse: collapse; width: 100%; margin: 6px 0 16px; }
        th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid #d8dee4; }
        th { background: #f3f4f6; font-weight: 600; border-bottom: 2px solid #afb8c1; }
        tbody tr:nth-child(even) > td { background: #f9fafb; }
        .num { text-align: right; font-variant-numeric: tabular-nums; }
        td.zero { color: #afb8c1; }
        .id, .name { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.9em; overflow-wrap: break-word; }
        .nowrap { white-space: nowrap; }
        .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 0 28px; }
        figure.chart { margin: 8px 0 20px; }
        figure.chart svg { width: 100%; max-width: 880px; height: auto; font: 12px system-ui, "DejaVu Sans", sans-serif; }
        svg .shard .region { fill: #57606a; }
        svg .total { fill: #1f2328; font-weight: 600; }
        svg .count { font-weight: 600; }
        figcaption { color: #57606a; font-size: 0.86em; }
        .card { border: 1px solid #d0d7de; border-left: 8px solid #d0d7de; border-radius: 4px; padding: 12px 16px; margin: 0 0 16px; }
        .card header, .secret header { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
        .meta { color: #57606a; font-size: 0.93em; margin: 4px 0 6px; }
        .summary { font-weight: 600; }
        .cause { background: #f6f8fa; border: 1px solid #d8dee4; border-radius: 4px; padding: 8px 12px; margin: 10px 0; }
        pre, code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.86em; }
        pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 4px 0; padding: 6px 8px; background: #f6f8fa; border: 1px solid #e4e8ec; border-radius: 3px; }
        code.cmd { display: block; white-space: pre-wrap; overflow-wrap: anywhere; margin: 4px 0; padding: 6px 10px; background: #1f2328; color: #f6f8fa; border-radius: 3px; }
        .muted { color: #6e7781; }
        .secret { padding: 10px 0; border-bottom: 1px solid #d8dee4; }
        footer { margin-top: 36px; padding-top: 8px; border-top: 1px solid #d0d7de; color: #57606a; font-size: 0.86em; }
        @media print {
          * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
          body { font-size: 10.5px; }
          main { max-width: none; padding: 0; }
          nav.toc { display: none; }
          a { color: inherit; text-decoration: none; }
          h2, h3, h4, .card header { break-after: avoid; }
          tr, li.finding, .cause, .tile, figure.chart { break-inside: avoid; }
          .tile { flex-basis: 90px; padding: 4px 10px; }
          .tile .n { font-size: 20px; }
          code.cmd { background: #ffffff; color: #000000; border: 1px solid #57606a; }
        }
        """;

    /// <summary>The CSP source that allows exactly <see cref="Css"/> in a &lt;style&gt; element.</summary>
    public static readonly string Hash = "'sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Css))) + "'";

    /// <summary>Nothing loads, nothing runs, nothing is sent: only the inline style above applies.</summary>
    public static string ContentSecurityPolicy =>
        $"default-src 'none'; style-src {Hash}; img-src 'none'; font-src 'none'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'";
}
