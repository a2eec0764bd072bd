using System.Text;
using System.Text.RegularExpressions;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Bundles;

/// <summary>The database drivers AWS's rotation templates import, their native parts, and the packages they lean on.</summary>
internal enum PythonPackage
{
    PyGreSql, Psycopg2, Pg8000, PyMySql, Cryptography, Cffi, Pymssql, Oracledb, CxOracle, Pymongo, IbmDb,
    /// <summary>The PyPI distribution named "pg", which is not PyGreSQL.</summary>
    PgFromPyPi,
}

/// <summary>A driver (or a package one needs) found on Python's path in the function or a layer.</summary>
/// <param name="Location">Where Lambda puts it, e.g. /var/task/pymysql or /opt/python/lib/python3.11/site-packages/cryptography.</param>
/// <param name="Version">From its .dist-info or .egg-info beside it, else from its own version attribute; null when neither says.</param>
internal sealed record InstalledPackage(PythonPackage Package, string ImportName, string Location, string Source, string? Version)
{
    public string Describe() => $"{ImportName} {(Version is null ? "(version unknown)" : Version)} at {Location}{(Source.Length > 0 ? $" ({Source})" : "")}";

    public Version? ParsedVersion => PythonDrivers.ParseVersion(Version);
}

/// <summary>What the function's handler module does with its drivers (read as text, never run).</summary>
/// <param name="Imports">Top-level names its import statements name.</param>
internal sealed record HandlerCode(string Path, IReadOnlySet<string> Imports, string? PyMySqlPositionalCall, string? AuthenticateCall,
    bool InitialisesOracleClient);

/// <summary>Recognises the packages and reads their versions and the handler's code (docs/reference/bundle-fit.md, "Drivers").</summary>
internal static partial class PythonPackages
{
    /// <summary>Import names of the drivers and what they are; "pg" is PyGreSQL unless the "pg" distribution sits beside it.</summary>
    internal static readonly IReadOnlyDictionary<string, PythonPackage> ByImportName = new Dictionary<string, PythonPackage>(StringComparer.Ordinal)
    {
        ["pg"] = PythonPackage.PyGreSql, ["pgdb"] = PythonPackage.PyGreSql, ["psycopg2"] = PythonPackage.Psycopg2,
        ["pg8000"] = PythonPackage.Pg8000, ["pymysql"] = PythonPackage.PyMySql, ["cryptography"] = PythonPackage.Cryptography,
        ["_cffi_backend"] = PythonPackage.Cffi, ["pymssql"] = PythonPackage.Pymssql, ["_mssql"] = PythonPackage.Pymssql,
        ["oracledb"] = PythonPackage.Oracledb, ["cx_Oracle"] = PythonPackage.CxOracle, ["pymongo"] = PythonPackage.Pymongo,
        ["bson"] = PythonPackage.Pymongo, ["ibm_db"] = PythonPackage.IbmDb, ["ibm_db_dbi"] = PythonPackage.IbmDb,
    };

    /// <summary>The distribution names (normalised) whose .dist-info gives each package's version.</summary>
    private static readonly IReadOnlyDictionary<PythonPackage, string[]> Distributions = new Dictionary<PythonPackage, string[]>
    {
        [PythonPackage.PyGreSql] = ["pygresql"], [PythonPackage.Psycopg2] = ["psycopg2", "psycopg2_binary"], [PythonPackage.Pg8000] = ["pg8000"],
        [PythonPackage.PyMySql] = ["pymysql"], [PythonPackage.Cryptography] = ["cryptography"], [PythonPackage.Cffi] = ["cffi"],
        [PythonPackage.Pymssql] = ["pymssql"], [PythonPackage.Oracledb] = ["oracledb"], [PythonPackage.CxOracle] = ["cx_oracle"],
        [PythonPackage.Pymongo] = ["pymongo"], [PythonPackage.IbmDb] = ["ibm_db"], [PythonPackage.PgFromPyPi] = ["pg"],
    };

    /// <summary>Files a package's own version attribute lives in, by import name.</summary>
    private static readonly IReadOnlyDictionary<string, string[]> VersionFiles = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["pymysql"] = ["__init__.py"], ["pymongo"] = ["_version.py", "__init__.py"], ["oracledb"] = ["version.py", "__init__.py"],
        ["cryptography"] = ["__about__.py", "__init__.py"], ["psycopg2"] = ["__init__.py"], ["pg8000"] = ["__init__.py"],
        ["pg"] = ["__init__.py"], ["pymssql"] = ["__init__.py"],
    };

    private const int MaxSourceBytes = 2 * 1024 * 1024;

    [GeneratedRegex(@"^[ \t]*(?:import[ \t]+(?<names>[A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*)|from[ \t]+(?<from>[A-Za-z_][\w.]*)[ \t]+import\b)",
        RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex ImportStatement();

    [GeneratedRegex(@"pymysql\s*\.\s*connect\s*\(", RegexOptions.CultureInvariant)]
    private static partial Regex PyMySqlConnect();

    [GeneratedRegex(@"^\s*(?:\)|\*\*|[A-Za-z_]\w*\s*=[^=])", RegexOptions.CultureInvariant)]
    private static partial Regex KeywordOrEnd();

    [GeneratedRegex(@"\.\s*authenticate\s*\(", RegexOptions.CultureInvariant)]
    private static partial Regex AuthenticateCall();

    [GeneratedRegex(@"\binit_oracle_client\s*\(", RegexOptions.CultureInvariant)]
    private static partial Regex InitOracleClient();

    [GeneratedRegex(@"^(?:__version__|version)\s*=\s*[""'](?<v>\d[^""']*)[""']", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex VersionAssignment();

    [GeneratedRegex(@"^VERSION\s*=\s*\(\s*(?<a>\d+)\s*,\s*(?<b>\d+)\s*,\s*(?<c>\d+)", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex VersionTuple();

    /// <summary>The file the handler setting names (lambda_function.lambda_handler → lambda_function.py), read as text; null when absent.</summary>
    internal static HandlerCode? ReadHandler(string? handler, IReadOnlyList<BundledFile> files)
    {
        if (string.IsNullOrEmpty(handler) || handler.LastIndexOf('.') is var dot && dot <= 0) return null;
        var relative = handler[..dot].Replace('.', '/') + ".py";
        var file = files.FirstOrDefault(f => f.Absolute == $"{Bundle.FunctionMountPoint}/{relative}")
                   ?? files.FirstOrDefault(f => f.Absolute == $"{Bundle.LayerMountPoint}/python/{relative}");
        if (file is null || ReadText(file) is not { } code) return null;

        var imports = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match statement in ImportStatement().Matches(code))
        {
            var names = statement.Groups["names"].Success ? statement.Groups["names"].Value.Split(',') : [statement.Groups["from"].Value];
            foreach (var name in names)
                imports.Add(name.Trim().Split('.')[0]);
        }
        string? positional = null;
        foreach (Match call in PyMySqlConnect().Matches(code))
        {
            if (!KeywordOrEnd().IsMatch(code.AsSpan(call.Index + call.Length)))
            {
                positional = Excerpt(code, call.Index);
                break;
            }
        }
        var authenticate = imports.Contains("pymongo") && AuthenticateCall().Match(code) is { Success: true } a ? Excerpt(code, a.Index) : null;
        return new HandlerCode(file.Absolute, imports, positional, authenticate, InitOracleClient().IsMatch(code));
    }

    /// <summary>The drivers on Python's path: the function's root, a layer's python/ and python/lib/python3.x/site-packages for the runtime's Python.</summary>
    internal static List<InstalledPackage> Find(IReadOnlyList<BundledFile> files, LambdaPythonRuntime? runtime, List<string> notes)
    {
        var roots = ImportRoots(runtime);
        var distributions = files.GroupBy(f => f.Bundle)
            .SelectMany(g => PythonDrivers.Distributions(g.Select(f => f.File)).Select(d => (d.Name, d.Version, Root: Absolute(g.Key, d.Parent))))
            .ToList();
        var found = new List<InstalledPackage>();
        foreach (var root in roots)
        {
            foreach (var (importName, package) in ByImportName)
            {
                var location = Locate(files, root, importName);
                if (location is null) continue;
                var kind = package == PythonPackage.PyGreSql && importName == "pg" && distributions.Any(d => d.Root == root && d.Name == "pg")
                           && !distributions.Any(d => d.Root == root && d.Name == "pygresql")
                    ? PythonPackage.PgFromPyPi : package;
                var version = distributions.FirstOrDefault(d => d.Root == root && Distributions[kind].Contains(d.Name)).Version
                              ?? OwnVersion(files, location, importName);
                found.Add(new InstalledPackage(kind, importName, location.Absolute, location.SourceLabel, version));
            }
        }
        // Packages a layer keeps for another Python are not on this runtime's path: say where they are.
        foreach (var (importName, _) in ByImportName)
        {
            var suffix = $"/site-packages/{importName}/__init__.py";
            var elsewhere = files.Select(f => f.Absolute).FirstOrDefault(a => a.EndsWith(suffix, StringComparison.Ordinal) && !roots.Contains(a[..^(importName.Length + 13)]));
            if (elsewhere is not null && !found.Any(p => p.ImportName == importName))
                notes.Add($"{elsewhere[..elsewhere.LastIndexOf('/')]} is in the site-packages of another Python than {runtime?.Name ?? "the function's runtime"}, which Python does not search.");
        }
        return found;
    }

    /// <summary>The folders Lambda puts on sys.path that a bundle can fill.</summary>
    internal static List<string> ImportRoots(LambdaPythonRuntime? runtime) =>
    [
        Bundle.FunctionMountPoint, $"{Bundle.LayerMountPoint}/python",
        .. runtime is null ? [] : new[] { $"{Bundle.LayerMountPoint}/{runtime.LayerSitePackages}" },
    ];

    internal sealed record Location(string Absolute, string SourceLabel, BundledFile? Init);

    /// <summary>A package folder with __init__.py, a module file, or an extension module of that name directly in the root.</summary>
    private static Location? Locate(IReadOnlyList<BundledFile> files, string root, string importName)
    {
        var init = files.FirstOrDefault(f => f.Absolute == $"{root}/{importName}/__init__.py");
        if (init is not null) return new Location($"{root}/{importName}", init.SourceLabel, init);
        var module = files.FirstOrDefault(f => f.Directory == root && (f.File.Name == importName + ".py"
            || ExtensionTag.Of(f.File.Name) is { } tag && tag.Module == importName));
        return module is null ? null : new Location(module.Absolute, module.SourceLabel, module.File.Name.EndsWith(".py", StringComparison.Ordinal) ? module : null);
    }

    private static string? OwnVersion(IReadOnlyList<BundledFile> files, Location location, string importName)
    {
        if (!VersionFiles.TryGetValue(importName, out var names)) return null;
        foreach (var name in names)
        {
            var file = location.Init is { } init && init.File.Name != "__init__.py" ? (name == "__init__.py" ? init : null)
                : files.FirstOrDefault(f => f.Absolute == $"{location.Absolute}/{name}");
            if (file is null || ReadText(file) is not { } text) continue;
            if (VersionTuple().Match(text) is { Success: true } tuple) return $"{tuple.Groups["a"].Value}.{tuple.Groups["b"].Value}.{tuple.Groups["c"].Value}";
            if (VersionAssignment().Match(text) is { Success: true } assignment) return UntrustedText.Line(assignment.Groups["v"].Value);
        }
        return null;
    }

    private static string Absolute(Bundle bundle, string relative) => relative.Length == 0 ? bundle.MountPoint : $"{bundle.MountPoint}/{relative}";

    internal static string? ReadText(BundledFile file)
    {
        if (file.File.Length > MaxSourceBytes) return null;
        var bytes = file.Bundle.Read(file.File, out _);
        return bytes is null ? null : Encoding.UTF8.GetString(bytes);
    }

    /// <summary>The line a match starts on, shortened and cleaned, for the evidence.</summary>
    private static string Excerpt(string code, int at)
    {
        var start = code.LastIndexOf('\n', Math.Max(0, at - 1)) + 1;
        var end = code.IndexOf('\n', at);
        var line = code[start..(end < 0 ? code.Length : end)].Trim();
        return UntrustedText.Line(line.Length <= 160 ? line : line[..160] + "…");
    }
}

/// <summary>A file of the function or one of its layers, where Lambda puts it.</summary>
internal sealed record BundledFile(Bundle Bundle, BundleFile File)
{
    public string Absolute => $"{Bundle.MountPoint}/{File.Path}";
    public string Directory => File.Directory.Length == 0 ? Bundle.MountPoint : $"{Bundle.MountPoint}/{File.Directory}";
    /// <summary>The layer's ARN for a layer's file; empty for the function's own.</summary>
    public string SourceLabel => Bundle.MountPoint == Bundle.LayerMountPoint ? Bundle.Source : "";
}
