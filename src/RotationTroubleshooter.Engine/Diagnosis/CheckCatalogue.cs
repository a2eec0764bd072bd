using System.Reflection;
using System.Text;

namespace RotationTroubleshooter.Diagnosis;

/// <summary>
/// Every Test-SecretRotation check (each a <see cref="RotationCheck"/> found in this assembly, not wired by hand) and every
/// finding id they can raise. -Check, -ExcludeCheck, tab completion and the docs' check tables come from here.
/// </summary>
public static class CheckCatalogue
{
    /// <summary>A check that could not run (a denied or throttled call, an unreadable bundle).</summary>
    public static readonly FindingDefinition CheckSkipped = new(nameof(CheckSkipped), FindingSeverity.Info,
        "A check could not run.", "Give the identity running the diagnosis the permission the message names, or try again later.",
        AwsDocs.FunctionPermissions);

    /// <summary>A secret its owning service rotates: the rotation function's checks have nothing to look at (said once, naming them).</summary>
    public static readonly FindingDefinition FunctionChecksNotApplicable = new(nameof(FunctionChecksNotApplicable), FindingSeverity.Info,
        "The secret's owning service rotates it itself (managed rotation): it has no rotation function, so the function's checks do not apply.",
        "Nothing to change: the managed-rotation checks judge this secret's rotation instead.",
        AwsDocs.ManagedRotation);

    /// <summary>What the diagnosis itself says about its checks (not one check's finding), with who raises it for the docs.</summary>
    private static readonly IReadOnlyList<(FindingDefinition Finding, string RaisedBy)> AboutTheChecks =
        [(CheckSkipped, "any check"), (FunctionChecksNotApplicable, "the diagnosis, for the function's checks")];

    /// <summary>Whether a finding is the diagnosis's own word about its checks: any check may be behind it.</summary>
    internal static bool IsAboutTheChecks(FindingDefinition finding) => AboutTheChecks.Any(a => a.Finding == finding);

    internal static bool IsAboutTheChecks(string findingId) => AboutTheChecks.Any(a => a.Finding.Id == findingId);

    /// <summary>The checks in diagnosis order (by area, then id).</summary>
    public static IReadOnlyList<RotationCheck> Checks { get; } = typeof(RotationCheck).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(RotationCheck)) && !t.IsAbstract)
        .Select(t => (RotationCheck)Activator.CreateInstance(t, nonPublic: true)!)
        .OrderBy(c => c.Area).ThenBy(c => c.Id, StringComparer.Ordinal)
        .ToList();

    /// <summary>The causes AWS's guide gives for the symptoms in the logs, and how evidence decides them (Diagnosis/Causes).</summary>
    public static IReadOnlyList<Causes.SymptomCauses> SymptomCauses { get; } = typeof(Causes.SymptomCauses).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(Causes.SymptomCauses)) && !t.IsAbstract)
        .Select(t => (Causes.SymptomCauses)Activator.CreateInstance(t, nonPublic: true)!)
        .OrderBy(f => f.GetType().Name, StringComparer.Ordinal)
        .ToList();

    /// <summary>
    /// Every finding id any check can raise (shared definitions once), the causes no check raises (a cause only the cause
    /// analysis names), and the diagnosis's own (CheckSkipped, FunctionChecksNotApplicable).
    /// </summary>
    public static IReadOnlyList<FindingDefinition> Findings { get; } =
        [.. Checks.SelectMany(c => c.Findings).Concat(SymptomCauses.SelectMany(f => f.Causes)).Distinct(), .. AboutTheChecks.Select(a => a.Finding)];

    /// <summary>Every id -Check and -ExcludeCheck take, with its one-line description: check ids first, then finding ids.</summary>
    public static IReadOnlyList<(string Id, string Description)> SelectableIds { get; } =
    [
        .. Checks.Select(c => (c.Id, c.Description)),
        .. Findings.Where(f => !IsAboutTheChecks(f) && Checks.All(c => !c.Id.Equals(f.Id, StringComparison.OrdinalIgnoreCase)))
            .Select(f => (f.Id, f.Summary)),
    ];

    /// <summary>The definition of a finding id (any case); null when no check raises it.</summary>
    public static FindingDefinition? Finding(string id) => Findings.FirstOrDefault(f => f.Id.Equals(id, StringComparison.OrdinalIgnoreCase));

    /// <summary>The checks that can raise a finding id; for a cause no check raises, the one whose symptom it explains (the logs).</summary>
    public static IEnumerable<RotationCheck> Raising(FindingDefinition finding)
    {
        var raising = Checks.Where(c => c.Findings.Contains(finding)).ToList();
        return raising.Count > 0 || !SymptomCauses.Any(f => f.Causes.Contains(finding)) ? raising : Checks.OfType<Checks.RotationLogCheck>();
    }

    /// <summary>The checks and findings -Check and -ExcludeCheck name; an id the catalogue does not know is an UnknownCheckId failure.</summary>
    /// <exception cref="TroubleshooterException">UnknownCheckId, naming the known ids.</exception>
    public static CheckSelection Select(IEnumerable<string>? include, IEnumerable<string>? exclude)
    {
        var included = include?.Select(Resolve).ToList();
        var excluded = (exclude ?? []).Select(Resolve).ToList();
        var unknown = (included ?? []).Concat(excluded).Where(r => r.Check is null && r.Finding is null).Select(r => r.Id).ToList();
        if (unknown.Count > 0)
            throw new TroubleshooterException(ErrorIds.UnknownCheckId, FailureCategory.InvalidArgument,
                $"Unknown check id {string.Join(", ", unknown)}. Known: {string.Join(", ", SelectableIds.Select(s => s.Id))}.");
        return new CheckSelection(included, excluded);
    }

    private static SelectedId Resolve(string id) =>
        new(id, Checks.FirstOrDefault(c => c.Id.Equals(id, StringComparison.OrdinalIgnoreCase)), Finding(id));

    internal sealed record SelectedId(string Id, RotationCheck? Check, FindingDefinition? Finding);

    /// <summary>The check list as markdown, one line per check (README and Test-SecretRotation's help hold it).</summary>
    public static string ChecksMarkdown()
    {
        var text = new StringBuilder();
        text.Append("| Check | What it looks at | Findings it can raise |\n|---|---|---|\n");
        foreach (var check in Checks)
            text.Append($"| `{check.Id}` | {check.Description} | {string.Join(", ", check.Findings.Select(f => $"`{f.Id}`"))} |\n");
        return text.ToString();
    }

    /// <summary>Every finding id with its severity, meaning, remediation and link (docs/reference/findings.md).</summary>
    public static string FindingsMarkdown()
    {
        var text = new StringBuilder();
        text.Append("| Finding | Severity | What it means | What to do | Raised by |\n|---|---|---|---|---|\n");
        foreach (var finding in Findings.OrderBy(f => f.Id, StringComparer.Ordinal))
        {
            var raisedBy = AboutTheChecks.FirstOrDefault(a => a.Finding == finding).RaisedBy ?? string.Join(", ", Raising(finding).Select(c => $"`{c.Id}`"));
            text.Append($"| [`{finding.Id}`]({finding.HelpUri}) | {finding.Severity} | {Cell(finding.Summary)} | {Cell(finding.Remediation)} | {raisedBy} |\n");
        }
        return text.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}

/// <summary>What -Check and -ExcludeCheck chose: the checks to run, and which of their findings to keep.</summary>
public sealed class CheckSelection
{
    private readonly List<CheckCatalogue.SelectedId>? _included;
    private readonly List<CheckCatalogue.SelectedId> _excluded;

    internal CheckSelection(List<CheckCatalogue.SelectedId>? included, List<CheckCatalogue.SelectedId> excluded)
    {
        _included = included;
        _excluded = excluded;
    }

    /// <summary>Every check, every finding.</summary>
    public static CheckSelection All { get; } = new(null, []);

    /// <summary>
    /// A check runs when it was named, or raises a finding id that was named (or nothing was named), and it was not
    /// excluded by its id or by excluding every finding it raises.
    /// </summary>
    public bool Runs(RotationCheck check)
    {
        if (_excluded.Any(e => e.Check == check) || check.Findings.All(f => _excluded.Any(e => e.Finding == f))) return false;
        // Any check may be behind CheckSkipped or FunctionChecksNotApplicable: choosing one runs them all and keeps only it.
        return _included is null || _included.Any(i => i.Check == check || (i.Finding is { } f && (CheckCatalogue.Raising(f).Contains(check) || CheckCatalogue.IsAboutTheChecks(f))));
    }

    /// <summary>
    /// A finding is kept unless its id was excluded; when only finding ids chose a check, only those findings (and
    /// CheckSkipped or FunctionChecksNotApplicable, which say why something could not be judged) are kept.
    /// </summary>
    public bool Keeps(Finding finding, RotationCheck raisedBy)
    {
        if (_excluded.Any(e => e.Finding?.Id == finding.CheckId)) return false;
        if (_included is null || CheckCatalogue.IsAboutTheChecks(finding.CheckId) || _included.Any(i => i.Check == raisedBy)) return true;
        return _included.Any(i => i.Finding?.Id == finding.CheckId);
    }
}
