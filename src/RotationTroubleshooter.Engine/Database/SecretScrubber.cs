using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Database;

/// <summary>
/// Makes text from a database driver or server (exception messages, error text) safe to show: the password masked,
/// control characters made visible, one line, bounded.
/// </summary>
internal static class SecretScrubber
{
    /// <summary>Replaces every occurrence of <paramref name="secret"/> (4 characters or more, as <see cref="SecretMask"/>) and bounds the text's length.</summary>
    internal static string Scrub(string? text, string? secret, int maxLength = 600)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        if (secret is { Length: >= SecretMask.MinimumLength })
        {
            text = text.Replace(secret, SecretMask.Mask, StringComparison.Ordinal);
        }

        text = UntrustedText.Line(text.ReplaceLineEndings(" ").Trim());
        return text.Length <= maxLength ? text : text[..maxLength] + "...";
    }

    /// <summary>The exception's type and message and those of its inner exceptions, scrubbed; never the stack trace.</summary>
    internal static string Describe(Exception exception, string? secret)
    {
        var parts = new List<string>();
        for (var current = exception; current is not null && parts.Count < 4; current = current.InnerException)
        {
            parts.Add($"{current.GetType().Name}: {current.Message}");
        }

        return Scrub(string.Join(" -> ", parts), secret);
    }
}
