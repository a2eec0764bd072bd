namespace RotationTroubleshooter.Aws;

/// <summary>Secrets Manager: the operations the engine reads, and the two that start rotations and move labels (no SDK package is served for it).</summary>
public sealed class SecretsManagerClient(AwsPipeline pipeline) : IRunService<SecretsManagerClient>
{
    public static SecretsManagerClient Create(AwsSession session) => new(session.Pipeline);

    private const string Target = "secretsmanager";

    public Task<SecretDescription> DescribeSecretAsync(string secretId, CancellationToken cancellation) =>
        pipeline.JsonAsync(AwsServices.SecretsManager, Target, "DescribeSecret", new DescribeSecretRequest { SecretId = secretId },
            AwsJsonContext.Default.DescribeSecretRequest, AwsJsonContext.Default.SecretDescription, cancellation);

    public IAsyncEnumerable<SecretVersionEntry> ListSecretVersionIdsAsync(string secretId, CancellationToken cancellation) =>
        AwsPaging.PaginateAsync(
            (token, ct) => pipeline.JsonAsync(AwsServices.SecretsManager, Target, "ListSecretVersionIds",
                new ListSecretVersionIdsRequest { SecretId = secretId, NextToken = token },
                AwsJsonContext.Default.ListSecretVersionIdsRequest, AwsJsonContext.Default.ListSecretVersionIdsResponse, ct),
            page => page.Versions, page => page.NextToken, cancellation);

    public IAsyncEnumerable<SecretDescription> ListSecretsAsync(CancellationToken cancellation) =>
        AwsPaging.PaginateAsync(
            (token, ct) => pipeline.JsonAsync(AwsServices.SecretsManager, Target, "ListSecrets", new ListSecretsRequest { NextToken = token },
                AwsJsonContext.Default.ListSecretsRequest, AwsJsonContext.Default.ListSecretsResponse, ct),
            page => page.SecretList, page => page.NextToken, cancellation);

    /// <summary>
    /// Starts a rotation (and, with rules, configures it); the token becomes the new version's id, so a retried request
    /// does not start a second rotation.
    /// </summary>
    public Task<RotateSecretResponse> RotateSecretAsync(RotateSecretRequest request, CancellationToken cancellation) =>
        pipeline.JsonAsync(AwsServices.SecretsManager, Target, "RotateSecret", request,
            AwsJsonContext.Default.RotateSecretRequest, AwsJsonContext.Default.RotateSecretResponse, cancellation);

    /// <summary>Moves or removes one staging label; never reads or writes a value.</summary>
    public Task<UpdateSecretVersionStageResponse> UpdateSecretVersionStageAsync(UpdateSecretVersionStageRequest request, CancellationToken cancellation) =>
        pipeline.JsonAsync(AwsServices.SecretsManager, Target, "UpdateSecretVersionStage", request,
            AwsJsonContext.Default.UpdateSecretVersionStageRequest, AwsJsonContext.Default.UpdateSecretVersionStageResponse, cancellation);
}
