using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Diagnosis;

/// <summary>
/// Test-SecretRotation's engine: runs the catalogue's checks on a secret at the same time, weighs the causes of the logs'
/// symptom, and says its status. The checks live in Diagnosis/Checks, the inputs they read in Evidence/ (each shared
/// input once per run).
/// </summary>
public sealed class RotationDiagnostician(AwsSession session) : IRunService<RotationDiagnostician>
{
    public static RotationDiagnostician Create(AwsSession session) => new(session);

    private readonly EvidenceSource _source = new(session);

    public async Task<RotationDiagnosis> DiagnoseAsync(string secretId, DiagnosisOptions options, CancellationToken cancellation)
    {
        SecretDescription secret;
        try
        {
            secret = await session.DescribeSecretAsync(secretId, cancellation).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.Kind is not (AwsErrorKind.ExpiredToken or AwsErrorKind.NotFound) && EvidenceFailure.KeepsEvidence(e))
        {
            // Without the description nothing else can be judged, but the secret still gets its answer.
            return new RotationDiagnosis
            {
                SecretArn = secretId, Name = secretId, Status = RotationStatus.Unknown,
                Region = AwsArn.RegionOf(secretId) ?? session.Connection.RegionName, // a name has no region of its own
                Findings = [CheckCatalogue.CheckSkipped.Raise([e.Message], $"DescribeSecret could not run: {e.ErrorCode ?? e.Kind.ToString()} on {e.IamAction}.",
                    e.Kind == AwsErrorKind.AccessDenied ? $"Allow {e.IamAction} to the identity running the diagnosis." : "Try again later.").About(secretId, secretId)],
            };
        }
        return await DiagnoseAsync(secret, options, cancellation).ConfigureAwait(false);
    }

    public Task<RotationDiagnosis> DiagnoseAsync(SecretDescription secret, DiagnosisOptions options, CancellationToken cancellation)
    {
        session.RememberSecret(secret);
        return DiagnoseAsync(new DiagnosisContext(secret, options, _source), options.Selection.Running, cancellation);
    }

    /// <summary>
    /// The checks of <paramref name="chosen"/> that have something to look at in this secret, with every input they need
    /// allowed by the options.
    /// </summary>
    internal static IEnumerable<RotationCheck> Applicable(DiagnosisContext context, IEnumerable<RotationCheck> chosen) =>
        chosen.Where(c => context.Has(c.Target) && c.AppliesTo(context) && c.Inputs.All(i => i.WithheldBy(context.Options) is null));

    /// <summary>Runs the checks that apply to the secret at the same time, then weighs the causes and says its status.</summary>
    internal static async Task<RotationDiagnosis> DiagnoseAsync(DiagnosisContext context, IEnumerable<RotationCheck> checks, CancellationToken cancellation)
    {
        var chosen = checks.ToList();
        var running = Applicable(context, chosen).ToList();
        await Task.WhenAll(running.Select(check => RunAsync(check, context, cancellation))).ConfigureAwait(false);
        if (context.HasManagedRotation && chosen.Where(c => c.Target == CheckTarget.RotationFunction).ToList() is [var first, ..] notApplicable)
            context.Add(first, CheckCatalogue.FunctionChecksNotApplicable.Raise(
                [$"OwningService={context.Secret.Owner}, no RotationLambdaARN", $"Not applicable: {string.Join(", ", notApplicable.Select(c => c.Id))}"],
                $"{context.Secret.Owner} rotates this secret itself (managed rotation): it has no rotation function, so the function's {notApplicable.Count} check{(notApplicable.Count == 1 ? "" : "s")} do not apply."));
        // The cause of the logs' symptom, when the logs were read: its finding (and remediation) comes first.
        var (symptom, assessed, weighed, attempt) = await Causes.CauseAnalysis.AssessAsync(context, context.Findings(), cancellation).ConfigureAwait(false);
        var (cause, causes, findings) = Causes.CauseAnalysis.Settle(attempt, symptom, assessed, weighed, context.Findings());
        if (cause != null) findings = findings.Where(f => f.CheckId == cause).Concat(findings.Where(f => f.CheckId != cause)).ToList();
        context.Options.InputsRead?.Invoke(context.Reads);
        var secret = context.Secret;
        var status = !context.Has(CheckTarget.Rotation) ? RotationStatus.NotConfigured
            : findings.Any(f => f.Severity == FindingSeverity.Error) ? RotationStatus.Failing
            : context.Undecided ? RotationStatus.Unknown
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

    /// <summary>
    /// Runs one check; an input it cannot have, or its own failure (a refused download), stops it and becomes one
    /// CheckSkipped per input instead of failing the diagnosis.
    /// </summary>
    private static async Task RunAsync(RotationCheck check, DiagnosisContext context, CancellationToken cancellation)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await check.RunAsync(new CheckContext(context, check), cancellation).ConfigureAwait(false);
        }
        catch (EvidenceUnavailableException e)
        {
            context.CouldNotRun(check, e);
        }
        catch (TroubleshooterException e) when (EvidenceFailure.KeepsEvidence(e))
        {
            context.CouldNotRun(check, e);
        }
        context.Options.CheckRan?.Invoke(check, System.Diagnostics.Stopwatch.GetElapsedTime(started), context.FindingsOf(check));
    }
}
