using System.Text.RegularExpressions;

namespace RotationTroubleshooter.Bundles;

/// <summary>Python PostgreSQL drivers recognised from file names alone (packages and their .dist-info folders).</summary>
internal static partial class PythonDrivers
{
    /// <summary>First releases with SCRAM-SHA-256, from the projects' histories: pg8000 1.13.0 release notes
    /// ("Support the scram-sha-256 authentication protocol"), asyncpg tag v0.19.0 (commit "Add support for SCRAM-SHA-256 authentication.").</summary>
    internal static readonly IReadOnlyDictionary<PostgresDriver, Version> PureDriverScramSince = new Dictionary<PostgresDriver, Version>
    {
        [PostgresDriver.Pg8000] = new(1, 13, 0),
        [PostgresDriver.Asyncpg] = new(0, 19, 0),
    };

    [GeneratedRegex(@"^(?<name>[A-Za-z0-9_.]+?)-(?<version>\d[^-/]*)\.(?:dist-info|egg-info)$")]
    private static partial Regex DistInfoPattern();

    [GeneratedRegex(@"^(?<major>\d+)\.(?<minor>\d+)(?:\.(?<patch>\d+))?")]
    private static partial Regex LeadingVersionPattern();

    internal sealed record Installed(PostgresDriver Driver, string PackagePath, string? Version);

    /// <summary>Distributions installed in the bundle, by normalised name (e.g. "psycopg2_binary"), with their folder.</summary>
    internal static List<(string Name, string Version, string Parent)> Distributions(IEnumerable<BundleFile> files)
    {
        var found = new HashSet<(string, string, string)>();
        foreach (var file in files)
        {
            var segments = file.Path.Split('/');
            for (var i = 0; i < segments.Length - 1; i++)
            {
                var match = DistInfoPattern().Match(segments[i]);
                if (match.Success)
                    found.Add((Normalise(match.Groups["name"].Value), match.Groups["version"].Value, string.Join('/', segments[..i])));
            }
        }
        return found.ToList();
    }

    /// <summary>pg8000 and asyncpg packages (folders holding __init__.py) with the version of the distribution beside them.</summary>
    internal static List<Installed> PurePythonDrivers(IReadOnlyList<BundleFile> files)
    {
        var distributions = Distributions(files);
        var result = new List<Installed>();
        foreach (var (driver, package) in new[] { (PostgresDriver.Pg8000, "pg8000"), (PostgresDriver.Asyncpg, "asyncpg") })
        {
            var packageDirs = files.Where(f => f.Name == "__init__.py" && LastSegment(f.Directory) == package)
                .Select(f => f.Directory).Distinct().OrderBy(d => d, StringComparer.Ordinal);
            foreach (var dir in packageDirs)
            {
                var parent = dir.Contains('/') ? dir[..dir.LastIndexOf('/')] : "";
                var version = distributions.FirstOrDefault(d => d.Name == package && d.Parent == parent).Version;
                result.Add(new Installed(driver, dir, version));
            }
        }
        return result;
    }

    internal static Version? ParseVersion(string? text)
    {
        var match = LeadingVersionPattern().Match(text ?? "");
        if (!match.Success)
            return null;
        return new Version(int.Parse(match.Groups["major"].Value), int.Parse(match.Groups["minor"].Value),
            match.Groups["patch"].Success ? int.Parse(match.Groups["patch"].Value) : 0);
    }

    internal static string LastSegment(string path) => path[(path.LastIndexOf('/') + 1)..];

    private static string Normalise(string name) => name.ToLowerInvariant().Replace('-', '_').Replace('.', '_');

    /// <summary>The report for a driver that speaks the PostgreSQL protocol itself, without libpq.</summary>
    internal static LibpqReport Report(Installed installed, string source)
    {
        var since = PureDriverScramSince[installed.Driver];
        var evidence = new List<string>
        {
            $"{installed.Driver} is a pure-Python driver for this purpose: it speaks the PostgreSQL protocol itself and uses no libpq.",
        };
        bool? supports = null;
        var version = ParseVersion(installed.Version);
        if (version is null)
            evidence.Add($"Its version is unknown (no {installed.Driver.ToString().ToLowerInvariant()}-<version>.dist-info beside it); SCRAM-SHA-256 is supported from {since} on.");
        else
        {
            supports = version >= since;
            evidence.Add($"Version {installed.Version} (from its .dist-info); SCRAM-SHA-256 is supported from {since} on.");
        }
        evidence.Add(supports switch
        {
            true => "Verdict: supports scram-sha-256.",
            false => $"Verdict: cannot do scram-sha-256; upgrade {installed.Driver} to {since} or later.",
            null => "Verdict: unknown.",
        });
        return new LibpqReport(source, installed.PackagePath, null, null, supports, installed.Driver, evidence);
    }
}
