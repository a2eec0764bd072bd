using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Text;

/// <summary>
/// The secret values one run has read (one per <see cref="AwsSession"/>): each secret's password and every value under
/// a key naming a password, secret, token or key, at any depth, and the whole value when it is not a JSON object.
/// <see cref="Apply"/> masks every occurrence of them, whatever text they turn up in (a log line, a database error, a
/// user name that equals the password). Values shorter than <see cref="MinimumLength"/> are not kept: they occur in
/// ordinary words by chance, and masking them would garble every message while protecting nothing.
/// </summary>
public sealed partial class SecretMask : IRunService<SecretMask>
{
    public const string Mask = "********";
    public const int MinimumLength = 4;

    private readonly Lock _gate = new();
    private readonly HashSet<string> _values = new(StringComparer.Ordinal);
    private volatile Snapshot? _snapshot;

    /// <summary>The run's mask (<c>session.Get&lt;SecretMask&gt;()</c>).</summary>
    public static SecretMask Create(AwsSession session) => new();

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

    /// <summary>Registers one value known to be secret (a SecretBinary's base64 text, say).</summary>
    public void Register(string value)
    {
        if (value.Length < MinimumLength) return;
        lock (_gate)
        {
            if (_values.Add(value)) _snapshot = null;
        }
    }

    /// <summary><paramref name="text"/> with every registered value replaced by <see cref="Mask"/>, longest first.</summary>
    public string Apply(string text)
    {
        var snapshot = _snapshot ?? Build();
        if (snapshot.Search is null) return text;
        var at = text.AsSpan().IndexOfAny(snapshot.Search);
        if (at < 0) return text;
        var builder = new StringBuilder(text.Length);
        var start = 0;
        while (at >= 0)
        {
            var position = start + at;
            var value = snapshot.Longest.First(v => text.AsSpan(position).StartsWith(v, StringComparison.Ordinal));
            builder.Append(text, start, position - start).Append(Mask);
            start = position + value.Length;
            at = text.AsSpan(start).IndexOfAny(snapshot.Search);
        }
        return builder.Append(text, start, text.Length - start).ToString();
    }

    private Snapshot Build()
    {
        lock (_gate)
        {
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
