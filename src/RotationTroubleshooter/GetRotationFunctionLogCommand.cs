using System.Management.Automation;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Commands;

/// <summary>Get-RotationFunctionLog: each rotation attempt rebuilt from the rotation function's logs, with the symptom named.</summary>
[Cmdlet(VerbsCommon.Get, "RotationFunctionLog", DefaultParameterSetName = SecretSet)]
[Alias("Get-RotationFunctionLogs")]
[OutputType(typeof(RotationAttempt))]
[OutputType(typeof(LogEvent))]
public sealed class GetRotationFunctionLogCommand : SecretOrFunctionCmdlet
{
    private const string PathSet = "Path";

    private readonly List<LogEvent> _fileEvents = [];
    private readonly List<string> _files = [];
    private DateTime _start, _end;

    [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Default: 7 days before -EndTime (live); no lower bound for files.</summary>
    [Parameter]
    public DateTime? StartTime { get; set; }

    /// <summary>Default: now (live); no upper bound for files.</summary>
    [Parameter]
    public DateTime? EndTime { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Last { get; set; }

    [Parameter]
    public SwitchParameter Raw { get; set; }

    [Parameter]
    [ValidateRange(1, 1_000_000)]
    public int MaxEvents { get; set; }

    protected override string Activity => "Reading rotation function logs";

    protected override void BeginProcessing()
    {
        var live = ParameterSetName != PathSet;
        _end = EndTime is { } end ? Utc(end) : live ? DateTime.UtcNow : DateTime.MaxValue;
        _start = StartTime is { } start ? Utc(start) : live ? _end - RotationLogService.DefaultLookback : DateTime.MinValue;
        if (_start >= _end)
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-StartTime ({_start:u}) must be before -EndTime ({_end:u})."),
                "InvalidTimeWindow", ErrorCategory.InvalidArgument, StartTime));
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == PathSet)
        {
            foreach (var path in Path) ReadFiles(path);
            return;
        }
        var bySecret = ParameterSetName == SecretSet;
        var maxEvents = MaxEvents > 0 ? MaxEvents : RotationLogService.DefaultMaxEvents;
        foreach (var id in bySecret ? SecretId : FunctionName)
        {
            if (!TryGetSession(id, out var session)) continue;
            var logs = session.Get<RotationLogService>();
            Enqueue(id, async stopToken =>
            {
                string? secretArn = null, functionId = id;
                if (bySecret)
                {
                    var (secret, functionArn) = await logs.RotatedSecretAsync(id, stopToken);
                    secretArn = secret.ARN ?? id;
                    functionId = functionArn;
                }
                var read = await logs.ReadAsync(functionId, _start, _end, maxEvents, stopToken);
                Messages.Post(() =>
                {
                    WriteVerbose($"Read {read.Events.Count} events of log group '{read.LogGroupName}' from {read.StartTime:u} to {read.EndTime:u}.");
                    foreach (var warning in read.Warnings) WriteWarning(warning);
                });
                var attempts = secretArn is null ? read.Attempts : RotationLogService.OfSecret(read.Attempts, secretArn);
                return Select(read.Events, attempts, whole: secretArn is null);
            });
        }
    }

    protected override void EndProcessing()
    {
        base.EndProcessing();
        if (ParameterSetName != PathSet || _files.Count == 0) return;
        // Several get-log-events exports carry no stream names: each file is its own stream, so a traceback is not joined to another file's request.
        var events = _fileEvents.Where(e => e.Timestamp >= _start && e.Timestamp <= _end).ToList();
        var attempts = RotationLogAnalyzer.Analyze(events, null, null, EndTime is null ? null : _end);
        WriteVerbose($"Read {events.Count} events from {_files.Count} file(s); {attempts.Count} rotation attempt(s).");
        foreach (var item in Select(events.OrderBy(e => e.Timestamp).ToList(), attempts, whole: true)) WriteObject(item);
    }

    /// <summary>The newest -Last attempts, or with -Raw their events (all events when every attempt is wanted).</summary>
    private IEnumerable<object> Select(IReadOnlyList<LogEvent> events, IReadOnlyList<RotationAttempt> attempts, bool whole)
    {
        var chosen = Last > 0 && attempts.Count > Last ? attempts.Skip(attempts.Count - Last).ToList() : attempts;
        if (!Raw) return chosen;
        return whole && ReferenceEquals(chosen, attempts) ? events : RotationLogService.EventsOf(events, chosen);
    }

    private void ReadFiles(string path)
    {
        List<string> files;
        try
        {
            files = [.. SessionState.Path.GetResolvedProviderPathFromPSPath(path, out var provider)];
            if (provider.Name != "FileSystem")
                throw new TroubleshooterException(ErrorIds.NotAFile, FailureCategory.InvalidArgument, $"'{path}' is not a file system path.");
        }
        catch (ItemNotFoundException e)
        {
            WriteError(new ErrorRecord(e, ErrorIds.LogFileNotFound, ErrorCategory.ObjectNotFound, path));
            return;
        }
        catch (Exception e) when (e is TroubleshooterException or PSArgumentException or ProviderNotFoundException or System.Management.Automation.DriveNotFoundException)
        {
            WriteFailure(e is TroubleshooterException ? e : new TroubleshooterException(ErrorIds.NotAFile, FailureCategory.InvalidArgument, e.Message, e), path);
            return;
        }
        foreach (var file in files)
        {
            if (Directory.Exists(file))
            {
                WriteFailure(new TroubleshooterException(ErrorIds.NotAFile, FailureCategory.InvalidArgument,
                    $"'{file}' is a directory; give the log files in it, e.g. '{System.IO.Path.Combine(file, "*.json")}'."), file);
                continue;
            }
            var budget = (MaxEvents > 0 ? MaxEvents : LogFileReader.DefaultMaxEvents) - _fileEvents.Count;
            if (budget < 1)
            {
                WriteWarning($"'{file}' was not read: -MaxEvents ({MaxEvents}) events were already read from earlier files.");
                continue;
            }
            LogFileReadResult result;
            try
            {
                result = LogFileReader.Read(file, budget);
            }
            catch (LogFileFormatException e)
            {
                WriteFailure(e, file);
                continue;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                WriteFailure(new TroubleshooterException(ErrorIds.LogFileUnreadable,
                    e is UnauthorizedAccessException ? FailureCategory.PermissionDenied : FailureCategory.Unavailable,
                    $"'{file}' could not be read: {e.Message}", e), file);
                continue;
            }
            _files.Add(file);
            WriteVerbose($"'{file}': {result.Format}, {result.Events.Count} events.");
            foreach (var warning in result.Warnings) WriteWarning($"'{file}': {warning}");
            var ownStream = result.Format == LogFileFormat.GetLogEventsJson;
            foreach (var e in result.Events)
                _fileEvents.Add(ownStream && e.LogStreamName is null ? new LogEvent(e.Timestamp, e.Message, file, e.IngestionTime) : e);
        }
    }

    /// <summary>PowerShell's [datetime] literals are local time.</summary>
    private static DateTime Utc(DateTime time) => time.Kind == DateTimeKind.Utc ? time : time.ToUniversalTime();
}
