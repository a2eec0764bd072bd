namespace RotationTroubleshooter;

public enum FindingSeverity { Error, Warning, Info }

/// <summary>One conclusion of a check: what is wrong (or could not be checked), the evidence, and what to change.</summary>
public sealed class Finding
{
    public Finding(string checkId, FindingSeverity severity, string message, IReadOnlyList<string>? evidence = null,
        string? remediation = null, string? helpUri = null)
    {
        CheckId = checkId;
        Severity = severity;
        Message = message;
        Evidence = evidence ?? [];
        Remediation = remediation;
        HelpUri = helpUri;
    }

    /// <summary>Stable id scripts can filter on, e.g. <c>PendingVersionStuck</c>.</summary>
    public string CheckId { get; }
    public FindingSeverity Severity { get; }
    public string Message { get; }
    public IReadOnlyList<string> Evidence { get; }
    public string? Remediation { get; }
    public string? HelpUri { get; }

    public override string ToString() => $"{Severity} {CheckId}: {Message}";
}
