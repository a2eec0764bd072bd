using System.Text.Json;

namespace RotationTroubleshooter.Aws;

/// <summary>
/// A secret's value, kept inside the engine. Nothing public exposes the text: callers see key names, the lengths of
/// values, and the few keys that are not secrets (engine, host, port, dbname, username, masterarn, ssl).
/// </summary>
public sealed class SecretValue
{
    private static readonly HashSet<string> NonSecretKeys = new(StringComparer.Ordinal)
        { "engine", "host", "port", "dbname", "username", "masterarn", "ssl", "user_arn", "dbClusterIdentifier", "dbInstanceIdentifier" };

    internal SecretValue(string versionId, IReadOnlyList<string> stages, string? secretString, bool isBinary)
    {
        VersionId = versionId;
        Stages = stages;
        Text = secretString;
        IsBinary = isBinary;
    }

    public string VersionId { get; }
    public IReadOnlyList<string> Stages { get; }
    public bool IsBinary { get; }

    /// <summary>The SecretString. Internal: only the engine's database login reads it.</summary>
    internal string? Text { get; }

    /// <summary>The top-level JSON keys, or null when the value is not a JSON object.</summary>
    public IReadOnlyList<string>? KeyNames => WithObject(root => (IReadOnlyList<string>)root.EnumerateObject().Select(p => p.Name).ToList());

    /// <summary>A non-secret key's value as text (never the password or other keys).</summary>
    public string? GetPublicValue(string key)
    {
        if (!NonSecretKeys.Contains(key)) throw new ArgumentException($"'{key}' may hold a secret and is not readable here.", nameof(key));
        return WithObject(root => root.TryGetProperty(key, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                _ => null,
            }
            : null);
    }

    /// <summary>Why the value is not a JSON object (without quoting it), or null when it is one.</summary>
    public string? NotJsonReason
    {
        get
        {
            if (IsBinary) return "the secret is stored as SecretBinary, not as a JSON SecretString";
            if (string.IsNullOrWhiteSpace(Text)) return "the SecretString is empty";
            try
            {
                using var document = JsonDocument.Parse(Text);
                return document.RootElement.ValueKind == JsonValueKind.Object
                    ? null : $"the SecretString is a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}, not an object";
            }
            catch (JsonException e)
            {
                // The parser's message quotes no content, only a position.
                return $"the SecretString is not valid JSON ({Text.Length} characters; error at line {e.LineNumber + 1}, byte {e.BytePositionInLine})";
            }
        }
    }

    private T? WithObject<T>(Func<JsonElement, T?> read) where T : class
    {
        if (NotJsonReason != null) return null;
        using var document = JsonDocument.Parse(Text!);
        return read(document.RootElement);
    }

    public override string ToString() => $"SecretValue {VersionId} ({(IsBinary ? "binary" : $"{Text?.Length ?? 0} characters")})";
}
