using System.Management.Automation;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Bundles;

namespace RotationTroubleshooter.Commands;

/// <summary>Test-LibpqScramSupport: can the libpq in a rotation function's bundle log in with scram-sha-256.</summary>
[Cmdlet(VerbsDiagnostic.Test, "LibpqScramSupport", DefaultParameterSetName = SecretSet)]
[OutputType(typeof(LibpqReport))]
public sealed class TestLibpqScramSupportCommand : SecretOrFunctionCmdlet
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

    protected override bool ReadsFiles => true;

    protected override void OnProcessRecord()
    {
        if (ParameterSetName is PathSet or LiteralPathSet)
        {
            var literal = ParameterSetName == LiteralPathSet;
            foreach (var path in literal ? LiteralPath : Path) InspectFiles(path, literal);
            return;
        }
        AnswerEach(ForSecretAsync, ForFunctionAsync, path => InspectFiles(path, literal: true));
    }

    /// <summary>Local bundles, read without AWS; several at once, answered in the order given (a path that names nothing is an error in its place).</summary>
    private void InspectFiles(string path, bool literal)
    {
        IReadOnlyList<string> files;
        try
        {
            files = new PathResolver(SessionState.Path).Resolve(path, literal);
        }
        catch (TroubleshooterException e)
        {
            Items.EnqueueFailure(path, e);
            return;
        }
        foreach (var file in files)
            Items.Enqueue(file, stop =>
            {
                Messages.Post(() => Output.Verbose($"Inspecting {file}."));
                return Task.FromResult<IEnumerable<object>>(FunctionBundleService.InspectPath(file, cancellation: stop));
            });
    }

    private async Task<IEnumerable<object>> ForSecretAsync(AwsSession session, string secretId, CancellationToken stop) =>
        await Bundles(session).ForSecretAsync(secretId, stop);

    private async Task<IEnumerable<object>> ForFunctionAsync(AwsSession session, string functionId, CancellationToken stop) =>
        await Bundles(session).ForFunctionAsync(functionId, stop);

    private FunctionBundleService Bundles(AwsSession session)
    {
        var service = session.Get<FunctionBundleService>();
        lock (_subscribed)
        {
            if (_subscribed.Add(service)) service.Activity += message => Messages.Post(() => Output.Verbose(message));
        }
        return service;
    }
}
