namespace RotationTroubleshooter.Bundles;

/// <summary>Why a whole bundle could not be inspected; maps to a PowerShell ErrorCategory.</summary>
public enum BundleErrorKind
{
    /// <summary>Not a readable zip (corrupt, truncated, unsupported compression): InvalidData.</summary>
    Corrupt,
    /// <summary>A cap was exceeded (size, entry count, compression ratio of a zip bomb): LimitsExceeded.</summary>
    LimitExceeded,
    /// <summary>The path does not exist: ObjectNotFound.</summary>
    NotFound,
}

/// <summary>A bundle that cannot be inspected at all. Problems with single files are reported in the results instead.</summary>
public sealed class BundleReadException : TroubleshooterException
{
    public BundleReadException(BundleErrorKind kind, string source, string message, Exception? inner = null)
        : base(kind switch
            {
                BundleErrorKind.Corrupt => ErrorIds.BundleCorrupt,
                BundleErrorKind.LimitExceeded => ErrorIds.BundleTooLarge,
                _ => ErrorIds.PathNotFound,
            },
            kind switch
            {
                BundleErrorKind.Corrupt => FailureCategory.InvalidData,
                BundleErrorKind.LimitExceeded => FailureCategory.LimitsExceeded,
                _ => FailureCategory.NotFound,
            },
            $"{source}: {message}", inner)
    {
        Kind = kind;
        BundleSource = source;
    }

    public BundleErrorKind Kind { get; }

    /// <summary>The bundle's name as the caller gave it.</summary>
    public string BundleSource { get; }
}
