using RotationTroubleshooter.Diagnosis;

namespace RotationTroubleshooter.Report;

/// <summary>One account and region: the unit a fleet is diagnosed in (a shard), and a row of the report's summary.</summary>
public sealed record Shard(string? AccountId, string? Region)
{
    public string AccountLabel => AccountId ?? "(account not known)";
    public string RegionLabel => Region ?? "(region not known)";
    public override string ToString() => $"{AccountLabel} {RegionLabel}";

    // Known accounts and regions first, each in order; unknown ones last.
    internal static readonly IComparer<Shard> Order = Comparer<Shard>.Create((a, b) =>
    {
        var account = CompareKnownFirst(a.AccountId, b.AccountId);
        return account != 0 ? account : CompareKnownFirst(a.Region, b.Region);
    });

    private static int CompareKnownFirst(string? a, string? b) =>
        a is null ? (b is null ? 0 : 1) : b is null ? -1 : string.CompareOrdinal(a, b);
}

/// <summary>The secrets of one shard, in the order they came, with their count per status.</summary>
public sealed class ShardSecrets(Shard shard, IReadOnlyList<RotationDiagnosis> secrets)
{
    public Shard Shard { get; } = shard;
    public IReadOnlyList<RotationDiagnosis> Secrets { get; } = secrets;
    public int Count(RotationStatus status) => Secrets.Count(s => s.Status == status);
}

/// <summary>
/// What most needs fixing in a secret: the cause the evidence confirmed, else its first error (or warning) finding,
/// whose cause the evidence did not decide.
/// </summary>
public sealed record LeadingProblem(string Id, bool Confirmed, string? Meaning)
{
    public static LeadingProblem? Of(RotationDiagnosis diagnosis)
    {
        if (diagnosis.Cause is { Length: > 0 } cause)
            return new(cause, true, diagnosis.Causes.FirstOrDefault(c => c.Id == cause)?.Summary is { Length: > 0 } summary ? summary : MeaningOf(cause));
        var finding = diagnosis.Findings.FirstOrDefault(f => f.Severity == FindingSeverity.Error)
                      ?? diagnosis.Findings.FirstOrDefault(f => f.Severity == FindingSeverity.Warning);
        return finding is null ? null : new(finding.CheckId, false, MeaningOf(finding.CheckId) ?? finding.Message);
    }

    // The catalogue says what a finding id means in general; a diagnosis only says it of its own secret.
    private static string? MeaningOf(string id) => CheckCatalogue.Finding(id)?.Summary;
}

/// <summary>How many secrets share one leading problem.</summary>
public sealed record ProblemCount(LeadingProblem Problem, int Secrets, RotationStatus WorstStatus);

/// <summary>
/// The diagnoses a report shows, merged from however many runs (shards): one per secret, grouped by account and region,
/// in the order they came within each, and the counts of the summary.
/// </summary>
public sealed class ReportData
{
    /// <summary>Statuses from the one that needs action most to the one that needs none.</summary>
    public static IReadOnlyList<RotationStatus> StatusOrder => Statuses;

    private static readonly RotationStatus[] Statuses =
        [RotationStatus.Failing, RotationStatus.Unknown, RotationStatus.Warning, RotationStatus.NotConfigured, RotationStatus.Healthy];

    private ReportData(IReadOnlyList<ShardSecrets> shards, IReadOnlyList<string> duplicates)
    {
        Shards = shards;
        Duplicates = duplicates;
        Secrets = [.. shards.SelectMany(s => s.Secrets)];
        ByCause = [.. Secrets
            .Select(s => (Secret: s, Problem: LeadingProblem.Of(s)))
            .Where(p => p.Problem is not null)
            .GroupBy(p => (p.Problem!.Id, p.Problem.Confirmed))
            .Select(g => new ProblemCount(g.First().Problem!, g.Count(), g.Select(p => p.Secret.Status).MinBy(Rank)))
            .OrderBy(c => Rank(c.WorstStatus)).ThenByDescending(c => c.Secrets).ThenBy(c => c.Problem.Id, StringComparer.Ordinal)];
    }

    /// <summary>The diagnoses, one per secret (a secret given twice keeps its later diagnosis), grouped by shard.</summary>
    public static ReportData From(IEnumerable<RotationDiagnosis> diagnoses)
    {
        var kept = new List<RotationDiagnosis>();
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        var duplicates = new List<string>();
        foreach (var diagnosis in diagnoses)
        {
            var key = string.IsNullOrEmpty(diagnosis.SecretArn) || !diagnosis.SecretArn.StartsWith("arn:", StringComparison.Ordinal)
                ? $"{diagnosis.AccountId}\n{diagnosis.Region}\n{diagnosis.Name}"
                : diagnosis.SecretArn;
            if (positions.TryGetValue(key, out var at))
            {
                kept[at] = diagnosis;
                duplicates.Add(diagnosis.Name);
                continue;
            }
            positions[key] = kept.Count;
            kept.Add(diagnosis);
        }
        var shards = kept.GroupBy(d => new Shard(d.AccountId, d.Region))
            .OrderBy(g => g.Key, Shard.Order)
            .Select(g => new ShardSecrets(g.Key, [.. g]))
            .ToList();
        return new ReportData(shards, duplicates);
    }

    public IReadOnlyList<ShardSecrets> Shards { get; }

    /// <summary>Every secret, shard by shard.</summary>
    public IReadOnlyList<RotationDiagnosis> Secrets { get; }

    /// <summary>The names of secrets that came more than once (each extra time), whose later diagnosis was kept.</summary>
    public IReadOnlyList<string> Duplicates { get; }

    public IReadOnlyList<ProblemCount> ByCause { get; }

    public int Count(RotationStatus status) => Secrets.Count(s => s.Status == status);

    public int Accounts => Shards.Select(s => s.Shard.AccountId).Distinct().Count();

    public int Regions => Shards.Select(s => s.Shard.Region).Distinct().Count();

    /// <summary>Where a status stands in <see cref="StatusOrder"/>: 0 needs action most.</summary>
    public static int Rank(RotationStatus status) => Array.IndexOf(Statuses, status) is var at and >= 0 ? at : Statuses.Length;
}
