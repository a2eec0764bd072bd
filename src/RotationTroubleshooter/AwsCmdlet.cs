using System.Management.Automation;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Commands;

/// <summary>
/// Base of every cmdlet that calls AWS: AWS.Tools' credential, region and endpoint parameters, one AWS session per
/// invocation (so shared things are fetched once), cancellation on Ctrl+C, and failures as non-terminating errors.
/// </summary>
public abstract class AwsCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource _stopping = new();
    private AwsSession? _session;
    private TroubleshooterException? _sessionFailure;

    [Parameter]
    [Alias("StoredCredentials", "AWSProfileName")]
    public string? ProfileName { get; set; }

    [Parameter]
    [Alias("AWSProfilesLocation", "ProfilesLocation")]
    public string? ProfileLocation { get; set; }

    [Parameter]
    [Alias("RegionToCall")]
    public string? Region { get; set; }

    [Parameter]
    [Alias("AK")]
    public string? AccessKey { get; set; }

    [Parameter]
    [Alias("SK", "SecretAccessKey")]
    public string? SecretKey { get; set; }

    [Parameter]
    [Alias("ST")]
    public string? SessionToken { get; set; }

    /// <summary>An AWSCredentials object from AWS.Tools (any SDK version); read by shape.</summary>
    [Parameter]
    public PSObject? Credential { get; set; }

    [Parameter]
    public string? EndpointUrl { get; set; }

    protected CancellationToken StopToken => _stopping.Token;

    /// <summary>The run's AWS session; resolution failures (no credentials, no region) are thrown for each item.</summary>
    protected AwsSession Session
    {
        get
        {
            if (_session != null) return _session;
            if (_sessionFailure != null) throw _sessionFailure;
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
                _session = new AwsSession(connection, AwsPipelineLimits.FromEnvironment());
                _session.Pipeline.Retrying += OnRetrying;
                _session.Pipeline.RateLowered += (service, operation, rate) => Messages.Post(() =>
                    WriteVerbose($"{service.SigningName}:{operation} is throttled by AWS: slowing it to {rate:0.#} requests/s for a while."));
                return _session;
            }
            catch (TroubleshooterException e)
            {
                _sessionFailure = e;
                throw;
            }
        }
    }

    /// <summary>The session, or false after writing why there is none (no credentials, no region) for this item.</summary>
    protected bool TryGetSession(object target, out AwsSession session)
    {
        try
        {
            session = Session;
            return true;
        }
        catch (TroubleshooterException e)
        {
            WriteFailure(e, target);
            session = null!;
            return false;
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

    protected new void WriteVerbose(string text) => base.WriteVerbose(Guard.Text(text));

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
