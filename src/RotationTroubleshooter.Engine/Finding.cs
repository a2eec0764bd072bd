using RotationTroubleshooter.Text;

namespace RotationTroubleshooter;

/// <summary>
/// The output enums are based on long: PowerShell's ConvertTo-Json writes such enums by name (they do not fit JavaScript's
/// numbers), so JSON exports say "Error", not 0 (docs/reference/powershell-output.md).
/// </summary>
public enum FindingSeverity : long { Error, Warning, Info }

/// <summary>
/// One conclusion of a check: what is wrong (or could not be checked), the evidence, and what to change. Its text is
/// cleaned as it is given (<see cref="OutputText"/>).
/// </summary>
public sealed class Finding
{
    public Finding(string checkId, FindingSeverity severity, string message, IReadOnlyList<string>? evidence = null,
        string? remediation = null, string? helpUri = null)
    {
        CheckId = OutputText.Id(checkId);
        Severity = severity;
        Message = OutputText.Of(message);
        Evidence = Readable.Lines(OutputText.Lines(evidence));
        Remediation = OutputText.OfOrNull(remediation);
        HelpUri = OutputText.IdOrNull(helpUri);
    }

    /// <summary>The secret the finding is about (set by Test-SecretRotation), so a list of findings stands on its own.</summary>
    public string? SecretArn { get; init => field = OutputText.OfOrNull(value); }
    public string? SecretName { get; init => field = OutputText.OfOrNull(value); }

    /// <summary>Stable finding id scripts can filter on, e.g. <c>PendingVersionStuck</c>.</summary>
    public string CheckId { get; }
    public FindingSeverity Severity { get; }
    public string Message { get; }
    /// <summary>The facts the finding rests on, one per line (in an export: the lines, not a type name).</summary>
    public IReadOnlyList<string> Evidence { get; }
    public string? Remediation { get; }
    public string? HelpUri { get; }

    /// <summary>This finding, said of one secret.</summary>
    public Finding About(string secretArn, string secretName) => new(CheckId, Severity, Message, Evidence, Remediation, HelpUri)
    {
        SecretArn = secretArn, SecretName = secretName,
    };

    /// <summary>
    /// One finding of this id from two: the other's evidence (and its message, when it says something else) joins this
    /// one's. With <paramref name="joinText"/> the messages and remediations are joined instead (CheckSkipped: each names
    /// another permission).
    /// </summary>
    public Finding MergedWith(Finding other, bool joinText = false)
    {
        var message = joinText && other.Message != Message ? $"{Message} {other.Message}" : Message;
        var remediation = joinText && other.Remediation != Remediation ? $"{Remediation} {other.Remediation}".Trim() : Remediation;
        IEnumerable<string> more = joinText || other.Message == Message ? other.Evidence : [other.Message, .. other.Evidence];
        return new(CheckId, Severity <= other.Severity ? Severity : other.Severity, message,
            [.. Evidence, .. more.Where(line => !Evidence.Contains(line)).Distinct()], remediation, HelpUri)
        {
            SecretArn = SecretArn, SecretName = SecretName,
        };
    }

    /// <summary>This finding with the values the run has read since it was made masked too (checks run at the same time).</summary>
    internal Finding Masked() => new(CheckId, Severity, Message, Evidence, Remediation, HelpUri) { SecretArn = SecretArn, SecretName = SecretName };

    public override string ToString() => $"{Severity} {CheckId}: {Message}";
}
