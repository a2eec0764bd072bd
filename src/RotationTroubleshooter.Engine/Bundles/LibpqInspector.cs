using System.Text.RegularExpressions;
using RotationTroubleshooter.Bundles;

namespace RotationTroubleshooter;

/// <summary>
/// Finds every libpq in a Lambda deployment bundle (zip, folder or single shared object), every native module
/// linked against it or carrying it, and every pure-Python PostgreSQL driver, and says whether each can log in
/// with scram-sha-256.
/// </summary>
public static partial class LibpqInspector
{
    [GeneratedRegex(@"^libpq(?:-[^/]+)?\.so(?:\.\d+)*$")]
    private static partial Regex LibpqName();

    [GeneratedRegex(@"^_pg[^/]*\.so$")]
    private static partial Regex PyGreSqlModuleName();

    [GeneratedRegex(@"^_psycopg[^/]*\.so$")]
    private static partial Regex Psycopg2ModuleName();

    /// <summary>Inspects a zip (a function's deployment package or a layer). The stream is read, not disposed.</summary>
    /// <param name="source">How the user knows the bundle (function name, layer ARN, file path); copied into each report.</param>
    /// <exception cref="BundleReadException">The zip is corrupt or exceeds <paramref name="limits"/>.</exception>
    public static IReadOnlyList<LibpqReport> InspectZip(Stream zip, string source, ZipLimits? limits = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(zip);
        using var bundle = new ZipBundle(zip, source, limits ?? ZipLimits.Default);
        return Inspect(bundle, source, singleFile: false, cancellationToken);
    }

    /// <summary>Inspects a zip file, a folder (an unpacked bundle) or one shared object.</summary>
    /// <param name="source">Name for the reports; the path itself when null.</param>
    /// <exception cref="BundleReadException">The path does not exist, or the zip is corrupt or too large.</exception>
    public static IReadOnlyList<LibpqReport> InspectPath(string path, string? source = null, ZipLimits? limits = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        source ??= path;
        limits ??= ZipLimits.Default;
        if (Directory.Exists(path))
        {
            using var folder = new DirectoryBundle(path, source, limits);
            return Inspect(folder, source, singleFile: false, cancellationToken);
        }
        if (!File.Exists(path))
            throw new BundleReadException(BundleErrorKind.NotFound, source, "no such file or folder");
        if (LooksLikeZip(path))
        {
            using var stream = File.OpenRead(path);
            return InspectZip(stream, source, limits, cancellationToken);
        }
        using var single = new SingleFileBundle(path, limits);
        return Inspect(single, source, singleFile: true, cancellationToken);
    }

    private static bool LooksLikeZip(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4
            && magic[0] == (byte)'P' && magic[1] == (byte)'K' && magic[2] is 3 or 5 && magic[3] is 4 or 6;
    }

    private sealed record Candidate(BundleFile File, ElfReadResult Elf);

    private sealed record Use(Candidate Module, PostgresDriver Driver, string Line);

    internal static IReadOnlyList<LibpqReport> Inspect(Bundle bundle, string source, bool singleFile, CancellationToken cancellationToken)
    {
        var notes = new List<string>(bundle.Notes);
        var regular = bundle.Files.Where(f => !f.IsSymlink).ToList();
        foreach (var link in bundle.Files.Where(f => f.IsSymlink && IsCandidateName(f.Name)))
            notes.Add($"{link.Path} is a symbolic link; not followed.");

        var candidateFiles = regular.Where(f => singleFile || IsCandidateName(f.Name)).OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        if (candidateFiles.Count > bundle.Limits.MaxCandidateFiles)
        {
            notes.Add($"Only the first {bundle.Limits.MaxCandidateFiles} of {candidateFiles.Count} candidate shared objects were read.");
            candidateFiles = candidateFiles.Take(bundle.Limits.MaxCandidateFiles).ToList();
        }

        var candidates = new List<Candidate>();
        foreach (var file in candidateFiles)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var bytes = bundle.Read(file, out var problem);
            candidates.Add(new Candidate(file, bytes is null ? ElfReadResult.Failed(problem!) : ElfAnalyzer.Analyze(bytes)));
        }

        var reports = new List<LibpqReport>();
        var libraries = candidates.Where(c => LibpqName().IsMatch(c.File.Name)).ToList();
        var modules = candidates.Except(libraries).ToList();
        var uses = libraries.ToDictionary(l => l, _ => new List<Use>());

        foreach (var module in modules)
        {
            var driver = DriverOfModule(module.File.Name);
            var facts = module.Elf.Facts;
            if (facts is null)
            {
                reports.Add(new LibpqReport(source, module.File.Path, null, null, null, driver,
                    [.. notes, $"{module.File.Path} {module.Elf.Problem}", "Verdict: unknown, the module could not be read."]));
                continue;
            }
            var neededLibpq = facts.Needed.Where(n => LibpqName().IsMatch(n)).ToList();
            if (neededLibpq.Count == 0)
            {
                // No NEEDED libpq: either it carries libpq inside (static link) or it is not a libpq client at all.
                reports.Add(StandaloneModuleReport(source, module, driver, facts, notes));
                continue;
            }
            foreach (var needed in neededLibpq)
            {
                var (library, how) = Resolve(module.File, facts, needed, libraries, bundle.Files);
                var line = $"Used by {module.File.Path} ({DriverName(driver)}): NEEDED {needed}{FormatSearchPath(facts)}; {how}";
                if (library is not null)
                    uses[library].Add(new Use(module, driver, line));
                else
                    reports.Add(new LibpqReport(source, module.File.Path, facts.EffectiveSearchPath, null, null, driver,
                    [
                        .. notes, $"{module.File.Path}: {facts.Description}.", line,
                        "Lambda's runtimes ship no libpq, so this module fails to import (Runtime.ImportModuleError) unless a layer provides it: inspect the function's layers too.",
                        "Verdict: unknown, the libpq this module loads is not in this bundle.",
                    ]));
            }
        }

        foreach (var library in libraries)
            reports.Add(LibraryReport(source, library, uses[library], singleFile, notes));

        reports.AddRange(MissingNativeModuleReports(source, regular, modules, notes));
        reports.AddRange(PythonDrivers.PurePythonDrivers(regular).Select(d => PythonDrivers.Report(d, source)));

        if (reports.Count == 0)
            reports.Add(new LibpqReport(source, null, null, null, null, PostgresDriver.None,
            [
                .. notes,
                $"No PostgreSQL client in {bundle.Files.Count} files: no libpq*.so*, no PyGreSQL _pg*.so, no psycopg2 _psycopg*.so, no pg8000 or asyncpg package.",
                "Verdict: not applicable; this bundle cannot connect to PostgreSQL by itself (a layer may provide the driver).",
            ]));
        return reports;
    }

    private static bool IsCandidateName(string name) =>
        LibpqName().IsMatch(name) || PyGreSqlModuleName().IsMatch(name) || Psycopg2ModuleName().IsMatch(name);

    private static PostgresDriver DriverOfModule(string name) =>
        PyGreSqlModuleName().IsMatch(name) ? PostgresDriver.PyGreSQL
        : Psycopg2ModuleName().IsMatch(name) ? PostgresDriver.Psycopg2
        : PostgresDriver.Unknown;

    private static string DriverName(PostgresDriver driver) => driver == PostgresDriver.Unknown ? "driver unknown" : driver.ToString();

    private static string FormatSearchPath(ElfFacts facts) =>
        facts.RunPath is not null ? $", RUNPATH {facts.RunPath}" : facts.RPath is not null ? $", RPATH {facts.RPath}" : "";

    private static string Describe(BundleFile file, ElfFacts facts)
    {
        var parts = new List<string> { $"{file.Path}: {facts.Description}" };
        if (facts.Soname is not null) parts.Add($"SONAME {facts.Soname}");
        if (facts.Needed.Count > 0) parts.Add($"NEEDED {string.Join(", ", facts.Needed)}");
        return string.Join("; ", parts) + ".";
    }

    /// <summary>
    /// Finds the bundle file the dynamic loader would load for <paramref name="needed"/>: RUNPATH/RPATH folders with
    /// $ORIGIN expanded, then Lambda's library path inside the bundle (/var/task, /var/task/lib, /opt/lib).
    /// </summary>
    private static (Candidate? Library, string How) Resolve(BundleFile module, ElfFacts facts, string needed,
        List<Candidate> libraries, List<BundleFile> files)
    {
        var searched = new List<(string Dir, string Why)>();
        foreach (var entry in (facts.EffectiveSearchPath ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!entry.StartsWith("$ORIGIN", StringComparison.Ordinal) && !entry.StartsWith("${ORIGIN}", StringComparison.Ordinal))
                continue; // absolute build paths do not exist inside the Lambda sandbox
            var relative = entry.Replace("${ORIGIN}", "$ORIGIN")["$ORIGIN".Length..].TrimStart('/');
            var dir = CombineInside(module.Directory, relative);
            if (dir is not null)
                searched.Add((dir, $"through its {(facts.RunPath is not null ? "RUNPATH" : "RPATH")} {entry}"));
        }
        searched.Add(("", "on Lambda's library path (/var/task)"));
        searched.Add(("lib", "on Lambda's library path (/var/task/lib, /opt/lib for a layer)"));

        foreach (var (dir, why) in searched)
        {
            var path = dir.Length == 0 ? needed : $"{dir}/{needed}";
            var exact = libraries.FirstOrDefault(l => l.File.Path == path);
            if (exact is not null)
                return (exact, $"found {path} {why}.");
            if (files.Any(f => f.IsSymlink && f.Path == path))
            {
                var versioned = libraries.FirstOrDefault(l => l.File.Directory == dir && l.File.Name.StartsWith(needed + ".", StringComparison.Ordinal));
                if (versioned is not null)
                    return (versioned, $"{path} {why} is a symbolic link (not followed); taking {versioned.File.Path} beside it.");
            }
        }
        var elsewhere = libraries.FirstOrDefault(l => l.File.Name == needed);
        if (elsewhere is not null)
            return (elsewhere, $"found only at {elsewhere.File.Path}, which is not on this module's search path: the loader may not find it.");
        return (null, $"no {needed} in the bundle.");
    }

    /// <summary>Joins a relative path onto a bundle folder; null when it would leave the bundle.</summary>
    private static string? CombineInside(string directory, string relative)
    {
        var segments = new List<string>(directory.Split('/', StringSplitOptions.RemoveEmptyEntries));
        foreach (var segment in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment == ".")
                continue;
            if (segment == "..")
            {
                if (segments.Count == 0)
                    return null;
                segments.RemoveAt(segments.Count - 1);
            }
            else
                segments.Add(segment);
        }
        return string.Join('/', segments);
    }

    private static LibpqReport LibraryReport(string source, Candidate library, List<Use> uses, bool singleFile, List<string> notes)
    {
        var evidence = new List<string>(notes);
        var facts = library.Elf.Facts;
        evidence.Add(facts is null ? $"{library.File.Path} {library.Elf.Problem}" : Describe(library.File, facts));
        evidence.AddRange(uses.Select(u => u.Line));
        var driver = DriverOfLibrary(library.File, uses, singleFile, evidence);
        if (facts is null)
        {
            evidence.Add("Verdict: unknown, the library could not be read.");
            return new LibpqReport(source, library.File.Path, null, null, null, driver, evidence);
        }
        var verdict = LibpqVersionEvidence.Judge(facts, library.File.Name);
        evidence.AddRange(verdict.Evidence);
        return new LibpqReport(source, library.File.Path, facts.EffectiveSearchPath, verdict.MajorVersion,
            verdict.SupportsScram, driver, evidence);
    }

    private static PostgresDriver DriverOfLibrary(BundleFile library, List<Use> uses, bool singleFile, List<string> evidence)
    {
        var users = uses.Select(u => u.Driver).Where(d => d != PostgresDriver.Unknown).Distinct().ToList();
        if (users.Count == 1)
            return users[0];
        if (users.Count > 1)
        {
            evidence.Add($"Shared by several drivers: {string.Join(", ", users)}.");
            return PostgresDriver.Unknown;
        }
        var folder = PythonDrivers.LastSegment(library.Directory);
        if (folder is "psycopg2_binary.libs" or "psycopg2.libs")
        {
            evidence.Add($"Not loaded by any module in this bundle, but it sits in {folder}, psycopg2's wheel folder for libpq.");
            return PostgresDriver.Psycopg2;
        }
        if (folder == "psycopg_binary.libs")
            evidence.Add("Sits in psycopg_binary.libs: psycopg 3's wheel folder for libpq.");
        else if (!singleFile)
            evidence.Add("No module in this bundle loads it.");
        return PostgresDriver.Unknown;
    }

    /// <summary>A native module that does not NEED libpq: libpq linked in statically, or no libpq client at all.</summary>
    private static LibpqReport StandaloneModuleReport(string source, Candidate module, PostgresDriver driver, ElfFacts facts, List<string> notes)
    {
        var evidence = new List<string>(notes) { Describe(module.File, facts) };
        var carriesLibpq = facts.ExportedSymbols.Any(s => s.StartsWith("PQ", StringComparison.Ordinal)) || facts.HasLibpqConnectionOptions;
        if (!carriesLibpq)
        {
            evidence.Add("Neither links a libpq (no NEEDED libpq*) nor carries one (no PQ* exports, no libpq connection options).");
            evidence.Add("Verdict: unknown, no libpq found for this module.");
            return new LibpqReport(source, module.File.Path, facts.EffectiveSearchPath, null, null, driver, evidence);
        }
        evidence.Add("Carries libpq inside it (linked statically): no NEEDED libpq, but libpq's code is present.");
        var verdict = LibpqVersionEvidence.Judge(facts, module.File.Name);
        evidence.AddRange(verdict.Evidence);
        return new LibpqReport(source, module.File.Path, facts.EffectiveSearchPath, verdict.MajorVersion, verdict.SupportsScram, driver, evidence);
    }

    /// <summary>PyGreSQL or psycopg2 Python code present without its native module: the import fails before any login.</summary>
    private static IEnumerable<LibpqReport> MissingNativeModuleReports(string source, List<BundleFile> files, List<Candidate> modules, List<string> notes)
    {
        var psycopg2Dirs = files.Where(f => f.Name == "__init__.py" && PythonDrivers.LastSegment(f.Directory) == "psycopg2").Select(f => f.Directory).Distinct();
        foreach (var dir in psycopg2Dirs.Where(d => !modules.Any(m => m.File.Directory == d && DriverOfModule(m.File.Name) == PostgresDriver.Psycopg2)))
            yield return new LibpqReport(source, dir, null, null, null, PostgresDriver.Psycopg2,
            [
                .. notes, $"{dir} holds psycopg2's Python code but no _psycopg*.so native module.",
                "Importing psycopg2 fails (Runtime.ImportModuleError) before any login is tried.",
                "Verdict: unknown, no libpq to judge.",
            ]);

        var pgdbDirs = files.Where(f => f.Name == "pgdb.py" || (f.Name == "__init__.py" && PythonDrivers.LastSegment(f.Directory) == "pgdb"))
            .Select(f => f.Name == "pgdb.py" ? f.Directory : ParentOf(f.Directory)).Distinct();
        foreach (var dir in pgdbDirs.Where(d => !modules.Any(m => DriverOfModule(m.File.Name) == PostgresDriver.PyGreSQL
                     && (m.File.Directory == d || ParentOf(m.File.Directory) == d))))
            yield return new LibpqReport(source, dir.Length == 0 ? "pgdb.py" : $"{dir}/pgdb.py", null, null, null, PostgresDriver.PyGreSQL,
            [
                .. notes, "PyGreSQL's Python code (pgdb) is present but no _pg*.so native module beside it.",
                "The function fails with \"Runtime.ImportModuleError: Unable to import module 'lambda_function': No module named '_pg'\" before any login.",
                "Verdict: unknown, no libpq to judge.",
            ]);
    }

    private static string ParentOf(string dir) => dir.Contains('/') ? dir[..dir.LastIndexOf('/')] : "";
}
