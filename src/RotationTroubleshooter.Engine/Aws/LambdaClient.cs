namespace RotationTroubleshooter.Aws;

/// <summary>Lambda (restJson1), the operations the engine reads.</summary>
public sealed class LambdaClient(AwsPipeline pipeline) : IRunService<LambdaClient>
{
    public static LambdaClient Create(AwsSession session) => new(session.Pipeline);

    public Task<GetFunctionResponse> GetFunctionAsync(string functionName, CancellationToken cancellation) =>
        pipeline.RestGetAsync(AwsServices.Lambda, "GetFunction", $"/2015-03-31/functions/{Uri.EscapeDataString(functionName)}",
            AwsJsonContext.Default.GetFunctionResponse, cancellation);

    public Task<FunctionConfiguration> GetFunctionConfigurationAsync(string functionName, CancellationToken cancellation) =>
        pipeline.RestGetAsync(AwsServices.Lambda, "GetFunctionConfiguration",
            $"/2015-03-31/functions/{Uri.EscapeDataString(functionName)}/configuration",
            AwsJsonContext.Default.FunctionConfiguration, cancellation);

    /// <summary>The function's resource policy document, or null when it has none.</summary>
    public async Task<string?> GetPolicyAsync(string functionName, CancellationToken cancellation)
    {
        try
        {
            return (await pipeline.RestGetAsync(AwsServices.Lambda, "GetPolicy", $"/2015-03-31/functions/{Uri.EscapeDataString(functionName)}/policy",
                AwsJsonContext.Default.FunctionPolicyResponse, cancellation).ConfigureAwait(false)).Policy;
        }
        catch (AwsServiceException e) when (e.Kind == AwsErrorKind.NotFound)
        {
            // Callers have read the function already: not found here means it has no resource policy.
            return null;
        }
    }

    public async Task<IReadOnlyDictionary<string, string>> ListTagsAsync(string functionArn, CancellationToken cancellation) =>
        (await pipeline.RestGetAsync(AwsServices.Lambda, "ListTags", $"/2017-03-31/tags/{Uri.EscapeDataString(functionArn)}",
            AwsJsonContext.Default.ListTagsResponse, cancellation).ConfigureAwait(false)).Tags ?? new Dictionary<string, string>();
}
