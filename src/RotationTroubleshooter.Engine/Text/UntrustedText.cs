using System.Buffers;
using System.Text;

namespace RotationTroubleshooter.Text;

/// <summary>
/// Text from outside (AWS answers, log events, database errors, zip entry names, ELF strings, files) is data, never
/// terminal control: every control character becomes a visible stand-in before the text can reach an output object, a
/// message, an error or a stream. C0 controls show as their Unicode control pictures (ESC as ␛), DEL as ␡, C1 controls and
/// the bidirectional overrides that reorder what a terminal shows as \u escapes (docs/reference/safety.md, "Terminals").
/// </summary>
public static class UntrustedText
{
    private static readonly SearchValues<char> Controls = SearchValues.Create(
        Enumerable.Range(0, 0x20).Concat([0x7F]).Concat(Enumerable.Range(0x80, 0x20))
            .Concat(Enumerable.Range(0x202A, 5)).Concat(Enumerable.Range(0x2066, 4))
            .Select(c => (char)c).ToArray());

    /// <summary>A one-line field (a name, a tag, an id, a message): tabs and line breaks become visible too.</summary>
    public static string Line(string text) => Clean(text, keepLayout: false);

    /// <inheritdoc cref="Line(string)"/>
    public static string? LineOrNull(string? text) => text is null ? null : Line(text);

    /// <summary>A multi-line field (a log event, a policy document): tabs and line feeds stay, CRLF becomes LF.</summary>
    public static string Lines(string text) => Clean(text, keepLayout: true);

    /// <inheritdoc cref="Lines(string)"/>
    public static string? LinesOrNull(string? text) => text is null ? null : Lines(text);

    /// <summary>Whether <paramref name="text"/> holds a character <see cref="Lines(string)"/> would change.</summary>
    public static bool HasControl(string text, bool keepLayout = true)
    {
        var span = text.AsSpan();
        for (var at = span.IndexOfAny(Controls); at >= 0; at = Next(span, at))
        {
            if (!(keepLayout && IsLayout(span, at))) return true;
        }
        return false;
    }

    private static int Next(ReadOnlySpan<char> span, int at)
    {
        var next = span[(at + 1)..].IndexOfAny(Controls);
        return next < 0 ? -1 : at + 1 + next;
    }

    private static bool IsLayout(ReadOnlySpan<char> span, int at) =>
        span[at] is '\t' or '\n' || (span[at] == '\r' && at + 1 < span.Length && span[at + 1] == '\n');

    private static string Clean(string text, bool keepLayout)
    {
        ArgumentNullException.ThrowIfNull(text);
        var first = text.AsSpan().IndexOfAny(Controls);
        if (first < 0) return text;
        var builder = new StringBuilder(text.Length + 16).Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (!Controls.Contains(c)) builder.Append(c);
            else if (keepLayout && c is '\t' or '\n') builder.Append(c);
            else if (keepLayout && c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') { }
            else builder.Append(Visible(c));
        }
        return builder.ToString();
    }

    private static string Visible(char c) => c switch
    {
        < (char)0x20 => ((char)(0x2400 + c)).ToString(),
        (char)0x7F => "\u2421",
        _ => $"\\u{(int)c:x4}",
    };
}
