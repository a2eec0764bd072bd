using System.Collections.Concurrent;
using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Aws;

/// <summary>A Lambda function as the checks see it: configuration, tags and where its code is.</summary>
public sealed record LambdaFunction(FunctionConfiguration Configuration, IReadOnlyDictionary<string, string> Tags, FunctionCodeLocation? Code);

/// <summary>
/// A client or service a run keeps one of: created on first use through <see cref="AwsSession.Get{T}"/> and shared by
/// every check and cmdlet of the run.
/// </summary>
public interface IRunService<TSelf> where TSelf : class, IRunService<TSelf>
{
    static abstract TSelf Create(AwsSession session);
}

/// <summary>
/// One run's view of AWS: the pipeline, the clients and services (one each per run, through <see cref="Get{T}"/>), and
/// the run's one <see cref="RunCache"/>, so that a thing many secrets share (a rotation function, a stack) is fetched
/// once per run however many pipeline items need it.
/// </summary>
public sealed class AwsSession
{
    private readonly ConcurrentDictionary<Type, Lazy<object>> _shared = new();

    public AwsSession(AwsConnection connection, AwsPipelineOptions? options = null, HttpMessageHandler? handler = null)
    {
        Pipeline = new AwsPipeline(connection, options, handler);
    }

    public AwsPipeline Pipeline { get; }
    public AwsConnection Connection => Pipeline.Connection;
    public SecretsManagerClient SecretsManager => Get<SecretsManagerClient>();
    public LambdaClient Lambda => Get<LambdaClient>();
    public CloudFormationClient CloudFormation => Get<CloudFormationClient>();

    /// <summary>The run's shared reads (the inputs of Evidence/ and the services' own), under one failure policy.</summary>
    public RunCache Cache { get; } = new();

    /// <summary>DescribeSecret once per secret id per run; a missing secret becomes SecretNotFound.</summary>
    public Task<SecretDescription> DescribeSecretAsync(string secretId, CancellationToken cancellation) =>
        SecretInputs.Description.GetAsync(this, AwsArn.CheckSecretId(secretId), cancellation);

    /// <summary>
    /// The secret (DescribeSecret, once per run) and its rotation function's ARN. A secret its owning service rotates
    /// fails with RotatedByOwningService; a secret without rotation with RotationNotConfigured, whose message ends with
    /// <paramref name="instead"/> (what the caller can do instead).
    /// </summary>
    public async Task<(SecretDescription Secret, string FunctionArn)> RotationFunctionOfAsync(string secretId, string instead, CancellationToken cancellation)
    {
        var secret = await DescribeSecretAsync(secretId, cancellation).ConfigureAwait(false);
        if (secret.IsManagedRotation)
            throw new TroubleshooterException(ErrorIds.RotatedByOwningService, FailureCategory.NotFound,
                $"Secret '{secret.Name ?? secretId}' is rotated by {secret.Owner} itself (managed rotation): it has no rotation function. " +
                $"Test-SecretRotation -SecretId '{secret.Name ?? secretId}' diagnoses its rotation.");
        if (string.IsNullOrEmpty(secret.RotationLambdaARN))
            throw new TroubleshooterException(ErrorIds.RotationNotConfigured, FailureCategory.NotFound,
                $"Secret '{secret.Name ?? secretId}' has no rotation function. Configure rotation first (Invoke-SECSecretRotation or the console), or {instead}.");
        return (secret, secret.RotationLambdaARN);
    }

    /// <summary>
    /// Whether an id given for a secret names a Lambda function instead: a function ARN, or a name no secret has but a
    /// function does. Any other failure is left for the caller's own DescribeSecret (cached) to report.
    /// </summary>
    public async Task<bool> NamesFunctionAsync(string id, CancellationToken cancellation)
    {
        if (AwsArn.IsFunctionArn(id)) return true;
        if (id.StartsWith("arn:", StringComparison.Ordinal) || !AwsArn.IsFunctionName(id)) return false;
        try
        {
            await DescribeSecretAsync(id, cancellation).ConfigureAwait(false);
            return false;
        }
        catch (TroubleshooterException e) when (e.ErrorId == ErrorIds.SecretNotFound)
        {
            try
            {
                await GetFunctionAsync(id, cancellation).ConfigureAwait(false);
                return true;
            }
            catch (TroubleshooterException)
            {
                return false;
            }
        }
        catch (TroubleshooterException)
        {
            return false;
        }
    }

    /// <summary>The error for a function given where only a secret will do.</summary>
    public static TroubleshooterException FunctionGivenAsSecret(string id, string instead) =>
        new(ErrorIds.FunctionGivenAsSecret, FailureCategory.InvalidArgument, $"'{id}' is a Lambda function, not a secret. {instead}");

    /// <summary>
    /// A description the run already has (a ListSecrets entry): later DescribeSecret calls for it by ARN or name are
    /// answered from it.
    /// </summary>
    public void RememberSecret(SecretDescription secret)
    {
        secret.VersionIdsToStages ??= secret.SecretVersionsToStages;
        SecretInputs.KeepingAwsTags(secret);
        foreach (var key in new[] { secret.ARN, secret.Name })
            if (!string.IsNullOrEmpty(key)) Cache.Remember(SecretInputs.Description, key, secret);
    }

    /// <summary>
    /// GetFunction (with its tags) once per function per run (<see cref="FunctionInputs.Function"/>); a function asked for
    /// by name is also the answer for its ARN.
    /// </summary>
    public async Task<LambdaFunction> GetFunctionAsync(string functionName, CancellationToken cancellation)
    {
        var id = AwsArn.CheckFunctionName(functionName);
        var function = await FunctionInputs.Function.GetAsync(this, id, cancellation).ConfigureAwait(false);
        if (function.Configuration.FunctionArn is { } arn && arn != id) Cache.Remember(FunctionInputs.Function, arn, function);
        return function;
    }

    /// <summary>The function's resource policy (GetPolicy) once per function per run; null when it has none.</summary>
    public Task<string?> GetFunctionPolicyAsync(string functionName, CancellationToken cancellation) =>
        FunctionInputs.Policy.GetAsync(this, functionName, cancellation);

    /// <summary>DescribeStacks once per stack name per run; null when the stack no longer exists.</summary>
    public Task<StackSummary?> DescribeStackAsync(string stackName, CancellationToken cancellation) =>
        FunctionInputs.Stack.GetAsync(this, stackName, cancellation);

    /// <summary>
    /// The same run in another region (an ARN's region wins for its item): its own caches, since resources are regional,
    /// and this run's <see cref="Text.SecretMask"/>, so a secret value read in any region is masked in every output.
    /// </summary>
    public AwsSession InRegion(AwsConnection connection, AwsPipelineOptions? options)
    {
        var regional = new AwsSession(connection, options);
        var mask = Get<Text.SecretMask>();
        regional._shared[typeof(Text.SecretMask)] = new Lazy<object>(mask);
        return regional;
    }

    /// <summary>The run's one instance of a client or service (e.g. the log reader or the bundle inspector).</summary>
    public T Get<T>() where T : class, IRunService<T> =>
        (T)_shared.GetOrAdd(typeof(T), _ => new Lazy<object>(() => T.Create(this))).Value;
}
