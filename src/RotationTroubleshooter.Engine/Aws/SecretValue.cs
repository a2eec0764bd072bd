using System.Text.Json;

namespace RotationTroubleshooter.Aws;

/// <summary>
/// What the checks may know about a secret's value: its top-level key names, the few keys that are not secrets
/// (engine, host, port, dbname, username, masterarn, ssl), and why it is not a JSON object. It never holds the value.
/// </summary>
public sealed class SecretValue
{
    private static readonly HashSet<string> NonSecretKeys = new(StringComparer.Ordinal)
        { "engine", "host", "port", "dbname", "username", "masterarn", "ssl", "user_arn", "dbClusterIdentifier", "dbInstanceIdentifier" };

    private readonly Dictionary<string, string> _publicValues = new(StringComparer.Ordinal);

    internal SecretValue(string? versionId, string? secretString, bool isBinary)
    {
        VersionId = versionId;
        if (isBinary) { NotJsonReason = "the secret is stored as SecretBinary, not as a JSON SecretString"; return; }
        if (string.IsNullOrWhiteSpace(secretString)) { NotJsonReason = "the SecretString is empty"; return; }
        try
        {
            using var document = JsonDocument.Parse(secretString);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                NotJsonReason = $"the SecretString is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object";
                return;
            }
            KeyNames = root.EnumerateObject().Select(p => Text.UntrustedText.Line(p.Name)).ToList();
            foreach (var property in root.EnumerateObject().Where(p => NonSecretKeys.Contains(p.Name)))
                if (property.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
                    _publicValues[property.Name] = Text.UntrustedText.Line(property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText());
        }
        catch (JsonException e)
        {
            // The parser's message quotes no content, only a position.
            NotJsonReason = $"the SecretString is not valid JSON ({secretString.Length} characters; error at line {e.LineNumber + 1}, byte {e.BytePositionInLine})";
        }
    }

    public string? VersionId { get; }

    /// <summary>The top-level JSON keys, or null when the value is not a JSON object.</summary>
    public IReadOnlyList<string>? KeyNames { get; }

    /// <summary>Why the value is not a JSON object (without quoting it), or null when it is one.</summary>
    public string? NotJsonReason { get; }

    /// <summary>A non-secret key's value as text; null when absent. Asking for any other key is a programming error.</summary>
    public string? GetPublicValue(string key) => NonSecretKeys.Contains(key)
        ? _publicValues.GetValueOrDefault(key)
        : throw new ArgumentException($"'{key}' may hold a secret and is not readable here.", nameof(key));

    public override string ToString() => $"SecretValue {VersionId} ({(KeyNames is null ? NotJsonReason : string.Join(", ", KeyNames))})";
}
