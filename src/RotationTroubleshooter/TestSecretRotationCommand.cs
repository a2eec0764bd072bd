using System.Collections;
using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Language;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Diagnosis;
using RotationTroubleshooter.Database;

namespace RotationTroubleshooter.Commands;

/// <summary>Test-SecretRotation: one diagnosis per secret, with findings that name the problem and the fix.</summary>
[Cmdlet(VerbsDiagnostic.Test, "SecretRotation", DefaultParameterSetName = ListSet)]
[OutputType(typeof(RotationDiagnosis))]
public sealed class TestSecretRotationCommand : SecretCmdlet
{
    private const string ListSet = "List";
    private DiagnosisOptions? _options;

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

    /// <summary>Never ask the database anything when the logs show a failed login (not even without credentials).</summary>
    [Parameter]
    public SwitchParameter SkipDatabaseProbe { get; set; }

    /// <summary>With -IncludeDatabaseLogin: a PEM bundle of CAs to trust (e.g. the RDS bundle) instead of this machine's store.</summary>
    [Parameter]
    public string? CaCertificatePath { get; set; }

    /// <summary>With -IncludeDatabaseLogin: also log in without verified TLS where the template would, answering only scram-sha-256 there.</summary>
    [Parameter]
    public SwitchParameter AllowPlaintextLogin { get; set; }

    protected override string Activity => "Diagnosing secret rotation";

    protected override void OnBeginProcessing()
    {
        CheckSelection selection;
        try
        {
            selection = CheckCatalogue.Select(Check, ExcludeCheck);
        }
        catch (TroubleshooterException e)
        {
            Output.Stop(e, (Check ?? []).Concat(ExcludeCheck ?? []).ToArray());
            return;
        }
        _options = new DiagnosisOptions
        {
            Selection = selection,
            SkipSecretValue = SkipSecretValue,
            IncludeDatabaseLogin = IncludeDatabaseLogin,
            SkipDatabaseProbe = SkipDatabaseProbe,
            DatabaseProbe = new DatabaseProbeOptions
            {
                TrustedCaCertificatePath = CaCertificatePath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(CaCertificatePath),
                AllowPlaintextLogin = AllowPlaintextLogin,
            },
        };
    }

    protected override void OnProcessRecord()
    {
        if (ParameterSetName == ListSet)
            DiagnoseListedSecrets();
        else
            AnswerEach(ForSecretAsync);
    }

    private async Task<IEnumerable<object>> ForSecretAsync(AwsSession session, string secretId, CancellationToken stop) =>
        [await DiagnoseAsync(AwsArn.SecretNameOf(secretId) ?? secretId, options => session.Get<RotationDiagnostician>().DiagnoseAsync(secretId, options, stop))];

    protected override string FunctionInstead(string functionId) =>
        $"To diagnose the secrets it rotates: Test-SecretRotation | Where-Object RotationFunctionArn -like '*:function:{FunctionNameOf(functionId)}'.";

    private void DiagnoseListedSecrets()
    {
        var session = SessionFor(null);
        var diagnostician = session.Get<RotationDiagnostician>();
        var readAhead = new DiagnosisReadAhead(session, _options!);
        session.Get<SecretValueClient>().BatchRefused += reason => Messages.Post(() => Output.Verbose(reason));
        Output.Verbose(All ? "Listing every secret." : "Listing the secrets that rotate, by a function or by their owning service (-All for every secret).");
        var listing = session.SecretsManager.ListSecretsAsync(StopToken).GetAsyncEnumerator(StopToken);
        try
        {
            // Diagnoses start while later pages are listed, each once what it shares with others has been read ahead;
            // results arriving meanwhile are written, in listing order.
            while (Items.WaitWritingResults(NextListed(listing, readAhead)))
            {
                var secret = listing.Current;
                if (!All && !DiagnosisContext.HasRotationConfigured(secret)) continue;
                var id = secret.ARN ?? secret.Name ?? "";
                Items.Enqueue(id, async stop => [await DiagnoseAsync(secret.Name ?? id, options => diagnostician.DiagnoseAsync(secret, options, stop))],
                    readAhead.ReadAheadAsync(secret, StopToken));
            }
            Items.TotalKnown();
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteFailure(e, "ListSecrets");
        }
        finally
        {
            readAhead.Flush(StopToken);
            listing.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>The next listed secret; the values read ahead so far are sent while the next page is awaited.</summary>
    private ValueTask<bool> NextListed(IAsyncEnumerator<SecretDescription> listing, DiagnosisReadAhead readAhead)
    {
        var next = listing.MoveNextAsync();
        if (!next.IsCompleted) readAhead.Flush(StopToken);
        return next;
    }

    /// <summary>One diagnosis, with -Verbose lines in its place: each check as it ran and what it found, then the verdict.</summary>
    private async Task<RotationDiagnosis> DiagnoseAsync(string label, Func<DiagnosisOptions, Task<RotationDiagnosis>> diagnose)
    {
        if (!VerboseShown) return await diagnose(_options!);
        var started = Stopwatch.StartNew();
        var options = _options! with
        {
            CheckRan = (check, took, found) => Messages.Post(() => Output.Verbose(
                $"{label}: {check.Id} checked {check.Description} ({took.TotalMilliseconds:0} ms): " +
                (found.Count == 0 ? "nothing found." : string.Join("; ", found.Select(f => $"{f.Severity} {f.CheckId}: {f.Message}"))))),
        };
        var diagnosis = await diagnose(options);
        Messages.Post(() => Output.Verbose($"{diagnosis.Name}: {diagnosis.Status}, {diagnosis.ErrorCount} error(s) and " +
                                         $"{diagnosis.WarningCount} warning(s), in {started.ElapsedMilliseconds} ms."));
        return diagnosis;
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
