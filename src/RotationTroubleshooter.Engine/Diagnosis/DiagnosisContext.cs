using RotationTroubleshooter.Age;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Database;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Diagnosis;

/// <summary>How Test-SecretRotation runs its checks.</summary>
public sealed record DiagnosisOptions
{
    /// <summary>Which checks run and which findings are kept (-Check, -ExcludeCheck).</summary>
    public CheckSelection Selection { get; init; } = CheckSelection.All;
    /// <summary>Never call GetSecretValue.</summary>
    public bool SkipSecretValue { get; init; }
    public bool IncludeDatabaseLogin { get; init; }
    /// <summary>Never ask the database anything, not even without credentials (-SkipDatabaseProbe).</summary>
    public bool SkipDatabaseProbe { get; init; }
    /// <summary>How -IncludeDatabaseLogin connects (timeout, trusted CA).</summary>
    public DatabaseProbeOptions DatabaseProbe { get; init; } = new();
    public DateTime Now { get; init; } = DateTime.UtcNow;
    /// <summary>Told each check that ran, how long it took and what it found (for -Verbose); called on worker threads.</summary>
    public Action<RotationCheck, TimeSpan, IReadOnlyList<Finding>>? CheckRan { get; init; }
}

/// <summary>
/// One secret's diagnosis in the making: the secret, what the checks look at (from <see cref="DiagnosisInputs"/>, each
/// shared thing read once per run however many checks and secrets ask), and the findings they add.
/// </summary>
public sealed class DiagnosisContext
{
    private readonly List<(RotationCheck By, Finding Finding)> _findings = [];
    private readonly DiagnosisInputs _inputs;
    private readonly Dictionary<string, Task> _inputTasks = [];

    public DiagnosisContext(SecretDescription secret, DiagnosisOptions options, DiagnosisInputs inputs)
    {
        Secret = secret;
        Options = options;
        _inputs = inputs;
    }

    public SecretDescription Secret { get; }
    public DiagnosisOptions Options { get; }
    public string SecretArn => Secret.ARN ?? Secret.Name ?? "";
    public string SecretName => Secret.Name ?? Secret.ARN ?? "";
    public string RegionName => _inputs.RegionName;
    public bool HasRotationFunction => !string.IsNullOrEmpty(Secret.RotationLambdaARN);

    /// <summary>
    /// The secret's owning service rotates it itself (managed rotation): it has no function, and rotation is on or its
    /// owner turns rotation on by default (RDS and Aurora). Other owners' secrets without rotation are not rotating at all.
    /// </summary>
    public bool HasManagedRotation => HasManagedRotationConfigured(Secret);

    /// <summary>Whether the secret rotates somehow: by a function or by its owning service (Test-SecretRotation's listing keeps these).</summary>
    public static bool HasRotationConfigured(SecretDescription secret) =>
        !string.IsNullOrEmpty(secret.RotationLambdaARN) || HasManagedRotationConfigured(secret);

    private static bool HasManagedRotationConfigured(SecretDescription secret) =>
        secret.IsManagedRotation && (secret.RotationEnabled == true || OwnersRotatingByDefault.Contains(secret.Owner!));

    /// <summary>RDS rotates the secrets it manages every seven days unless told otherwise (docs/reference/rotation.md, "Managed rotation").</summary>
    private static readonly HashSet<string> OwnersRotatingByDefault = new(StringComparer.OrdinalIgnoreCase) { "rds" };

    /// <summary>Whether the checks of a target have anything to look at in this secret.</summary>
    public bool Has(CheckTarget target) => target switch
    {
        CheckTarget.RotationFunction => HasRotationFunction,
        CheckTarget.ManagedRotation => HasManagedRotation,
        CheckTarget.Rotation => HasRotationFunction || HasManagedRotation,
        _ => true,
    };

    /// <summary>The database that owns a managed secret, as its tags name it (RDS, Aurora, Redshift); null for other secrets.</summary>
    public OwningResource? OwningResource => HasManagedRotation ? OwningResource.OwnerOf(Secret) : null;

    /// <summary>
    /// The owning database as its service describes it; null when the secret names none or it does not exist. A call
    /// that cannot be made is rethrown (the check says so) and makes the status Unknown.
    /// </summary>
    public async Task<OwnerDescription?> OwnerAsync(CancellationToken cancellation)
    {
        if (OwningResource is not { } resource) return null;
        try
        {
            return await _inputs.Owner(resource, cancellation).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (RotationDiagnostician.CannotRun(e))
        {
            OwnerUnreadable = e;
            throw;
        }
    }

    /// <summary>Set once <see cref="OwnerAsync"/> could not read the owning database.</summary>
    public AwsServiceException? OwnerUnreadable { get; private set; }

    /// <summary>The owning RDS instance's or cluster's events over the last <paramref name="days"/> days, newest first.</summary>
    public Task<IReadOnlyList<OwnerEvent>> OwnerEventsAsync(OwningResource resource, int days, CancellationToken cancellation) =>
        _inputs.OwnerEvents(resource, days, cancellation);

    /// <summary>
    /// The rotation function; null when none is configured, it does not exist (<see cref="FunctionMissing"/>), or it
    /// could not be read (denied, throttled: the diagnosis then says so once and its status is Unknown).
    /// </summary>
    public Task<LambdaFunction?> FunctionAsync(CancellationToken cancellation) => Once(nameof(FunctionAsync), async () =>
    {
        if (!HasRotationFunction) return null;
        try
        {
            return await _inputs.Function(Secret.RotationLambdaARN!, cancellation).ConfigureAwait(false);
        }
        catch (TroubleshooterException e) when (e.ErrorId == ErrorIds.FunctionNotFound)
        {
            FunctionMissing = e;
            return null;
        }
        catch (AwsServiceException e) when (RotationDiagnostician.CannotRun(e))
        {
            FunctionUnreadable = e;
            return (LambdaFunction?)null;
        }
    });

    /// <summary>Set once <see cref="FunctionAsync"/> found that the configured function does not exist.</summary>
    public TroubleshooterException? FunctionMissing { get; private set; }

    /// <summary>Set once <see cref="FunctionAsync"/> could not read the function.</summary>
    public AwsServiceException? FunctionUnreadable { get; private set; }

    /// <summary>
    /// The resource policy of the function Secrets Manager invokes (the secret's RotationLambdaARN, which names it as
    /// GetFunction's FunctionArn does): asked for at the same time as the function, not after it.
    /// </summary>
    public Task<string?> FunctionPolicyAsync(CancellationToken cancellation) => Once(nameof(FunctionPolicyAsync), () =>
        HasRotationFunction ? _inputs.FunctionPolicy(Secret.RotationLambdaARN!, cancellation) : Task.FromResult<string?>(null));

    /// <summary>The AWSCURRENT value's key names (never values); null with -SkipSecretValue.</summary>
    public Task<SecretValue?> SecretValueAsync(CancellationToken cancellation) => Options.SkipSecretValue ? Task.FromResult<SecretValue?>(null)
        : Once(nameof(SecretValueAsync), async () => (SecretValue?)await _inputs.SecretValue(SecretArn, cancellation).ConfigureAwait(false));

    public IAsyncEnumerable<SecretVersionEntry> SecretVersionsAsync(CancellationToken cancellation) => _inputs.SecretVersions(SecretArn, cancellation);

    /// <summary>DescribeSecret of another secret, e.g. a multi-user template's master secret.</summary>
    public Task<SecretDescription> OtherSecretAsync(string secretId, CancellationToken cancellation) => _inputs.OtherSecret(secretId, cancellation);

    public Task<KmsRolePermission.Verdict?> KmsVerdictAsync(string keyId, string roleArn, string functionName, CancellationToken cancellation) =>
        _inputs.KmsVerdict(keyId, roleArn, functionName, cancellation);

    /// <summary>The function's template from its tags or name, else from the secret's engine key (unless values may not be read).</summary>
    public async Task<RotationTemplate?> TemplateAsync(CancellationToken cancellation)
    {
        var function = await FunctionAsync(cancellation).ConfigureAwait(false);
        if (RotationTemplates.Identify(function, null) is { } byFunction) return byFunction;
        var value = await SecretValueAsync(cancellation).ConfigureAwait(false);
        return value?.NotJsonReason is null ? RotationTemplates.Identify(null, null, value?.GetPublicValue("engine")) : null;
    }

    /// <summary>The newest rotation attempt in the function's logs that may be this secret's; null when none.</summary>
    public Task<RotationAttempt?> LatestAttemptAsync(CancellationToken cancellation) =>
        Once(nameof(LatestAttemptAsync), () => _inputs.LatestAttempt(SecretArn, cancellation));

    /// <summary>The function's age as Get-RotationFunctionAge dates it; null without a readable function.</summary>
    public Task<RotationFunctionAge?> AgeAsync(CancellationToken cancellation) => Once(nameof(AgeAsync), async () =>
        await FunctionAsync(cancellation).ConfigureAwait(false) is { } function
            ? await _inputs.Age(FunctionId(function), cancellation).ConfigureAwait(false)
            : null);

    /// <summary>The libpq builds the function bundles (PostgreSQL templates only); null otherwise.</summary>
    public Task<IReadOnlyList<LibpqReport>?> LibpqAsync(CancellationToken cancellation) => Once(nameof(LibpqAsync), async () =>
    {
        if (await FunctionAsync(cancellation).ConfigureAwait(false) is not { } function) return null;
        if ((await TemplateAsync(cancellation).ConfigureAwait(false))?.IsPostgres != true) return null;
        return await _inputs.Libpq(FunctionId(function), cancellation).ConfigureAwait(false);
    });

    /// <summary>The function's VPC paths to Secrets Manager and to the secret's database.</summary>
    public Task<NetworkPathReport> NetworkPathAsync(CancellationToken cancellation) =>
        Once(nameof(NetworkPathAsync), () => _inputs.NetworkPath(SecretArn, !Options.SkipSecretValue, cancellation));

    /// <summary>Logs into the database with each version of the secret (only -IncludeDatabaseLogin asks).</summary>
    public Task<DatabaseLoginCheck> DatabaseLoginAsync(CancellationToken cancellation) =>
        Once(nameof(DatabaseLoginAsync), () => _inputs.DatabaseLogin(SecretArn, Options.DatabaseProbe, cancellation));

    /// <summary>An input asked for by several checks (and the cause analysis) is fetched once per diagnosis.</summary>
    private Task<T> Once<T>(string input, Func<Task<T>> fetch)
    {
        lock (_inputTasks)
        {
            if (_inputTasks.TryGetValue(input, out var task)) return (Task<T>)task;
            Task<T> fetched;
            try
            {
                fetched = fetch();
            }
            catch (Exception e)
            {
                fetched = Task.FromException<T>(e);
            }
            _inputTasks[input] = fetched;
            return fetched;
        }
    }

    /// <summary>
    /// What the secret's database answers without credentials (port, TLS, authentication); null when the secret's value
    /// was not read or names no host.
    /// </summary>
    public Task<DatabaseServerFacts?> DatabaseServerAsync(CancellationToken cancellation) => Once(nameof(DatabaseServerAsync), async () =>
    {
        var value = await SecretValueAsync(cancellation).ConfigureAwait(false);
        if (value?.NotJsonReason is not null || DatabaseEngines.Of(value?.GetPublicValue("engine")) is not { } engine
            || value!.GetPublicValue("host") is not { Length: > 0 } host) return null;
        var port = int.TryParse(value.GetPublicValue("port"), out var p) && p is > 0 and < 65536 ? p : engine.DefaultPort;
        return (DatabaseServerFacts?)await _inputs.DatabaseServer(engine.Engine, host, port, value.GetPublicValue("username") ?? "",
            value.GetPublicValue("dbname") ?? engine.DefaultDatabase ?? "", Options.DatabaseProbe, cancellation).ConfigureAwait(false);
    });

    /// <summary>What the secret's ssl key tells the template; null when the value was not read.</summary>
    public async Task<DatabaseTlsPreference?> TlsPreferenceAsync(CancellationToken cancellation) =>
        await SecretValueAsync(cancellation).ConfigureAwait(false) is { NotJsonReason: null } value
            ? DatabaseEngines.TlsPreferenceOf(value.GetPublicValue("ssl")) : null;

    private static string FunctionId(LambdaFunction function) => function.Configuration.FunctionArn ?? function.Configuration.FunctionName!;

    /// <summary>Adds a finding of <paramref name="by"/>; another check's finding of the same id becomes more evidence of one finding.</summary>
    public void Add(RotationCheck by, Finding finding)
    {
        lock (_findings) _findings.Add((by, finding.About(SecretArn, SecretName)));
    }

    /// <summary>What one check added so far.</summary>
    internal IReadOnlyList<Finding> FindingsOf(RotationCheck check)
    {
        lock (_findings) return _findings.Where(f => f.By == check).Select(f => f.Finding).ToList();
    }

    /// <summary>Whether <paramref name="check"/> raised a finding of <paramref name="definition"/> in this diagnosis.</summary>
    public bool Raised(RotationCheck check, FindingDefinition definition)
    {
        lock (_findings) return _findings.Any(f => f.By == check && f.Finding.CheckId == definition.Id);
    }

    /// <summary>The kept findings, one per id (in check order, evidence merged), most severe first.</summary>
    public IReadOnlyList<Finding> Findings()
    {
        var order = CheckCatalogue.Checks.ToList();
        var merged = new List<Finding>();
        lock (_findings)
            foreach (var (by, finding) in _findings.OrderBy(f => order.IndexOf(f.By)))
            {
                if (!Options.Selection.Keeps(finding, by)) continue;
                var at = merged.FindIndex(f => f.CheckId == finding.CheckId);
                if (at < 0) merged.Add(finding);
                else merged[at] = merged[at].MergedWith(finding, joinText: finding.CheckId == CheckCatalogue.CheckSkipped.Id);
            }
        return merged.OrderBy(f => f.Severity).ThenBy(f => f.CheckId, StringComparer.Ordinal).ToList();
    }
}
