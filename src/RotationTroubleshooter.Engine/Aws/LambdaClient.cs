namespace RotationTroubleshooter.Aws;

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
