namespace RotationTroubleshooter.Aws;

/// <summary>Lambda (restJson1): the operations the engine reads, and the two the repairs write.</summary>
public sealed class LambdaClient(AwsPipeline pipeline) : IRunService<LambdaClient>
{
    public static LambdaClient Create(AwsSession session) => new(session.Pipeline);

    public Task<GetFunctionResponse> GetFunctionAsync(string functionName, CancellationToken cancellation) =>
        pipeline.RestGetAsync(AwsServices.Lambda, "GetFunction", $"/2015-03-31/functions/{Uri.EscapeDataString(functionName)}",
            AwsJsonContext.Default.GetFunctionResponse, cancellation);

    public Task<FunctionConfiguration> GetFunctionConfigurationAsync(string functionName, CancellationToken cancellation) =>
        pipeline.RestGetAsync(AwsServices.Lambda, "GetFunctionConfiguration", ConfigurationPath(functionName),
            AwsJsonContext.Default.FunctionConfiguration, cancellation);

    /// <summary>How Lambda updates the function's runtime (Auto, FunctionUpdate or Manual) and, when Manual, the version it is pinned to.</summary>
    public Task<RuntimeManagementConfig> GetRuntimeManagementConfigAsync(string functionName, CancellationToken cancellation) =>
        pipeline.RestGetAsync(AwsServices.Lambda, "GetRuntimeManagementConfig",
            $"/2021-07-20/functions/{Uri.EscapeDataString(functionName)}/runtime-management-config",
            AwsJsonContext.Default.RuntimeManagementConfig, cancellation);

    /// <summary>The function's resource policy document and its revision, or null when it has none.</summary>
    public async Task<FunctionPolicyResponse?> GetPolicyAsync(string functionName, CancellationToken cancellation)
    {
        try
        {
            return await pipeline.RestGetAsync(AwsServices.Lambda, "GetPolicy", PolicyPath(functionName),
                AwsJsonContext.Default.FunctionPolicyResponse, cancellation).ConfigureAwait(false);
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

    /// <summary>Adds one statement to the function's resource policy; returns the statement as Lambda stored it.</summary>
    public async Task<string?> AddPermissionAsync(string functionName, AddPermissionRequest statement, CancellationToken cancellation) =>
        (await pipeline.RestSendAsync(AwsServices.Lambda, "AddPermission", HttpMethod.Post, PolicyPath(functionName), statement,
            AwsJsonContext.Default.AddPermissionRequest, AwsJsonContext.Default.AddPermissionResponse, cancellation).ConfigureAwait(false)).Statement;

    /// <summary>Changes what <paramref name="change"/> sets; fails with PreconditionFailed when the function's RevisionId moved on.</summary>
    public Task<FunctionConfiguration> UpdateFunctionConfigurationAsync(string functionName, UpdateFunctionConfigurationRequest change,
        CancellationToken cancellation) =>
        pipeline.RestSendAsync(AwsServices.Lambda, "UpdateFunctionConfiguration", HttpMethod.Put, ConfigurationPath(functionName), change,
            AwsJsonContext.Default.UpdateFunctionConfigurationRequest, AwsJsonContext.Default.FunctionConfiguration, cancellation);

    private static string ConfigurationPath(string functionName) => $"/2015-03-31/functions/{Uri.EscapeDataString(functionName)}/configuration";
    private static string PolicyPath(string functionName) => $"/2015-03-31/functions/{Uri.EscapeDataString(functionName)}/policy";
}
