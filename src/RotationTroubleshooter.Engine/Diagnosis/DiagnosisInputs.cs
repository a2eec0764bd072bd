using RotationTroubleshooter.Age;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Bundles;
using RotationTroubleshooter.Database;
using RotationTroubleshooter.Logs;
using RotationTroubleshooter.Network;

namespace RotationTroubleshooter.Diagnosis;

/// <summary>
/// Where the checks' inputs come from. <see cref="From"/> reads them through the run's session (each shared thing once
/// per run); unit tests give fixed answers instead, so a check is a function of its inputs.
/// </summary>
public sealed record DiagnosisInputs
{
    private static Func<T> Missing<T>(string what) => () => throw new InvalidOperationException($"No {what} was given to this diagnosis.");

    public string RegionName { get; init; } = "";
    public Func<string, CancellationToken, Task<LambdaFunction>> Function { get; init; } = (_, _) => Missing<Task<LambdaFunction>>("function")();
    public Func<string, CancellationToken, Task<string?>> FunctionPolicy { get; init; } = (_, _) => Missing<Task<string?>>("function policy")();
    public Func<string, CancellationToken, Task<SecretValue>> SecretValue { get; init; } = (_, _) => Missing<Task<SecretValue>>("secret value")();
    public Func<string, CancellationToken, IAsyncEnumerable<SecretVersionEntry>> SecretVersions { get; init; } = (_, _) => Missing<IAsyncEnumerable<SecretVersionEntry>>("version list")();
    /// <summary>DescribeSecret of another secret (a multi-user template's master).</summary>
    public Func<string, CancellationToken, Task<SecretDescription>> OtherSecret { get; init; } = (_, _) => Missing<Task<SecretDescription>>("other secret")();
    public Func<string, string, string, CancellationToken, Task<KmsRolePermission.Verdict?>> KmsVerdict { get; init; } = (_, _, _, _) => Missing<Task<KmsRolePermission.Verdict?>>("KMS verdict")();
    public Func<string, CancellationToken, Task<RotationAttempt?>> LatestAttempt { get; init; } = (_, _) => Missing<Task<RotationAttempt?>>("rotation attempt")();
    public Func<string, CancellationToken, Task<RotationFunctionAge>> Age { get; init; } = (_, _) => Missing<Task<RotationFunctionAge>>("function age")();
    public Func<string, CancellationToken, Task<IReadOnlyList<LibpqReport>>> Libpq { get; init; } = (_, _) => Missing<Task<IReadOnlyList<LibpqReport>>>("bundle")();
    /// <summary>The network path of a secret's function, reading the secret's value for its database unless told not to.</summary>
    public Func<string, bool, CancellationToken, Task<NetworkPathReport>> NetworkPath { get; init; } = (_, _, _) => Missing<Task<NetworkPathReport>>("network path")();
    public Func<string, DatabaseProbeOptions, CancellationToken, Task<DatabaseLoginCheck>> DatabaseLogin { get; init; } = (_, _, _) => Missing<Task<DatabaseLoginCheck>>("database login")();
    /// <summary>The database that owns a managed secret, as its service describes it; null when it does not exist.</summary>
    public Func<OwningResource, CancellationToken, Task<OwnerDescription?>> Owner { get; init; } = (_, _) => Missing<Task<OwnerDescription?>>("owning database")();
    /// <summary>The owning RDS instance's or cluster's events over the last N days.</summary>
    public Func<OwningResource, int, CancellationToken, Task<IReadOnlyList<OwnerEvent>>> OwnerEvents { get; init; } = (_, _, _) => Missing<Task<IReadOnlyList<OwnerEvent>>>("owner events")();

    /// <summary>What a database answers without credentials (<see cref="DatabaseServerProbe"/>).</summary>
    public Func<DatabaseEngine, string, int, string, string, DatabaseProbeOptions, CancellationToken, Task<DatabaseServerFacts>> DatabaseServer { get; init; } =
        DatabaseServerProbe.ProbeAsync;

    /// <summary>Everything read through the run's session and its per-run services.</summary>
    public static DiagnosisInputs From(AwsSession session) => new()
    {
        RegionName = session.Connection.RegionName,
        Function = session.GetFunctionAsync,
        FunctionPolicy = session.GetFunctionPolicyAsync,
        SecretValue = (arn, ct) => session.Get<SecretValueClient>().GetSecretValueAsync(arn, "AWSCURRENT", ct),
        SecretVersions = session.SecretsManager.ListSecretVersionIdsAsync,
        OtherSecret = session.DescribeSecretAsync,
        KmsVerdict = session.Get<KmsRolePermission>().EvaluateAsync,
        LatestAttempt = (arn, ct) => session.Get<RotationLogService>().LatestForSecretAsync(arn, ct),
        Age = session.Get<RotationFunctionAgeService>().ForFunctionAsync,
        Libpq = session.Get<FunctionBundleService>().ForFunctionAsync,
        NetworkPath = session.Get<NetworkPathService>().ForSecretAsync,
        DatabaseLogin = (arn, options, ct) => session.Get<DatabaseLoginService>().ForSecretAsync(arn, null, options, ct),
        Owner = (resource, ct) => resource.IsRds
            ? session.Get<RdsClient>().DescribeOwnerAsync(resource, ct)
            : session.Get<RedshiftClient>().DescribeOwnerAsync(resource, ct),
        OwnerEvents = session.Get<RdsClient>().DescribeEventsAsync,
    };
}
