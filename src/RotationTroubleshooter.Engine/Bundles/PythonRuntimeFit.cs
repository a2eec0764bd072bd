using System.Text.RegularExpressions;

namespace RotationTroubleshooter.Bundles;

/// <summary>
/// A Lambda Python runtime as a native module meets it: the Python version, the operating system under it and that
/// system's glibc (docs/reference/bundle-fit.md, "What a runtime loads").
/// </summary>
internal sealed record LambdaPythonRuntime(string Name, int Minor, string OperatingSystem, Version Glibc)
{
    /// <summary>Lambda's runtimes page gives each runtime's operating system; the glibc is that system's.</summary>
    private static readonly (int FirstMinor, int LastMinor, string System, Version Glibc)[] Systems =
    [
        (6, 7, "Amazon Linux", new Version(2, 17)),
        (8, 11, "Amazon Linux 2", new Version(2, 26)),
        (12, 99, "Amazon Linux 2023", new Version(2, 34)),
    ];

    /// <summary>The runtime a function's <c>Runtime</c> names (python3.6 and later); null for anything else.</summary>
    public static LambdaPythonRuntime? Of(string? runtime)
    {
        if (runtime is null || !runtime.StartsWith("python3.", StringComparison.Ordinal) || !int.TryParse(runtime.AsSpan(8), out var minor)) return null;
        foreach (var (first, last, system, glibc) in Systems)
            if (minor >= first && minor <= last) return new LambdaPythonRuntime(runtime, minor, system, glibc);
        return null;
    }

    public string Version => $"3.{Minor}";

    /// <summary>The tag of an extension built for this runtime, e.g. cpython-311-x86_64-linux-gnu (3.7 and earlier add the "m" ABI flag).</summary>
    public string ExtensionTag(string architecture) => $"cpython-3{Minor}{(Minor <= 7 ? "m" : "")}-{LinuxPlatform(architecture)}";

    /// <summary>Where a layer's packages must be for this runtime (besides the layer's python/ folder).</summary>
    public string LayerSitePackages => $"python/lib/python3.{Minor}/site-packages";

    /// <summary>Lambda's architecture name to the platform triple in a CPython extension's file name.</summary>
    public static string LinuxPlatform(string architecture) => architecture == "arm64" ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
}

/// <summary>What a CPython extension module's file name says it was built for (PEP 3149 tags).</summary>
internal enum ExtensionKind
{
    /// <summary>cpython-311-x86_64-linux-gnu: one Python version and platform.</summary>
    CPython,
    /// <summary>abi3: any CPython from the one it was built for on (the stable ABI).</summary>
    StableAbi,
    /// <summary>No tag (_pg.so): Python imports it on any version and platform, and only loading it tells.</summary>
    Untagged,
    /// <summary>Built for another operating system (cpython-39-darwin, cp39-win_amd64.pyd) or interpreter (PyPy).</summary>
    Foreign,
}

internal sealed partial record ExtensionTag(ExtensionKind Kind, string Text, int? Minor, string? Platform)
{
    [GeneratedRegex(@"^(?<module>[A-Za-z_][A-Za-z0-9_]*)(?:\.(?<tag>[A-Za-z0-9_-]+))?\.(?<ext>so|pyd)$", RegexOptions.CultureInvariant)]
    private static partial Regex ModuleFile();

    [GeneratedRegex(@"^cpython-3(?<minor>\d+)(?<flags>[dmt]*)-(?<platform>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex CPythonTag();

    /// <summary>
    /// The module name and tag of a file that can be a Python extension module; null for a name no import finds
    /// (libpq.so.5). An untagged name (libfoo.so) may be a plain library: only its PyInit_ export tells.
    /// </summary>
    public static (string Module, ExtensionTag Tag)? Of(string fileName)
    {
        var match = ModuleFile().Match(fileName);
        if (!match.Success) return null;
        var module = match.Groups["module"].Value;
        var tag = match.Groups["tag"].Success ? match.Groups["tag"].Value : "";
        if (match.Groups["ext"].Value == "pyd") return (module, new ExtensionTag(ExtensionKind.Foreign, tag.Length > 0 ? tag : "pyd", null, "windows"));
        if (tag.Length == 0) return (module, new ExtensionTag(ExtensionKind.Untagged, "", null, null));
        if (tag == "abi3") return (module, new ExtensionTag(ExtensionKind.StableAbi, tag, null, null));
        var cpython = CPythonTag().Match(tag);
        if (!cpython.Success) return (module, new ExtensionTag(ExtensionKind.Foreign, tag, null, null));
        var platform = cpython.Groups["platform"].Value;
        return (module, new ExtensionTag(platform.EndsWith("-linux-gnu", StringComparison.Ordinal) ? ExtensionKind.CPython : ExtensionKind.Foreign,
            tag, int.Parse(cpython.Groups["minor"].Value), platform));
    }

    /// <summary>Whether Python on this runtime and architecture looks for this file at all (its EXTENSION_SUFFIXES).</summary>
    public bool ImportableBy(LambdaPythonRuntime runtime, string architecture) => Kind switch
    {
        ExtensionKind.CPython => Text == runtime.ExtensionTag(architecture),
        ExtensionKind.StableAbi or ExtensionKind.Untagged => true,
        _ => false,
    };

    public string Describe() => Kind switch
    {
        ExtensionKind.CPython => $"CPython 3.{Minor} on {Platform}",
        ExtensionKind.StableAbi => "CPython's stable ABI (abi3)",
        ExtensionKind.Untagged => "no particular Python (untagged)",
        _ when Platform == "windows" => "Windows (.pyd)",
        _ when Text.StartsWith("cpython-", StringComparison.Ordinal) => $"CPython on {Text[(Text.IndexOf('-', 8) + 1)..]}",
        _ => $"another interpreter ({Text})",
    };
}
