using System.Text.RegularExpressions;

namespace RotationTroubleshooter.Bundles;

/// <summary>
/// Finds every libpq in a Lambda deployment bundle (zip, folder or single shared object) and its layers, every
/// native module linked against it or carrying it, and every pure-Python PostgreSQL driver, and says whether each
/// can log in with scram-sha-256.
/// </summary>
public static partial class LibpqInspector
{
    [GeneratedRegex(@"^libpq(?:-[^/]+)?\.so(?:\.\d+)*$")]
    private static partial Regex LibpqName();

    [GeneratedRegex(@"^_pg[^/]*\.so$")]
    private static partial Regex PyGreSqlModuleName();

    [GeneratedRegex(@"^_psycopg[^/]*\.so$")]
    private static partial Regex Psycopg2ModuleName();

    // Lambda's LD_LIBRARY_PATH entries that lie inside a function package or its layers.
    private static readonly (string Dir, string Why)[] LambdaLibraryPath =
    [
        (Bundle.FunctionMountPoint, "on Lambda's library path (/var/task)"),
        (Bundle.FunctionMountPoint + "/lib", "on Lambda's library path (/var/task/lib)"),
        (Bundle.LayerMountPoint + "/lib", "on Lambda's library path (/opt/lib, from a layer)"),
    ];

    /// <summary>Inspects one zip (a function's deployment package, or a layer on its own). The stream is read, not disposed.</summary>
    /// <param name="source">How the user knows the bundle (function name, layer ARN, file path); copied into each report.</param>
    /// <exception cref="BundleReadException">The zip is corrupt or exceeds <paramref name="limits"/>.</exception>
    public static IReadOnlyList<LibpqReport> InspectZip(Stream zip, string source, ZipLimits? limits = null,
        CancellationToken cancellationToken = default) =>
        InspectFunction(zip, source, [], limits, cancellationToken);

    /// <summary>
    /// Inspects a function's deployment package together with its layers, as Lambda unpacks them (/var/task and
    /// /opt), so a module in one can be matched to the libpq in another. Lambda's 250 MB unzipped limit applies to
    /// all of them together. Streams are read, not disposed.
    /// </summary>
    /// <param name="layers">Each layer's zip and how the user knows it (its version ARN), in the function's layer order.</param>
    /// <exception cref="BundleReadException">A zip is corrupt, or they exceed <paramref name="limits"/>.</exception>
    public static IReadOnlyList<LibpqReport> InspectFunction(Stream functionZip, string source,
        IReadOnlyList<(Stream Zip, string Source)> layers, ZipLimits? limits = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(functionZip);
        ArgumentNullException.ThrowIfNull(layers);
        var bundles = Bundle.OpenFunction(functionZip, source, layers, limits ?? ZipLimits.Default, cancellationToken);
        try
        {
            return Inspect(bundles, singleFile: false, cancellationToken);
        }
        finally
        {
            bundles.ForEach(b => b.Dispose());
        }
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
            return Inspect([folder], singleFile: false, cancellationToken);
        }
        if (!File.Exists(path))
            throw new BundleReadException(BundleErrorKind.NotFound, source, "no such file or folder");
        if (LooksLikeZip(path) || path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            using var stream = File.OpenRead(path);
            return InspectZip(stream, source, limits, cancellationToken);
        }
        using var single = new SingleFileBundle(path, source, limits);
        return Inspect([single], singleFile: true, cancellationToken);
    }

    /// <summary>The report for a bundle that cannot be inspected at all, e.g. a container image function.</summary>
    public static LibpqReport NotInspectable(string source, string reason) =>
        new(source, null, null, null, null, PostgresDriver.Unknown, [reason, "Verdict: unknown, the bundle was not inspected."]);

    private static bool LooksLikeZip(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4
            && magic[0] == (byte)'P' && magic[1] == (byte)'K' && magic[2] is 3 or 5 && magic[3] is 4 or 6;
    }

    private sealed record Candidate(Bundle Bundle, BundleFile File, ElfReadResult Elf)
    {
        public string Absolute => $"{Bundle.MountPoint}/{File.Path}";
        public string AbsoluteDirectory => File.Directory.Length == 0 ? Bundle.MountPoint : $"{Bundle.MountPoint}/{File.Directory}";
    }

    private sealed record Use(Candidate Module, PostgresDriver Driver, string Line);

    private static IReadOnlyList<LibpqReport> Inspect(List<Bundle> bundles, bool singleFile, CancellationToken cancellationToken)
    {
        var notes = bundles.ToDictionary(b => b, b => new List<string>(b.Notes));
        foreach (var bundle in bundles)
            foreach (var link in bundle.Files.Where(f => f.IsSymlink && IsCandidateName(f.Name)))
                notes[bundle].Add($"{link.Path} is a symbolic link; not followed.");

        var candidates = new List<Candidate>();
        foreach (var bundle in bundles)
        {
            var files = bundle.Files.Where(f => !f.IsSymlink && (singleFile || IsCandidateName(f.Name)))
                .OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
            if (files.Count > bundle.Limits.MaxCandidateFiles)
            {
                notes[bundle].Add($"Only the first {bundle.Limits.MaxCandidateFiles} of {files.Count} candidate shared objects were read.");
                files = files.Take(bundle.Limits.MaxCandidateFiles).ToList();
            }
            foreach (var file in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var bytes = bundle.Read(file, out var problem);
                candidates.Add(new Candidate(bundle, file, bytes is null ? ElfReadResult.Failed(problem!) : ElfAnalyzer.Analyze(bytes)));
            }
        }

        var symlinks = bundles.SelectMany(b => b.Files.Where(f => f.IsSymlink).Select(f => $"{b.MountPoint}/{f.Path}")).ToHashSet(StringComparer.Ordinal);
        var libraries = candidates.Where(c => LibpqName().IsMatch(c.File.Name)).ToList();
        var modules = candidates.Except(libraries).ToList();
        var uses = libraries.ToDictionary(l => l, _ => new List<Use>());
        var reports = new List<LibpqReport>();

        foreach (var module in modules)
        {
            var driver = DriverOfModule(module.File.Name);
            var facts = module.Elf.Facts;
            var source = module.Bundle.Source;
            if (facts is null)
            {
                reports.Add(new LibpqReport(source, module.File.Path, null, null, null, driver,
                    [.. notes[module.Bundle], $"{module.File.Path} {module.Elf.Problem}", "Verdict: unknown, the module could not be read."]));
                continue;
            }
            var neededLibpq = facts.Needed.Where(n => LibpqName().IsMatch(n)).ToList();
            if (neededLibpq.Count == 0)
            {
                // No NEEDED libpq: either it carries libpq inside (static link) or it is not a libpq client at all.
                reports.Add(StandaloneModuleReport(module, driver, facts, notes[module.Bundle]));
                continue;
            }
            foreach (var needed in neededLibpq)
            {
                var (library, how) = Resolve(module, facts, needed, libraries, symlinks);
                var user = library is not null && library.Bundle != module.Bundle ? $"{module.Bundle.Source}: {module.File.Path}" : module.File.Path;
                var line = $"Used by {user} ({DriverName(driver)}): NEEDED {needed}{FormatSearchPath(facts)}; {how}";
                if (library is not null)
                    uses[library].Add(new Use(module, driver, line));
                else
                    reports.Add(new LibpqReport(source, module.File.Path, facts.EffectiveSearchPath, null, null, driver,
                    [
                        .. notes[module.Bundle], Describe(module.File, facts), line,
                        bundles.Count == 1
                            ? "Lambda's runtimes ship no libpq, so this module fails to import (Runtime.ImportModuleError) unless a layer provides it: inspect the function's layers too."
                            : "Lambda's runtimes ship no libpq, and neither the function nor its layers carry this one: the module fails to import (Runtime.ImportModuleError).",
                        "Verdict: unknown, the libpq this module loads is not in the bundle.",
                    ]));
            }
        }

        foreach (var library in libraries)
            reports.Add(LibraryReport(library, uses[library], singleFile, notes[library.Bundle]));

        var allModules = modules.Select(m => m.File).ToList();
        foreach (var bundle in bundles)
        {
            var regular = bundle.Files.Where(f => !f.IsSymlink).ToList();
            reports.AddRange(MissingNativeModuleReports(bundle.Source, regular, allModules, notes[bundle]));
            reports.AddRange(PythonDrivers.PurePythonDrivers(regular).Select(d => PythonDrivers.Report(d, bundle.Source)));
        }

        if (reports.Count == 0)
        {
            var layers = bundles.Skip(1).Select(b => b.Source).ToList();
            reports.Add(new LibpqReport(bundles[0].Source, null, null, null, null, PostgresDriver.None,
            [
                .. bundles.SelectMany(b => notes[b]),
                $"No PostgreSQL client in {bundles.Sum(b => b.Files.Count)} files{(layers.Count > 0 ? $" (function and layers {string.Join(", ", layers)})" : "")}: no libpq*.so*, no PyGreSQL _pg*.so, no psycopg2 _psycopg*.so, no pg8000 or asyncpg package.",
                layers.Count > 0 || singleFile
                    ? "Verdict: not applicable; nothing here can connect to PostgreSQL."
                    : "Verdict: not applicable; this bundle cannot connect to PostgreSQL by itself (a layer may provide the driver).",
            ]));
        }
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
    /// Finds the file the dynamic loader would load for <paramref name="needed"/>: RUNPATH/RPATH folders with
    /// $ORIGIN expanded, then Lambda's library path (/var/task, /var/task/lib, /opt/lib).
    /// </summary>
    private static (Candidate? Library, string How) Resolve(Candidate module, ElfFacts facts, string needed,
        List<Candidate> libraries, HashSet<string> symlinks)
    {
        var searched = new List<(string Dir, string Why)>();
        foreach (var entry in (facts.EffectiveSearchPath ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!entry.StartsWith("$ORIGIN", StringComparison.Ordinal) && !entry.StartsWith("${ORIGIN}", StringComparison.Ordinal))
                continue; // absolute build paths do not exist inside the Lambda sandbox
            var relative = entry.Replace("${ORIGIN}", "$ORIGIN")["$ORIGIN".Length..];
            searched.Add((Combine(module.AbsoluteDirectory, relative), $"through its {(facts.RunPath is not null ? "RUNPATH" : "RPATH")} {entry}"));
        }
        searched.AddRange(LambdaLibraryPath);

        foreach (var (dir, why) in searched)
        {
            var path = $"{dir}/{needed}";
            var exact = libraries.FirstOrDefault(l => l.Absolute == path);
            if (exact is not null)
                return (exact, $"found {exact.File.Path}{InBundle(exact, module)} {why}.");
            if (symlinks.Contains(path))
            {
                var versioned = libraries.FirstOrDefault(l => l.AbsoluteDirectory == dir && l.File.Name.StartsWith(needed + ".", StringComparison.Ordinal));
                if (versioned is not null)
                    return (versioned, $"{needed} {why} is a symbolic link (not followed); taking {versioned.File.Path}{InBundle(versioned, module)} beside it.");
            }
        }
        var elsewhere = libraries.FirstOrDefault(l => l.File.Name == needed);
        if (elsewhere is not null)
            return (elsewhere, $"found only at {elsewhere.File.Path}{InBundle(elsewhere, module)}, which is not on this module's search path: the loader may not find it.");
        return (null, $"no {needed} in the bundle.");
    }

    private static string InBundle(Candidate library, Candidate module) =>
        library.Bundle == module.Bundle ? "" : $" in {library.Bundle.Source}";

    /// <summary>Joins a relative path onto an absolute folder, resolving "." and ".." (never above "/").</summary>
    private static string Combine(string directory, string relative)
    {
        var segments = new List<string>(directory.Split('/', StringSplitOptions.RemoveEmptyEntries));
        foreach (var segment in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment == "..")
            {
                if (segments.Count > 0)
                    segments.RemoveAt(segments.Count - 1);
            }
            else if (segment != ".")
                segments.Add(segment);
        }
        return "/" + string.Join('/', segments);
    }

    private static LibpqReport LibraryReport(Candidate library, List<Use> uses, bool singleFile, List<string> notes)
    {
        var evidence = new List<string>(notes);
        var facts = library.Elf.Facts;
        evidence.Add(facts is null ? $"{library.File.Path} {library.Elf.Problem}" : Describe(library.File, facts));
        evidence.AddRange(uses.Select(u => u.Line));
        var driver = DriverOfLibrary(library.File, uses, singleFile, evidence);
        if (facts is null)
        {
            evidence.Add("Verdict: unknown, the library could not be read.");
            return new LibpqReport(library.Bundle.Source, library.File.Path, null, null, null, driver, evidence);
        }
        var verdict = LibpqVersionEvidence.Judge(facts, library.File.Name);
        evidence.AddRange(verdict.Evidence);
        return new LibpqReport(library.Bundle.Source, library.File.Path, facts.EffectiveSearchPath, verdict.MajorVersion,
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
            evidence.Add($"Not loaded by any module inspected, but it sits in {folder}, psycopg2's wheel folder for libpq.");
            return PostgresDriver.Psycopg2;
        }
        if (folder == "psycopg_binary.libs")
            evidence.Add("Sits in psycopg_binary.libs: psycopg 3's wheel folder for libpq.");
        else if (!singleFile && uses.Count == 0)
            evidence.Add("No module inspected loads it.");
        return PostgresDriver.Unknown;
    }

    /// <summary>A native module that does not NEED libpq: libpq linked in statically, or no libpq client at all.</summary>
    private static LibpqReport StandaloneModuleReport(Candidate module, PostgresDriver driver, ElfFacts facts, List<string> notes)
    {
        var evidence = new List<string>(notes) { Describe(module.File, facts) };
        var source = module.Bundle.Source;
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
    private static IEnumerable<LibpqReport> MissingNativeModuleReports(string source, List<BundleFile> files, List<BundleFile> modules, List<string> notes)
    {
        var psycopg2Dirs = files.Where(f => f.Name == "__init__.py" && PythonDrivers.LastSegment(f.Directory) == "psycopg2").Select(f => f.Directory).Distinct();
        foreach (var dir in psycopg2Dirs.Where(_ => !modules.Any(m => DriverOfModule(m.Name) == PostgresDriver.Psycopg2)))
            yield return new LibpqReport(source, dir, null, null, null, PostgresDriver.Psycopg2,
            [
                .. notes, $"{dir} holds psycopg2's Python code but no _psycopg*.so native module.",
                "Importing psycopg2 fails (Runtime.ImportModuleError) before any login is tried.",
                "Verdict: unknown, no libpq to judge.",
            ]);

        var pgdb = files.Where(f => f.Name == "pgdb.py" || (f.Name == "__init__.py" && PythonDrivers.LastSegment(f.Directory) == "pgdb")).ToList();
        if (pgdb.Count > 0 && !modules.Any(m => DriverOfModule(m.Name) == PostgresDriver.PyGreSQL))
            yield return new LibpqReport(source, pgdb[0].Path, null, null, null, PostgresDriver.PyGreSQL,
            [
                .. notes, "PyGreSQL's Python code (pgdb) is present but no _pg*.so native module.",
                "The function fails with \"Runtime.ImportModuleError: Unable to import module 'lambda_function': No module named '_pg'\" before any login.",
                "Verdict: unknown, no libpq to judge.",
            ]);
    }
}
