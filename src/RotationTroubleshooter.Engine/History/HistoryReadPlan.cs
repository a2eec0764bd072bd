using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.History;

/// <summary>One lookup a run needs: a resource, from the oldest start any of its secrets needs.</summary>
public sealed record PlannedLookup(TrackedResource Resource, DateTime Start);

/// <summary>
/// The CloudTrail reads a set of secrets needs, before any is sent (docs/reference/cloudtrail.md, "How the module
/// reads"): each resource once, however many secrets depend on it, from the oldest start among them. Its size is the
/// least number of LookupEvents requests the run can make, and with CloudTrail's 2 per second, the least time it can take.
/// </summary>
public static class HistoryReadPlan
{
    public static IReadOnlyList<PlannedLookup> For(IEnumerable<(RotationDependencies Dependencies, DateTime Start)> secrets) =>
        secrets.SelectMany(s => s.Dependencies.Resources().Select(r => (Resource: r, s.Start)))
            .GroupBy(x => x.Resource)
            .Select(g => new PlannedLookup(g.Key, g.Min(x => x.Start)))
            .OrderBy(l => l.Resource.Kind).ThenBy(l => l.Resource.Name, StringComparer.Ordinal)
            .ToList();

    /// <summary>CloudTrail's quota for LookupEvents, per account and region, as the module's rate table has it.</summary>
    public static double RequestsPerSecond => AwsRateLimits.Defaults["cloudtrail:LookupEvents"].PerSecond;

    /// <summary>
    /// The least time <paramref name="requests"/> LookupEvents requests take under the quota: the first goes at once,
    /// each further one waits its turn.
    /// </summary>
    public static TimeSpan Floor(int requests) => TimeSpan.FromSeconds(Math.Max(0, requests - 1) / RequestsPerSecond);
}
