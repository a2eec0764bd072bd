using RotationTroubleshooter.Text;
namespace RotationTroubleshooter;

/// <summary>The PostgreSQL client a Lambda bundle uses.</summary>
public enum PostgresDriver : long // long: ConvertTo-Json writes it by name (see FindingSeverity)
{
    /// <summary>The bundle carries no PostgreSQL client at all.</summary>
    None,
    /// <summary>A libpq or native module was found, but not which Python driver uses it.</summary>
    Unknown,
    PyGreSQL,
    Psycopg2,
    Pg8000,
    Asyncpg,
}

/// <summary>
/// What one PostgreSQL client library in a deployment bundle can do: one per libpq (or native module carrying
/// libpq, or pure-Python driver) found. Output of Test-LibpqScramSupport. Text cleaned as given (OutputText).
/// </summary>
public sealed class LibpqReport
{
    internal LibpqReport(string source, string? path, string? runPath, int? libpqMajorVersion,
        bool? supportsScramSha256, PostgresDriver driver, IReadOnlyList<string> evidence)
    {
        Source = OutputText.Of(source);
        Path = OutputText.OfOrNull(path);
        RunPath = OutputText.OfOrNull(runPath);
        LibpqMajorVersion = libpqMajorVersion;
        SupportsScramSha256 = supportsScramSha256;
        Driver = driver;
        Evidence = Readable.Lines(OutputText.Lines(evidence));
    }

    /// <summary>Where the bundle came from, as the caller named it (function name, layer ARN, zip path).</summary>
    public string Source { get; }

    /// <summary>Path of the library inside the bundle (forward slashes); null when the bundle has no client.</summary>
    public string? Path { get; }

    /// <summary>The library's DT_RUNPATH, or its DT_RPATH when it has no RUNPATH (what AWS's readelf test reads).</summary>
    public string? RunPath { get; }

    /// <summary>libpq major version; a lower bound when only the exported symbols tell it (Evidence says so).</summary>
    public int? LibpqMajorVersion { get; }

    /// <summary>True or false when the evidence agrees; null when it is missing or contradicts itself.</summary>
    public bool? SupportsScramSha256 { get; }

    public PostgresDriver Driver { get; }

    /// <summary>The function whose bundle this is; null for files given with -Path.</summary>
    public string? FunctionArn { get; private init => field = OutputText.OfOrNull(value); }

    /// <summary>The secret the answer was asked for, when the input was a secret.</summary>
    public string? SecretArn { get; private init => field = OutputText.OfOrNull(value); }

    /// <summary>One line per fact the verdict rests on.</summary>
    public IReadOnlyList<string> Evidence { get; }

    internal LibpqReport For(string? functionArn, string? secretArn) =>
        new(Source, Path, RunPath, LibpqMajorVersion, SupportsScramSha256, Driver, Evidence) { FunctionArn = functionArn, SecretArn = secretArn };

    public override string ToString() =>
        $"{Source}:{Path} libpq {LibpqMajorVersion?.ToString() ?? "?"} SCRAM {SupportsScramSha256?.ToString() ?? "unknown"} ({Driver})";
}
