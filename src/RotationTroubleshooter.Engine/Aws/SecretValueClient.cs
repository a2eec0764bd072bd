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

public sealed class BatchGetSecretValueRequest
{
    public List<string> SecretIdList { get; set; } = [];
}

// Its own context: a second partial AwsJsonContext declaration with [JsonSerializable] makes the source generator emit
// duplicate files ("hintName ... must be unique") and the build fails.
[JsonSerializable(typeof(GetSecretValueRequest))]
[JsonSerializable(typeof(BatchGetSecretValueRequest))]
internal sealed partial class SecretValueJsonContext : JsonSerializerContext;

/// <summary>One version of a database secret, read and parsed; the password stays inside <see cref="Connection"/>.</summary>
public sealed record DatabaseSecretVersion(string SecretArn, string? VersionId, string Stage, DatabaseConnectionInfo Connection);

/// <summary>
/// Secrets Manager GetSecretValue and BatchGetSecretValue, the calls that return secret values. Kept apart from
/// <see cref="SecretsManagerClient"/> so that no generic response shape ever holds a secret: the body is parsed in place,
/// each value handed straight to the parser, and the buffer wiped, whatever happens.
/// </summary>
public sealed class SecretValueClient(AwsPipeline pipeline, SecretMask? mask = null) : IRunService<SecretValueClient>
{
    /// <summary>The run's client: it tells the run's <see cref="SecretMask"/> every value it reads.</summary>
    public static SecretValueClient Create(AwsSession session) => new(session.Pipeline, session.Get<SecretMask>());

    /// <summary>BatchGetSecretValue's most secrets per call (SecretIdList).</summary>
    public const int BatchSize = 20;

    private const string Operation = "GetSecretValue";
    private const string BatchOperation = "BatchGetSecretValue";
    private const string Current = "AWSCURRENT";
    private volatile bool _batchRefused;

    /// <summary>
    /// Raised once, with the reason, when BatchGetSecretValue cannot be used in this run (denied, or unknown to the
    /// endpoint): values are read one by one from then on. Raised on a worker thread.
    /// </summary>
    public event Action<string>? BatchRefused;

    /// <summary>
    /// What the checks may know of the version labelled <paramref name="versionStage"/>: key names, never values. Not
    /// kept: the run's shared read of AWSCURRENT is <see cref="Evidence.SecretInputs.CurrentValue"/>.
    /// </summary>
    public Task<SecretValue> GetSecretValueAsync(string secretId, string versionStage, CancellationToken cancellation) =>
        ReadViewAsync(secretId, versionStage, cancellation);

    /// <summary>
    /// The AWSCURRENT values of up to <see cref="BatchSize"/> secrets in one BatchGetSecretValue, by the id asked for,
    /// masked as their own reads would be. A secret the batch does not return (denied, missing, not decryptable) is left
    /// out, and so is every secret once the batch itself is refused: each is then read with GetSecretValue, so that its
    /// failure is GetSecretValue's and explained as such.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, SecretValue>> ReadCurrentBatchAsync(IReadOnlyList<string> secretIds, CancellationToken cancellation)
    {
        if (secretIds.Count > BatchSize) throw new ArgumentException($"At most {BatchSize} secrets per batch.", nameof(secretIds));
        if (_batchRefused) return new Dictionary<string, SecretValue>();
        try
        {
            return await SendBatchAsync([.. secretIds.Distinct(StringComparer.Ordinal)], cancellation).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.Kind is AwsErrorKind.AccessDenied or AwsErrorKind.Validation or AwsErrorKind.NotFound or AwsErrorKind.Other)
        {
            if (!_batchRefused)
            {
                _batchRefused = true;
                BatchRefused?.Invoke($"secretsmanager:{BatchOperation} was refused ({e.ErrorCode ?? e.Kind.ToString()}), so each secret's value is read with secretsmanager:{Operation}.");
            }
            return new Dictionary<string, SecretValue>();
        }
    }

    /// <summary>One BatchGetSecretValue: the views of the values it returned, by the id asked for (ARN or name).</summary>
    private async Task<Dictionary<string, SecretValue>> SendBatchAsync(List<string> secretIds, CancellationToken cancellation)
    {
        var request = new AwsRequest
        {
            Service = AwsServices.SecretsManager, Operation = BatchOperation, Protocol = AwsProtocol.Json,
            Body = JsonSerializer.SerializeToUtf8Bytes(new BatchGetSecretValueRequest { SecretIdList = secretIds },
                SecretValueJsonContext.Default.BatchGetSecretValueRequest),
            ContentType = "application/x-amz-json-1.1",
        };
        request.Headers["X-Amz-Target"] = $"secretsmanager.{BatchOperation}";
        var response = await pipeline.SendAsync(request, cancellation).ConfigureAwait(false);
        try
        {
            using var document = ParseDocument(response.Body, BatchOperation, $"{secretIds.Count} secrets", Current);
            var views = new Dictionary<string, SecretValue>(StringComparer.Ordinal);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("SecretValues", out var values) || values.ValueKind != JsonValueKind.Array)
                return views;
            foreach (var value in values.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.Object))
            {
                // Every value in the answer is masked, also one that matches no id asked for.
                var view = Read(value, "", ViewOf, mask);
                var id = secretIds.FirstOrDefault(i => i == TextOf(value, "ARN") || i == TextOf(value, "Name"));
                if (id is not null) views[id] = view;
            }
            return views;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(response.Body);
        }
    }

    private Task<SecretValue> ReadViewAsync(string secretId, string versionStage, CancellationToken cancellation) =>
        ReadAsync(secretId, versionStage, ViewOf, cancellation);

    private static SecretValue ViewOf(JsonElement value, string arn, string? versionId) => new(versionId,
        value.TryGetProperty("SecretString", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null,
        value.TryGetProperty("SecretBinary", out var binary) && binary.ValueKind == JsonValueKind.String);

    /// <summary>Reads the version labelled <paramref name="versionStage"/> and parses it as a rotation template would.</summary>
    /// <exception cref="TroubleshooterException">
    /// Ids: GetSecretValueDenied, KmsAccessDenied, SecretVersionNotFound, SecretValueBinary, SecretValueEmpty, SecretValueNotJson,
    /// SecretJsonKeyMissing, SecretValueInvalid; other AWS failures as <see cref="AwsServiceException"/>. Messages never hold the value.
    /// </exception>
    /// <param name="owner">The owning database of a secret RDS or Redshift manages: it fills the engine, host, port and database the value leaves out.</param>
    public Task<DatabaseSecretVersion> GetDatabaseSecretAsync(string secretId, string versionStage, CancellationToken cancellation, Records.OwnerEndpoint? owner = null) =>
        ReadAsync(secretId, versionStage, (root, arn, versionId) => ParseDatabaseSecret(root, arn, versionId, versionStage, owner), cancellation);

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
        using var document = ParseDocument(body, Operation, $"'{secretId}'", stage);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw new AwsServiceException(AwsErrorKind.ServiceFault, "secretsmanager", Operation, null,
                $"secretsmanager:{Operation} for '{secretId}' ({stage}) returned a response that is not a JSON object.");
        return Read(document.RootElement, secretId, read, mask);
    }

    private static JsonDocument ParseDocument(byte[] body, string operation, string what, string stage)
    {
        try
        {
            // Parsing a byte array in place: the document reads the buffer, it does not copy the value out of it.
            return JsonDocument.Parse(body.AsMemory(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException)
        {
            // The reader's message can quote the body: say only that it was unreadable.
            throw new AwsServiceException(AwsErrorKind.ServiceFault, "secretsmanager", operation, null,
                $"secretsmanager:{operation} for {what} ({stage}) returned a response that is not JSON. A proxy may be in the way; try again.");
        }
    }

    /// <summary>One value as GetSecretValue (or an entry of BatchGetSecretValue) returns it: masked for the run, then read.</summary>
    private static T Read<T>(JsonElement value, string secretId, Func<JsonElement, string, string?, T> read, SecretMask? mask)
    {
        if (mask is not null) Register(value, mask);
        return read(value, UntrustedText.LineOrNull(TextOf(value, "ARN")) ?? secretId, UntrustedText.LineOrNull(TextOf(value, "VersionId")));
    }

    private static string? TextOf(JsonElement value, string name) =>
        value.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

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

    private static DatabaseSecretVersion ParseDatabaseSecret(JsonElement root, string arn, string? versionId, string stage, Records.OwnerEndpoint? owner)
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
                return new DatabaseSecretVersion(arn, versionId, stage, DatabaseConnectionInfo.Parse(value.GetString()!, owner));
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
