namespace RotationTroubleshooter.Database;

/// <summary>Removes a secret from text that came from elsewhere (driver exceptions), before it can reach any output.</summary>
internal static class SecretScrubber
{
    internal const string Mask = "********";
    internal const int MinimumMaskedLength = 4;

    /// <summary>Replaces every occurrence of <paramref name="secret"/> and bounds the text's length.</summary>
    internal static string Scrub(string? text, string? secret, int maxLength = 600)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        // A secret of one to three characters occurs in ordinary words by chance: masking it would garble every message
        // while protecting nothing, so only longer secrets are masked.
        if (secret is { Length: >= MinimumMaskedLength })
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        text = text.ReplaceLineEndings(" ").Trim();
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
