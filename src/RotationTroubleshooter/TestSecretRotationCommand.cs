using System.Collections;
using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Language;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Diagnosis;
using RotationTroubleshooter.Database;
using RotationTroubleshooter.Fleet;

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
        if (ParameterSetName == ListSet && Shards() is { } shards)
            DiagnoseFleet(shards);
        else if (ParameterSetName == ListSet)
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

    private int _fleetListed;
    private int _fleetDiagnosed;
    private SemaphoreSlim? _fleetSlots;

    /// <summary>
    /// Every shard's listed secrets, shards side by side (each within -ThrottleLimit, all within the fleet's bound), the
    /// results grouped by shard in the plan's order (account, then region) and in listing order within each; a shard
    /// that fails is one error naming its account and region, and the others go on.
    /// </summary>
    private void DiagnoseFleet(IReadOnlyList<FleetShard> shards)
    {
        _fleetSlots = new SemaphoreSlim(FleetThrottleLimit);
        var inShards = Use(new ConcurrentItems(Math.Max(1, Math.Min(shards.Count, FleetThrottleLimit / ThrottleLimit)),
            "Diagnosing secret rotation: shards (account/region)", Output, Messages, StopToken));
        Output.Verbose(All ? "Listing every secret in each shard." : "Listing the secrets that rotate in each shard (-All for every secret).");
        foreach (var shard in shards)
        {
            var session = SessionFor(null, shard);
            session.Get<SecretValueClient>().BatchRefused += reason => Messages.Post(() => Output.Verbose($"{shard}: {reason}"));
            inShards.Enqueue(shard, stop => DiagnoseShardAsync(shard, session, stop));
        }
        inShards.TotalKnown();
    }

    private async Task<IEnumerable<object>> DiagnoseShardAsync(FleetShard shard, AwsSession session, CancellationToken stop)
    {
        await OpenAsync(shard, stop).ConfigureAwait(false);
        var diagnostician = session.Get<RotationDiagnostician>();
        var readAhead = new DiagnosisReadAhead(session, _options!);
        var diagnoses = new List<Task<RotationDiagnosis?>>();
        Exception? listingFailed = null;
        var listing = session.SecretsManager.ListSecretsAsync(stop).GetAsyncEnumerator(stop);
        try
        {
            while (true)
            {
                var next = listing.MoveNextAsync();
                if (!next.IsCompleted) readAhead.Flush(stop);
                if (!await next.ConfigureAwait(false)) break;
                var secret = listing.Current;
                if (!All && !DiagnosisContext.HasRotationConfigured(secret)) continue;
                Interlocked.Increment(ref _fleetListed);
                diagnoses.Add(DiagnoseInShardAsync(shard, secret, diagnostician, readAhead.ReadAheadAsync(secret, stop), stop));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            listingFailed = e;
        }
        finally
        {
            readAhead.Flush(stop);
            await listing.DisposeAsync().ConfigureAwait(false);
        }
        // A shard AWS refused from its first page (a region not enabled, an SCP's denial) is one error; one that failed
        // later says so after the diagnoses it made.
        if (listingFailed is not null && diagnoses.Count == 0) throw shard.Failed(listingFailed);
        var results = (await Task.WhenAll(diagnoses).ConfigureAwait(false)).OfType<object>().ToList();
        if (listingFailed is not null) Messages.Post(() => WriteFailure(shard.Failed(listingFailed), shard));
        return results;
    }

    private async Task<RotationDiagnosis?> DiagnoseInShardAsync(FleetShard shard, SecretDescription secret, RotationDiagnostician diagnostician,
        Task ready, CancellationToken stop)
    {
        var id = secret.ARN ?? secret.Name ?? "";
        try
        {
            await ready.ContinueWith(_ => { }, stop, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
            await _fleetSlots!.WaitAsync(stop).ConfigureAwait(false);
            try
            {
                return await InShardAsync(shard, () => DiagnoseAsync(secret.Name ?? id, options => diagnostician.DiagnoseAsync(secret, options, stop)), stop)
                    .ConfigureAwait(false);
            }
            finally
            {
                _fleetSlots.Release();
            }
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            Messages.Post(() => WriteFailure(e, id));
            return null;
        }
        finally
        {
            Interlocked.Increment(ref _fleetDiagnosed);
            Messages.PostNow(ReportSecretsProgress);
        }
    }

    private void ReportSecretsProgress() =>
        Output.Progress(new ProgressRecord(2, "Diagnosing secrets", $"{Volatile.Read(ref _fleetDiagnosed)} of {Volatile.Read(ref _fleetListed)} listed so far")
        {
            ParentActivityId = 1,
        });

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
