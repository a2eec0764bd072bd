using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter;

/// <summary>Where a secret says its database is: the secret JSON's <c>engine</c>, <c>host</c> and <c>port</c>, nothing else.</summary>
/// <param name="KeyNames">The top-level key names of the secret JSON (names only, never values), for messages.</param>
public sealed record SecretDatabaseAddress(string? Engine, string? Host, int? Port, IReadOnlyList<string> KeyNames);

/// <summary>
/// Reads a secret's current value (secretsmanager:GetSecretValue, AWSCURRENT) and keeps only the database address.
/// The value itself never leaves this class: not in the result, a message or an exception.
/// </summary>
internal sealed class SecretHostReader(AwsPipeline pipeline)
{
    /// <summary>Secrets Manager's own limit on a secret value.</summary>
    private const int MaxSecretLength = 65_536;

    public async Task<SecretDatabaseAddress> ReadAsync(string secretId, CancellationToken cancellation)
    {
        var response = await pipeline.JsonAsync(AwsServices.SecretsManager, "secretsmanager", "GetSecretValue",
            new NetworkSecretValueRequest { SecretId = secretId }, NetworkJsonContext.Default.NetworkSecretValueRequest,
            NetworkJsonContext.Default.NetworkSecretValueResponse, cancellation).ConfigureAwait(false);
        var text = response.SecretString;
        response.SecretString = null;
        if (string.IsNullOrEmpty(text))
            throw new TroubleshooterException("SecretNotJson", FailureCategory.InvalidData,
                $"Secret '{secretId}' has no SecretString (a binary secret); its database host cannot be read.");
        if (text.Length > MaxSecretLength)
            throw new TroubleshooterException("SecretNotJson", FailureCategory.InvalidData,
                $"Secret '{secretId}' is longer than {MaxSecretLength} characters; it was not read.");
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw NotJsonObject(secretId, document.RootElement.ValueKind.ToString(), null);
            var root = document.RootElement;
            var keys = root.EnumerateObject().Select(p => p.Name).ToList();
            return new SecretDatabaseAddress(StringKey(root, "engine"), StringKey(root, "host"), PortKey(root), keys);
        }
        catch (JsonException e)
        {
            // JsonException text can quote the input; only its position is kept.
            throw NotJsonObject(secretId, $"invalid JSON at byte {e.BytePositionInLine}", null);
        }
    }

    private static TroubleshooterException NotJsonObject(string secretId, string what, Exception? inner) =>
        new("SecretNotJson", FailureCategory.InvalidData,
            $"Secret '{secretId}' is not a JSON object ({what}); rotation templates need engine, host, username and password keys.", inner);

    private static string? StringKey(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text.Trim() : null;

    private static int? PortKey(JsonElement root)
    {
        if (!root.TryGetProperty("port", out var value)) return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)) return number is > 0 and < 65536 ? number : null;
        // The templates accept the port as a string too.
        return value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            && parsed is > 0 and < 65536 ? parsed : null;
    }
}

internal sealed class NetworkSecretValueRequest { public string SecretId { get; set; } = ""; }

internal sealed class NetworkSecretValueResponse { public string? SecretString { get; set; } }

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(NetworkSecretValueRequest))]
[JsonSerializable(typeof(NetworkSecretValueResponse))]
internal sealed partial class NetworkJsonContext : JsonSerializerContext;
