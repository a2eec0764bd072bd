using System.Management.Automation;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Commands;

/// <summary>
/// Base of every cmdlet that calls AWS: AWS.Tools' credential, region and endpoint parameters, one AWS session per
/// region per invocation (so shared things are fetched once; an ARN's region wins for its item), cancellation on Ctrl+C,
/// and failures as non-terminating errors. Credentials and region are resolved once, before any item: without them the
/// command stops with one error.
/// </summary>
public abstract class AwsCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, AwsSession> _sessions = new(StringComparer.Ordinal);
    private AwsSession? _session; // the run's first session; the others are InRegion of it and share its SecretMask
    private AwsConnection? _connection;

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

    protected CancellationToken StopToken => _stopping.Token;

    /// <summary>True while the parameter set may need no AWS at all (local files): credentials are then resolved on first use.</summary>
    protected virtual bool MayWorkOffline => false;

    /// <summary>
    /// Whether verbose lines are shown (-Verbose, else $VerbosePreference), read once on the pipeline thread: a line
    /// nobody sees is not built, guarded or queued (a fleet's diagnoses would make twenty each).
    /// </summary>
    protected bool VerboseShown { get; private set; }

    protected override void BeginProcessing()
    {
        VerboseShown = MyInvocation.BoundParameters.TryGetValue("Verbose", out var verbose)
            ? ((SwitchParameter)verbose).IsPresent
            : GetVariableValue("VerbosePreference") is ActionPreference preference and not (ActionPreference.SilentlyContinue or ActionPreference.Ignore);
        if (!MayWorkOffline) Connect();
    }

    /// <summary>
    /// The session for an item: in the region its ARN names, else the run's region. Sessions share the run's
    /// credentials; each region's is made once.
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
            WriteDebug(e.Message);
            regional = connection;
            key = connection.RegionName;
            if (_sessions.TryGetValue(key, out session)) return session;
        }
        if (!ReferenceEquals(regional, connection))
            WriteDebug($"Region {regional.RegionName} from the ARN {id}, for the items in it.");
        session = _session?.InRegion(regional, AwsPipelineLimits.FromEnvironment()) ?? new AwsSession(regional, AwsPipelineLimits.FromEnvironment());
        _session ??= session;
        session.Pipeline.Retrying += OnRetrying;
        session.Pipeline.RateLowered += (service, operation, rate) => Messages.Post(() =>
            WriteVerbose($"{service.SigningName}:{operation} is throttled by AWS: slowing it to {rate:0.#} requests/s for a while."));
        _sessions[key] = session;
        return session;
    }

    /// <summary>
    /// The secret a pipeline object names (read by <see cref="PipelineInput"/>); null after writing why it names none: a
    /// rotation function (<paramref name="instead"/> says what to give), a file, or nothing.
    /// </summary>
    protected string? SecretIdOf(PSObject input, string instead)
    {
        try
        {
            return PipelineInput.Read(input) switch
            {
                { Kind: TargetKind.Secret, Id: var id } when !AwsArn.IsFunctionArn(id) => id,
                { Kind: TargetKind.File, Id: var path } => throw new TroubleshooterException(ErrorIds.UnrecognizedInput, FailureCategory.InvalidArgument,
                    $"'{path}' is a local file; {MyInvocation.MyCommand.Name} takes secrets."),
                var function => throw AwsSession.FunctionGivenAsSecret(function.Id, instead),
            };
        }
        catch (TroubleshooterException e)
        {
            WriteFailure(e, input);
            return null;
        }
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
            WriteDebug($"AWS credentials from {connection.CredentialSource}; region {connection.RegionName} from {connection.RegionSource}.");
            foreach (var (service, uri, source) in connection.EndpointOverrides())
                WriteDebug($"Endpoint of {service.SigningName}: {uri} (from {source}).");
            return _connection = connection;
        }
        catch (TroubleshooterException e)
        {
            ThrowTerminatingError(ToErrorRecord(e, null));
            throw; // not reached: ThrowTerminatingError throws
        }
    }

    private void OnRetrying(AwsService service, string operation, string reason, TimeSpan delay) =>
        Messages.Post(() => WriteVerbose($"{service.SigningName}:{operation}: {reason}; retrying in {delay.TotalSeconds:0.0} s."));

    /// <summary>Messages from worker threads, written on the pipeline thread.</summary>
    protected PipelineMessages Messages { get; } = new();

    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>A failure for one item: a non-terminating error with a stable id; the pipeline goes on.</summary>
    protected void WriteFailure(Exception error, object? target)
    {
        if (error is AggregateException { InnerExceptions.Count: 1 } aggregate) error = aggregate.InnerException!;
        if (error is OperationCanceledException && StopToken.IsCancellationRequested) return;
        WriteError(ToErrorRecord(error, target));
    }

    // The output guard: these hide Cmdlet's writers, so every object, message and error a cmdlet of this module writes
    // leaves with the run's known secret values masked and control characters from outside made visible.
    private OutputGuard Guard => new(_session?.Get<SecretMask>());

    protected new void WriteObject(object? sendToPipeline) => base.WriteObject(Guard.Object(sendToPipeline));

    protected new void WriteObject(object? sendToPipeline, bool enumerateCollection)
    {
        if (!enumerateCollection || LanguagePrimitives.GetEnumerable(sendToPipeline) is not { } items)
        {
            WriteObject(sendToPipeline);
            return;
        }

        foreach (var item in items) WriteObject(item);
    }

    protected new void WriteVerbose(string text)
    {
        if (VerboseShown) base.WriteVerbose(Guard.Text(text));
    }

    protected new void WriteDebug(string text) => base.WriteDebug(Guard.Text(text));

    protected new void WriteWarning(string text) => base.WriteWarning(Guard.Text(text));

    protected new void WriteError(ErrorRecord record) => base.WriteError(Guarded(record));

    protected new void ThrowTerminatingError(ErrorRecord record) => base.ThrowTerminatingError(Guarded(record));

    private ErrorRecord Guarded(ErrorRecord record)
    {
        var guard = Guard;
        var exception = guard.Error(record.Exception);
        var target = record.TargetObject is string text ? guard.Text(text) : record.TargetObject;
        if (ReferenceEquals(exception, record.Exception) && ReferenceEquals(target, record.TargetObject)) return record;
        return new ErrorRecord(exception, record.FullyQualifiedErrorId, record.CategoryInfo.Category, target);
    }

    internal static ErrorRecord ToErrorRecord(Exception error, object? target) => error switch
    {
        TroubleshooterException t => new ErrorRecord(t, t.ErrorId, CategoryOf(t.Category), target),
        _ => new ErrorRecord(error, ErrorIds.UnexpectedError, ErrorCategory.NotSpecified, target),
    };

    private static ErrorCategory CategoryOf(FailureCategory category) => category switch
    {
        FailureCategory.NotFound => ErrorCategory.ObjectNotFound,
        FailureCategory.PermissionDenied => ErrorCategory.PermissionDenied,
        FailureCategory.InvalidArgument => ErrorCategory.InvalidArgument,
        FailureCategory.InvalidData => ErrorCategory.InvalidData,
        FailureCategory.Unavailable => ErrorCategory.ResourceUnavailable,
        FailureCategory.LimitsExceeded => ErrorCategory.LimitsExceeded,
        FailureCategory.Authentication => ErrorCategory.AuthenticationError,
        FailureCategory.InvalidOperation => ErrorCategory.InvalidOperation,
        FailureCategory.Timeout => ErrorCategory.OperationTimeout,
        _ => ErrorCategory.NotSpecified,
    };
}
