using RotationTroubleshooter.Text;

namespace RotationTroubleshooter;

/// <summary>How far the evidence decides a candidate cause of a rotation's symptom.</summary>
public enum CauseVerdict : long { Confirmed, Likely, Undetermined, RuledOut } // long: ConvertTo-Json writes it by name (see FindingSeverity)

/// <summary>
/// One cause AWS's troubleshooting guide gives for the symptom the rotation logs show, weighed against the evidence:
/// the verdict, what it rests on, and for an undecided one the command that would settle it.
/// </summary>
public sealed class CauseAssessment
{
    public CauseAssessment(FindingDefinition cause, CauseVerdict verdict, IReadOnlyList<string> evidence, string? command = null)
        : this(cause.Id, verdict, cause.Summary, evidence, command, cause.Remediation, cause.HelpUri)
    {
    }

    // Text is cleaned as it is given (OutputText).
    private CauseAssessment(string id, CauseVerdict verdict, string summary, IEnumerable<string> evidence, string? command, string remediation, string helpUri)
    {
        Id = OutputText.Id(id);
        Verdict = verdict;
        Summary = OutputText.Of(summary);
        Evidence = Readable.Lines(OutputText.Lines(evidence));
        Command = OutputText.OfOrNull(command);
        Remediation = OutputText.Of(remediation);
        HelpUri = OutputText.Id(helpUri);
    }

    /// <summary>The cause's id: a finding id of Test-SecretRotation (docs/reference/findings.md), so -Check takes it.</summary>
    public string Id { get; }
    public CauseVerdict Verdict { get; }
    /// <summary>What the cause is.</summary>
    public string Summary { get; }
    /// <summary>What the verdict rests on.</summary>
    public IReadOnlyList<string> Evidence { get; }
    /// <summary>For a cause the evidence does not decide: the one command that would.</summary>
    public string? Command { get; }
    public string Remediation { get; }
    public string HelpUri { get; }

    /// <summary>This assessment with one more line of evidence (a change from the rotation's history).</summary>
    internal CauseAssessment WithEvidence(string line) => new(Id, Verdict, Summary, [.. Evidence, line], Command, Remediation, HelpUri);

    /// <summary>This assessment with the values the run has read since it was made masked too.</summary>
    internal CauseAssessment Masked() => new(Id, Verdict, Summary, Evidence, Command, Remediation, HelpUri);

    public override string ToString() => $"{Verdict} {Id}";
}
