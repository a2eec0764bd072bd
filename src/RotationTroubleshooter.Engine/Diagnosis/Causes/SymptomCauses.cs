using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Diagnosis.Causes;

/// <summary>
/// The causes AWS's troubleshooting guide gives for some symptoms of a failed rotation, and how the evidence decides
/// each: a class per family of symptoms under Diagnosis/Causes, found by <see cref="CheckCatalogue"/> like the checks.
/// Every cause is a finding id that some check raises, so -Check takes it and its remediation is the finding's.
/// </summary>
public abstract class SymptomCauses
{
    /// <summary>The symptoms (log findings) this family explains.</summary>
    public abstract IReadOnlyList<FindingDefinition> Symptoms { get; }

    /// <summary>Every cause it weighs, in the order the guide gives them.</summary>
    public abstract IReadOnlyList<FindingDefinition> Causes { get; }

    /// <summary>One assessment per cause that applies to <see cref="CauseEvidence.Symptom"/>.</summary>
    public abstract Task<IReadOnlyList<CauseAssessment>> AssessAsync(CauseEvidence evidence, CancellationToken cancellation);
}

/// <summary>What a cause is weighed against: the failed attempt, the diagnosis' findings, and the inputs the checks read.</summary>
public sealed class CauseEvidence(DiagnosisContext context, RotationAttempt attempt, IReadOnlyList<Finding> findings, IReadOnlyCollection<RotationCheck> ran)
{
    /// <summary>
    /// Whether a check ran in this diagnosis: a cause is weighed only with the evidence the chosen checks gathered (no
    /// probe or read the user left out with -Check or -ExcludeCheck).
    /// </summary>
    public bool Ran<TCheck>() where TCheck : RotationCheck => ran.OfType<TCheck>().Any();

    public DiagnosisContext Context => context;
    public RotationAttempt Attempt => attempt;
    public FindingDefinition Symptom => Logs.RotationSymptoms.Of(attempt.Symptom!) ?? Logs.RotationSymptoms.Unknown;
    public IReadOnlyList<Finding> Findings => findings;

    /// <summary>The diagnosis' finding of this id at Warning or Error; null when no check raised it.</summary>
    public Finding? Problem(FindingDefinition definition) =>
        findings.FirstOrDefault(f => f.CheckId == definition.Id && f.Severity != FindingSeverity.Info);

    /// <summary>How to run the diagnosis again for this secret, e.g. with a switch.</summary>
    public string Rerun(string arguments = "") => $"Test-SecretRotation -SecretId '{context.SecretName}'{(arguments.Length > 0 ? " " + arguments : "")}";

    /// <summary>An input of the checks, or null when it could not be read here (its check said so as CheckSkipped).</summary>
    public static async Task<T?> OrNullAsync<T>(Task<T> input) where T : class?
    {
        try
        {
            return await input.ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (RotationDiagnostician.CannotRun(e) || e.Kind == AwsErrorKind.NotFound)
        {
            return null;
        }
        catch (TroubleshooterException e) when (e is not AwsServiceException)
        {
            return null;
        }
    }

    /// <summary>Confirmed by the diagnosis' finding of the cause's id, with that finding's evidence.</summary>
    public CauseAssessment? ConfirmedByFinding(FindingDefinition cause) => Problem(cause) is { } finding
        ? new CauseAssessment(cause, finding.Severity == FindingSeverity.Error ? CauseVerdict.Confirmed : CauseVerdict.Likely,
            [finding.Message, .. finding.Evidence])
        : null;
}
