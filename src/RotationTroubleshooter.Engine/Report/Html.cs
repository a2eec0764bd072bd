using System.Text.Encodings.Web;
using System.Text.Unicode;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Report;

/// <summary>
/// The one way text enters the report. Every string a diagnosis holds came from AWS, a log, a database or a JSON file
/// someone handed over, so it is data: control characters are made visible (as everywhere in the module) and the result
/// HTML-encoded, so that a log line saying &lt;script&gt; shows those characters and never becomes markup.
/// </summary>
internal static class Html
{
    // All of Unicode stays readable; HTML's special characters (&lt; &gt; &amp; quotes) and controls are encoded.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    /// <summary>A one-line value (a name, an id, an ARN): line breaks become visible too.</summary>
    public static string Line(string? text) => string.IsNullOrEmpty(text) ? "" : Encoder.Encode(UntrustedText.Line(text));

    /// <summary>Prose or evidence: line breaks and tabs stay, for a &lt;pre&gt; or white-space: pre-wrap.</summary>
    public static string Text(string? text) => string.IsNullOrEmpty(text) ? "" : Encoder.Encode(UntrustedText.Lines(text));

    /// <summary>An https link to <paramref name="uri"/>, or the text alone when it is not an absolute https URL.</summary>
    public static string Link(string? uri, string label)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme != Uri.UriSchemeHttps) return Line(label);
        return $"<a href=\"{Line(parsed.AbsoluteUri)}\" rel=\"noopener noreferrer\">{Line(label)}</a>";
    }
}
