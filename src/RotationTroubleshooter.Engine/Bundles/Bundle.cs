using System.IO.Compression;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Bundles;

/// <summary>A file listed by a bundle, with a safe relative path (forward slashes, no "..", not absolute).</summary>
internal sealed record BundleFile(string Path, long Length, bool IsSymlink)
{
    public string Name => Path[(Path.LastIndexOf('/') + 1)..];
    public string Directory => Path.LastIndexOf('/') is var i and >= 0 ? Path[..i] : "";
}

/// <summary>The files of a deployment bundle (zip, folder or single file), read on demand and within limits.</summary>
internal abstract class Bundle : IDisposable
{
    /// <summary>Where Lambda unpacks a function's package.</summary>
    public const string FunctionMountPoint = "/var/task";
    /// <summary>Where Lambda unpacks a function's layers.</summary>
    public const string LayerMountPoint = "/opt";

    protected Bundle(string source, ZipLimits limits)
    {
        Source = source;
        Limits = limits;
    }

    /// <summary>How the user knows this bundle (function name, layer ARN, path).</summary>
    public string Source { get; }
    /// <summary>The folder Lambda unpacks this bundle into; decides what the dynamic loader finds.</summary>
    public string MountPoint { get; init; } = FunctionMountPoint;
    public ZipLimits Limits { get; }
    /// <summary>Sum of the sizes the bundle's files declare.</summary>
    public long DeclaredTotal { get; protected set; }
    public List<BundleFile> Files { get; } = [];
    /// <summary>Things the reader skipped or refused, worth telling the user (unsafe paths, symlinks, oversized entries).</summary>
    public List<string> Notes { get; } = [];

    /// <summary>The file's bytes, or null with <paramref name="problem"/> set when it is too large or unreadable.</summary>
    public abstract byte[]? Read(BundleFile file, out string? problem);

    public virtual void Dispose() { }

    /// <summary>
    /// A function's deployment package and its layers as Lambda unpacks them (/var/task and /opt), within one budget:
    /// Lambda's 250 MB unzipped limit covers them together. The streams are read, not disposed; the caller disposes the bundles.
    /// </summary>
    /// <exception cref="BundleReadException">A zip is corrupt, or they exceed <paramref name="limits"/>.</exception>
    internal static List<Bundle> OpenFunction(Stream functionZip, string source, IReadOnlyList<(Stream Zip, string Source)> layers,
        ZipLimits limits, CancellationToken cancellationToken)
    {
        var bundles = new List<Bundle>();
        try
        {
            bundles.Add(new ZipBundle(functionZip, source, limits));
            foreach (var (zip, layerSource) in layers)
            {
                cancellationToken.ThrowIfCancellationRequested();
                bundles.Add(new ZipBundle(zip, layerSource, limits) { MountPoint = LayerMountPoint });
                var total = bundles.Sum(b => b.DeclaredTotal);
                if (total > limits.MaxTotalUncompressedBytes)
                    throw new BundleReadException(BundleErrorKind.LimitExceeded, source,
                        $"the function and its layers unzip to {total:N0} bytes, more than the {limits.MaxTotalUncompressedBytes:N0} allowed (Lambda's limit for all of them together is {ZipLimits.LambdaUnzippedLimitBytes:N0})");
            }
            return bundles;
        }
        catch
        {
            bundles.ForEach(b => b.Dispose());
            throw;
        }
    }

    /// <summary>Normalises a stored name to a relative forward-slash path; null when it is absolute or climbs out with "..".</summary>
    internal static string? SafeRelativePath(string name)
    {
        var path = name.Replace('\\', '/');
        if (path.StartsWith('/') || (path.Length >= 2 && path[1] == ':' && char.IsAsciiLetter(path[0])))
            return null;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(s => s == ".."))
            return null;
        return string.Join('/', segments.Where(s => s != "."));
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; null when the stream holds more.</summary>
    protected static byte[]? ReadBounded(Stream stream, long limit)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > limit)
                return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}

/// <summary>A zip read with System.IO.Compression; only the entries asked for are decompressed, in memory.</summary>
internal sealed class ZipBundle : Bundle
{
    private const int UnixFileTypeMask = 0xF000;
    private const int UnixSymlinkType = 0xA000;

    private readonly ZipArchive _archive;
    private readonly Dictionary<string, ZipArchiveEntry> _entries = new(StringComparer.Ordinal);

    public ZipBundle(Stream zip, string source, ZipLimits limits) : base(source, limits)
    {
        var seekable = zip.CanSeek ? zip : CopyBounded(zip, source, limits);
        try
        {
            _archive = new ZipArchive(seekable, ZipArchiveMode.Read, leaveOpen: ReferenceEquals(seekable, zip));
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentException)
        {
            throw new BundleReadException(BundleErrorKind.Corrupt, source, $"is not a readable zip file: {ex.Message}", ex);
        }

        try
        {
            ListEntries(source, limits);
        }
        catch
        {
            _archive.Dispose();
            throw;
        }
    }

    private void ListEntries(string source, ZipLimits limits)
    {
        IReadOnlyCollection<ZipArchiveEntry> entries;
        try
        {
            entries = _archive.Entries;
        }
        catch (InvalidDataException ex)
        {
            throw new BundleReadException(BundleErrorKind.Corrupt, source, $"has a corrupt zip central directory: {ex.Message}", ex);
        }
        if (entries.Count > limits.MaxEntries)
            throw new BundleReadException(BundleErrorKind.LimitExceeded, source,
                $"lists {entries.Count} entries, more than the {limits.MaxEntries} allowed");

        long declaredTotal = 0;
        var unsafePaths = new List<string>();
        foreach (var entry in entries)
        {
            if (entry.Length < 0)
                throw new BundleReadException(BundleErrorKind.Corrupt, source, $"declares a negative size for {Shorten(entry.FullName)}");
            declaredTotal += entry.Length; // cannot overflow: checked against the cap after every entry
            if (declaredTotal > limits.MaxTotalUncompressedBytes)
                throw new BundleReadException(BundleErrorKind.LimitExceeded, source,
                    $"unzips to more than the {limits.MaxTotalUncompressedBytes:N0} bytes allowed (Lambda's unzipped limit is {ZipLimits.LambdaUnzippedLimitBytes:N0})");
            if (entry.FullName.EndsWith('/') || entry.FullName.EndsWith('\\'))
                continue;
            // Entry names come from the zip: control characters in them become visible (the entry is found by this name).
            var path = UntrustedText.LineOrNull(SafeRelativePath(entry.FullName));
            if (path is null || path.Length == 0)
            {
                unsafePaths.Add(entry.FullName);
                continue;
            }
            var isSymlink = ((entry.ExternalAttributes >> 16) & UnixFileTypeMask) == UnixSymlinkType;
            if (_entries.TryAdd(path, entry))
                Files.Add(new BundleFile(path, entry.Length, isSymlink));
        }
        DeclaredTotal = declaredTotal;
        if (unsafePaths.Count > 0)
            Notes.Add($"Ignored {unsafePaths.Count} zip entr{(unsafePaths.Count == 1 ? "y" : "ies")} with an absolute or '..' path: {string.Join(", ", unsafePaths.Take(5).Select(Shorten))}");
    }

    /// <summary>Entry names come from the zip: keep hostile ones from flooding a message or driving the terminal.</summary>
    private static string Shorten(string name) => UntrustedText.Line(name.Length <= 200 ? name : name[..200] + "...");

    public override byte[]? Read(BundleFile file, out string? problem)
    {
        var entry = _entries[file.Path];
        if (entry.Length > Limits.MaxEntryUncompressedBytes)
        {
            problem = $"was not read: it unzips to {entry.Length:N0} bytes, more than the {Limits.MaxEntryUncompressedBytes:N0} allowed per entry";
            return null;
        }
        if (entry.Length >= Limits.RatioCheckMinimumBytes
            && entry.Length > Limits.MaxCompressionRatio * Math.Max(1, entry.CompressedLength))
        {
            problem = $"was not read: it expands {entry.Length / (double)Math.Max(1, entry.CompressedLength):N0}:1, beyond the {Limits.MaxCompressionRatio:N0}:1 compression ratio allowed (a zip bomb?)";
            return null;
        }
        try
        {
            using var stream = entry.Open();
            var bytes = ReadBounded(stream, entry.Length);
            problem = bytes is null ? "was not read: it holds more data than its zip entry declares (corrupt or a zip bomb)" : null;
            return bytes;
        }
        catch (Exception ex) when (ex is InvalidDataException or NotSupportedException or IOException)
        {
            problem = $"could not be unzipped: {ex.Message}";
            return null;
        }
    }

    public override void Dispose() => _archive.Dispose();

    private static MemoryStream CopyBounded(Stream zip, string source, ZipLimits limits)
    {
        var copy = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = zip.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (copy.Length + read > limits.MaxTotalUncompressedBytes)
                throw new BundleReadException(BundleErrorKind.LimitExceeded, source,
                    $"is larger than {limits.MaxTotalUncompressedBytes:N0} bytes");
            copy.Write(chunk, 0, read);
        }
        copy.Position = 0;
        return copy;
    }
}

/// <summary>A folder on disk; symbolic links are listed but never followed.</summary>
internal sealed class DirectoryBundle : Bundle
{
    private readonly string _root;

    public DirectoryBundle(string root, string source, ZipLimits limits) : base(source, limits)
    {
        _root = Path.GetFullPath(root);
        var pending = new Stack<string>();
        pending.Push(_root);
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            IEnumerable<FileSystemInfo> children;
            try
            {
                children = new DirectoryInfo(directory).EnumerateFileSystemInfos();
                foreach (var child in children)
                {
                    var relative = Path.GetRelativePath(_root, child.FullName).Replace('\\', '/');
                    if (child.LinkTarget is not null)
                        Files.Add(new BundleFile(relative, 0, IsSymlink: true));
                    else if (child is DirectoryInfo)
                        pending.Push(child.FullName);
                    else if (child is FileInfo info)
                    {
                        Files.Add(new BundleFile(relative, info.Length, IsSymlink: false));
                        DeclaredTotal += info.Length;
                    }
                    if (Files.Count > limits.MaxEntries)
                        throw new BundleReadException(BundleErrorKind.LimitExceeded, source,
                            $"holds more than {limits.MaxEntries} files");
                }
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
            {
                Notes.Add($"Could not list {Path.GetRelativePath(_root, directory)}: {ex.Message}");
            }
        }
    }

    public override byte[]? Read(BundleFile file, out string? problem) =>
        ReadFile(Path.Combine(_root, file.Path), Limits, out problem);

    internal static byte[]? ReadFile(string path, ZipLimits limits, out string? problem)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var bytes = ReadBounded(stream, limits.MaxEntryUncompressedBytes);
            problem = bytes is null ? $"was not read: it is larger than the {limits.MaxEntryUncompressedBytes:N0} bytes allowed per file" : null;
            return bytes;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            problem = $"could not be read: {ex.Message}";
            return null;
        }
    }
}

/// <summary>One shared object given directly.</summary>
internal sealed class SingleFileBundle : Bundle
{
    private readonly string _path;

    public SingleFileBundle(string path, string source, ZipLimits limits) : base(source, limits)
    {
        _path = path;
        Files.Add(new BundleFile(Path.GetFileName(path), new FileInfo(path).Length, IsSymlink: false));
        DeclaredTotal = Files[0].Length;
    }

    public override byte[]? Read(BundleFile file, out string? problem) => DirectoryBundle.ReadFile(_path, Limits, out problem);
}
