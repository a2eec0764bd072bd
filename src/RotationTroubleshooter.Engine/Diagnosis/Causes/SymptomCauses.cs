using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Diagnosis.Causes;

/// <summary>
/// The causes AWS's troubleshooting guide gives for some symptoms of a failed rotation, and how the evidence decides
/// each: a class per family of symptoms under Diagnosis/Causes, found by <see cref="CheckCatalogue"/> like the checks.
/// Every cause is a finding id, so -Check takes it and its remediation is the finding's. A family judges the inputs it
/// declares and the diagnosis's findings by id; it never calls a check, names a check type or reads message text.
/// </summary>
public abstract class SymptomCauses
{
    /// <summary>The symptoms (log findings) this family explains.</summary>
    public abstract IReadOnlyList<FindingDefinition> Symptoms { get; }

    /// <summary>Every cause it weighs, in the order the guide gives them (the order its assessments are listed in).</summary>
    public abstract IReadOnlyList<FindingDefinition> Causes { get; }

    /// <summary>
    /// The inputs it weighs. A family never makes a read of its own: it gets what the checks that ran read, and is told
    /// when an input was not read in this run, withheld by an option, or could not be read.
    /// </summary>
    public virtual IReadOnlyList<Input> Inputs => [];

    /// <summary><see cref="Inputs"/> as a set, made once: what its <see cref="CauseEvidence"/> allows.</summary>
    internal IReadOnlySet<Input> Declared => _declared ??= Inputs.ToHashSet();
    private IReadOnlySet<Input>? _declared;

    /// <summary>One assessment per cause that applies to <see cref="CauseEvidence.Symptom"/>, in any order.</summary>
    public abstract Task<IReadOnlyList<CauseAssessment>> AssessAsync(CauseEvidence evidence, CancellationToken cancellation);
}

/// <summary>What a cause is weighed against: the failed attempt, the diagnosis's findings, and the inputs its family declares.</summary>
public sealed class CauseEvidence : EvidenceReader
{
    private readonly IReadOnlyList<Finding> _findings;
    private readonly SymptomCauses _family;

    internal CauseEvidence(DiagnosisContext context, SymptomCauses family, RotationAttempt attempt, IReadOnlyList<Finding> findings)
        : base(context, family.Declared, "the cause analysis")
    {
        Attempt = attempt;
        _findings = findings;
        _family = family;
    }

    private protected override string Consumer => $"Causes {_family.GetType().Name}";

    public RotationAttempt Attempt { get; }
    public FindingDefinition Symptom => Logs.RotationSymptoms.Of(Attempt.Symptom!) ?? Logs.RotationSymptoms.Unknown;
    public IReadOnlyList<Finding> Findings => _findings;

    /// <summary>The diagnosis' finding of this id at Warning or Error; null when no check raised it.</summary>
    public Finding? Problem(FindingDefinition definition) =>
        _findings.FirstOrDefault(f => f.CheckId == definition.Id && f.Severity != FindingSeverity.Info);

    /// <summary>How to run the diagnosis again for this secret, e.g. with a switch.</summary>
    public string Rerun(string arguments = "") => $"Test-SecretRotation -SecretId '{SecretName}'{(arguments.Length > 0 ? " " + arguments : "")}";

    /// <summary>Confirmed by the diagnosis' finding of the cause's id, with that finding's evidence.</summary>
    public CauseAssessment? ConfirmedByFinding(FindingDefinition cause) => Problem(cause) is { } finding
        ? new CauseAssessment(cause, finding.Severity == FindingSeverity.Error ? CauseVerdict.Confirmed : CauseVerdict.Likely,
            [finding.Message, .. finding.Evidence])
        : null;

    /// <summary>
    /// Why an input is missing, in the words a cause's evidence uses: "<paramref name="what"/> was not read here" (could
    /// not be, or withheld) or "... in this run" (no chosen check reads it).
    /// </summary>
    public static string Missing<T>(Reading<T> reading, string what) => reading.State switch
    {
        ReadingState.Withheld => $"{what} was not read ({reading.Reason}).",
        ReadingState.NotGathered => $"{what} was not checked in this run.",
        _ => $"{what} could not be read here.",
    };
}
