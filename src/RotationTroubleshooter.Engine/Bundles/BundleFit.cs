using System.Text.RegularExpressions;

namespace RotationTroubleshooter.Bundles;

/// <summary>What the function's configuration says its bundle must fit: <c>Runtime</c>, <c>Architectures</c>, <c>Handler</c>, and LD_LIBRARY_PATH.</summary>
internal sealed record FunctionRuntimeFacts(string? Runtime, string? Architecture, string? Handler, string? LibraryPath = null)
{
    /// <summary>Lambda's default: x86_64 when Architectures is absent.</summary>
    public string ArchitectureOrDefault => string.IsNullOrEmpty(Architecture) ? "x86_64" : Architecture;
}

/// <summary>One shared object of the bundle, as Python and the loader will meet it.</summary>
/// <param name="Module">The Python module it is, when it is one (a tagged name, or an untagged one exporting PyInit_).</param>
/// <param name="Owner">The package or folder it belongs to, under Python's path (psycopg2, psycopg2_binary.libs, lib).</param>
internal sealed record NativeFile(BundledFile File, string? Module, ExtensionTag? Tag, ElfFacts? Elf, string? Problem, string Owner)
{
    public string Absolute => File.Absolute;
    public string Shown => File.SourceLabel.Length > 0 ? $"{File.SourceLabel}: {Absolute}" : Absolute;
}

/// <summary>One reason the bundle does not fit, with what shows it.</summary>
internal sealed record BundleFitProblem(FindingDefinition Finding, IReadOnlyList<string> Evidence);

/// <summary>The bundle against its runtime, architecture and drivers (docs/reference/bundle-fit.md).</summary>
internal sealed class BundleFit
{
    public required string Source { get; init; }
    public required FunctionRuntimeFacts Function { get; init; }
    /// <summary>Null when the runtime is not a Python one the module knows: the Python checks then did not run.</summary>
    public LambdaPythonRuntime? Runtime { get; init; }
    public required IReadOnlyList<NativeFile> NativeFiles { get; init; }
    public required IReadOnlyList<InstalledPackage> Packages { get; init; }
    public HandlerCode? Handler { get; init; }
    public required IReadOnlyList<BundleFitProblem> Problems { get; init; }
    /// <summary>Facts worth telling that are not problems (capped reads, files in no driver, optional accelerators).</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    /// <summary>PyMySQL can log in caching_sha2_password users without TLS; null without PyMySQL.</summary>
    public bool? PyMySqlHasCryptography { get; init; }
    /// <summary>pymssql's FreeTDS can encrypt; null without pymssql or when its native module could not be read.</summary>
    public bool? FreeTdsHasTls { get; init; }
    /// <summary>"thin" or "thick" for python-oracledb (thick when the handler calls init_oracle_client); null without it.</summary>
    public string? OracleMode { get; init; }
    /// <summary>An Oracle client library (libclntsh) is somewhere in the function or its layers.</summary>
    public bool OracleClientPresent { get; init; }

    public BundleFitProblem? Problem(FindingDefinition finding) => Problems.FirstOrDefault(p => p.Finding == finding);

    /// <summary>The same fit with more facts worth telling (a layer that could not be read).</summary>
    public BundleFit WithNotes(IEnumerable<string> notes) => new()
    {
        Source = Source, Function = Function, Runtime = Runtime, NativeFiles = NativeFiles, Packages = Packages, Handler = Handler,
        Problems = Problems, Notes = [.. Notes, .. notes], PyMySqlHasCryptography = PyMySqlHasCryptography, FreeTdsHasTls = FreeTdsHasTls,
        OracleMode = OracleMode, OracleClientPresent = OracleClientPresent,
    };

    public InstalledPackage? Package(PythonPackage package) => Packages.FirstOrDefault(p => p.Package == package);
}

/// <summary>
/// Reads the native modules, drivers and handler code of a function's bundle and its layers and judges them against the
/// function's runtime and architecture: which Python each extension was built for (its file name's tag), which CPU (ELF
/// e_machine) and glibc (its GLIBC_ symbol versions), and whether each driver the handler imports is there with what it needs.
/// </summary>
internal static partial class BundleFitInspector
{
    [GeneratedRegex(@"\.(?:so(?:\.\d+)*|pyd|dylib)$", RegexOptions.CultureInvariant)]
    private static partial Regex NativeName();

    /// <summary>Client libraries no Lambda runtime has, which a driver's module needs beside it.</summary>
    [GeneratedRegex(@"^(?:libpq|libsybdb|libclntsh|libdb2)[.-]", RegexOptions.CultureInvariant)]
    private static partial Regex ClientLibrary();

    [GeneratedRegex(@"^(?:libssl|libgnutls)[.-]", RegexOptions.CultureInvariant)]
    private static partial Regex TlsLibrary();

    /// <summary>Native parts a package works without (pure-Python fallbacks), so a misfit there breaks nothing.</summary>
    private static readonly HashSet<string> OptionalAccelerators = new(StringComparer.Ordinal) { "bson/_cbson", "pymongo/_cmessage" };

    /// <summary>
    /// The native module each driver cannot import without, under any of its names: PyGreSQL keeps _pg beside pg.py (5) or
    /// in pg/ (6); pymssql is one extension module before 2.2 and a package holding _pymssql from 2.2 on.
    /// </summary>
    private static readonly (PythonPackage Package, string[] Modules, string Shown)[] RequiredNative =
    [
        (PythonPackage.PyGreSql, ["_pg"], "_pg"), (PythonPackage.Psycopg2, ["_psycopg"], "psycopg2._psycopg"),
        (PythonPackage.Pymssql, ["_pymssql", "pymssql"], "pymssql._pymssql"), (PythonPackage.IbmDb, ["ibm_db"], "ibm_db"),
        (PythonPackage.CxOracle, ["cx_Oracle"], "cx_Oracle"),
    ];

    /// <summary>Drivers' native modules that sit directly on Python's path under names of their own.</summary>
    private static readonly HashSet<string> TopLevelNativeParts = new(StringComparer.Ordinal) { "_pg", "_psycopg", "_mssql", "_pymssql", "_cffi_backend" };

    // Lambda's LD_LIBRARY_PATH entries that lie inside the function or its layers.
    private static readonly string[] LoaderPath = [Bundle.FunctionMountPoint, Bundle.FunctionMountPoint + "/lib", Bundle.LayerMountPoint + "/lib"];

    /// <summary>A function's package with its layers. Streams are read, not disposed.</summary>
    /// <exception cref="BundleReadException">A zip is corrupt, or they exceed <paramref name="limits"/>.</exception>
    public static BundleFit InspectFunction(Stream functionZip, string source, IReadOnlyList<(Stream Zip, string Source)> layers,
        FunctionRuntimeFacts function, ZipLimits? limits = null, CancellationToken cancellationToken = default)
    {
        var bundles = Bundle.OpenFunction(functionZip, source, layers, limits ?? ZipLimits.Default, cancellationToken);
        try
        {
            return Inspect(bundles, function, cancellationToken);
        }
        finally
        {
            bundles.ForEach(b => b.Dispose());
        }
    }

    /// <summary>A zip or an unpacked folder, judged as the function's package.</summary>
    /// <exception cref="BundleReadException">The path does not exist, or the zip is corrupt or too large.</exception>
    public static BundleFit InspectPath(string path, FunctionRuntimeFacts function, ZipLimits? limits = null, CancellationToken cancellationToken = default)
    {
        limits ??= ZipLimits.Default;
        if (Directory.Exists(path))
        {
            using var folder = new DirectoryBundle(path, path, limits);
            return Inspect([folder], function, cancellationToken);
        }
        if (!File.Exists(path)) throw new BundleReadException(BundleErrorKind.NotFound, path, "no such file or folder");
        using var stream = File.OpenRead(path);
        return InspectFunction(stream, path, [], function, limits, cancellationToken);
    }

    private static BundleFit Inspect(List<Bundle> bundles, FunctionRuntimeFacts function, CancellationToken cancellationToken)
    {
        var runtime = LambdaPythonRuntime.Of(function.Runtime);
        var architecture = function.ArchitectureOrDefault;
        var notes = bundles.SelectMany(b => b.Notes).ToList();
        var files = bundles.SelectMany(b => b.Files.Where(f => !f.IsSymlink).Select(f => new BundledFile(b, f))).ToList();
        var links = bundles.SelectMany(b => b.Files.Where(f => f.IsSymlink).Select(f => new BundledFile(b, f).Absolute)).ToHashSet(StringComparer.Ordinal);
        var roots = PythonPackages.ImportRoots(runtime);

        var natives = ReadNativeFiles(bundles, files, roots, notes, cancellationToken);
        var packages = PythonPackages.Find(files, runtime, notes);
        var handler = PythonPackages.ReadHandler(function.Handler, files);
        if (function.Handler is { Length: > 0 } named && handler is null)
            notes.Add($"The handler {named} names no Python file in the function's package, so its imports were not read.");

        var problems = new List<(FindingDefinition Finding, string Line)>();
        var misfits = new HashSet<string>(StringComparer.Ordinal);
        var unrelated = new List<string>();
        foreach (var native in natives)
        {
            foreach (var (finding, why) in Misfits(native, runtime, architecture))
            {
                misfits.Add(native.Absolute);
                if (OptionalAccelerators.Contains(native.Owner + "/" + native.Module))
                    notes.Add($"{why} It is an optional accelerator: {native.Owner} works without it.");
                else if (IsDriverPart(native.Owner))
                    problems.Add((finding, why));
                else
                    unrelated.Add(why);
            }
        }
        if (unrelated.Count > 0)
            notes.Add($"{unrelated.Count} native file(s) outside the database drivers do not fit either (they matter only if the function imports them): {string.Join(" ", unrelated.Take(3))}");

        var imported = handler?.Imports ?? new HashSet<string>();
        foreach (var name in imported.Where(n => PythonPackages.ByImportName.ContainsKey(n)))
        {
            if (packages.Any(p => p.ImportName == name)) continue;
            problems.Add((BundleFitFindings.DriverNotInBundle,
                $"{handler!.Path} imports {name}, and no {name} package or module is in {string.Join(", ", roots)} (where {function.Runtime ?? "the runtime"} looks): importing it fails with \"No module named '{name}'\"."));
        }
        foreach (var (package, modules, shown) in RequiredNative)
        {
            var installed = packages.FirstOrDefault(p => p.Package == package);
            if (installed is null) continue;
            if (!natives.Any(n => n.Module is { } m && modules.Contains(m) && IsUnder(n.Absolute, installed.Location, roots)))
                problems.Add((BundleFitFindings.DriverNotInBundle,
                    $"{installed.Describe()} has no native module {modules[0]} beside it: importing {installed.ImportName} fails (\"No module named '{shown}'\")."));
        }
        if (packages.FirstOrDefault(p => p.Package == PythonPackage.PgFromPyPi) is { } wrong)
            problems.Add((BundleFitFindings.WrongPackageForPyGreSql,
                $"{wrong.Location} comes from the PyPI distribution \"pg\" {wrong.Version} (its .dist-info), not from PyGreSQL, whose modules are also named pg and pgdb."));

        problems.AddRange(MissingClientLibraries(natives, files, links, function, misfits));

        var pymysql = packages.FirstOrDefault(p => p.Package == PythonPackage.PyMySql);
        bool? hasCryptography = null;
        if (pymysql is not null)
        {
            var cryptography = packages.FirstOrDefault(p => p.Package == PythonPackage.Cryptography);
            var broken = cryptography is null ? [] : natives.Where(n => misfits.Contains(n.Absolute) && n.Absolute.StartsWith(cryptography.Location + "/", StringComparison.Ordinal)).ToList();
            hasCryptography = cryptography is not null && broken.Count == 0;
            if (hasCryptography == false)
                problems.Add((BundleFitFindings.PyMySqlWithoutCryptography, cryptography is null
                    ? $"{pymysql.Describe()}, and no 'cryptography' package on Python's path: PyMySQL then cannot encrypt the password a caching_sha2_password or sha256_password user sends without TLS."
                    : $"{pymysql.Describe()}, and {cryptography.Describe()} does not load here ({broken[0].Absolute} does not fit): PyMySQL takes it for absent and cannot log in caching_sha2_password or sha256_password users without TLS."));
        }

        var freeTdsTls = FreeTdsTls(natives, packages, misfits);
        if (freeTdsTls is { HasTls: false } tls)
            problems.Add((BundleFitFindings.FreeTdsWithoutTls, tls.Evidence));

        var oracledb = packages.FirstOrDefault(p => p.Package == PythonPackage.Oracledb);
        var cxOracle = packages.FirstOrDefault(p => p.Package == PythonPackage.CxOracle);
        var oracleClient = files.FirstOrDefault(f => f.File.Name.StartsWith("libclntsh.so", StringComparison.Ordinal));
        string? oracleMode = oracledb is null ? null : handler?.InitialisesOracleClient == true ? "thick" : "thin";
        if (oracleClient is null && (cxOracle is not null || oracleMode == "thick"))
            problems.Add((BundleFitFindings.OracleClientLibrariesMissing, cxOracle is not null
                ? $"{cxOracle.Describe()} always uses Oracle's client libraries, and no libclntsh.so is in the function or its layers (\"DPI-1047: Cannot locate a 64-bit Oracle Client library\")."
                : $"{handler!.Path} calls init_oracle_client(), so {oracledb!.Describe()} runs in thick mode, and no libclntsh.so is in the function or its layers (\"DPI-1047: Cannot locate a 64-bit Oracle Client library\")."));

        if (handler?.PyMySqlPositionalCall is { } call && pymysql?.ParsedVersion is { Major: >= 1 })
            problems.Add((BundleFitFindings.TemplateCodeDoesNotFitDriver,
                $"{handler.Path} passes pymysql.connect its first argument by position ({call}), and {pymysql.Describe()} takes keyword arguments only since 1.0.0: the call fails with \"TypeError: __init__() takes 1 positional argument but 2 positional arguments ... were given\"."));
        if (handler?.AuthenticateCall is { } authenticate && packages.FirstOrDefault(p => p.Package == PythonPackage.Pymongo && p.ImportName == "pymongo") is { ParsedVersion.Major: >= 4 } pymongo)
            problems.Add((BundleFitFindings.TemplateCodeDoesNotFitDriver,
                $"{handler.Path} calls Database.authenticate ({authenticate}), which {pymongo.Describe()} no longer has (removed in 4.0): the call fails with \"TypeError: 'Collection' object is not callable\"."));

        return new BundleFit
        {
            Source = bundles[0].Source, Function = function, Runtime = runtime, NativeFiles = natives, Packages = packages, Handler = handler,
            Problems = problems.GroupBy(p => p.Finding).Select(g => new BundleFitProblem(g.Key, Capped(g.Select(p => p.Line).Distinct().ToList()))).ToList(),
            Notes = notes, PyMySqlHasCryptography = hasCryptography, FreeTdsHasTls = freeTdsTls?.HasTls, OracleMode = oracleMode,
            OracleClientPresent = oracleClient is not null,
        };
    }

    private static List<NativeFile> ReadNativeFiles(List<Bundle> bundles, List<BundledFile> files, List<string> roots, List<string> notes,
        CancellationToken cancellationToken)
    {
        var natives = new List<NativeFile>();
        foreach (var bundle in bundles)
        {
            var candidates = files.Where(f => f.Bundle == bundle && NativeName().IsMatch(f.File.Name)).OrderBy(f => f.File.Path, StringComparer.Ordinal).ToList();
            if (candidates.Count > bundle.Limits.MaxCandidateFiles)
            {
                notes.Add($"Only the first {bundle.Limits.MaxCandidateFiles} of {candidates.Count} shared objects in {bundle.Source} were read.");
                candidates = candidates.Take(bundle.Limits.MaxCandidateFiles).ToList();
            }
            foreach (var file in candidates)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var bytes = file.Bundle.Read(file.File, out var problem);
                var elf = bytes is null ? ElfReadResult.Failed(problem!) : ElfAnalyzer.Analyze(bytes);
                var problemText = elf.Problem is null ? null : bytes is not null && ForeignBinary(bytes) is { } foreign ? foreign : elf.Problem;
                var named = ExtensionTag.Of(file.File.Name);
                // An untagged name is a module only if it exports the init function Python calls.
                var module = named is { } n && (n.Tag.Kind != ExtensionKind.Untagged || elf.Facts?.ExportedSymbols.Contains("PyInit_" + n.Module) == true) ? n : default((string Module, ExtensionTag Tag)?);
                natives.Add(new NativeFile(file, module?.Module, module?.Tag, elf.Facts, problemText, OwnerOf(file.Absolute, roots)));
            }
        }
        return natives;
    }

    /// <summary>Mach-O and PE files carry their own magic: say which system they are for.</summary>
    private static string? ForeignBinary(byte[] bytes) => bytes.Length < 4 ? null : (bytes[0], bytes[1], bytes[2], bytes[3]) switch
    {
        (0xCF, 0xFA, 0xED, 0xFE) or (0xCE, 0xFA, 0xED, 0xFE) or (0xCA, 0xFE, 0xBA, 0xBE) => "is a macOS (Mach-O) binary, not an ELF file",
        ((byte)'M', (byte)'Z', _, _) => "is a Windows (PE) binary, not an ELF file",
        _ => null,
    };

    private static IEnumerable<(FindingDefinition Finding, string Why)> Misfits(NativeFile native, LambdaPythonRuntime? runtime, string architecture)
    {
        if (native.Tag is { Kind: ExtensionKind.Foreign } foreignTag)
        {
            yield return (BundleFitFindings.NativeModuleNotForLinux, $"{native.Shown} is built for {foreignTag.Describe()}: Lambda's Linux never loads it.");
            yield break;
        }
        if (native.Elf is not { } elf)
        {
            if (native.Problem is { } problem && (problem.Contains("macOS", StringComparison.Ordinal) || problem.Contains("Windows", StringComparison.Ordinal)
                                                  || problem.StartsWith("is not an ELF file", StringComparison.Ordinal)))
                yield return (BundleFitFindings.NativeModuleNotForLinux, $"{native.Shown} {problem}: the loader rejects it (\"invalid ELF header\").");
            yield break;
        }
        if (elf.Machine != architecture)
            yield return (BundleFitFindings.NativeModuleBuiltForOtherArchitecture,
                $"{native.Shown} is built for {elf.Machine} (its ELF header), and the function runs on {architecture}: it cannot be loaded.");
        if (runtime is null) yield break;
        if (native.Tag is { Kind: ExtensionKind.CPython } tag && !tag.ImportableBy(runtime, architecture))
        {
            var expected = runtime.ExtensionTag(architecture);
            yield return tag.Minor != runtime.Minor
                ? (BundleFitFindings.NativeModuleBuiltForOtherPython,
                    $"{native.Shown} is built for CPython 3.{tag.Minor} (tag {tag.Text}), and the function runs {runtime.Name}, which imports only extensions tagged {expected}, abi3 or none: Python does not see it, so importing {native.Module} fails (\"No module named '{native.Module}'\").")
                : (BundleFitFindings.NativeModuleBuiltForOtherArchitecture,
                    $"{native.Shown} is tagged for {tag.Platform}, and the function runs on {architecture} ({expected}): Python does not see it.");
        }
        if (elf.RequiredGlibc is { } glibc && glibc > runtime.Glibc)
            yield return (BundleFitFindings.NativeModuleNeedsNewerGlibc,
                $"{native.Shown} needs GLIBC_{glibc} and {runtime.Name} runs on {runtime.OperatingSystem} with glibc {runtime.Glibc}: loading it fails (\"version `GLIBC_{glibc}' not found\").");
    }

    /// <summary>The driver-critical client libraries each module needs, looked up as the loader would (RUNPATH $ORIGIN, then Lambda's library path).</summary>
    private static IEnumerable<(FindingDefinition, string)> MissingClientLibraries(List<NativeFile> natives, List<BundledFile> files, HashSet<string> links,
        FunctionRuntimeFacts function, HashSet<string> misfits)
    {
        var extra = (function.LibraryPath ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        foreach (var native in natives.Where(n => n.Module is not null && n.Elf is not null && IsDriverPart(n.Owner) && !misfits.Contains(n.Absolute)))
        {
            foreach (var needed in native.Elf!.Needed.Where(n => ClientLibrary().IsMatch(n)))
            {
                var searched = SearchPath(native).Concat(LoaderPath).Concat(extra).Distinct().ToList();
                if (searched.Any(dir => files.Any(f => f.Absolute == $"{dir}/{needed}") || links.Contains($"{dir}/{needed}"))) continue;
                var elsewhere = files.FirstOrDefault(f => f.File.Name == needed);
                yield return (BundleFitFindings.NativeLibraryNotInBundle, elsewhere is null
                    ? $"{native.Shown} needs {needed}, which no Lambda runtime has, and neither the function nor its layers carry it (searched {string.Join(", ", searched)}): importing {native.Module} fails (\"{needed}: cannot open shared object file\")."
                    : $"{native.Shown} needs {needed}; the bundle has one at {elsewhere.Absolute}, which is not on its search path ({string.Join(", ", searched)}): the loader does not find it.");
            }
        }
    }

    /// <summary>RUNPATH (else RPATH) folders given relative to the module ($ORIGIN); absolute build paths do not exist in Lambda.</summary>
    private static IEnumerable<string> SearchPath(NativeFile native)
    {
        foreach (var entry in (native.Elf!.EffectiveSearchPath ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var normalised = entry.Replace("${ORIGIN}", "$ORIGIN", StringComparison.Ordinal);
            if (!normalised.StartsWith("$ORIGIN", StringComparison.Ordinal)) continue;
            yield return Combine(native.File.Directory, normalised["$ORIGIN".Length..]);
        }
    }

    private static string Combine(string directory, string relative)
    {
        var parts = directory.Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();
        foreach (var segment in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); }
            else if (segment != ".") parts.Add(segment);
        }
        return "/" + string.Join('/', parts);
    }

    private sealed record TlsVerdict(bool HasTls, string Evidence);

    /// <summary>
    /// Whether pymssql's FreeTDS can encrypt: the PyPI wheels from 2.2.0 link FreeTDS in and OpenSSL beside it
    /// (pymssql's ChangeLog); an older build links neither libssl nor GnuTLS and carries no OpenSSL code.
    /// </summary>
    private static TlsVerdict? FreeTdsTls(List<NativeFile> natives, List<InstalledPackage> packages, HashSet<string> misfits)
    {
        var pymssql = packages.FirstOrDefault(p => p.Package == PythonPackage.Pymssql);
        if (pymssql is null) return null;
        var modules = natives.Where(n => n.Module is "_pymssql" or "_mssql" or "pymssql" && n.Elf is not null && !misfits.Contains(n.Absolute)).ToList();
        if (modules.Count == 0) return null;
        var sybdb = natives.Where(n => n.File.File.Name.StartsWith("libsybdb.so", StringComparison.Ordinal) && n.Elf is not null).ToList();
        var linked = modules.Concat(sybdb).FirstOrDefault(n => n.Elf!.Needed.Any(l => TlsLibrary().IsMatch(l)) || n.Elf.CarriesOpenSsl);
        return linked is not null
            ? new TlsVerdict(true, $"{linked.Shown} links a TLS library ({string.Join(", ", linked.Elf!.Needed.Where(l => TlsLibrary().IsMatch(l)).DefaultIfEmpty("OpenSSL compiled in"))}).")
            : new TlsVerdict(false, $"{pymssql.Describe()}: {string.Join(", ", modules.Concat(sybdb).Select(m => m.File.File.Name))} link{(modules.Count + sybdb.Count == 1 ? "s" : "")} no libssl or GnuTLS and carry no OpenSSL code, so its FreeTDS cannot encrypt; a SQL Server that requires encryption answers \"Adaptive Server connection failed\".");
    }

    /// <summary>The first path segment under Python's path (a package, module or .libs folder), or "lib" for the loader's folders.</summary>
    private static string OwnerOf(string absolute, List<string> roots)
    {
        foreach (var root in roots.OrderByDescending(r => r.Length))
        {
            if (!absolute.StartsWith(root + "/", StringComparison.Ordinal)) continue;
            var rest = absolute[(root.Length + 1)..];
            var slash = rest.IndexOf('/');
            var first = slash < 0 ? rest : rest[..slash];
            // A library straight in /var/task is on the loader's path like /var/task/lib's.
            if (slash < 0) return ExtensionTag.Of(first)?.Module ?? "lib";
            return first;
        }
        return absolute.StartsWith(Bundle.LayerMountPoint + "/lib/", StringComparison.Ordinal) ? "lib" : absolute.Split('/').Skip(2).FirstOrDefault() ?? absolute;
    }

    /// <summary>A driver the templates use, a package it leans on, their .libs folders, or the loader's lib folders.</summary>
    private static bool IsDriverPart(string owner)
    {
        var name = owner.EndsWith(".libs", StringComparison.Ordinal) ? owner[..^5].Replace("_binary", "", StringComparison.Ordinal) : owner;
        return PythonPackages.ByImportName.ContainsKey(name) || TopLevelNativeParts.Contains(name) || name is "lib" or "clidriver" or "cffi";
    }

    private static bool IsUnder(string absolute, string location, List<string> roots) =>
        absolute.StartsWith(location + "/", StringComparison.Ordinal) || absolute == location
        || roots.Contains(absolute[..absolute.LastIndexOf('/')]) && roots.Contains(location[..location.LastIndexOf('/')]);

    private static List<string> Capped(List<string> lines) =>
        lines.Count <= 5 ? lines : [.. lines.Take(5), $"... and {lines.Count - 5} more."];
}
