namespace RotationTroubleshooter.Bundles;

/// <summary>Caps applied while reading a deployment bundle, so a hostile or broken zip cannot exhaust memory.</summary>
public sealed class ZipLimits
{
    /// <summary>Lambda's limit for a function's unzipped deployment package (250 MB, in bytes).</summary>
    public const long LambdaUnzippedLimitBytes = 262_144_000;

    public static ZipLimits Default { get; } = new();

    /// <summary>Most entries the central directory may list.</summary>
    public int MaxEntries { get; init; } = 50_000;

    /// <summary>Most bytes all entries may declare together when unzipped.</summary>
    public long MaxTotalUncompressedBytes { get; init; } = LambdaUnzippedLimitBytes;

    /// <summary>Most bytes one entry may declare, and the most read into memory from it.</summary>
    public long MaxEntryUncompressedBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>Highest uncompressed/compressed ratio tolerated for an entry larger than <see cref="RatioCheckMinimumBytes"/>.</summary>
    public double MaxCompressionRatio { get; init; } = 100;

    /// <summary>Entries smaller than this are not ratio-checked: small text files compress very well legitimately.</summary>
    public long RatioCheckMinimumBytes { get; init; } = 1024 * 1024;

    /// <summary>Most candidate files (shared objects, driver markers) read from one bundle.</summary>
    public int MaxCandidateFiles { get; init; } = 256;
}
