using System.Text.RegularExpressions;

namespace RotationTroubleshooter.Bundles;

/// <summary>Turns what an ELF file says into a libpq version and a SCRAM verdict.</summary>
internal static partial class LibpqVersionEvidence
{
    /// <summary>
    /// Symbols first exported by a libpq release, newest first. Only entries checked against libpq's exports.txt
    /// history are listed: PQencryptPasswordConn (172) follows the 9.6 list that ends at 170; pipeline mode (180) is
    /// documented as new in 14; PQconnectionUsedGSSAPI (187) is absent from libpq 15.18, whose last export is 186.
    /// </summary>
    internal static readonly (string Symbol, int SinceMajor)[] SymbolsByRelease =
    [
        ("PQconnectionUsedGSSAPI", 16),
        ("PQenterPipelineMode", 14),
        ("PQencryptPasswordConn", 10),
    ];

    internal const string ScramSymbol = "PQencryptPasswordConn";

    // AWS's build path (.../PostgreSQL-9.4.x/...), PGDG packages (/usr/pgsql-9.4/lib), Debian (/usr/lib/postgresql/9.4/lib).
    [GeneratedRegex(@"PostgreSQL-(?<major>\d+)(?:\.(?<minor>\d+|x))?|pgsql-(?<major>\d+)(?:\.(?<minor>\d+))?|postgresql/(?<major>\d+)(?:\.(?<minor>\d+))?(?=/|$)", RegexOptions.IgnoreCase)]
    private static partial Regex SearchPathVersionPattern();

    // libpq.so.5.N and psycopg2's libpq-<hash>.so.5.N: since 10 the shared-library minor number is the major version
    // (src/interfaces/libpq/Makefile: SO_MINOR_VERSION= $(MAJORVERSION)); releases before 10 used minors below 10.
    [GeneratedRegex(@"\.so\.5\.(?<minor>\d+)$")]
    private static partial Regex SharedLibraryMinorPattern();

    internal static int? MajorFromFileName(string fileName)
    {
        var match = SharedLibraryMinorPattern().Match(fileName);
        return match.Success && int.TryParse(match.Groups["minor"].Value, out var minor) && minor >= 10 ? minor : null;
    }

    /// <summary>The PostgreSQL version a RUNPATH/RPATH names, e.g. "9.4" and major 9 for ".../PostgreSQL-9.4.x/...".</summary>
    internal static (int Major, string Named)? VersionNamedIn(string? searchPath)
    {
        if (string.IsNullOrEmpty(searchPath))
            return null;
        var match = SearchPathVersionPattern().Match(searchPath);
        if (!match.Success || !int.TryParse(match.Groups["major"].Value, out var major))
            return null;
        var minor = match.Groups["minor"];
        return (major, minor.Success && minor.Value != "x" ? $"{major}.{minor.Value}" : major.ToString());
    }

    internal sealed record Verdict(int? MajorVersion, bool? SupportsScram, IReadOnlyList<string> Evidence);

    /// <summary>Weighs RUNPATH, exported symbols and embedded strings of a file that is, or carries, libpq.</summary>
    internal static Verdict Judge(ElfFacts facts, string fileName)
    {
        var evidence = new List<string>();
        var votes = new List<(bool Scram, string Why)>();
        int? symbolLowerBound = null;

        var searchPathKind = facts.RunPath is not null ? "RUNPATH" : "RPATH";
        var named = VersionNamedIn(facts.EffectiveSearchPath);
        if (facts.EffectiveSearchPath is null)
            evidence.Add("No RUNPATH or RPATH: AWS's readelf test has nothing to read.");
        else if (named is null)
            evidence.Add($"{searchPathKind} {facts.EffectiveSearchPath} names no PostgreSQL version.");
        else
        {
            var supports = named.Value.Major >= 10;
            evidence.Add($"{searchPathKind} names PostgreSQL {named.Value.Named}: libpq {named.Value.Major}, {(supports ? "10 or later, can do scram-sha-256" : "older than 10, cannot do scram-sha-256")} (AWS's documented test).");
            votes.Add((supports, searchPathKind));
        }

        var pqExports = facts.ExportedSymbols.Count(s => s.StartsWith("PQ", StringComparison.Ordinal));
        if (pqExports == 0)
            evidence.Add("Exports no PQ* functions: the libpq API is not visible in its dynamic symbol table.");
        else if (facts.ExportedSymbols.Contains(ScramSymbol))
        {
            var newest = SymbolsByRelease.First(s => facts.ExportedSymbols.Contains(s.Symbol));
            symbolLowerBound = newest.SinceMajor;
            evidence.Add($"Exports {ScramSymbol}: libpq 10 or later.");
            if (newest.SinceMajor > 10)
                evidence.Add($"Exports {newest.Symbol}: libpq {newest.SinceMajor} or later.");
            votes.Add((true, "exported symbols"));
        }
        else
        {
            evidence.Add($"Exports {pqExports} PQ* functions but not {ScramSymbol}, which every libpq since 10 exports: older than 10.");
            votes.Add((false, "exported symbols"));
        }

        var fromName = MajorFromFileName(fileName);
        if (fromName is not null)
        {
            evidence.Add($"File name {fileName}: libpq {fromName} (its shared-library minor number is the major version since 10).");
            votes.Add((true, "file name"));
        }

        if (facts.HasPre10ScramMessage)
        {
            evidence.Add("Contains the message \"SCRAM authentication requires libpq version 10 or above\", which only libpq releases older than 10 carry.");
            votes.Add((false, "embedded message"));
        }
        else if (facts.HasScramMechanismName && pqExports == 0)
        {
            // Only consulted when symbols are hidden (libpq linked statically): it is the weakest sign.
            evidence.Add("Contains the SCRAM-SHA-256 mechanism name of libpq 10's SCRAM client.");
            votes.Add((true, "embedded mechanism name"));
        }

        if (votes.Count == 0)
        {
            evidence.Add("Verdict: unknown, no evidence of the libpq version.");
            return new Verdict(null, null, evidence);
        }

        if (votes.Select(v => v.Scram).Distinct().Count() > 1)
        {
            var sayYes = string.Join(", ", votes.Where(v => v.Scram).Select(v => v.Why));
            var sayNo = string.Join(", ", votes.Where(v => !v.Scram).Select(v => v.Why));
            evidence.Add($"Verdict: unknown, the evidence contradicts itself (10 or later: {sayYes}; older than 10: {sayNo}).");
            return new Verdict(symbolLowerBound, null, evidence);
        }

        var scram = votes[0].Scram;
        int? major = null;
        if (named is not null && (symbolLowerBound is null || named.Value.Major >= symbolLowerBound))
            major = named.Value.Major;
        else if (fromName is not null && (symbolLowerBound is null || fromName >= symbolLowerBound))
            major = fromName;
        else if (symbolLowerBound is not null)
        {
            major = symbolLowerBound;
            if (named is not null)
                evidence.Add($"{searchPathKind} names {named.Value.Major} but the symbols show at least {symbolLowerBound}; the symbols are what the code is, the path is only where it was built.");
            evidence.Add($"LibpqMajorVersion {major} is a lower bound from the exported symbols.");
        }
        else if (scram)
        {
            major = 10;
            evidence.Add("LibpqMajorVersion 10 is a lower bound: only libpq 10 and later can do SCRAM.");
        }
        evidence.Add(scram ? "Verdict: supports scram-sha-256." : "Verdict: cannot do scram-sha-256; logins to a database that requires it fail with \"SCRAM authentication requires libpq version 10 or above\".");
        return new Verdict(major, scram, evidence);
    }
}
