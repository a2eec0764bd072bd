using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Text;

/// <summary>
/// The secret values one run has read (one per cmdlet call, shared by its <see cref="AwsSession"/>s): each secret's
/// password and every value under a key naming a password, secret, token or key, at any depth, and the whole value when
/// it is not a JSON object. <see cref="Apply"/> masks every occurrence of them, whatever text they turn up in (a log line,
/// a database error, a user name that equals the password). Values shorter than <see cref="MinimumLength"/> are not
/// kept: they occur in ordinary words by chance, and masking them would garble every message while protecting nothing.
/// The run's mask is <see cref="Current"/> while its code runs (<see cref="Use"/>), which is how the output types mask
/// the text they are given (<see cref="OutputText"/>).
/// </summary>
public sealed partial class SecretMask : IRunService<SecretMask>
{
    public const string Mask = "********";
    public const int MinimumLength = 4;

    private static readonly AsyncLocal<SecretMask?> Ambient = new();

    private readonly Lock _gate = new();
    private readonly HashSet<string> _values = new(StringComparer.Ordinal);
    private volatile Snapshot? _snapshot;

    /// <summary>The mask of the run whose code is running (see <see cref="Use"/>); null outside a run.</summary>
    public static SecretMask? Current => Ambient.Value;

    /// <summary>
    /// The run's mask (<c>session.Get&lt;SecretMask&gt;()</c>): the one in use where the session is made (a cmdlet's
    /// run), else a new one.
    /// </summary>
    public static SecretMask Create(AwsSession session) => Current ?? new();

    /// <summary>
    /// Makes this the <see cref="Current"/> mask until the scope is disposed, for the calling code and the tasks it
    /// starts meanwhile (they keep it to their end: an <see cref="AsyncLocal{T}"/> flows with the work).
    /// </summary>
    public Scope Use()
    {
        var previous = Ambient.Value;
        Ambient.Value = this;
        return new Scope(previous);
    }

    /// <summary>Puts back the mask that was current before <see cref="Use"/>.</summary>
    public readonly struct Scope(SecretMask? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }

    /// <summary>Registers what a secret string holds (see the class summary).</summary>
    public void RegisterSecretString(string? secretString)
    {
        if (string.IsNullOrEmpty(secretString)) return;
        try
        {
            using var document = JsonDocument.Parse(secretString, new JsonDocumentOptions { MaxDepth = 32 });
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                RegisterSecretFields(document.RootElement, underSecretKey: false);
                return;
            }
        }
        catch (JsonException)
        {
        }
        // Not a JSON object (a bare password, broken JSON): the whole value is the secret.
        Register(secretString);
    }

    /// <summary>
    /// Registers one value known to be secret (a SecretBinary's base64 text, say), and the forms it takes in text that was
    /// made visible where it entered (a value with a control character shows as <see cref="UntrustedText"/> wrote it).
    /// </summary>
    public void Register(string value)
    {
        if (value.Length < MinimumLength) return;
        lock (_gate)
        {
            var added = _values.Add(value);
            added |= _values.Add(UntrustedText.Line(value));
            added |= _values.Add(UntrustedText.Lines(value));
            if (added) _snapshot = null;
        }
    }

    /// <summary>
    /// <paramref name="text"/> with every registered value replaced by <see cref="Mask"/>, longest first. Masking masked
    /// text again changes nothing (a value found inside a mask already there is left), since text is cleaned at each
    /// output type it passes through.
    /// </summary>
    public string Apply(string text)
    {
        var snapshot = _snapshot ?? Build();
        if (snapshot.Search is null) return text;
        var at = text.AsSpan().IndexOfAny(snapshot.Search);
        if (at < 0) return text;
        var builder = new StringBuilder(text.Length);
        var start = 0;
        var copied = 0;
        while (at >= 0)
        {
            var position = start + at;
            if (MaskAround(text, position) is { } maskEnd)
            {
                start = maskEnd;
            }
            else
            {
                var value = snapshot.Longest.First(v => text.AsSpan(position).StartsWith(v, StringComparison.Ordinal));
                builder.Append(text, copied, position - copied).Append(Mask);
                start = copied = position + value.Length;
            }
            at = start >= text.Length ? -1 : text.AsSpan(start).IndexOfAny(snapshot.Search);
        }
        return copied == 0 ? text : builder.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>The end of a <see cref="Mask"/> that covers <paramref name="position"/>, if one does.</summary>
    private static int? MaskAround(string text, int position)
    {
        if (text[position] != '*') return null;
        for (var from = Math.Max(0, position - Mask.Length + 1); from <= position; from++)
            if (text.AsSpan(from).StartsWith(Mask, StringComparison.Ordinal)) return from + Mask.Length;
        return null;
    }

    private Snapshot Build()
    {
        lock (_gate)
        {
            // Output types on many threads mask at once: the first to get here builds, the others use its snapshot.
            if (_snapshot is { } built) return built;
            var values = _values.OrderByDescending(v => v.Length).ToArray();
            return _snapshot = new Snapshot(values, values.Length == 0 ? null : SearchValues.Create(values, StringComparison.Ordinal));
        }
    }

    private void RegisterSecretFields(JsonElement element, bool underSecretKey)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                    RegisterSecretFields(property.Value, underSecretKey || SecretKey().IsMatch(property.Name));
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) RegisterSecretFields(item, underSecretKey);
                break;
            case JsonValueKind.String when underSecretKey:
                Register(element.GetString()!);
                break;
            case JsonValueKind.Number when underSecretKey:
                Register(element.GetRawText());
                break;
        }
    }

    private sealed record Snapshot(string[] Longest, SearchValues<string>? Search);

    // password, passwd, pwd, pass, pw, secret, token, private key, api or access key; not key ids (kms_key_id names a key).
    [GeneratedRegex(@"pass|pwd|^pw$|secret|token|private|api_?key|access_?key|^key$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretKey();
}
