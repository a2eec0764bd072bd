using System.Globalization;

namespace RotationTroubleshooter.Aws;

/// <summary>Secrets Manager, the operations the engine reads (no SDK package is served for it).</summary>
public sealed class SecretsManagerClient(AwsPipeline pipeline)
{
    private const string Target = "secretsmanager";

    public Task<SecretDescription> DescribeSecretAsync(string secretId, CancellationToken cancellation) =>
        pipeline.JsonAsync(AwsServices.SecretsManager, Target, "DescribeSecret", new DescribeSecretRequest { SecretId = secretId },
            AwsJsonContext.Default.DescribeSecretRequest, AwsJsonContext.Default.SecretDescription, cancellation);

    public IAsyncEnumerable<SecretDescription> ListSecretsAsync(CancellationToken cancellation) =>
        AwsPaging.PaginateAsync(
            (token, ct) => pipeline.JsonAsync(AwsServices.SecretsManager, Target, "ListSecrets", new ListSecretsRequest { NextToken = token },
                AwsJsonContext.Default.ListSecretsRequest, AwsJsonContext.Default.ListSecretsResponse, ct),
            page => page.SecretList, page => page.NextToken, cancellation);
}

/// <summary>Lambda (restJson1), the operations the engine reads.</summary>
public sealed class LambdaClient(AwsPipeline pipeline)
{
    public Task<GetFunctionResponse> GetFunctionAsync(string functionName, CancellationToken cancellation) =>
        pipeline.RestGetAsync(AwsServices.Lambda, "GetFunction", $"/2015-03-31/functions/{Uri.EscapeDataString(functionName)}",
            AwsJsonContext.Default.GetFunctionResponse, cancellation);

    public Task<FunctionConfiguration> GetFunctionConfigurationAsync(string functionName, CancellationToken cancellation) =>
        pipeline.RestGetAsync(AwsServices.Lambda, "GetFunctionConfiguration",
            $"/2015-03-31/functions/{Uri.EscapeDataString(functionName)}/configuration",
            AwsJsonContext.Default.FunctionConfiguration, cancellation);

    public async Task<IReadOnlyDictionary<string, string>> ListTagsAsync(string functionArn, CancellationToken cancellation) =>
        (await pipeline.RestGetAsync(AwsServices.Lambda, "ListTags", $"/2017-03-31/tags/{Uri.EscapeDataString(functionArn)}",
            AwsJsonContext.Default.ListTagsResponse, cancellation).ConfigureAwait(false)).Tags ?? new Dictionary<string, string>();
}

public sealed record StackSummary(string StackName, string? StackId, DateTime? CreationTime, string? StackStatus);

/// <summary>CloudFormation (query protocol), the operations the engine reads.</summary>
public sealed class CloudFormationClient(AwsPipeline pipeline)
{
    /// <summary>The stack, or null when CloudFormation says it does not exist (deleted stacks are not listed by name).</summary>
    public async Task<StackSummary?> DescribeStackAsync(string stackName, CancellationToken cancellation)
    {
        try
        {
            var root = await pipeline.QueryAsync(AwsServices.CloudFormation, "DescribeStacks", "2010-05-15",
                [new("StackName", stackName)], cancellation).ConfigureAwait(false);
            var member = root.Child("DescribeStacksResult").Child("Stacks").Children("member").FirstOrDefault();
            if (member is null) return null;
            DateTime? created = DateTime.TryParse(member.Child("CreationTime")?.Value, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t) ? t : null;
            return new StackSummary(member.Child("StackName")?.Value ?? stackName, member.Child("StackId")?.Value, created,
                member.Child("StackStatus")?.Value);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "ValidationError" && e.Message.Contains("does not exist", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
    }
}
