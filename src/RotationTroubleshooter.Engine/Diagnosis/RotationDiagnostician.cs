using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using RotationTroubleshooter.Age;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Bundles;
using RotationTroubleshooter.Database;
using RotationTroubleshooter.Logs;
using RotationTroubleshooter.Network;

namespace RotationTroubleshooter.Diagnosis;

public sealed record DiagnosisOptions
{
    /// <summary>Only these checks (null: all).</summary>
    public IReadOnlySet<string>? Checks { get; init; }
    public IReadOnlySet<string> ExcludedChecks { get; init; } = new HashSet<string>();
    /// <summary>Never call GetSecretValue.</summary>
    public bool SkipSecretValue { get; init; }
    public bool IncludeDatabaseLogin { get; init; }
    /// <summary>How -IncludeDatabaseLogin connects (timeout, trusted CA).</summary>
    public DatabaseProbeOptions DatabaseProbe { get; init; } = new();
    public DateTime Now { get; init; } = DateTime.UtcNow;

    public bool Runs(string checkId) =>
        (Checks is null || Checks.Contains(checkId)) && !ExcludedChecks.Contains(checkId);
}

/// <summary>
/// Test-SecretRotation's engine: every check AWS's troubleshooting guide asks for, one diagnosis per secret. Things
/// secrets share (the function, its policy, age, logs, bundle) are fetched once per run.
/// </summary>
public sealed partial class RotationDiagnostician(AwsSession session)
{
    private const string GuideUri = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot_rotation.html";
    private const string PermissionsUri = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html";
    private const string TemplatesUri = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_available-rotation-templates.html";
    private const int MinimumTimeoutSeconds = 30;

    private readonly ConcurrentDictionary<string, Lazy<Task<string?>>> _policies = new(StringComparer.Ordinal);
    private readonly RotationFunctionAgeCheck _age = new(session);

    public async Task<RotationDiagnosis> DiagnoseAsync(string secretId, DiagnosisOptions options, CancellationToken cancellation)
    {
        SecretDescription secret;
        try
        {
            secret = await session.DescribeSecretAsync(secretId, cancellation).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.Kind is AwsErrorKind.AccessDenied or AwsErrorKind.Throttled or AwsErrorKind.ServiceFault or AwsErrorKind.Transport)
        {
            // Without the description nothing else can be judged, but the secret still gets its answer.
            return new RotationDiagnosis
            {
                SecretArn = secretId, Name = secretId, Status = RotationStatus.Unknown,
                Findings = [Skipped("DescribeSecret", e)],
            };
        }
        return await DiagnoseAsync(secret, options, cancellation).ConfigureAwait(false);
    }

    public async Task<RotationDiagnosis> DiagnoseAsync(SecretDescription secret, DiagnosisOptions options, CancellationToken cancellation)
    {
        session.RememberSecret(secret);
        var findings = new Findings(options, session);
        var arn = secret.ARN ?? secret.Name ?? "";
        var keyCheckSkipped = false;

        if (string.IsNullOrEmpty(secret.RotationLambdaARN))
        {
            findings.Add(CheckIds.RotationNotConfigured, FindingSeverity.Info, "Rotation was never configured for this secret.",
                [$"DescribeSecret: RotationEnabled={secret.RotationEnabled?.ToString() ?? "absent"}, no RotationLambdaARN"],
                "Configure rotation (Invoke-SECSecretRotation -RotationLambdaARN ... or the console) if this secret should rotate.",
                "https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets.html");
            return Build(secret, findings, RotationStatus.NotConfigured);
        }
        if (secret.RotationEnabled != true)
            findings.Add(CheckIds.RotationNotConfigured, FindingSeverity.Warning, "Rotation was configured, then turned off.",
                [$"RotationEnabled=false, RotationLambdaARN={secret.RotationLambdaARN}"],
                "Turn rotation back on (Invoke-SECSecretRotation) or remove the rotation configuration on purpose.", GuideUri, CheckIds.RotationDisabled);

        CheckPendingVersion(secret, findings, options);
        CheckOverdue(secret, findings, options);

        LambdaFunction? function = null;
        try
        {
            function = await session.GetFunctionAsync(secret.RotationLambdaARN, cancellation).ConfigureAwait(false);
        }
        catch (TroubleshooterException e) when (e.ErrorId == ErrorIds.FunctionNotFound)
        {
            findings.Add(CheckIds.RotationFunctionMissing, FindingSeverity.Error, "The rotation function does not exist.",
                [$"RotationLambdaARN={secret.RotationLambdaARN}", e.Message],
                "Deploy the rotation function again (from its template) or point the secret at an existing function.", GuideUri);
        }
        catch (AwsServiceException e) when (IsSkippable(e))
        {
            findings.Skip(CheckIds.RotationFunctionMissing, e);
            keyCheckSkipped = true;
        }

        RotationFunctionAge? age = null;
        IReadOnlyList<LibpqReport>? libpq = null;
        var work = new List<Task>
        {
            findings.RunAsync(CheckIds.PendingVersionStuck, () => DatePendingVersionAsync(secret, findings, cancellation)),
        };
        if (function != null)
        {
            CheckFunctionConfiguration(secret, function, findings, options);
            work.Add(findings.RunAsync(CheckIds.InvokePermissionMissing, () => CheckInvokePermissionAsync(arn, function, findings, cancellation)));
            work.Add(findings.RunAsync(CheckIds.FunctionPredatesTls, async () => age = await CheckAgeAsync(function, findings, cancellation).ConfigureAwait(false)));
            work.Add(findings.RunAsync(CheckIds.LastRotationAttempt, async () =>
            {
                var attempt = await session.Shared(s => new Logs.RotationLogService(s)).LatestForSecretAsync(arn, cancellation).ConfigureAwait(false);
                if (attempt?.ToFinding() is { } finding) findings.AddRange(CheckIds.LastRotationAttempt, [finding]);
            }));
            work.Add(findings.RunAsync(CheckIds.NetworkPath, async () =>
                findings.AddRange(CheckIds.NetworkPath, (await NetworkPathService.For(session).ForSecretAsync(arn, !options.SkipSecretValue, cancellation).ConfigureAwait(false)).Findings)));
            work.Add(findings.RunAsync(CheckIds.LibpqLacksScram, async () =>
            {
                if ((await TemplateAsync(arn, function, options, cancellation).ConfigureAwait(false))?.IsPostgres == true)
                    libpq = await CheckLibpqAsync(function, findings, cancellation).ConfigureAwait(false);
            }));
            if (!string.IsNullOrEmpty(secret.KmsKeyId) && function.Configuration.Role is { } role)
                work.Add(findings.RunAsync(CheckIds.CustomerManagedKeyNeedsRolePermission, () => CheckKmsAsync(secret.KmsKeyId, role, function, findings, cancellation)));
        }
        if (!options.SkipSecretValue)
            work.Add(findings.RunAsync(CheckIds.SecretJsonKeyMissing, () => CheckSecretJsonAsync(secret, function, findings, cancellation)));
        await Task.WhenAll(work).ConfigureAwait(false);

        if (options.IncludeDatabaseLogin)
            await findings.RunAsync(CheckIds.DatabaseLogin, async () =>
            {
                var login = await session.Shared(s => new DatabaseLoginService(s)).ForSecretAsync(arn, null, options.DatabaseProbe, cancellation).ConfigureAwait(false);
                var libpqMajor = libpq?.Where(r => r.LibpqMajorVersion != null).Select(r => r.LibpqMajorVersion).Min();
                findings.AddRange(CheckIds.DatabaseLogin, login.ToFindings(libpqMajor, age?.PredatesTlsSupport));
            }).ConfigureAwait(false);

        var status = findings.Any(FindingSeverity.Error) ? RotationStatus.Failing
            : keyCheckSkipped ? RotationStatus.Unknown
            : findings.Any(FindingSeverity.Warning) ? RotationStatus.Warning
            : RotationStatus.Healthy;
        return Build(secret, findings, status);
    }

    private static RotationDiagnosis Build(SecretDescription secret, Findings findings, RotationStatus status) => new()
    {
        SecretArn = secret.ARN ?? "",
        Name = secret.Name ?? secret.ARN ?? "",
        Status = status,
        RotationEnabled = secret.RotationEnabled == true,
        RotationFunctionArn = secret.RotationLambdaARN,
        LastRotatedDate = secret.LastRotatedDate,
        NextRotationDate = secret.NextRotationDate,
        Findings = findings.Ordered(),
    };

    private static void CheckPendingVersion(SecretDescription secret, Findings findings, DiagnosisOptions options)
    {
        if (!options.Runs(CheckIds.PendingVersionStuck)) return;
        foreach (var (version, stages) in secret.Stages ?? [])
        {
            if (!stages.Contains("AWSPENDING") || stages.Contains("AWSCURRENT")) continue;
            findings.Add(CheckIds.PendingVersionStuck, FindingSeverity.Error,
                "A version is still labelled AWSPENDING: the next rotation will fail with \"A previous rotation isn't complete\".",
                [$"Version {version} has stages {string.Join(", ", stages)}"],
                "Find why the last rotation stopped (Get-RotationFunctionLog), fix it, then remove the label: " +
                $"Update-SECSecretVersionStage -SecretId '{secret.Name}' -VersionStage AWSPENDING -RemoveFromVersionId {version}, and rotate again.",
                GuideUri);
        }
    }

    /// <summary>Adds "since when" to a stuck pending version: only then is ListSecretVersionIds called.</summary>
    private async Task DatePendingVersionAsync(SecretDescription secret, Findings findings, CancellationToken cancellation)
    {
        var pending = (secret.Stages ?? []).Where(v => v.Value.Contains("AWSPENDING") && !v.Value.Contains("AWSCURRENT")).Select(v => v.Key).ToHashSet();
        if (pending.Count == 0) return;
        await foreach (var version in session.SecretsManager.ListSecretVersionIdsAsync(secret.ARN ?? secret.Name!, cancellation).ConfigureAwait(false))
            if (version.VersionId != null && pending.Contains(version.VersionId) && version.CreatedDate is { } created)
                findings.AddEvidence(CheckIds.PendingVersionStuck, $"Version {version.VersionId} was created {created:yyyy-MM-dd HH:mm}Z ({(DateTime.UtcNow - created).TotalDays:0} days ago)");
    }

    private static void CheckOverdue(SecretDescription secret, Findings findings, DiagnosisOptions options)
    {
        if (!options.Runs(CheckIds.RotationOverdue) || secret.RotationEnabled != true) return;
        var grace = TimeSpan.FromDays(1);
        if (secret.NextRotationDate is { } next && next + grace < options.Now)
        {
            findings.Add(CheckIds.RotationOverdue, FindingSeverity.Error,
                $"Rotation is overdue: it was due {next:yyyy-MM-dd} and has not succeeded since.",
                [$"NextRotationDate={next:yyyy-MM-dd HH:mm}Z", $"LastRotatedDate={secret.LastRotatedDate?.ToString("yyyy-MM-dd HH:mm") ?? "never"}"],
                "Read the rotation function's logs (Get-RotationFunctionLog -SecretId ...) for the failing step.", GuideUri);
            return;
        }
        var days = secret.RotationRules?.AutomaticallyAfterDays ?? RateDays(secret.RotationRules?.ScheduleExpression);
        if (days is > 0 && secret.LastRotatedDate is { } last && last + TimeSpan.FromDays(days.Value) + grace < options.Now)
            findings.Add(CheckIds.RotationOverdue, FindingSeverity.Error,
                $"Rotation is overdue: the schedule asks for every {days} days, the last rotation was {last:yyyy-MM-dd}.",
                [$"LastRotatedDate={last:yyyy-MM-dd HH:mm}Z", $"Schedule: every {days} days"],
                "Read the rotation function's logs (Get-RotationFunctionLog -SecretId ...) for the failing step.", GuideUri);
    }

    [GeneratedRegex(@"^rate\((\d+) days?\)$")]
    private static partial Regex RateExpression();

    private static long? RateDays(string? expression) =>
        expression != null && RateExpression().Match(expression.Trim()) is { Success: true } m ? long.Parse(m.Groups[1].Value) : null;

    private void CheckFunctionConfiguration(SecretDescription secret, LambdaFunction function, Findings findings, DiagnosisOptions options)
    {
        var config = function.Configuration;
        var name = config.FunctionName ?? secret.RotationLambdaARN!;
        if (options.Runs(CheckIds.RotationFunctionMissing) &&
            ((config.State != null && config.State != "Active") || config.LastUpdateStatus == "Failed"))
            findings.Add(CheckIds.RotationFunctionNotActive, FindingSeverity.Error,
                $"The rotation function is not active (State {config.State ?? "?"}, LastUpdateStatus {config.LastUpdateStatus ?? "?"}).",
                [$"{name}: {config.StateReason ?? config.LastUpdateStatusReason ?? "no reason given"}"],
                "Fix the reason Lambda gives (Get-LMFunctionConfiguration), e.g. a deleted subnet, role or layer, then update the function.",
                "https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html");

        if (options.Runs(CheckIds.FunctionTimeoutTooShort) && config.Timeout is { } timeout && timeout < MinimumTimeoutSeconds)
            findings.Add(CheckIds.FunctionTimeoutTooShort, FindingSeverity.Warning,
                $"The function times out after {timeout} s; the templates can need {MinimumTimeoutSeconds} s.",
                [$"{name}: Timeout={timeout}"],
                $"Raise the timeout to at least {MinimumTimeoutSeconds} s (Update-LMFunctionConfiguration -Timeout {MinimumTimeoutSeconds}): each database connect waits up to 5 s, " +
                "tries TLS then plain, and setSecret tries the pending, current and previous credentials.", GuideUri);

        if (options.Runs(CheckIds.SecretsManagerEndpointVariableMissing))
        {
            var variables = config.Environment?.Variables ?? [];
            if (!variables.TryGetValue("SECRETS_MANAGER_ENDPOINT", out var endpoint) || string.IsNullOrWhiteSpace(endpoint))
                findings.Add(CheckIds.SecretsManagerEndpointVariableMissing, FindingSeverity.Warning,
                    "The function has no SECRETS_MANAGER_ENDPOINT variable; AWS's rotation templates read it.",
                    [$"{name}: environment variables {(variables.Count == 0 ? "(none)" : string.Join(", ", variables.Keys))}"],
                    $"Set SECRETS_MANAGER_ENDPOINT=https://secretsmanager.{session.Connection.RegionName}.amazonaws.com (or your VPC endpoint's DNS name).",
                    TemplatesUri);
            else if (AwsArn.RegionOf(secret.ARN ?? "") is { } region && !endpoint.Contains(region, StringComparison.OrdinalIgnoreCase)
                     && EndpointRegion().Match(endpoint) is { Success: true } m)
                findings.Add(CheckIds.SecretsManagerEndpointVariableWrongRegion, FindingSeverity.Error,
                    $"SECRETS_MANAGER_ENDPOINT names region {m.Groups[1].Value}, but the secret is in {region}.",
                    [$"{name}: SECRETS_MANAGER_ENDPOINT={endpoint}"],
                    $"Set SECRETS_MANAGER_ENDPOINT=https://secretsmanager.{region}.amazonaws.com.", TemplatesUri);
        }

        if (options.Runs(CheckIds.FunctionRuntimeDeprecated) &&
            LambdaRuntimes.DeprecatedOn(config.Runtime, DateOnly.FromDateTime(options.Now)) is { } deprecated)
            findings.Add(CheckIds.FunctionRuntimeDeprecated, FindingSeverity.Warning,
                $"The function's runtime {config.Runtime} was deprecated on {deprecated:yyyy-MM-dd}; Lambda will block updates to it.",
                [$"{name}: Runtime={config.Runtime}"],
                "Redeploy the rotation function from the current template (it uses a supported runtime).",
                "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html");
    }

    [GeneratedRegex(@"secretsmanager\.([a-z]{2}(?:-[a-z]+)+-\d+)\.", RegexOptions.IgnoreCase)]
    private static partial Regex EndpointRegion();

    private async Task CheckInvokePermissionAsync(string secretArn, LambdaFunction function, Findings findings, CancellationToken cancellation)
    {
        var name = function.Configuration.FunctionArn ?? function.Configuration.FunctionName!;
        var policy = await _policies.GetOrAdd(name, n => new Lazy<Task<string?>>(() => session.Lambda.GetPolicyAsync(n, cancellation))).Value.ConfigureAwait(false);
        var result = InvokePermission.Evaluate(policy, secretArn);
        var remediation = $"Add-LMPermission -FunctionName {function.Configuration.FunctionName} -StatementId SecretsManagerAccess " +
                          "-Action lambda:InvokeFunction -Principal secretsmanager.amazonaws.com (optionally -SourceAccount <account>).";
        switch (result.Decision)
        {
            case InvokeDecision.Missing or InvokeDecision.Denied or InvokeDecision.ExcludedByCondition:
                findings.Add(CheckIds.InvokePermissionMissing, FindingSeverity.Error,
                    "Secrets Manager may not invoke the rotation function for this secret; rotation fails with AccessDeniedException.",
                    [result.Detail], remediation, "https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot_rotation.html#troubleshoot_rotation_access-denied");
                break;
            case InvokeDecision.Unknown:
                findings.Add(CheckIds.InvokePermissionMissing, FindingSeverity.Info,
                    "Could not tell whether Secrets Manager may invoke the function.", [result.Detail], remediation, GuideUri);
                break;
        }
    }

    /// <summary>The function's template from its tags or name, else from the secret's engine key (unless values may not be read).</summary>
    private async Task<RotationTemplate?> TemplateAsync(string secretArn, LambdaFunction function, DiagnosisOptions options, CancellationToken cancellation)
    {
        var byFunction = RotationTemplates.Identify(function.Tags.GetValueOrDefault(RotationFunctionAgeCheck.ApplicationIdTag), function.Configuration.FunctionName, null);
        if (byFunction != null || options.SkipSecretValue) return byFunction;
        var value = await SecretValueClient.For(session).GetSecretValueAsync(secretArn, "AWSCURRENT", cancellation).ConfigureAwait(false);
        return RotationTemplates.Identify(null, null, value.NotJsonReason is null ? value.GetPublicValue("engine") : null);
    }

    private static async Task<IReadOnlyList<LibpqReport>> CheckLibpqAsync(LambdaFunction function, Findings findings, CancellationToken cancellation)
    {
        var reports = await FunctionBundleService.For(findings.Session).ForFunctionAsync(function.Configuration.FunctionArn ?? function.Configuration.FunctionName!, cancellation).ConfigureAwait(false);
        foreach (var report in reports.Where(r => r.SupportsScramSha256 == false))
            findings.Add(CheckIds.LibpqLacksScram, FindingSeverity.Warning,
                $"The function bundles a libpq{(report.LibpqMajorVersion is { } v ? $" {v}" : "")} that cannot log in with scram-sha-256; " +
                "against a database that asks for SCRAM, rotation fails with \"SCRAM authentication requires libpq version 10 or above\".",
                [$"{report.Path} ({report.Driver})", .. report.Evidence.Take(4)],
                "Redeploy the rotation function from the current AWS template (its libpq supports SCRAM), or keep the database user on md5.",
                "https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot_rotation.html");
        return reports;
    }

    private async Task<RotationFunctionAge> CheckAgeAsync(LambdaFunction function, Findings findings, CancellationToken cancellation)
    {
        var age = await _age.ForFunctionAsync(function.Configuration.FunctionArn ?? function.Configuration.FunctionName!, cancellation).ConfigureAwait(false);
        var evidence = age.Evidence.ToList();
        if (age.PredatesTlsSupport == true)
            findings.Add(CheckIds.FunctionPredatesTls, FindingSeverity.Warning,
                $"The rotation function was set up {(age.CreatedDateSource == "CloudFormationStack" ? "on" : "on or before")} {age.CreatedDate:yyyy-MM-dd}, before AWS's templates supported TLS (2021-12-20).",
                evidence, "Redeploy the function from the current template, so it connects to the database over TLS.", GuideUri);
        var template = RotationTemplates.Identify(age.TemplateApplicationId, function.Configuration.FunctionName, null);
        if (age.PredatesScramSupport == true && template?.IsPostgres != false)
            findings.Add(CheckIds.FunctionPredatesScram, FindingSeverity.Warning,
                $"The rotation function was set up {(age.CreatedDateSource == "CloudFormationStack" ? "on" : "on or before")} {age.CreatedDate:yyyy-MM-dd}, before AWS's templates bundled a libpq that can do scram-sha-256 (2021-12-30).",
                evidence, "If the database uses scram-sha-256 (the default from PostgreSQL 14 and RDS 13+ parameter groups), redeploy the function from the current template. Test-LibpqScramSupport checks the bundle.", GuideUri);
        return age;
    }

    private async Task CheckKmsAsync(string keyId, string roleArn, LambdaFunction function, Findings findings, CancellationToken cancellation)
    {
        var verdict = await session.Shared(s => new KmsRolePermission(s))
            .EvaluateAsync(keyId, roleArn, function.Configuration.FunctionName!, cancellation).ConfigureAwait(false);
        if (verdict?.Severity is { } severity)
            findings.Add(CheckIds.CustomerManagedKeyNeedsRolePermission, severity, verdict.Message, verdict.Evidence,
                "Allow the function's role kms:Decrypt and kms:GenerateDataKey on the key (in its IAM policy, or in the key policy).",
                "https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html");
    }

    private async Task CheckSecretJsonAsync(SecretDescription secret, LambdaFunction? function, Findings findings, CancellationToken cancellation)
    {
        var value = await SecretValueClient.For(session).GetSecretValueAsync(secret.ARN ?? secret.Name!, "AWSCURRENT", cancellation).ConfigureAwait(false);
        if (value.NotJsonReason is { } notJson)
        {
            findings.Add(CheckIds.SecretNotJson, FindingSeverity.Error, "The secret's value is not a JSON object; the rotation templates need one.",
                [$"AWSCURRENT ({value.VersionId}): {notJson}"],
                "Store the credentials as JSON with the keys the template needs, e.g. {\"engine\":...,\"host\":...,\"username\":...,\"password\":...}.", TemplatesUri);
            return;
        }
        var keys = value.KeyNames!;
        var engine = value.GetPublicValue("engine");
        var tags = function?.Tags;
        var template = RotationTemplates.Identify(tags?.GetValueOrDefault(RotationFunctionAgeCheck.ApplicationIdTag), function?.Configuration.FunctionName, engine);
        if (template is null) return;
        var missing = template.RequiredKeys.Where(k => !keys.Contains(k, StringComparer.Ordinal)).ToList();
        if (missing.Count > 0)
            findings.Add(CheckIds.SecretJsonKeyMissing, FindingSeverity.Error,
                $"The secret's JSON lacks {string.Join(", ", missing)}, which the {template.Name}{(template.MultiUser ? " multi-user" : "")} template needs.",
                [$"Template identified by {template.IdentifiedBy}", $"Keys present: {string.Join(", ", keys)}", .. missing.Select(k => $"'{k} key is missing from secret JSON'")],
                $"Add {string.Join(", ", missing)} to the secret's JSON (keep the other keys).", TemplatesUri);
        if (engine != null && !template.EngineValues.Contains(engine, StringComparer.Ordinal))
            findings.Add(CheckIds.EngineMismatch, FindingSeverity.Error,
                $"The secret says engine '{engine}', but its rotation function is the {template.Name} template.",
                [$"Template identified by {template.IdentifiedBy}", $"The template accepts engine {string.Join(" or ", template.EngineValues)}"],
                $"Set engine to {template.EngineValues[0]} if the database is {template.Name}, or rotate with the template for {engine}.", TemplatesUri);
        if (template.MultiUser && value.GetPublicValue("masterarn") is { Length: > 0 } masterArn)
        {
            try
            {
                await session.DescribeSecretAsync(masterArn, cancellation).ConfigureAwait(false);
            }
            catch (TroubleshooterException e) when (e.ErrorId is ErrorIds.SecretNotFound or ErrorIds.InvalidArn || e is AwsServiceException { Kind: AwsErrorKind.AccessDenied })
            {
                findings.Add(CheckIds.MasterSecretUnreadable, FindingSeverity.Error,
                    "The multi-user template cannot read the master secret named by masterarn.",
                    [$"masterarn={masterArn}", e.Message],
                    "Point masterarn at the master secret's ARN, and let the function's role call secretsmanager:GetSecretValue on it.", TemplatesUri);
            }
        }
    }

    private static bool IsSkippable(AwsServiceException e) =>
        e.Kind is AwsErrorKind.AccessDenied or AwsErrorKind.Throttled or AwsErrorKind.ServiceFault or AwsErrorKind.Transport or AwsErrorKind.ExpiredToken;

    private static Finding Skipped(string what, AwsServiceException e) =>
        new(CheckIds.CheckSkipped, FindingSeverity.Info, $"{what} could not run: {e.ErrorCode ?? e.Kind.ToString()} on {e.IamAction}.",
            [e.Message], e.Kind == AwsErrorKind.AccessDenied ? $"Allow {e.IamAction} to the identity running the diagnosis." : "Try again later.", PermissionsUri);

    /// <summary>The findings of one diagnosis, collected from concurrent checks.</summary>
    private sealed class Findings(DiagnosisOptions options, AwsSession session)
    {
        public AwsSession Session => session;

        /// <summary>Findings another component made, kept when their selector runs.</summary>
        public void AddRange(string selector, IEnumerable<Finding> made)
        {
            if (!options.Runs(selector)) return;
            lock (_items) _items.AddRange(made);
        }

        private readonly List<Finding> _items = [];
        private readonly Dictionary<string, List<string>> _extraEvidence = [];

        public void Add(string selector, FindingSeverity severity, string message, IReadOnlyList<string> evidence, string remediation, string helpUri, string? checkId = null)
        {
            if (!options.Runs(selector)) return;
            lock (_items) _items.Add(new Finding(checkId ?? selector, severity, message, evidence, remediation, helpUri));
        }

        public void AddEvidence(string checkId, string line)
        {
            lock (_items) (_extraEvidence.TryGetValue(checkId, out var list) ? list : _extraEvidence[checkId] = []).Add(line);
        }

        public bool Any(FindingSeverity severity)
        {
            lock (_items) return _items.Any(f => f.Severity == severity);
        }

        public void Skip(string checkId, AwsServiceException e)
        {
            lock (_items) _items.Add(Skipped(checkId, e));
        }

        /// <summary>Runs a check; a denied or throttled call becomes a CheckSkipped finding instead of failing the diagnosis.</summary>
        public async Task RunAsync(string checkId, Func<Task> check)
        {
            if (!options.Runs(checkId)) return;
            try
            {
                await check().ConfigureAwait(false);
            }
            catch (AwsServiceException e) when (IsSkippable(e) || e.Kind == AwsErrorKind.NotFound)
            {
                Skip(checkId, e);
            }
            catch (TroubleshooterException e) when (e is not AwsServiceException)
            {
                // A check's own failure (an unreadable bundle, a download refused) is reported, not fatal to the diagnosis.
                lock (_items) _items.Add(new Finding(CheckIds.CheckSkipped, FindingSeverity.Info, $"{checkId} could not run: {e.Message}", [e.ErrorId],
                    $"Fix what the message names, then run Test-SecretRotation -Check {checkId} again; the other checks ran.", GuideUri));
            }
        }

        public IReadOnlyList<Finding> Ordered()
        {
            lock (_items)
                return _items
                    .Select(f => _extraEvidence.TryGetValue(f.CheckId, out var extra)
                        ? new Finding(f.CheckId, f.Severity, f.Message, [.. f.Evidence, .. extra], f.Remediation, f.HelpUri) : f)
                    .OrderBy(f => f.Severity).ThenBy(f => f.CheckId, StringComparer.Ordinal).ToList();
        }
    }
}
