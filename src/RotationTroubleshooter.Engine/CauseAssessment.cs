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
    {
        Id = cause.Id;
        Verdict = verdict;
        Summary = cause.Summary;
        Evidence = Readable.Lines(evidence);
        Command = command;
        Remediation = cause.Remediation;
        HelpUri = cause.HelpUri;
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

    public override string ToString() => $"{Verdict} {Id}";
}
