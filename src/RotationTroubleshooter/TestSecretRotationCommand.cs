using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using RotationTroubleshooter.Diagnosis;
using RotationTroubleshooter.Database;

namespace RotationTroubleshooter.Commands;

/// <summary>Test-SecretRotation: one diagnosis per secret, with findings that name the problem and the fix.</summary>
[Cmdlet(VerbsDiagnostic.Test, "SecretRotation", DefaultParameterSetName = ListSet)]
[OutputType(typeof(RotationDiagnosis))]
public sealed class TestSecretRotationCommand : ConcurrentAwsCmdlet
{
    private const string SecretSet = "SecretId";
    private const string ListSet = "List";
    private DiagnosisOptions? _options;

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = SecretSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("ARN")]
    [ValidateNotNullOrEmpty]
    public string[] SecretId { get; set; } = [];

    /// <summary>Without input: every secret, not only those with rotation configured.</summary>
    [Parameter(ParameterSetName = ListSet)]
    public SwitchParameter All { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(CheckIdCompleter))]
    public string[]? Check { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(CheckIdCompleter))]
    public string[]? ExcludeCheck { get; set; }

    [Parameter]
    public SwitchParameter SkipSecretValue { get; set; }

    [Parameter]
    public SwitchParameter IncludeDatabaseLogin { get; set; }

    /// <summary>With -IncludeDatabaseLogin: a PEM bundle of CAs to trust (e.g. the RDS bundle) instead of this machine's store.</summary>
    [Parameter]
    public string? CaCertificatePath { get; set; }

    protected override string Activity => "Diagnosing secret rotation";

    protected override void BeginProcessing()
    {
        CheckSelection selection;
        try
        {
            selection = CheckCatalogue.Select(Check, ExcludeCheck);
        }
        catch (TroubleshooterException e)
        {
            ThrowTerminatingError(ToErrorRecord(e, (Check ?? []).Concat(ExcludeCheck ?? []).ToArray()));
            return;
        }
        _options = new DiagnosisOptions
        {
            Selection = selection,
            SkipSecretValue = SkipSecretValue,
            IncludeDatabaseLogin = IncludeDatabaseLogin,
            DatabaseProbe = new DatabaseProbeOptions
            {
                TrustedCaCertificatePath = CaCertificatePath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(CaCertificatePath),
            },
        };
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ListSet)
        {
            DiagnoseListedSecrets();
            return;
        }
        foreach (var id in SecretId)
        {
            if (!TryGetSession(id, out var session)) continue;
            var diagnostician = session.Get<RotationDiagnostician>();
            Enqueue(id, async stop => [await diagnostician.DiagnoseAsync(id, _options!, stop)]);
        }
    }

    private void DiagnoseListedSecrets()
    {
        if (!TryGetSession("ListSecrets", out var session)) return;
        var diagnostician = session.Get<RotationDiagnostician>();
        WriteVerbose(All ? "Listing every secret." : "Listing the secrets that rotate, by a function or by their owning service (-All for every secret).");
        var listing = session.SecretsManager.ListSecretsAsync(StopToken).GetAsyncEnumerator(StopToken);
        try
        {
            // Diagnoses start while later pages are listed; results arriving meanwhile are written.
            while (WaitWritingResults(listing.MoveNextAsync()))
            {
                var secret = listing.Current;
                if (!All && !DiagnosisContext.HasRotationConfigured(secret)) continue;
                Enqueue(secret.ARN ?? secret.Name ?? "", async stop => [await diagnostician.DiagnoseAsync(secret, _options!, stop)]);
            }
            TotalKnown();
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteFailure(e, "ListSecrets");
        }
        finally
        {
            listing.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Tab completion for -Check and -ExcludeCheck: every check and finding id, with its one-line description.</summary>
    public sealed class CheckIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) =>
            CheckCatalogue.SelectableIds
                .Where(c => c.Id.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
                .Select(c => new CompletionResult(c.Id, c.Id, CompletionResultType.ParameterValue, c.Description));
    }
}
