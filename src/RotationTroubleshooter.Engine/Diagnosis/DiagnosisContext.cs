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
    /// <summary>How -IncludeDatabaseLogin connects (timeout, trusted CA).</summary>
    public DatabaseProbeOptions DatabaseProbe { get; init; } = new();
    public DateTime Now { get; init; } = DateTime.UtcNow;
}

/// <summary>
/// One secret's diagnosis in the making: the secret, what the checks look at (from <see cref="DiagnosisInputs"/>, each
/// shared thing read once per run however many checks and secrets ask), and the findings they add.
/// </summary>
public sealed class DiagnosisContext
{
    private readonly List<(RotationCheck By, Finding Finding)> _findings = [];
    private readonly DiagnosisInputs _inputs;

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

    /// <summary>Versions labelled AWSPENDING that are not AWSCURRENT: a rotation that did not finish.</summary>
    public IEnumerable<string> StuckPendingVersions =>
        (Secret.Stages ?? []).Where(v => v.Value.Contains("AWSPENDING") && !v.Value.Contains("AWSCURRENT")).Select(v => v.Key);

    /// <summary>
    /// The rotation function; null when none is configured, it does not exist (<see cref="FunctionMissing"/>), or it
    /// could not be read (denied, throttled: the diagnosis then says so once and its status is Unknown).
    /// </summary>
    public async Task<LambdaFunction?> FunctionAsync(CancellationToken cancellation)
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
            return null;
        }
    }

    /// <summary>Set once <see cref="FunctionAsync"/> found that the configured function does not exist.</summary>
    public TroubleshooterException? FunctionMissing { get; private set; }

    /// <summary>Set once <see cref="FunctionAsync"/> could not read the function.</summary>
    public AwsServiceException? FunctionUnreadable { get; private set; }

    public Task<string?> FunctionPolicyAsync(LambdaFunction function, CancellationToken cancellation) =>
        _inputs.FunctionPolicy(FunctionId(function), cancellation);

    /// <summary>The AWSCURRENT value's key names (never values); null with -SkipSecretValue.</summary>
    public async Task<SecretValue?> SecretValueAsync(CancellationToken cancellation) => Options.SkipSecretValue ? null
        : await _inputs.SecretValue(SecretArn, cancellation).ConfigureAwait(false);

    public IAsyncEnumerable<SecretVersionEntry> SecretVersionsAsync(CancellationToken cancellation) => _inputs.SecretVersions(SecretArn, cancellation);

    /// <summary>DescribeSecret of another secret, e.g. a multi-user template's master secret.</summary>
    public Task<SecretDescription> OtherSecretAsync(string secretId, CancellationToken cancellation) => _inputs.OtherSecret(secretId, cancellation);

    public Task<KmsRolePermission.Verdict?> KmsVerdictAsync(string keyId, string roleArn, string functionName, CancellationToken cancellation) =>
        _inputs.KmsVerdict(keyId, roleArn, functionName, cancellation);

    /// <summary>The function's template from its tags or name, else from the secret's engine key (unless values may not be read).</summary>
    public async Task<RotationTemplate?> TemplateAsync(CancellationToken cancellation)
    {
        var function = await FunctionAsync(cancellation).ConfigureAwait(false);
        var byFunction = function is null ? null
            : RotationTemplates.Identify(function.Tags.GetValueOrDefault(RotationFunctionAgeService.ApplicationIdTag), function.Configuration.FunctionName, null);
        if (byFunction != null) return byFunction;
        var value = await SecretValueAsync(cancellation).ConfigureAwait(false);
        return value?.NotJsonReason is null ? RotationTemplates.Identify(null, null, value?.GetPublicValue("engine")) : null;
    }

    /// <summary>The newest rotation attempt in the function's logs that may be this secret's; null when none.</summary>
    public Task<RotationAttempt?> LatestAttemptAsync(CancellationToken cancellation) => _inputs.LatestAttempt(SecretArn, cancellation);

    /// <summary>The function's age as Get-RotationFunctionAge dates it; null without a readable function.</summary>
    public async Task<RotationFunctionAge?> AgeAsync(CancellationToken cancellation) =>
        await FunctionAsync(cancellation).ConfigureAwait(false) is { } function
            ? await _inputs.Age(FunctionId(function), cancellation).ConfigureAwait(false)
            : null;

    /// <summary>The libpq builds the function bundles (PostgreSQL templates only); null otherwise.</summary>
    public async Task<IReadOnlyList<LibpqReport>?> LibpqAsync(CancellationToken cancellation)
    {
        if (await FunctionAsync(cancellation).ConfigureAwait(false) is not { } function) return null;
        if ((await TemplateAsync(cancellation).ConfigureAwait(false))?.IsPostgres != true) return null;
        return await _inputs.Libpq(FunctionId(function), cancellation).ConfigureAwait(false);
    }

    /// <summary>The function's VPC paths to Secrets Manager and to the secret's database.</summary>
    public Task<NetworkPathReport> NetworkPathAsync(CancellationToken cancellation) =>
        _inputs.NetworkPath(SecretArn, !Options.SkipSecretValue, cancellation);

    /// <summary>Logs into the database with each version of the secret (only -IncludeDatabaseLogin asks).</summary>
    public Task<DatabaseLoginCheck> DatabaseLoginAsync(CancellationToken cancellation) =>
        _inputs.DatabaseLogin(SecretArn, Options.DatabaseProbe, cancellation);

    private static string FunctionId(LambdaFunction function) => function.Configuration.FunctionArn ?? function.Configuration.FunctionName!;

    /// <summary>Adds a finding of <paramref name="by"/>; another check's finding of the same id becomes more evidence of one finding.</summary>
    public void Add(RotationCheck by, Finding finding)
    {
        lock (_findings) _findings.Add((by, finding.About(SecretArn, SecretName)));
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
