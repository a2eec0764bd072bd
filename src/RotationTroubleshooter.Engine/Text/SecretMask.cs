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
    // Values registered since the last snapshot; the snapshot's groups are immutable, so masking needs no lock.
    private readonly List<string> _pending = [];
    private volatile Snapshot _snapshot = Snapshot.Empty;

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
            foreach (var form in (ReadOnlySpan<string>)[value, UntrustedText.Line(value), UntrustedText.Lines(value)])
                if (_values.Add(form)) _pending.Add(form);
            if (_pending.Count > 0 && !_snapshot.Stale) _snapshot = _snapshot with { Stale = true };
        }
    }

    /// <summary>
    /// <paramref name="text"/> with every registered value replaced by <see cref="Mask"/>, longest first. Masking masked
    /// text again changes nothing (a value found inside a mask already there is left), since text is cleaned at each
    /// output type it passes through.
    /// </summary>
    public string Apply(string text)
    {
        var snapshot = _snapshot;
        if (snapshot.Stale) snapshot = Build();
        if (snapshot.Groups.Length == 0) return text;
        var at = snapshot.IndexOfAny(text, 0);
        if (at < 0) return text;
        var builder = new StringBuilder(text.Length);
        var copied = 0;
        while (at >= 0)
        {
            int start;
            if (MaskAround(text, at) is { } maskEnd)
            {
                start = maskEnd;
            }
            else
            {
                builder.Append(text, copied, at - copied).Append(Mask);
                start = copied = at + snapshot.LongestAt(text, at).Length;
            }
            at = start >= text.Length ? -1 : snapshot.IndexOfAny(text, start);
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

    /// <summary>
    /// The snapshot with the values registered since the last one. They become a new group, merged with the newest groups
    /// while those are not more than twice its size: a fleet registers values between its outputs all along, and
    /// rebuilding one search over every value each time would cost the square of the secrets (and churn the large object
    /// heap); this way each value is rebuilt into a search a logarithmic number of times, over a logarithmic number of groups.
    /// </summary>
    private Snapshot Build()
    {
        lock (_gate)
        {
            // Output types on many threads mask at once: the first to get here builds, the others use its snapshot.
            if (_snapshot is { Stale: false } built) return built;
            var groups = new List<ValueGroup>(_snapshot.Groups);
            var newest = _pending.ToArray();
            _pending.Clear();
            while (groups.Count > 0 && groups[^1].Longest.Length <= 2 * newest.Length)
            {
                newest = [.. groups[^1].Longest, .. newest];
                groups.RemoveAt(groups.Count - 1);
            }
            groups.Add(ValueGroup.Of(newest));
            return _snapshot = new Snapshot([.. groups], Stale: false);
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

    /// <summary>Some registered values, longest first, and the search for any of them.</summary>
    private sealed record ValueGroup(string[] Longest, SearchValues<string> Search)
    {
        public static ValueGroup Of(string[] values)
        {
            var longest = values.OrderByDescending(v => v.Length).ToArray();
            return new ValueGroup(longest, SearchValues.Create(longest, StringComparison.Ordinal));
        }
    }

    /// <summary>Every registered value, in groups; stale when values were registered since.</summary>
    private sealed record Snapshot(ValueGroup[] Groups, bool Stale)
    {
        public static readonly Snapshot Empty = new([], Stale: false);

        /// <summary>Where the first registered value in <paramref name="text"/> from <paramref name="start"/> begins; -1 when none does.</summary>
        public int IndexOfAny(string text, int start)
        {
            var first = -1;
            foreach (var group in Groups)
                if (text.AsSpan(start).IndexOfAny(group.Search) is >= 0 and var at && (first < 0 || start + at < first))
                    first = start + at;
            return first;
        }

        /// <summary>The longest registered value that begins at <paramref name="position"/> (one does).</summary>
        public string LongestAt(string text, int position)
        {
            string? longest = null;
            foreach (var group in Groups)
                if (group.Longest.FirstOrDefault(v => text.AsSpan(position).StartsWith(v, StringComparison.Ordinal)) is { } value
                    && value.Length > (longest?.Length ?? 0))
                    longest = value;
            return longest!;
        }
    }

    // password, passwd, pwd, pass, pw, secret, token, private key, api or access key; not key ids (kms_key_id names a key).
    [GeneratedRegex(@"pass|pwd|^pw$|secret|token|private|api_?key|access_?key|^key$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretKey();
}
