using System.Management.Automation;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Commands;

/// <summary>
/// Base of every cmdlet: AWS.Tools' credential, region and endpoint parameters, one AWS session per region per
/// invocation (so shared things are fetched once; an ARN's region wins for its item), the run's secret mask, cancellation
/// on Ctrl+C, and failures as non-terminating errors. Credentials and region are resolved once, before any item: without
/// them the command stops with one error.
/// </summary>
/// <remarks>
/// Everything the cmdlet does runs with the run's <see cref="SecretMask"/> current (<see cref="SecretMask.Use"/>), so
/// the output types it and the engine build mask the secret values the run read, and the sessions share that mask.
/// That is why PowerShell's Begin/Process/End methods are sealed here: cmdlets override
/// <see cref="OnBeginProcessing"/>, <see cref="OnProcessRecord"/> and <see cref="OnEndProcessing"/>. What a cmdlet
/// composes (<see cref="ConcurrentItems"/>, <see cref="OneAtATime"/>) is ended and stopped with it (<see cref="Use{T}"/>).
/// </remarks>
public abstract class AwsCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly SecretMask _mask = new();
    private readonly Dictionary<string, AwsSession> _sessions = new(StringComparer.Ordinal);
    private readonly List<IRunPart> _parts = [];
    private AwsSession? _session; // the run's first session; the others are InRegion of it
    private AwsConnection? _connection;

    protected AwsCmdlet() => Output = new CmdletOutput(this, _mask);

    // Virtual so that a cmdlet with offline parameter sets (-Path) can leave these out of them (an override's attributes
    // replace these: docs/reference/powershell-output.md).
    [Parameter]
    [Alias("StoredCredentials", "AWSProfileName")]
    public virtual string? ProfileName { get; set; }

    [Parameter]
    [Alias("AWSProfilesLocation", "ProfilesLocation")]
    public virtual string? ProfileLocation { get; set; }

    [Parameter]
    [Alias("RegionToCall")]
    public virtual string? Region { get; set; }

    [Parameter]
    [Alias("AK")]
    public virtual string? AccessKey { get; set; }

    [Parameter]
    [Alias("SK", "SecretAccessKey")]
    public virtual string? SecretKey { get; set; }

    [Parameter]
    [Alias("ST")]
    public virtual string? SessionToken { get; set; }

    /// <summary>An AWSCredentials object from AWS.Tools (any SDK version); read by shape. Nothing else binds.</summary>
    [Parameter]
    [AwsCredentialsOnly]
    public virtual PSObject? Credential { get; set; }

    [Parameter]
    public virtual string? EndpointUrl { get; set; }

    /// <summary>Every write to PowerShell goes through this: it masks and cleans the text of messages and errors.</summary>
    protected CmdletOutput Output { get; }

    /// <summary>Messages from worker threads, written on the pipeline thread.</summary>
    protected PipelineMessages Messages { get; } = new();

    protected CancellationToken StopToken => _stopping.Token;

    /// <summary>True while the parameter set may need no AWS at all (local files): credentials are then resolved on first use.</summary>
    protected virtual bool MayWorkOffline => false;

    /// <summary>
    /// Whether verbose lines are shown (-Verbose, else $VerbosePreference), read once on the pipeline thread: a line
    /// nobody sees is not built or queued (a fleet's diagnoses would make twenty each).
    /// </summary>
    protected bool VerboseShown => Output.VerboseShown;

    protected sealed override void BeginProcessing()
    {
        using var run = _mask.Use();
        Output.VerboseShown = MyInvocation.BoundParameters.TryGetValue("Verbose", out var verbose)
            ? ((SwitchParameter)verbose).IsPresent
            : GetVariableValue("VerbosePreference") is ActionPreference preference and not (ActionPreference.SilentlyContinue or ActionPreference.Ignore);
        if (!MayWorkOffline) Connect();
        OnBeginProcessing();
    }

    protected sealed override void ProcessRecord()
    {
        using var run = _mask.Use();
        OnProcessRecord();
    }

    protected sealed override void EndProcessing()
    {
        using var run = _mask.Use();
        foreach (var part in Parts()) part.End();
        Messages.Drain(); // what was posted outside any part (an engine event's verbose line)
        OnEndProcessing();
    }

    protected sealed override void StopProcessing()
    {
        _stopping.Cancel();
        foreach (var part in Parts()) part.Stop();
    }

    /// <summary>BeginProcessing, with the run's mask in use.</summary>
    protected virtual void OnBeginProcessing()
    {
    }

    /// <summary>ProcessRecord, with the run's mask in use.</summary>
    protected virtual void OnProcessRecord()
    {
    }

    /// <summary>EndProcessing, with the run's mask in use, after the parts have ended (their last answers are written).</summary>
    protected virtual void OnEndProcessing()
    {
    }

    /// <summary>A part the cmdlet composes, ended and stopped with it.</summary>
    protected T Use<T>(T part) where T : IRunPart
    {
        lock (_parts) _parts.Add(part);
        return part;
    }

    private IRunPart[] Parts()
    {
        lock (_parts) return [.. _parts];
    }

    /// <summary>
    /// The session for an item: in the region its ARN names, else the run's region. Sessions share the run's
    /// credentials and secret mask; each region's is made once.
    /// </summary>
    protected AwsSession SessionFor(string? id)
    {
        var connection = Connect();
        var region = id is null ? null : AwsArn.RegionOf(id.Trim()) is { Length: > 0 } r ? r : null;
        var key = region ?? connection.RegionName;
        if (_sessions.TryGetValue(key, out var session)) return session;
        AwsConnection regional;
        try
        {
            regional = region is null ? connection : connection.ForRegion(region, $"the ARN {id}");
        }
        catch (TroubleshooterException e)
        {
            // A malformed region in one ARN is that item's problem: its own DescribeSecret/GetFunction says so.
            Output.Debug(e.Message);
            regional = connection;
            key = connection.RegionName;
            if (_sessions.TryGetValue(key, out session)) return session;
        }
        if (!ReferenceEquals(regional, connection))
            Output.Debug($"Region {regional.RegionName} from the ARN {id}, for the items in it.");
        session = _session?.InRegion(regional, AwsPipelineLimits.FromEnvironment()) ?? new AwsSession(regional, AwsPipelineLimits.FromEnvironment());
        // The session takes the mask in use (SecretMask.Create): the values it reads are masked in everything this run writes.
        if (!ReferenceEquals(session.Get<SecretMask>(), _mask)) throw new InvalidOperationException("The session was made outside the run.");
        _session ??= session;
        session.Pipeline.Retrying += OnRetrying;
        session.Pipeline.RateLowered += (service, operation, rate) => Messages.Post(() =>
            Output.Verbose($"{service.SigningName}:{operation} is throttled by AWS: slowing it to {rate:0.#} requests/s for a while."));
        _sessions[key] = session;
        return session;
    }

    /// <summary>Resolves credentials, region and endpoints once; a failure stops the command (it would fail every item).</summary>
    private AwsConnection Connect()
    {
        if (_connection != null) return _connection;
        try
        {
            var connection = AwsConnectionResolver.Resolve(new AwsConnectionOptions
            {
                ProfileName = ProfileName, ProfileLocation = ProfileLocation, Region = Region,
                AccessKey = AccessKey, SecretKey = SecretKey, SessionToken = SessionToken,
                Credential = Credential?.BaseObject, EndpointUrl = EndpointUrl,
                StoredCredentials = (SessionState.PSVariable.GetValue("StoredAWSCredentials") as PSObject)?.BaseObject
                                    ?? SessionState.PSVariable.GetValue("StoredAWSCredentials"),
                StoredRegion = (SessionState.PSVariable.GetValue("StoredAWSRegion") as PSObject)?.BaseObject?.ToString()
                               ?? SessionState.PSVariable.GetValue("StoredAWSRegion")?.ToString(),
            });
            Output.Debug($"AWS credentials from {connection.CredentialSource}; region {connection.RegionName} from {connection.RegionSource}.");
            foreach (var (service, uri, source) in connection.EndpointOverrides())
                Output.Debug($"Endpoint of {service.SigningName}: {uri} (from {source}).");
            return _connection = connection;
        }
        catch (TroubleshooterException e)
        {
            Output.Stop(e, null);
            throw; // not reached: Stop throws
        }
    }

    private void OnRetrying(AwsService service, string operation, string reason, TimeSpan delay) =>
        Messages.Post(() => Output.Verbose($"{service.SigningName}:{operation}: {reason}; retrying in {delay.TotalSeconds:0.0} s."));

    /// <summary>A failure for one item: a non-terminating error with a stable id; the pipeline goes on (a stopped run writes none).</summary>
    protected void WriteFailure(Exception error, object? target)
    {
        if (error is AggregateException { InnerExceptions.Count: 1 } aggregate) error = aggregate.InnerException!;
        if (error is OperationCanceledException && StopToken.IsCancellationRequested) return;
        Output.Failure(error, target);
    }
}
