using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.History;

/// <summary>
/// Get-RotationHistory's engine: a secret's timeline over the last <c>days</c> days, from the CloudTrail events of
/// everything its rotation depends on (read once per resource per run through <see cref="CloudTrailHistory"/>), its
/// rotation attempts and runtime updates from the function's logs. The secret and its function are the run's shared reads.
/// </summary>
public sealed class RotationHistoryService(AwsSession session) : IRunService<RotationHistoryService>
{
    public const int MaxDays = 90;

    public static RotationHistoryService Create(AwsSession session) => new(session);

    /// <summary>What the secret's rotation depends on, as far as its description and its function's configuration tell.</summary>
    public async Task<RotationDependencies> DependenciesAsync(SecretDescription secret, CancellationToken cancellation)
    {
        var arn = secret.ARN ?? secret.Name ?? throw new ArgumentException("The secret has neither ARN nor name.", nameof(secret));
        var dependencies = new RotationDependencies(arn) { KmsKeyArn = CustomerManagedKey(secret.KmsKeyId) };
        if (string.IsNullOrEmpty(secret.RotationLambdaARN)) return dependencies;
        FunctionConfiguration? configuration = null;
        try
        {
            configuration = (await FunctionInputs.Function.GetAsync(session, secret.RotationLambdaARN, cancellation).ConfigureAwait(false)).Configuration;
        }
        catch (Exception e) when (e is TroubleshooterException or AwsServiceException)
        {
            // A deleted or unreadable function still has a history under its name: its deletion may be the change.
        }
        return dependencies with
        {
            FunctionName = configuration?.FunctionName ?? AwsArn.FunctionNameOf(secret.RotationLambdaARN),
            FunctionRoleArn = configuration?.Role,
            SecurityGroupIds = configuration?.VpcConfig?.SecurityGroupIds ?? [],
        };
    }

    /// <summary>
    /// The secret's history, oldest first; reads left out unless <paramref name="includeReadOnly"/>. With
    /// <paramref name="runLogs"/> the attempts come from the run's shared read of the logs (the diagnosis's 7 days).
    /// </summary>
    public async Task<IReadOnlyList<RotationHistoryEvent>> ForSecretAsync(string secretId, int days, bool includeReadOnly, CancellationToken cancellation,
        bool runLogs = false)
    {
        if (days is < 1 or > MaxDays) throw new ArgumentOutOfRangeException(nameof(days), $"days must be 1 to {MaxDays} (CloudTrail keeps 90 days).");
        var secret = await session.DescribeSecretAsync(secretId, cancellation).ConfigureAwait(false);
        var dependencies = await DependenciesAsync(secret, cancellation).ConfigureAwait(false);
        var history = session.Get<CloudTrailHistory>();
        var start = history.EndTime.AddDays(-days);
        var reads = dependencies.Resources().Select(r => history.ReadAsync(r, start, cancellation)).ToList();
        var logs = dependencies.FunctionName is null ? Task.FromResult<FunctionLogs?>(null)
            : runLogs ? RunLogsAsync(secret.RotationLambdaARN!, cancellation)
            : ReadLogsAsync(dependencies.FunctionName, start, history.EndTime, cancellation);
        var histories = await Task.WhenAll(reads).ConfigureAwait(false);
        var functionLogs = await logs.ConfigureAwait(false);
        var subject = new HistorySubject(dependencies.SecretArn, dependencies.FunctionName, dependencies.FunctionRoleArn);
        return TimelineBuilder.Build(subject, histories, functionLogs is null ? [] : RotationLogService.OfSecret(functionLogs.Attempts, dependencies.SecretArn),
            functionLogs?.Events ?? [], start, history.EndTime, includeReadOnly);
    }

    /// <summary>The function's logs over the window; none when they cannot be read (the CloudTrail events still tell the history).</summary>
    private async Task<FunctionLogs?> ReadLogsAsync(string function, DateTime start, DateTime end, CancellationToken cancellation)
    {
        try
        {
            return await session.Get<RotationLogService>().ReadAsync(function, start, end, RotationLogService.DefaultMaxEvents, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TroubleshooterException or AwsServiceException)
        {
            return null;
        }
    }

    private async Task<FunctionLogs?> RunLogsAsync(string functionArn, CancellationToken cancellation)
    {
        try
        {
            var window = new LogWindow(functionArn);
            return await FunctionInputs.Logs.GetAsync(session, window, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TroubleshooterException or AwsServiceException)
        {
            return null;
        }
    }

    /// <summary>A customer managed key's id or ARN; null for the AWS managed key (aws/secretsmanager), which nobody changes.</summary>
    private static string? CustomerManagedKey(string? keyId) =>
        string.IsNullOrEmpty(keyId) || keyId.Contains("alias/aws/", StringComparison.Ordinal) ? null : keyId;
}
