using System.Management.Automation;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Bundles;

namespace RotationTroubleshooter.Commands;

/// <summary>Test-LibpqScramSupport: can the libpq in a rotation function's bundle log in with scram-sha-256.</summary>
[Cmdlet(VerbsDiagnostic.Test, "LibpqScramSupport", DefaultParameterSetName = SecretSet)]
[OutputType(typeof(LibpqReport))]
public sealed class TestLibpqScramSupportCommand : SecretFunctionOrFileCmdlet
{
    private const string LiteralPathSet = "LiteralPath";
    private readonly HashSet<FunctionBundleService> _subscribed = [];

    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Path { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    protected override string Activity => "Inspecting deployment bundles";

    protected override void ProcessRecord()
    {
        if (ParameterSetName is PathSet or LiteralPathSet)
        {
            foreach (var path in ResolvePaths(ParameterSetName == PathSet ? Path : LiteralPath, literal: ParameterSetName == LiteralPathSet))
                Inspect(path);
            return;
        }
        base.ProcessRecord();
    }

    protected override void ProcessFile(string path)
    {
        foreach (var resolved in ResolvePaths([path], literal: true)) Inspect(resolved);
    }

    /// <summary>A local bundle, read without AWS; several at once, answered in the order given.</summary>
    private void Inspect(string path) => Enqueue(path, stop =>
    {
        Messages.Post(() => WriteVerbose($"Inspecting {path}."));
        return Task.FromResult<IEnumerable<object>>(FunctionBundleService.InspectPath(path, cancellation: stop));
    });

    protected override async Task<IEnumerable<object>> ForSecretAsync(AwsSession session, string secretId, CancellationToken stop) =>
        await Bundles(session).ForSecretAsync(secretId, stop);

    protected override async Task<IEnumerable<object>> ForFunctionAsync(AwsSession session, string functionId, CancellationToken stop) =>
        await Bundles(session).ForFunctionAsync(functionId, stop);

    private FunctionBundleService Bundles(AwsSession session)
    {
        var service = session.Get<FunctionBundleService>();
        lock (_subscribed)
        {
            if (_subscribed.Add(service)) service.Activity += message => Messages.Post(() => WriteVerbose(message));
        }
        return service;
    }

    /// <summary>File-system paths, wildcards expanded; a path that matches nothing is one error (in its place), the others go on.</summary>
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
                    EnqueueFailure(path, new TroubleshooterException(ErrorIds.PathNotFileSystem, FailureCategory.InvalidArgument,
                        $"'{path}' is on the {provider.Name} provider; give a zip, folder or shared object on the file system."));
                    continue;
                }
                if (found.Count == 0)
                    EnqueueFailure(path, new TroubleshooterException(ErrorIds.PathNotFound, FailureCategory.NotFound, $"No file or folder matches '{path}'."));
                resolved.AddRange(found);
            }
            catch (Exception e) when (e is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException)
            {
                EnqueueFailure(path, new TroubleshooterException(ErrorIds.PathNotFound, FailureCategory.NotFound, $"{path}: {e.Message}", e));
            }
        }
        return resolved;
    }
}
