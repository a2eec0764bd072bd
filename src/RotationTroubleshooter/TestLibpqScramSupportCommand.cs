using System.Management.Automation;
using RotationTroubleshooter.Bundles;

namespace RotationTroubleshooter.Commands;

/// <summary>Test-LibpqScramSupport: can the libpq in a rotation function's bundle log in with scram-sha-256.</summary>
[Cmdlet(VerbsDiagnostic.Test, "LibpqScramSupport", DefaultParameterSetName = SecretSet)]
[OutputType(typeof(LibpqReport))]
public sealed class TestLibpqScramSupportCommand : SecretOrFunctionCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private FunctionBundleService? _service;

    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Path { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    protected override string Activity => "Inspecting deployment bundles";

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case PathSet or LiteralPathSet:
                // Local files are read one after the other on the pipeline thread: answers come in the order given.
                foreach (var path in ResolvePaths(ParameterSetName == PathSet ? Path : LiteralPath, literal: ParameterSetName == LiteralPathSet))
                {
                    WriteVerbose($"Inspecting {path}.");
                    try
                    {
                        WriteObject(FunctionBundleService.InspectPath(path, cancellation: StopToken), enumerateCollection: true);
                    }
                    catch (TroubleshooterException e)
                    {
                        WriteFailure(e, path);
                    }
                    catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
                    {
                        return;
                    }
                }
                break;
            default:
                var bySecret = ParameterSetName == SecretSet;
                foreach (var id in bySecret ? SecretId : FunctionName)
                {
                    if (!TryGetSession(id, out var session)) continue;
                    var service = _service ??= Subscribe(session.Get<FunctionBundleService>());
                    Enqueue(id, async stopToken => bySecret
                        ? await service.ForSecretAsync(id, stopToken)
                        : await service.ForFunctionAsync(id, stopToken));
                }
                break;
        }
    }

    private FunctionBundleService Subscribe(FunctionBundleService service)
    {
        service.Activity += message => Messages.Post(() => WriteVerbose(message));
        return service;
    }

    /// <summary>File-system paths, wildcards expanded; a path that matches nothing is one error, the others go on.</summary>
    private List<string> ResolvePaths(string[] paths, bool literal)
    {
        var resolved = new List<string>();
        foreach (var path in paths)
        {
            try
            {
                ProviderInfo provider;
                var found = literal
                    ? [SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _)]
                    : SessionState.Path.GetResolvedProviderPathFromPSPath(path, out provider);
                if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
                {
                    WriteFailure(new TroubleshooterException(ErrorIds.PathNotFileSystem, FailureCategory.InvalidArgument,
                        $"'{path}' is on the {provider.Name} provider; give a zip, folder or shared object on the file system."), path);
                    continue;
                }
                if (found.Count == 0)
                    WriteFailure(new TroubleshooterException(ErrorIds.PathNotFound, FailureCategory.NotFound, $"No file or folder matches '{path}'."), path);
                resolved.AddRange(found);
            }
            catch (Exception e) when (e is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException)
            {
                WriteFailure(new TroubleshooterException(ErrorIds.PathNotFound, FailureCategory.NotFound, $"{path}: {e.Message}", e), path);
            }
        }
        return resolved;
    }
}
