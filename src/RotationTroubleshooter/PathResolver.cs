using System.Management.Automation;
using Microsoft.PowerShell.Commands;

namespace RotationTroubleshooter.Commands;

/// <summary>
/// The file-system paths a -Path (wildcards expanded) or -LiteralPath argument, or a piped file, names. The cmdlets that
/// read local files share it, so a path that names nothing fails the same way everywhere: PathNotFound (ObjectNotFound)
/// for a path, drive or provider that does not exist or a pattern that matches nothing, PathNotFileSystem
/// (InvalidArgument) for a path on another provider (docs/reference/powershell-output.md, "Paths").
/// </summary>
public sealed class PathResolver(PathIntrinsics paths)
{
    /// <summary>Every file or folder the path names, in the provider's order.</summary>
    /// <exception cref="TroubleshooterException">PathNotFound or PathNotFileSystem.</exception>
    public IReadOnlyList<string> Resolve(string path, bool literal)
    {
        ProviderInfo provider;
        List<string> found;
        try
        {
            found = literal
                ? [paths.GetUnresolvedProviderPathFromPSPath(path, out provider, out _)]
                : [.. paths.GetResolvedProviderPathFromPSPath(path, out provider)];
        }
        catch (Exception e) when (e is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException or PSArgumentException)
        {
            throw new TroubleshooterException(ErrorIds.PathNotFound, FailureCategory.NotFound, $"{path}: {e.Message}", e);
        }
        if (provider.ImplementingType != typeof(FileSystemProvider))
            throw new TroubleshooterException(ErrorIds.PathNotFileSystem, FailureCategory.InvalidArgument,
                $"'{path}' is on the {provider.Name} provider; give a path on the file system.");
        if (literal && !File.Exists(found[0]) && !Directory.Exists(found[0]))
            throw new TroubleshooterException(ErrorIds.PathNotFound, FailureCategory.NotFound, $"No file or folder is at '{path}'.");
        if (found.Count == 0)
            throw new TroubleshooterException(ErrorIds.PathNotFound, FailureCategory.NotFound, $"No file or folder matches '{path}'.");
        return found;
    }

    /// <summary>
    /// The one file a command writes, as Out-File and Export-Csv resolve theirs: a literal path as given; a path with
    /// wildcards that names one existing file, that file; else the path as given.
    /// </summary>
    /// <exception cref="TroubleshooterException">PathNotFound, PathNotFileSystem, PathNamesManyFiles or NotAFile.</exception>
    public string ResolveFileToWrite(string path, bool literal)
    {
        ProviderInfo provider;
        string file;
        try
        {
            file = paths.GetUnresolvedProviderPathFromPSPath(path, out provider, out _);
        }
        catch (Exception e) when (e is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException or PSArgumentException or NotSupportedException)
        {
            throw new TroubleshooterException(ErrorIds.PathNotFound, FailureCategory.NotFound, $"{path}: {e.Message}", e);
        }
        if (provider.ImplementingType != typeof(FileSystemProvider))
            throw new TroubleshooterException(ErrorIds.PathNotFileSystem, FailureCategory.InvalidArgument,
                $"'{path}' is on the {provider.Name} provider; give a path on the file system.");
        if (!literal && WildcardPattern.ContainsWildcardCharacters(path))
        {
            var matches = Matching(path);
            if (matches.Count > 1)
                throw new TroubleshooterException(ErrorIds.PathNamesManyFiles, FailureCategory.InvalidArgument,
                    $"'{path}' names {matches.Count} files; give one -Path, or -LiteralPath for a name with wildcard characters.");
            if (matches.Count == 1) file = matches[0];
        }
        if (Directory.Exists(file))
            throw new TroubleshooterException(ErrorIds.NotAFile, FailureCategory.InvalidArgument,
                $"'{file}' is a folder; give a file's name in it, e.g. {Path.Combine(path, "rotation-report.html")}.");
        return file;
    }

    private List<string> Matching(string pattern)
    {
        try
        {
            return [.. paths.GetResolvedProviderPathFromPSPath(pattern, out _)];
        }
        catch (ItemNotFoundException)
        {
            return [];
        }
    }
}
