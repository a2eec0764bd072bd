using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Aws;

// Wire shapes of the operations the engine calls, only the members it reads.

public sealed class DescribeSecretRequest { public string SecretId { get; set; } = ""; }

public sealed class SecretDescription
{
    public string? ARN { get; set; }
    public string? Name { get; set; }
    public string? KmsKeyId { get; set; }
    public bool? RotationEnabled { get; set; }
    public string? RotationLambdaARN { get; set; }
    public RotationRules? RotationRules { get; set; }
    [JsonConverter(typeof(EpochSecondsConverter))] public DateTime? LastRotatedDate { get; set; }
    [JsonConverter(typeof(EpochSecondsConverter))] public DateTime? NextRotationDate { get; set; }
    public string? OwningService { get; set; }
    public List<AwsTag>? Tags { get; set; }
    public Dictionary<string, List<string>>? VersionIdsToStages { get; set; }
    /// <summary>ListSecrets names the same map differently.</summary>
    public Dictionary<string, List<string>>? SecretVersionsToStages { get; set; }
    public Dictionary<string, List<string>>? Stages => VersionIdsToStages ?? SecretVersionsToStages;

    /// <summary>The tag Secrets Manager puts on a secret another AWS service owns (docs/reference/rotation.md, "Managed rotation").</summary>
    public const string OwningServiceTag = "aws:secretsmanager:owningService";

    /// <summary>The AWS service that owns the secret (OwningService, else its owning-service tag); null for the account's own secrets.</summary>
    public string? Owner => !string.IsNullOrEmpty(OwningService) ? OwningService : NullIfEmpty(TagValue(OwningServiceTag));

    /// <summary>Managed rotation: the owning service rotates the secret itself, with no rotation function.</summary>
    public bool IsManagedRotation => Owner != null && string.IsNullOrEmpty(RotationLambdaARN);

    public string? TagValue(string key) => Tags?.FirstOrDefault(t => string.Equals(t.Key, key, StringComparison.Ordinal))?.Value;

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
    /// <summary>Versions labelled AWSPENDING that are not AWSCURRENT: a rotation that did not finish, which makes the next RotateSecret fail.</summary>
    public IEnumerable<string> StuckPendingVersions =>
        (Stages ?? []).Where(v => v.Value.Contains("AWSPENDING") && !v.Value.Contains("AWSCURRENT")).Select(v => v.Key);
}

public sealed class ListSecretVersionIdsRequest
{
    public string SecretId { get; set; } = "";
    public int MaxResults { get; set; } = 100;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? NextToken { get; set; }
}

public sealed class ListSecretVersionIdsResponse
{
    public List<SecretVersionEntry>? Versions { get; set; }
    public string? NextToken { get; set; }
}

public sealed class SecretVersionEntry
{
    public string? VersionId { get; set; }
    public List<string>? VersionStages { get; set; }
    [JsonConverter(typeof(EpochSecondsConverter))] public DateTime? CreatedDate { get; set; }
    [JsonConverter(typeof(EpochSecondsConverter))] public DateTime? LastAccessedDate { get; set; }
}

public sealed class FunctionPolicyResponse
{
    [JsonConverter(typeof(UntrustedJsonDocumentConverter))] public string? Policy { get; set; }
    public string? RevisionId { get; set; }
}

public sealed class RotationRules
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? AutomaticallyAfterDays { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Duration { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ScheduleExpression { get; set; }

    /// <summary>The schedule in words, e.g. "every 30 days" or "cron(0 16 1,15 * ? *), 2h window".</summary>
    public override string ToString() =>
        (ScheduleExpression ?? (AutomaticallyAfterDays is { } days ? $"every {days} days" : "no schedule")) + (Duration is { } d ? $", {d} window" : "");
}

public sealed class RotateSecretRequest
{
    public string SecretId { get; set; } = "";
    /// <summary>The new version's id: a retried request with the same token does not start a second rotation.</summary>
    public string ClientRequestToken { get; set; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? RotationLambdaARN { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public RotationRules? RotationRules { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? RotateImmediately { get; set; }
}

public sealed class RotateSecretResponse
{
    public string? ARN { get; set; }
    public string? Name { get; set; }
    public string? VersionId { get; set; }
}

public sealed class UpdateSecretVersionStageRequest
{
    public string SecretId { get; set; } = "";
    public string VersionStage { get; set; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? RemoveFromVersionId { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? MoveToVersionId { get; set; }
}

public sealed class UpdateSecretVersionStageResponse
{
    public string? ARN { get; set; }
    public string? Name { get; set; }
}

public sealed class AwsTag
{
    public string? Key { get; set; }
    public string? Value { get; set; }
}

public sealed class ListSecretsRequest
{
    public int MaxResults { get; set; } = 100;
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? NextToken { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<SecretsFilter>? Filters { get; set; }
}

public sealed class SecretsFilter
{
    public string Key { get; set; } = "";
    public List<string> Values { get; set; } = [];
}

public sealed class ListSecretsResponse
{
    public List<SecretDescription>? SecretList { get; set; }
    public string? NextToken { get; set; }
}

public sealed class GetFunctionResponse
{
    public FunctionConfiguration? Configuration { get; set; }
    public FunctionCodeLocation? Code { get; set; }
    public Dictionary<string, string>? Tags { get; set; }
}

public sealed class FunctionCodeLocation
{
    public string? RepositoryType { get; set; }
    public string? Location { get; set; }
    public string? ImageUri { get; set; }
}

public sealed class FunctionConfiguration
{
    public string? FunctionName { get; set; }
    public string? FunctionArn { get; set; }
    public string? Runtime { get; set; }
    public string? Role { get; set; }
    public string? Handler { get; set; }
    public int? Timeout { get; set; }
    public string? LastModified { get; set; }
    public string? State { get; set; }
    public string? StateReason { get; set; }
    public string? LastUpdateStatus { get; set; }
    public string? LastUpdateStatusReason { get; set; }
    public string? PackageType { get; set; }
    public FunctionVpcConfig? VpcConfig { get; set; }
    public FunctionEnvironment? Environment { get; set; }
    public List<FunctionLayer>? Layers { get; set; }
    public FunctionLoggingConfig? LoggingConfig { get; set; }
    /// <summary>Changes with every update; an update naming it fails if the function changed since it was read.</summary>
    public string? RevisionId { get; set; }
    public string? KMSKeyArn { get; set; }
    /// <summary>x86_64 or arm64 (one element); absent in old answers, which means x86_64.</summary>
    public List<string>? Architectures { get; set; }
    /// <summary>The runtime version the function runs on now (its ARN).</summary>
    public FunctionRuntimeVersionConfig? RuntimeVersionConfig { get; set; }

    /// <summary>Lambda's LastModified, e.g. 2021-11-02T10:11:12.000+0000, as UTC.</summary>
    public DateTime? LastModifiedUtc =>
        DateTimeOffset.TryParseExact(LastModified, ["yyyy-MM-dd'T'HH:mm:ss.fffzzzz", "yyyy-MM-dd'T'HH:mm:ss.fffzzz", "yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", "o"],
            CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            || DateTimeOffset.TryParse(LastModified, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value)
            ? value.UtcDateTime : null;
}

public sealed class FunctionRuntimeVersionConfig
{
    public string? RuntimeVersionArn { get; set; }
}

/// <summary>Lambda GetRuntimeManagementConfig's answer.</summary>
public sealed class RuntimeManagementConfig
{
    /// <summary>Auto (Lambda updates the runtime version itself), FunctionUpdate (on the next function update) or Manual.</summary>
    public string? UpdateRuntimeOn { get; set; }
    /// <summary>The version a Manual function is pinned to; null in the other modes.</summary>
    public string? RuntimeVersionArn { get; set; }
    public string? FunctionArn { get; set; }
}

public sealed class FunctionVpcConfig
{
    public List<string>? SubnetIds { get; set; }
    public List<string>? SecurityGroupIds { get; set; }
    public string? VpcId { get; set; }
}

public sealed class FunctionEnvironment
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, string>? Variables { get; set; }
    /// <summary>Set instead of Variables when Lambda could not decrypt them for the caller (a customer managed key).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public FunctionEnvironmentError? Error { get; set; }
}

public sealed class FunctionEnvironmentError
{
    public string? ErrorCode { get; set; }
    public string? Message { get; set; }
}

/// <summary>Lambda AddPermission's body; RevisionId makes it fail if the policy changed since it was read.</summary>
public sealed class AddPermissionRequest
{
    public string StatementId { get; set; } = "";
    public string Action { get; set; } = "";
    public string Principal { get; set; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? SourceArn { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? SourceAccount { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? RevisionId { get; set; }
}

public sealed class AddPermissionResponse
{
    /// <summary>The statement as Lambda stored it, a JSON document.</summary>
    public string? Statement { get; set; }
}

/// <summary>Lambda UpdateFunctionConfiguration's body, only what the repairs change; unset members are left as they are.</summary>
public sealed class UpdateFunctionConfigurationRequest
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Timeout { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public FunctionEnvironment? Environment { get; set; }
    public string RevisionId { get; set; } = "";
}

public sealed class FunctionLayer
{
    public string? Arn { get; set; }
    public long? CodeSize { get; set; }
}

public sealed class FunctionLoggingConfig
{
    public string? LogFormat { get; set; }
    public string? LogGroup { get; set; }
}

public sealed class ListTagsResponse { public Dictionary<string, string>? Tags { get; set; } }

/// <summary>awsJson dates are epoch seconds with a fraction.</summary>
public sealed class EpochSecondsConverter : JsonConverter<DateTime?>
{
    public override DateTime? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Number => DateTime.UnixEpoch.AddTicks((long)(reader.GetDouble() * TimeSpan.TicksPerSecond)),
        JsonTokenType.String when DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) => d.UtcDateTime,
        _ => null,
    };

    public override void Write(Utf8JsonWriter writer, DateTime? value, JsonSerializerOptions options)
    {
        if (value is { } v) writer.WriteNumberValue((v.ToUniversalTime() - DateTime.UnixEpoch).TotalSeconds);
        else writer.WriteNullValue();
    }
}

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, Converters = [typeof(UntrustedStringConverter)])]
[JsonSerializable(typeof(DescribeSecretRequest))]
[JsonSerializable(typeof(SecretDescription))]
[JsonSerializable(typeof(ListSecretsRequest))]
[JsonSerializable(typeof(ListSecretsResponse))]
[JsonSerializable(typeof(GetFunctionResponse))]
[JsonSerializable(typeof(FunctionConfiguration))]
[JsonSerializable(typeof(ListTagsResponse))]
[JsonSerializable(typeof(ListSecretVersionIdsRequest))]
[JsonSerializable(typeof(ListSecretVersionIdsResponse))]
[JsonSerializable(typeof(FunctionPolicyResponse))]
[JsonSerializable(typeof(RuntimeManagementConfig))]
[JsonSerializable(typeof(RotateSecretRequest))]
[JsonSerializable(typeof(RotateSecretResponse))]
[JsonSerializable(typeof(UpdateSecretVersionStageRequest))]
[JsonSerializable(typeof(UpdateSecretVersionStageResponse))]
[JsonSerializable(typeof(AddPermissionRequest))]
[JsonSerializable(typeof(AddPermissionResponse))]
[JsonSerializable(typeof(UpdateFunctionConfigurationRequest))]
[JsonSerializable(typeof(KmsKeyRequest))]
[JsonSerializable(typeof(DescribeKeyResponse))]
[JsonSerializable(typeof(GetKeyPolicyResponse))]
[JsonSerializable(typeof(Fleet.ListAccountsRequest))]
[JsonSerializable(typeof(Fleet.ListAccountsResponse))]
internal sealed partial class AwsJsonContext : JsonSerializerContext;
