using System.Collections.Concurrent;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Rotation;

/// <summary>A secret Start-SecretRotation has checked and may rotate: its ARN and name, and its rotation function.</summary>
public sealed record RotationTarget(string SecretArn, string SecretName, string FunctionArn);

/// <summary>How following a rotation ended: AWSCURRENT moved to the new version, a step failed, or -TimeoutSeconds passed first.</summary>
public enum RotationWaitEnd { Succeeded, Failed, StillRunning }

/// <summary>How a followed rotation ended, with the attempt as the function's logs show it (null when they show none).</summary>
public sealed record RotationWaitResult(RotationWaitEnd End, RotationAttempt? Attempt);

/// <summary>What following a rotation has seen so far: the attempt (null before its first log lines), and why the logs cannot be read, if so.</summary>
public sealed record RotationProgress(RotationAttempt? Attempt, TimeSpan Elapsed, string? LogProblem);

/// <summary>
/// Start-SecretRotation's engine: refuses a rotation that would fail at once, starts one (RotateSecret), and follows it
/// through the secret's labels and the function's logs until it ends. Every request goes through the run's pipeline and
/// its rate limits (docs/reference/rotation.md, "Changing a rotation").
/// </summary>
public sealed class RotationStarter(AwsSession session) : IRunService<RotationStarter>
{
    public static RotationStarter Create(AwsSession session) => new(session);

    private readonly ConcurrentDictionary<string, string> _started = new(StringComparer.Ordinal);

    /// <summary>How often a followed rotation is read: DescribeSecret and FilterLogEvents (5/s for the account) each time.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);
    /// <summary>CloudWatch Logs shows lines seconds after they are written: after AWSCURRENT moves, finishSecret's may still be coming.</summary>
    private static readonly TimeSpan LogDelay = TimeSpan.FromSeconds(15);
    /// <summary>This machine's clock and Lambda's may differ: the logs are read from a little before the start.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The secret and its function, when a rotation can start (null when this run started one already): fails with
    /// RotationNotConfigured, PendingVersionStuck (RotateSecret would refuse: "A previous rotation isn't complete") or
    /// FunctionNotFound otherwise.
    /// </summary>
    public async Task<RotationTarget?> PrepareAsync(string secretId, CancellationToken cancellation)
    {
        var (secret, functionArn) = await session.RotationFunctionOfAsync(secretId, "give a secret that has one", cancellation).ConfigureAwait(false);
        if (_started.ContainsKey(secret.ARN ?? secretId)) return null;
        var name = secret.Name ?? secretId;
        if (secret.StuckPendingVersions.FirstOrDefault() is { } stuck)
            throw new TroubleshooterException(ErrorIds.PendingVersionStuck, FailureCategory.InvalidOperation,
                $"Secret '{name}' has version {stuck} labelled AWSPENDING and not AWSCURRENT: an earlier rotation did not finish, and " +
                "RotateSecret would fail with \"A previous rotation isn't complete\". See why (Get-RotationFunctionLog -SecretId " +
                $"'{name}'), fix it, remove the label (Repair-SecretRotation -SecretId '{name}'), then start again.");
        await session.GetFunctionAsync(functionArn, cancellation).ConfigureAwait(false);
        return new RotationTarget(secret.ARN ?? secretId, name, functionArn);
    }

    /// <summary>Starts a rotation with the secret's own configuration; returns the new version's id.</summary>
    public async Task<string> StartAsync(RotationTarget target, CancellationToken cancellation)
    {
        var token = Guid.NewGuid().ToString();
        // The function is named although it is configured: the request then means the same to every implementation.
        var response = await session.SecretsManager.RotateSecretAsync(new RotateSecretRequest
        {
            SecretId = target.SecretArn, ClientRequestToken = token, RotationLambdaARN = target.FunctionArn,
        }, cancellation).ConfigureAwait(false);
        _started[target.SecretArn] = response.VersionId ?? token;
        return response.VersionId ?? token;
    }

    /// <summary>
    /// Follows the rotation of <paramref name="versionId"/> started at <paramref name="startedAt"/> (UTC): ends when
    /// AWSCURRENT moves to it, when the function's logs show a step failed, or after <paramref name="timeout"/>. Reports
    /// what the logs show after every read.
    /// </summary>
    public async Task<RotationWaitResult> FollowAsync(RotationTarget target, string versionId, DateTime startedAt, TimeSpan timeout,
        Action<RotationProgress> progress, CancellationToken cancellation)
    {
        var logs = session.Get<RotationLogService>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan? movedAt = null;
        RotationAttempt? attempt = null;
        while (true)
        {
            var secret = await session.SecretsManager.DescribeSecretAsync(target.SecretArn, cancellation).ConfigureAwait(false);
            var moved = secret.Stages?.GetValueOrDefault(versionId)?.Contains("AWSCURRENT") == true;
            string? problem = null;
            try
            {
                var read = await logs.ReadUntilNowAsync(target.FunctionArn, startedAt - ClockSkew, RotationLogService.DefaultMaxEvents, cancellation)
                    .ConfigureAwait(false);
                attempt = AttemptOf(read.Attempts, target.SecretArn, versionId, startedAt - ClockSkew) ?? attempt;
            }
            catch (TroubleshooterException e) when (e.ErrorId == ErrorIds.LogGroupNotFound)
            {
                // The function has not logged anything yet.
            }
            catch (AwsServiceException e) when (e.Kind is AwsErrorKind.AccessDenied)
            {
                problem = $"{e.IamAction} was denied: the steps cannot be shown; the rotation is followed through the secret's labels only.";
            }
            progress(new RotationProgress(attempt, clock.Elapsed, problem));
            if (attempt?.Outcome is RotationAttemptOutcome.Failed or RotationAttemptOutcome.TimedOut)
                return new RotationWaitResult(RotationWaitEnd.Failed, attempt);
            if (moved)
            {
                movedAt ??= clock.Elapsed;
                if (attempt?.Outcome == RotationAttemptOutcome.Succeeded || problem is not null || clock.Elapsed - movedAt >= LogDelay)
                    return new RotationWaitResult(RotationWaitEnd.Succeeded, attempt);
            }
            var left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero) return new RotationWaitResult(RotationWaitEnd.StillRunning, attempt);
            await Task.Delay(left < PollInterval ? left : PollInterval, cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>The attempt of this version: the one whose logs name it, else the newest since the start that names no version.</summary>
    internal static RotationAttempt? AttemptOf(IReadOnlyList<RotationAttempt> attempts, string secretArn, string versionId, DateTime since)
    {
        var ofSecret = RotationLogService.OfSecret(attempts, secretArn);
        return ofSecret.LastOrDefault(a => a.VersionId == versionId)
               ?? ofSecret.LastOrDefault(a => a.VersionId is null && a.StartTime >= since);
    }
}
