namespace RotationTroubleshooter.Text;

/// <summary>
/// Text as the output types, engine exceptions and cmdlet messages hold it, cleaned where it enters them: the secret
/// values the run has read are masked (<see cref="SecretMask.Current"/>) and control characters made visible
/// (<see cref="UntrustedText.Lines(string)"/>: tabs and line feeds stay). The types clean what their constructors and
/// setters are given, so no way of building or writing them can skip it, and they keep their own shapes (an export shows
/// a <see cref="ReadableList{T}"/>'s words).
/// </summary>
public static class OutputText
{
    /// <summary>The text, masked with the run's mask and made visible.</summary>
    public static string Of(string text) => Of(text, SecretMask.Current);

    /// <summary>The text, masked with <paramref name="mask"/> and made visible.</summary>
    public static string Of(string text, SecretMask? mask) => UntrustedText.Lines(mask is null ? text : mask.Apply(text));

    /// <inheritdoc cref="Of(string)"/>
    public static string? OfOrNull(string? text) => text is null ? null : Of(text);

    /// <summary>Each line, as <see cref="Of(string)"/> makes it.</summary>
    public static IEnumerable<string> Lines(IEnumerable<string>? lines) => (lines ?? []).Select(Of);

    /// <summary>
    /// A name the module itself defines (a finding, check or cause id, a documentation link): control characters only.
    /// Masking would garble the module's vocabulary (<c>Where-Object CheckId -eq ...</c>) and show where a value was.
    /// </summary>
    public static string Id(string id) => UntrustedText.Line(id);

    /// <inheritdoc cref="Id(string)"/>
    public static string? IdOrNull(string? id) => id is null ? null : Id(id);

    /// <summary>Whether every message in the exception's chain is already as <see cref="Of(string, SecretMask)"/> would make it.</summary>
    public static bool IsClean(Exception? error, SecretMask? mask)
    {
        for (var e = error; e is not null; e = e.InnerException)
            if (Of(e.Message, mask) != e.Message) return false;
        return true;
    }

    /// <summary>
    /// An exception a cmdlet may show: itself when every message in its chain is clean (an engine exception's text was
    /// cleaned when it was made; a value read since then is checked again), else one that carries only its cleaned message.
    /// </summary>
    public static Exception Error(Exception error, SecretMask? mask)
    {
        if (IsClean(error, mask)) return error;
        // The inner exceptions held text that needed cleaning; the cleaned top message says what they said.
        return error is TroubleshooterException t
            ? new TroubleshooterException(t.ErrorId, t.Category, Of(t.Message, mask))
            : new TroubleshooterException(ErrorIds.UnexpectedError, FailureCategory.Other, Of(error.Message, mask));
    }
}
