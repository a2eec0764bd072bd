using System.Text;
using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Diagnosis;

/// <summary>
/// Every Test-SecretRotation check (each a <see cref="RotationCheck"/> found in this assembly, not wired by hand), every
/// finding id they can raise, and every input they and the causes consume. -Check, -ExcludeCheck, tab completion, the
/// docs' tables and the IAM policy's actions come from here.
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

    /// <summary>The inputs a diagnosis reads whatever its checks: the secret's description (ListSecrets lists the secrets of Test-SecretRotation without -SecretId).</summary>
    public static IReadOnlyList<Input> DiagnosisInputs { get; } = [SecretInputs.Description];

    /// <summary>What listing the secrets needs besides (Test-SecretRotation without -SecretId).</summary>
    private static readonly string[] ListingPermissions = ["secretsmanager:ListSecrets"];

    /// <summary>Every input the checks and causes consume, and what those depend on, in dependency order.</summary>
    public static IReadOnlyList<Input> Inputs { get; } = [.. Closure([.. DiagnosisInputs, .. Checks.SelectMany(Consumed), .. SymptomCauses.SelectMany(f => f.Inputs)])];

    /// <summary>The inputs and everything they depend on, each once, what an input rests on before it.</summary>
    public static IReadOnlyList<Input> Closure(IEnumerable<Input> inputs)
    {
        var seen = new HashSet<Input>();
        var ordered = new List<Input>();
        void Visit(Input input)
        {
            if (!seen.Add(input)) return;
            foreach (var dependency in input.DependsOn) Visit(dependency);
            ordered.Add(input);
        }
        foreach (var input in inputs) Visit(input);
        return ordered;
    }

    /// <summary>What a check reads, needed or not.</summary>
    public static IEnumerable<Input> Consumed(RotationCheck check) => [.. check.Inputs, .. check.OptionalInputs];

    /// <summary>The IAM actions a check needs: those of its inputs and what they depend on.</summary>
    public static IReadOnlyList<string> PermissionsOf(RotationCheck check) =>
        [.. Closure(Consumed(check)).SelectMany(i => i.Permissions).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>Every IAM action Test-SecretRotation may call: docs/iam-policy.json grants exactly these.</summary>
    public static IReadOnlyList<string> Permissions { get; } =
        [.. ListingPermissions.Concat(Inputs.SelectMany(i => i.Permissions)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>The checks that consume an input (directly, or through an input that depends on it).</summary>
    public static IEnumerable<RotationCheck> ConsumersOf(Input input) => Checks.Where(c => Closure(Consumed(c)).Contains(input));

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

    /// <summary>The checks that can raise a finding id; for a cause no check raises, those that raise the symptoms it explains (the logs).</summary>
    public static IEnumerable<RotationCheck> Raising(FindingDefinition finding)
    {
        var raising = Checks.Where(c => c.Findings.Contains(finding)).ToList();
        if (raising.Count > 0) return raising;
        var symptoms = SymptomCauses.Where(f => f.Causes.Contains(finding)).SelectMany(f => f.Symptoms).ToList();
        return Checks.Where(c => c.Findings.Any(symptoms.Contains));
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

    /// <summary>Every input with what it reads, who shares it, what it needs and who consumes it (the engine README).</summary>
    public static string InputsMarkdown()
    {
        var text = new StringBuilder();
        text.Append("| Input | What it is | Shared by | Read ahead | IAM actions | Depends on | Checks that consume it |\n|---|---|---|---|---|---|---|\n");
        foreach (var input in Inputs)
            text.Append($"| `{input.Id}` | {Cell(input.Description)} | {input.Scope} | {(input.ReadAhead ? "yes" : "")} | " +
                        $"{string.Join(", ", input.Permissions.Select(p => $"`{p}`"))} | {string.Join(", ", input.DependsOn.Select(d => $"`{d.Id}`"))} | " +
                        $"{string.Join(", ", ConsumersOf(input).Select(c => $"`{c.Id}`"))} |\n");
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

    /// <summary>The catalogue's checks that run, in catalogue order: worked out once, not per diagnosis.</summary>
    public IReadOnlyList<RotationCheck> Running => _running ??= [.. CheckCatalogue.Checks.Where(Runs)];
    private IReadOnlyList<RotationCheck>? _running;

    /// <summary>
    /// A check runs unless its id was excluded, when nothing was named, or it was named, or it raises a finding id that
    /// was named. Excluding a finding id hides that finding only: the check that raises it still runs.
    /// </summary>
    public bool Runs(RotationCheck check)
    {
        if (_excluded.Any(e => e.Check == check)) return false;
        // Any check may be behind CheckSkipped or FunctionChecksNotApplicable: choosing one runs them all and keeps only it.
        return _included is null || _included.Any(i => i.Check == check || (i.Finding is { } f && (CheckCatalogue.Raising(f).Contains(check) || CheckCatalogue.IsAboutTheChecks(f))));
    }

    /// <summary>
    /// A finding is kept unless its id was excluded; when only finding ids chose a check, only those findings (and
    /// CheckSkipped or FunctionChecksNotApplicable, which say why something could not be judged) are kept.
    /// </summary>
    /// <param name="raisedBy">The check that raised it; null for the diagnosis's own word about its checks.</param>
    public bool Keeps(Finding finding, RotationCheck? raisedBy)
    {
        if (_excluded.Any(e => e.Finding?.Id == finding.CheckId)) return false;
        if (_included is null || CheckCatalogue.IsAboutTheChecks(finding.CheckId) || _included.Any(i => i.Check is not null && i.Check == raisedBy)) return true;
        return _included.Any(i => i.Finding?.Id == finding.CheckId);
    }
}
