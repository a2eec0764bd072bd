using System.Management.Automation;
using System.Management.Automation.Runspaces;
using RotationTroubleshooter.Commands;

namespace RotationTroubleshooter.Tests.Commands;

/// <summary>
/// The cmdlets that read local files resolve them one way (PathResolver): a path that names nothing is PathNotFound
/// (ObjectNotFound) and a path on another provider PathNotFileSystem (InvalidArgument), whichever cmdlet reads it; the
/// other paths of the same call are still read. Get-RotationFunctionLog said LogFileNotFound before, Test-LibpqScramSupport
/// PathNotFound.
/// </summary>
public sealed class PathResolverTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("rt-paths-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string> FileCmdlets() => new("Get-RotationFunctionLog", "Test-LibpqScramSupport");

    [Theory]
    [MemberData(nameof(FileCmdlets))]
    public void A_path_that_names_nothing_or_is_not_on_the_file_system_fails_with_the_same_id_in_every_cmdlet(string cmdlet)
    {
        var missing = Path.Combine(_folder, "missing.json");
        var noMatch = Path.Combine(_folder, "*.nothing");
        string[] paths = [missing, noMatch, "Env:PATH", "NoSuchDrive:/x"];

        var errors = Run(cmdlet, "Path", paths);

        Assert.Equal([
            $"PathNotFound ObjectNotFound {missing}",
            $"PathNotFound ObjectNotFound {noMatch}",
            "PathNotFileSystem InvalidArgument Env:PATH",
            "PathNotFound ObjectNotFound NoSuchDrive:/x",
        ], errors);
    }

    [Fact]
    public void A_literal_path_is_not_a_pattern_and_must_exist()
    {
        var bracketed = Path.Combine(_folder, "libpq[1].so");
        File.WriteAllText(bracketed, "not a shared object");
        var missing = Path.Combine(_folder, "libpq[2].so");

        var errors = Run("Test-LibpqScramSupport", "LiteralPath", [bracketed, missing], out var reports);

        Assert.Equal([bracketed], reports.Select(r => ((LibpqReport)r.BaseObject).Source));
        Assert.Equal([$"PathNotFound ObjectNotFound {missing}"], errors);
    }

    private static List<string> Run(string cmdlet, string parameter, string[] paths) => Run(cmdlet, parameter, paths, out _);

    /// <summary>The cmdlet, hosted with no AWS configured (files need none); its errors as "id category target".</summary>
    private static List<string> Run(string cmdlet, string parameter, string[] paths, out IReadOnlyList<PSObject> output)
    {
        var iss = InitialSessionState.CreateDefault2();
        iss.Commands.Add(new SessionStateCmdletEntry("Get-RotationFunctionLog", typeof(GetRotationFunctionLogCommand), null));
        iss.Commands.Add(new SessionStateCmdletEntry("Test-LibpqScramSupport", typeof(TestLibpqScramSupportCommand), null));
        using var ps = PowerShell.Create(iss);
        ps.AddCommand(cmdlet).AddParameter(parameter, paths).AddParameter("ErrorAction", ActionPreference.Continue);
        output = ps.Invoke();
        return [.. ps.Streams.Error.Select(e => $"{e.FullyQualifiedErrorId.Split(',')[0]} {e.CategoryInfo.Category} {e.TargetObject}")];
    }
}
