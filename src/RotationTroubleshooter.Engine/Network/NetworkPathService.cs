using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Network;

/// <summary>Where the secret's database is, or why it could not be told (then the database path is Unknown).</summary>
/// <param name="Target">The database to check; null when the secret names none or it could not be located.</param>
/// <param name="NotCheckedReason">Why the database path was not checked; null when it was, or when the secret names no host.</param>
public sealed record DatabaseLookup(DatabaseTarget? Target, string? NotCheckedReason = null);

/// <summary>
/// The network checks of one run (one per <see cref="AwsSession"/>, through <see cref="AwsSession.Get{T}"/>): one EC2
/// client over the session's pipeline and one <see cref="Ec2NetworkSnapshot"/> over the run's cache, so functions
/// sharing a VPC cost one description (<see cref="NetworkInputs.Vpc"/>); the RDS databases listed once
/// (<see cref="NetworkInputs.Databases"/>); a secret's database address and report shared by the callers that ask for it
/// at the same time (<see cref="NetworkInputs.Path"/>).
/// </summary>
public sealed class NetworkPathService : IRunService<NetworkPathService>
{
    // Shared while in flight only: per-secret answers a fleet's diagnoses would otherwise pile up in memory.
    private static readonly object Lookups = new(), Reports = new();

    private readonly AwsSession _session;
    private readonly Lazy<Ec2NetworkSnapshot> _snapshot;
    private readonly Lazy<NetworkPathAnalyzer> _analyzer;
    private readonly SecretHostReader _secrets;
    private readonly RdsClient _rds;

    public NetworkPathService(AwsSession session)
    {
        _session = session ?? throw new ArgumentNullException(nameof(session));
        _snapshot = new Lazy<Ec2NetworkSnapshot>(() => new Ec2NetworkSnapshot(Ec2ClientFactory.Create(session.Pipeline), session.Cache));
        _analyzer = new Lazy<NetworkPathAnalyzer>(() => new NetworkPathAnalyzer(_snapshot.Value));
        _secrets = new SecretHostReader(session);
        _rds = session.Get<RdsClient>();
    }

    /// <summary>The run's service: every caller of the same session (Test-RotationNetwork, Test-SecretRotation) shares it.</summary>
    public static NetworkPathService Create(AwsSession session) => new(session);

    /// <summary>The run's EC2 description of VPCs.</summary>
    internal Ec2NetworkSnapshot Snapshot => _snapshot.Value;

    /// <summary>
    /// The secret's rotation function (DescribeSecret, GetFunction) and, unless <paramref name="readSecretValue"/> is false,
    /// its database (GetSecretValue's host and port, matched to RDS), then both paths; shared by concurrent callers.
    /// </summary>
    /// <exception cref="TroubleshooterException">SecretNotFound, RotationNotConfigured, FunctionNotFound, or an AWS failure.</exception>
    public Task<NetworkPathReport> ForSecretAsync(string secretId, bool readSecretValue, CancellationToken cancellation) =>
        NetworkInputs.Path.GetAsync(_session, new NetworkQuestion(secretId, readSecretValue), ct => AnalyzeSecretAsync(secretId, readSecretValue, ct), cancellation);

    /// <summary>Works out <see cref="ForSecretAsync"/> now: the function's network is described while the database is looked up.</summary>
    internal async Task<NetworkPathReport> AnalyzeSecretAsync(string secretId, bool readSecretValue, CancellationToken cancellation)
    {
        var (secret, functionArn) = await _session.RotationFunctionOfAsync(secretId, "check a function's network with -FunctionName", cancellation).ConfigureAwait(false);
        var secretArn = secret.ARN ?? secretId;
        var lookup = readSecretValue ? DatabaseForSecretAsync(secretArn, cancellation) : Task.FromResult(new DatabaseLookup(null));
        var function = await _session.GetFunctionAsync(functionArn, cancellation).ConfigureAwait(false);
        var report = await _analyzer.Value.AnalyzeAsync(Request(function, secretArn, null), TargetOf(lookup), cancellation).ConfigureAwait(false);
        var reason = (await lookup.ConfigureAwait(false)).NotCheckedReason;
        return reason is null ? report : WithDatabaseNotChecked(report, reason);
    }

    /// <summary>Both paths of one function, computed once for concurrent callers asking for the same function, secret and database.</summary>
    /// <param name="secretArn">The secret rotated, for the endpoint policy; null checks the function alone.</param>
    /// <param name="database">From <see cref="DatabaseForSecretAsync"/>; null skips the database path.</param>
    public Task<NetworkPathReport> ForFunctionAsync(LambdaFunction function, string? secretArn, DatabaseTarget? database, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(function);
        var key = string.Join('\n', function.Configuration.FunctionArn ?? function.Configuration.FunctionName, secretArn, database?.Host, database?.Port);
        return _session.Cache.GetAsync(Reports, key, ct => _analyzer.Value.AnalyzeAsync(Request(function, secretArn, database), ct), cancellation,
            CacheLifetime.WhileInFlight);
    }
    private NetworkPathRequest Request(LambdaFunction function, string? secretArn, DatabaseTarget? database)
    {
        var config = function.Configuration;
        var name = config.FunctionName ?? config.FunctionArn ?? throw new ArgumentException("The function has no name.", nameof(function));
        string? endpoint = null;
        config.Environment?.Variables?.TryGetValue("SECRETS_MANAGER_ENDPOINT", out endpoint);
        return new NetworkPathRequest(name, config.VpcConfig?.SubnetIds ?? [], config.VpcConfig?.SecurityGroupIds ?? [],
            config.Role, endpoint, AwsArn.RegionOf(config.FunctionArn) ?? _session.Connection.RegionName, secretArn, database)
            { VpcId = config.VpcConfig?.VpcId };
    }

    private static async Task<DatabaseTarget?> TargetOf(Task<DatabaseLookup> lookup) => (await lookup.ConfigureAwait(false)).Target;

    /// <summary>
    /// The secret's database: GetSecretValue's host and port (the value itself is dropped at once), matched against the
    /// RDS instance and cluster endpoints. Refusals and unreadable secrets come back as a reason, not an exception.
    /// </summary>
    public Task<DatabaseLookup> DatabaseForSecretAsync(string secretArn, CancellationToken cancellation) =>
        _session.Cache.GetAsync(Lookups, secretArn, ct => LookUpAsync(secretArn, ct), cancellation, CacheLifetime.WhileInFlight);

    private async Task<DatabaseLookup> LookUpAsync(string secretArn, CancellationToken cancellation)
    {
        // Listed (once per run) while the value is read: the address only picks the entry.
        var listing = DatabasesAsync(cancellation);
        SecretDatabaseAddress address;
        try
        {
            address = await _secrets.ReadAsync(secretArn, cancellation).ConfigureAwait(false);
        }
        catch (TroubleshooterException e) when (e is not AwsServiceException { Kind: AwsErrorKind.Throttled or AwsErrorKind.Transport })
        {
            return new DatabaseLookup(null, e is AwsServiceException { Kind: AwsErrorKind.AccessDenied } || e.ErrorId is ErrorIds.GetSecretValueDenied or ErrorIds.KmsAccessDenied
                ? $"secretsmanager:GetSecretValue{(e.ErrorId == ErrorIds.KmsAccessDenied ? " (kms:Decrypt)" : "")} was denied, so the secret's database host is unknown."
                : e.Message);
        }
        if (address.Host is null)
            return new DatabaseLookup(null);

        IReadOnlyList<RdsDatabase> databases;
        try
        {
            databases = await listing.ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.Kind is AwsErrorKind.AccessDenied or AwsErrorKind.Validation or AwsErrorKind.Other)
        {
            return new DatabaseLookup(null, e.Kind == AwsErrorKind.AccessDenied
                ? $"{e.IamAction} was denied, so {address.Host} could not be matched to an RDS instance or cluster."
                : $"RDS could not be listed ({e.Message}), so {address.Host} could not be matched to an RDS instance or cluster.");
        }
        catch (TroubleshooterException e) when (e.Category == FailureCategory.LimitsExceeded && e is not AwsServiceException)
        {
            return new DatabaseLookup(null, e.Message);
        }

        var defaultPort = DefaultPort(address.Engine);
        var target = DatabaseTargets.Resolve(address.Host, address.Port, defaultPort ?? 0, databases);
        if (target.Port == 0)
            return new DatabaseLookup(null,
                $"{address.Host} is not an RDS endpoint and the secret has no port, and engine '{address.Engine ?? "(none)"}' has no default port.");
        return new DatabaseLookup(target);
    }

    /// <summary>The account's RDS instances and clusters in the region, listed once per run.</summary>
    private Task<IReadOnlyList<RdsDatabase>> DatabasesAsync(CancellationToken cancellation)
    {
        var listing = NetworkInputs.Databases.GetAsync(_session, _session.Connection.RegionName, _rds.DescribeDatabasesAsync, cancellation);
        // A secret without a host never looks at the listing: its failure is then nobody's.
        _ = listing.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return listing;
    }

    /// <summary>The port each rotation template uses when the secret has none (docs/reference/rotation.md, "Secret JSON each template needs").</summary>
    internal static int? DefaultPort(string? engine) => Database.DatabaseEngines.Of(engine)?.DefaultPort;

    private static NetworkPathReport WithDatabaseNotChecked(NetworkPathReport report, string reason)
    {
        var finding = NetworkFindings.DatabasePathNotChecked.Raise([reason]);
        return new NetworkPathReport(report.FunctionName, report.VpcId, report.SubnetIds, report.SecurityGroupIds, report.SecretsManagerPath,
            new NetworkPath(PathVerdict.Unknown, reason, []), [.. report.Findings, finding])
        { SecretArn = report.SecretArn, Database = report.Database };
    }
}
