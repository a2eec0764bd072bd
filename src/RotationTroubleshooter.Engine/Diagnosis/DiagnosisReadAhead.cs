using System.Collections.Concurrent;
using RotationTroubleshooter.Age;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Bundles;
using RotationTroubleshooter.Logs;
using RotationTroubleshooter.Network;

namespace RotationTroubleshooter.Diagnosis;

/// <summary>
/// Reads ahead, for the secrets a listing names, what their diagnoses will ask for and share: each rotation function's
/// configuration, policy, logs, stack, VPC and bundle as soon as the first of its secrets is listed (each request at the
/// pace its quota allows), and the secrets' current values twenty at a time (BatchGetSecretValue). Everything goes into
/// the run's caches, where the checks find it; only what the chosen checks need is read.
/// </summary>
public sealed class DiagnosisReadAhead
{
    private readonly AwsSession _session;
    private readonly DiagnosisOptions _options;
    private readonly HashSet<string> _needs;
    private readonly ConcurrentDictionary<string, Task> _functions = new(StringComparer.Ordinal);
    /// <summary>
    /// Batches in flight at once: values are wanted at the pace the diagnoses go, and a listing's worth at once would
    /// queue the requests that set the run's pace (the functions') behind them.
    /// </summary>
    private readonly SemaphoreSlim _batches = new(8);
    private readonly List<string> _values = [];
    private TaskCompletionSource _valuesRead = NewSignal();
    private int _databasesAsked;

    public DiagnosisReadAhead(AwsSession session, DiagnosisOptions options)
    {
        _session = session;
        _options = options;
        _needs = CheckCatalogue.Checks.Where(options.Selection.Runs).SelectMany(c => c.Permissions).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// Starts reading ahead for a listed secret; the task completes when what its diagnosis shares with others is in,
    /// or has failed (the diagnosis then meets the failure itself). Its value waits for <see cref="Flush"/> or for the
    /// batch to fill.
    /// </summary>
    public Task ReadAheadAsync(SecretDescription secret, CancellationToken cancellation)
    {
        if (string.IsNullOrEmpty(secret.RotationLambdaARN) || string.IsNullOrEmpty(secret.ARN)) return Task.CompletedTask;
        var function = _functions.GetOrAdd(secret.RotationLambdaARN, arn => Settled(ReadFunctionAsync(arn, cancellation)));
        if (_options.SkipSecretValue || !_needs.Contains("secretsmanager:GetSecretValue")) return function;
        Task value;
        lock (_values)
        {
            _values.Add(secret.ARN);
            value = _valuesRead.Task;
            if (_values.Count == SecretValueClient.BatchSize) FlushLocked(cancellation);
        }
        return Task.WhenAll(function, value);
    }

    /// <summary>Sends the values collected so far: the listing waits for its next page, or has ended.</summary>
    public void Flush(CancellationToken cancellation)
    {
        lock (_values) FlushLocked(cancellation);
    }

    private void FlushLocked(CancellationToken cancellation)
    {
        if (_values.Count == 0) return;
        _ = ReadValuesAsync(_values.ToList(), _valuesRead, cancellation);
        _values.Clear();
        _valuesRead = NewSignal();
    }

    private async Task ReadValuesAsync(List<string> secretArns, TaskCompletionSource read, CancellationToken cancellation)
    {
        try
        {
            await _batches.WaitAsync(cancellation).ConfigureAwait(false);
            try
            {
                await _session.Get<SecretValueClient>().ReadCurrentAheadAsync(secretArns, cancellation).ConfigureAwait(false);
            }
            finally
            {
                _batches.Release();
            }
        }
        finally
        {
            // Stopped, or read: either way the diagnoses may go (a value not read ahead is read when asked for).
            read.SetResult();
        }
    }

    /// <summary>
    /// What the function's secrets share: GetFunction, GetPolicy and the default log group at once, then what the function
    /// names (its stack, its VPC, its bundle). Each read is the one the checks make, so it lands in the same cache.
    /// </summary>
    private async Task ReadFunctionAsync(string functionArn, CancellationToken cancellation)
    {
        var reads = new List<Task>();
        var function = _needs.Contains("lambda:GetFunction") ? _session.GetFunctionAsync(functionArn, cancellation) : null;
        if (_needs.Contains("lambda:GetPolicy")) reads.Add(_session.GetFunctionPolicyAsync(functionArn, cancellation));
        if (_needs.Contains("logs:FilterLogEvents")) reads.Add(_session.Get<RotationLogService>().ForFunctionAsync(functionArn, cancellation));
        if (function is not null) reads.Add(Settled(ReadWhatTheFunctionNamesAsync(functionArn, function, cancellation)));
        await Task.WhenAll(reads.Select(Settled)).ConfigureAwait(false);
    }

    private async Task ReadWhatTheFunctionNamesAsync(string functionArn, Task<LambdaFunction> read, CancellationToken cancellation)
    {
        var function = await read.ConfigureAwait(false);
        var config = function.Configuration;
        var reads = new List<Task>();
        if (_needs.Contains("cloudformation:DescribeStacks") && function.Tags.TryGetValue(RotationFunctionAgeService.StackNameTag, out var stack))
            reads.Add(_session.DescribeStackAsync(stack, cancellation));
        var databases = !_options.SkipSecretValue && _needs.Contains("rds:DescribeDBInstances") && Interlocked.Exchange(ref _databasesAsked, 1) == 0;
        if (_needs.Contains("ec2:DescribeRouteTables") && (config.VpcConfig?.SubnetIds is { Count: > 0 } || databases))
            reads.Add(_session.Get<NetworkPathService>().ReadAheadAsync(config.VpcConfig?.SubnetIds is { Count: > 0 } ? config.VpcConfig.VpcId : null,
                databases, cancellation));
        if (_needs.Contains("lambda:GetLayerVersion")
            && RotationTemplates.Identify(function, null)?.IsPostgres == true)
            reads.Add(_session.Get<FunctionBundleService>().ForFunctionAsync(config.FunctionArn ?? functionArn, cancellation));
        await Task.WhenAll(reads.Select(Settled)).ConfigureAwait(false);
    }

    /// <summary>A read ahead that failed is the diagnosis's to report (it finds the failure in the cache, or asks again).</summary>
    private static Task Settled(Task task) =>
        task.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
