using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Diagnosis;

/// <summary>
/// Test-SecretRotation's engine: runs the catalogue's checks on a secret at the same time and says its status. The
/// checks themselves live in Diagnosis/Checks; things secrets share are fetched once per run through the session.
/// </summary>
public sealed class RotationDiagnostician(AwsSession session) : IRunService<RotationDiagnostician>
{
    public static RotationDiagnostician Create(AwsSession session) => new(session);

    private readonly DiagnosisInputs _inputs = DiagnosisInputs.From(session);

    public async Task<RotationDiagnosis> DiagnoseAsync(string secretId, DiagnosisOptions options, CancellationToken cancellation)
    {
        SecretDescription secret;
        try
        {
            secret = await session.DescribeSecretAsync(secretId, cancellation).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (CannotRun(e) && e.Kind != AwsErrorKind.ExpiredToken)
        {
            // Without the description nothing else can be judged, but the secret still gets its answer.
            return new RotationDiagnosis
            {
                SecretArn = secretId, Name = secretId, Status = RotationStatus.Unknown,
                Region = AwsArn.RegionOf(secretId) ?? session.Connection.RegionName, // a name has no region of its own
                Findings = [Skipped("DescribeSecret", e).About(secretId, secretId)],
            };
        }
        return await DiagnoseAsync(secret, options, cancellation).ConfigureAwait(false);
    }

    public Task<RotationDiagnosis> DiagnoseAsync(SecretDescription secret, DiagnosisOptions options, CancellationToken cancellation)
    {
        session.RememberSecret(secret);
        return DiagnoseAsync(new DiagnosisContext(secret, options, _inputs), CheckCatalogue.Checks.Where(options.Selection.Runs), cancellation);
    }

    /// <summary>Runs the checks that apply to the secret at the same time, then says its status.</summary>
    internal static async Task<RotationDiagnosis> DiagnoseAsync(DiagnosisContext context, IEnumerable<RotationCheck> checks, CancellationToken cancellation)
    {
        var chosen = checks.ToList();
        var running = chosen.Where(c => c.AppliesTo(context)).ToList();
        await Task.WhenAll(running.Select(check => RunAsync(check, context, cancellation))).ConfigureAwait(false);
        if (context.FunctionUnreadable is { } unreadable)
        {
            var functionCheck = CheckCatalogue.Checks.OfType<Checks.RotationFunctionCheck>().Single();
            context.Add(functionCheck, Skipped(functionCheck.Id, unreadable));
        }
        if (context.HasManagedRotation && chosen.Where(c => c.Target == CheckTarget.RotationFunction).ToList() is [var first, ..] notApplicable)
            context.Add(first, CheckCatalogue.FunctionChecksNotApplicable.Raise(
                [$"OwningService={context.Secret.Owner}, no RotationLambdaARN", $"Not applicable: {string.Join(", ", notApplicable.Select(c => c.Id))}"],
                $"{context.Secret.Owner} rotates this secret itself (managed rotation): it has no rotation function, so the function's {notApplicable.Count} check{(notApplicable.Count == 1 ? "" : "s")} do not apply."));
        var findings = context.Findings();
        // The cause of the logs' symptom, when the logs were read: its finding (and remediation) comes first.
        var (symptom, cause, causes) = running.OfType<Checks.RotationLogCheck>().Any()
            ? await Causes.CauseAnalysis.AssessAsync(context, findings, running, cancellation).ConfigureAwait(false)
            : (null, null, []);
        if (cause != null) findings = findings.Where(f => f.CheckId == cause).Concat(findings.Where(f => f.CheckId != cause)).ToList();
        var secret = context.Secret;
        var status = !context.Has(CheckTarget.Rotation) ? RotationStatus.NotConfigured
            : findings.Any(f => f.Severity == FindingSeverity.Error) ? RotationStatus.Failing
            : (context.FunctionUnreadable ?? context.OwnerUnreadable) != null ? RotationStatus.Unknown
            : findings.Any(f => f.Severity == FindingSeverity.Warning) ? RotationStatus.Warning
            : RotationStatus.Healthy;
        return new RotationDiagnosis
        {
            SecretArn = secret.ARN ?? "",
            Name = context.SecretName,
            Status = status,
            RotationEnabled = secret.RotationEnabled == true,
            RotationFunctionArn = string.IsNullOrEmpty(secret.RotationLambdaARN) ? null : secret.RotationLambdaARN,
            OwningService = secret.Owner,
            LastRotatedDate = secret.LastRotatedDate,
            NextRotationDate = secret.NextRotationDate,
            Findings = findings,
            Symptom = symptom,
            Cause = cause,
            Causes = causes,
        };
    }

    /// <summary>Runs one check; a denied or throttled call, or a check's own failure, becomes CheckSkipped instead of failing the diagnosis.</summary>
    private static async Task RunAsync(RotationCheck check, DiagnosisContext context, CancellationToken cancellation)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await check.RunAsync(context, cancellation).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (CannotRun(e) || e.Kind == AwsErrorKind.NotFound)
        {
            context.Add(check, Skipped(check.Id, e));
        }
        catch (TroubleshooterException e) when (e.ErrorId == ErrorIds.FunctionNotFound)
        {
            // The function check reports the missing function; a check that needed it has nothing to add.
            await context.FunctionAsync(cancellation).ConfigureAwait(false);
            if (context.FunctionMissing is null) context.Add(check, SkippedBy(check, e));
        }
        catch (TroubleshooterException e) when (e is not AwsServiceException)
        {
            // A check's own failure (an unreadable bundle, a download refused) is reported, not fatal to the diagnosis.
            context.Add(check, SkippedBy(check, e));
        }
        context.Options.CheckRan?.Invoke(check, System.Diagnostics.Stopwatch.GetElapsedTime(started), context.FindingsOf(check));
    }

    private static Finding SkippedBy(RotationCheck check, TroubleshooterException e) =>
        CheckCatalogue.CheckSkipped.Raise([e.ErrorId], $"{check.Id} could not run: {e.Message}",
            $"Fix what the message names, then run Test-SecretRotation -Check {check.Id} again; the other checks ran.", FindingSeverity.Info);

    /// <summary>Failures that stop one check but say nothing about the rotation: denied, throttled, AWS or network trouble.</summary>
    internal static bool CannotRun(AwsServiceException e) =>
        e.Kind is AwsErrorKind.AccessDenied or AwsErrorKind.Throttled or AwsErrorKind.ServiceFault or AwsErrorKind.Transport or AwsErrorKind.ExpiredToken;

    private static Finding Skipped(string what, AwsServiceException e) =>
        CheckCatalogue.CheckSkipped.Raise([e.Message], $"{what} could not run: {e.ErrorCode ?? e.Kind.ToString()} on {e.IamAction}.",
            e.Kind == AwsErrorKind.AccessDenied ? $"Allow {e.IamAction} to the identity running the diagnosis." : "Try again later.");
}
