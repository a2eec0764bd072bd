using System.Text.Json.Serialization;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Aws;

public sealed class KmsKeyRequest
{
    public string KeyId { get; set; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? PolicyName { get; set; }
}

public sealed class DescribeKeyResponse { public KmsKeyMetadata? KeyMetadata { get; set; } }

public sealed class KmsKeyMetadata
{
    public string? Arn { get; set; }
    public string? KeyManager { get; set; }
}

public sealed class GetKeyPolicyResponse { [JsonConverter(typeof(UntrustedJsonDocumentConverter))] public string? Policy { get; set; } }

/// <summary>KMS (awsJson1.1), the operations the engine reads.</summary>
public sealed class KmsClient(AwsPipeline pipeline) : IRunService<KmsClient>
{
    public static KmsClient Create(AwsSession session) => new(session.Pipeline);

    private const string Target = "TrentService";

    public async Task<KmsKeyMetadata> DescribeKeyAsync(string keyId, CancellationToken cancellation) =>
        (await pipeline.JsonAsync(AwsServices.Kms, Target, "DescribeKey", new KmsKeyRequest { KeyId = keyId },
            AwsJsonContext.Default.KmsKeyRequest, AwsJsonContext.Default.DescribeKeyResponse, cancellation).ConfigureAwait(false)).KeyMetadata
        ?? new KmsKeyMetadata();

    public async Task<string?> GetKeyPolicyAsync(string keyId, CancellationToken cancellation) =>
        (await pipeline.JsonAsync(AwsServices.Kms, Target, "GetKeyPolicy", new KmsKeyRequest { KeyId = keyId, PolicyName = "default" },
            AwsJsonContext.Default.KmsKeyRequest, AwsJsonContext.Default.GetKeyPolicyResponse, cancellation).ConfigureAwait(false)).Policy;
}
