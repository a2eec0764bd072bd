using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using RotationTroubleshooter.Database;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Aws;

public sealed class GetSecretValueRequest
{
    public string SecretId { get; set; } = "";
    public string VersionStage { get; set; } = "";
}

// Its own context: a second partial AwsJsonContext declaration with [JsonSerializable] makes the source generator emit
// duplicate files ("hintName ... must be unique") and the build fails.
[JsonSerializable(typeof(GetSecretValueRequest))]
internal sealed partial class SecretValueJsonContext : JsonSerializerContext;

/// <summary>One version of a database secret, read and parsed; the password stays inside <see cref="Connection"/>.</summary>
public sealed record DatabaseSecretVersion(string SecretArn, string? VersionId, string Stage, DatabaseConnectionInfo Connection);

/// <summary>
/// Secrets Manager GetSecretValue, the one call that returns a secret value. Kept apart from <see cref="SecretsManagerClient"/>
/// so that no generic response shape ever holds a secret: the body is parsed in place, the value handed straight to the
/// parser, and the buffer wiped, whatever happens.
/// </summary>
public sealed class SecretValueClient(AwsPipeline pipeline, SecretMask? mask = null) : IRunService<SecretValueClient>
{
    /// <summary>The run's client: it tells the run's <see cref="SecretMask"/> every value it reads.</summary>
    public static SecretValueClient Create(AwsSession session) => new(session.Pipeline, session.Get<SecretMask>());

    private const string Operation = "GetSecretValue";
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string), Lazy<Task<SecretValue>>> _views = new();


    /// <summary>What the checks may know of the version labelled <paramref name="versionStage"/>: key names, never values.</summary>
    public Task<SecretValue> GetSecretValueAsync(string secretId, string versionStage, CancellationToken cancellation) =>
        _views.GetOrAdd((secretId, versionStage), key => new Lazy<Task<SecretValue>>(() => ReadViewAsync(key.Item1, key.Item2, cancellation))).Value;

    private Task<SecretValue> ReadViewAsync(string secretId, string versionStage, CancellationToken cancellation) =>
        ReadAsync(secretId, versionStage, (root, _, versionId) => new SecretValue(versionId,
            root.TryGetProperty("SecretString", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null,
            root.TryGetProperty("SecretBinary", out var binary) && binary.ValueKind == JsonValueKind.String), cancellation);

    /// <summary>Reads the version labelled <paramref name="versionStage"/> and parses it as a rotation template would.</summary>
    /// <exception cref="TroubleshooterException">
    /// Ids: GetSecretValueDenied, KmsAccessDenied, SecretVersionNotFound, SecretValueBinary, SecretValueEmpty, SecretValueNotJson,
    /// SecretJsonKeyMissing, SecretValueInvalid; other AWS failures as <see cref="AwsServiceException"/>. Messages never hold the value.
    /// </exception>
    public Task<DatabaseSecretVersion> GetDatabaseSecretAsync(string secretId, string versionStage, CancellationToken cancellation) =>
        ReadAsync(secretId, versionStage, (root, arn, versionId) => ParseDatabaseSecret(root, arn, versionId, versionStage), cancellation);

    private async Task<T> ReadAsync<T>(string secretId, string versionStage, Func<JsonElement, string, string?, T> read, CancellationToken cancellation)
    {
        var request = new AwsRequest
        {
            Service = AwsServices.SecretsManager, Operation = Operation, Protocol = AwsProtocol.Json,
            Body = JsonSerializer.SerializeToUtf8Bytes(new GetSecretValueRequest { SecretId = secretId, VersionStage = versionStage },
                SecretValueJsonContext.Default.GetSecretValueRequest),
            ContentType = "application/x-amz-json-1.1",
        };
        request.Headers["X-Amz-Target"] = $"secretsmanager.{Operation}";

        AwsResponse response;
        try
        {
            response = await pipeline.SendAsync(request, cancellation).ConfigureAwait(false);
        }
        catch (AwsServiceException e)
        {
            throw Explain(e, secretId, versionStage);
        }

        try
        {
            return Parse(response.Body, secretId, versionStage, read, mask);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(response.Body);
        }
    }

    private static T Parse<T>(byte[] body, string secretId, string stage, Func<JsonElement, string, string?, T> read, SecretMask? mask)
    {
        JsonDocument document;
        try
        {
            // Parsing a byte array in place: the document reads the buffer, it does not copy the value out of it.
            document = JsonDocument.Parse(body.AsMemory(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException)
        {
            // The reader's message can quote the body: say only that it was unreadable.
            throw new AwsServiceException(AwsErrorKind.ServiceFault, "secretsmanager", Operation, null,
                $"secretsmanager:{Operation} for '{secretId}' ({stage}) returned a response that is not JSON. A proxy may be in the way; try again.");
        }

        using (document)
        {
            var root = document.RootElement;
            string? Text(string name) =>
                root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            if (root.ValueKind != JsonValueKind.Object)
                throw new AwsServiceException(AwsErrorKind.ServiceFault, "secretsmanager", Operation, null,
                    $"secretsmanager:{Operation} for '{secretId}' ({stage}) returned a response that is not a JSON object.");
            if (mask is not null) Register(root, mask);
            return read(root, UntrustedText.LineOrNull(Text("ARN")) ?? secretId, UntrustedText.LineOrNull(Text("VersionId")));
        }
    }

    /// <summary>
    /// Tells the run's mask what this value holds, so that it is masked in whatever text the run shows (the mask keeps
    /// these strings for the run: it cannot mask what it does not know).
    /// </summary>
    private static void Register(JsonElement root, SecretMask mask)
    {
        if (root.TryGetProperty("SecretString", out var text) && text.ValueKind == JsonValueKind.String)
            mask.RegisterSecretString(text.GetString());
        if (root.TryGetProperty("SecretBinary", out var binary) && binary.ValueKind == JsonValueKind.String && binary.GetString() is { } base64)
        {
            mask.Register(base64);
            if (binary.TryGetBytesFromBase64(out var bytes))
            {
                try
                {
                    mask.Register(new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes));
                }
                catch (System.Text.DecoderFallbackException)
                {
                    // Not text: it cannot turn up in text either.
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(bytes);
                }
            }
        }
    }

    private static DatabaseSecretVersion ParseDatabaseSecret(JsonElement root, string arn, string? versionId, string stage)
    {
        {
            var where = $"The {stage} version{(versionId is null ? "" : $" ({versionId})")} of secret '{arn}'";

            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("SecretString", out var value) || value.ValueKind != JsonValueKind.String)
            {
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("SecretBinary", out var binary) && binary.ValueKind == JsonValueKind.String)
                    throw new TroubleshooterException(ErrorIds.SecretValueBinary, FailureCategory.InvalidData,
                        $"{where} holds a binary value (SecretBinary), not a SecretString. The rotation templates read SecretString as a JSON object " +
                        "with engine, host, username and password; store the value as a JSON SecretString.");
                throw new TroubleshooterException(ErrorIds.SecretValueEmpty, FailureCategory.InvalidData, $"{where} has no SecretString.");
            }

            try
            {
                // GetString makes the one copy the parser needs; it is not kept beyond this call.
                return new DatabaseSecretVersion(arn, versionId, stage, DatabaseConnectionInfo.Parse(value.GetString()!));
            }
            catch (DatabaseSecretFormatException e)
            {
                var hint = e.Problem switch
                {
                    DatabaseSecretProblem.NotJson =>
                        " The rotation templates need a JSON object with engine, host, username and password (for example a bare password does not work).",
                    DatabaseSecretProblem.KeyMissing => " The rotation function fails the same way (KeyError).",
                    _ => "",
                };
                throw new TroubleshooterException(e.ErrorId, e.Category, $"{where}: {e.Message}{hint}");
            }
        }
    }

    private static TroubleshooterException Explain(AwsServiceException e, string secretId, string stage)
    {
        var text = e.Message;
        var kmsDenied = e.ErrorCode is "DecryptionFailure" or "KMSAccessDeniedException"
                        || (e.Kind == AwsErrorKind.AccessDenied && text.Contains("KMS", StringComparison.OrdinalIgnoreCase));
        if (kmsDenied)
            return new TroubleshooterException(ErrorIds.KmsAccessDenied, FailureCategory.PermissionDenied,
                $"Secrets Manager could not decrypt the {stage} version of '{secretId}' for you ({e.ErrorCode}): allow kms:Decrypt on the secret's " +
                $"KMS key to the identity running this command (the key policy or an IAM policy). {text}", e);
        if (e.Kind == AwsErrorKind.AccessDenied)
            return new TroubleshooterException(ErrorIds.GetSecretValueDenied, FailureCategory.PermissionDenied,
                $"secretsmanager:GetSecretValue on '{secretId}' ({stage}) was denied. The login test reads each version of the secret: allow " +
                $"secretsmanager:GetSecretValue on it (and kms:Decrypt on its key if it is customer managed). {text}", e);
        if (e.Kind == AwsErrorKind.NotFound)
            return new TroubleshooterException(ErrorIds.SecretVersionNotFound, FailureCategory.NotFound,
                $"Secret '{secretId}' has no version labelled {stage}, or the secret does not exist. {text}", e);
        return e;
    }
}
