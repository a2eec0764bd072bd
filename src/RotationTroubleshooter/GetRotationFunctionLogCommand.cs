using System.Management.Automation;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Commands;

/// <summary>Get-RotationFunctionLog: each rotation attempt rebuilt from the rotation function's logs, with the symptom named.</summary>
[Cmdlet(VerbsCommon.Get, "RotationFunctionLog", DefaultParameterSetName = SecretSet)]
[Alias("Get-RotationFunctionLogs")]
[OutputType(typeof(RotationAttempt))]
[OutputType(typeof(LogEvent))]
public sealed class GetRotationFunctionLogCommand : SecretOrFunctionCmdlet
{
    private readonly List<LogEvent> _fileEvents = [];
    private readonly List<string> _files = [];
    private (DateTime Start, DateTime End) _live, _fileWindow;

    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Path { get; set; } = [];

    /// <summary>Default: 7 days before -EndTime (live); no lower bound for files. A time of unspecified kind is UTC.</summary>
    [Parameter]
    public DateTime? StartTime { get; set; }

    /// <summary>Default: now (live); no upper bound for files. A time of unspecified kind is UTC.</summary>
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

    protected override bool ReadsFiles => true;

    protected override void OnBeginProcessing()
    {
        var end = EndTime is { } e ? Utc(e) : DateTime.UtcNow;
        _live = (StartTime is { } s ? Utc(s) : end - RotationLogService.DefaultLookback, end);
        _fileWindow = (StartTime is { } fs ? Utc(fs) : DateTime.MinValue, EndTime is { } fe ? Utc(fe) : DateTime.MaxValue);
        var window = ParameterSetName == PathSet ? _fileWindow : _live;
        if (window.Start >= window.End)
            Output.Stop(new TroubleshooterException(ErrorIds.InvalidTimeWindow, FailureCategory.InvalidArgument,
                $"-StartTime ({window.Start:u}) must be before -EndTime ({window.End:u})."), StartTime);
    }

    protected override void OnProcessRecord()
    {
        if (ParameterSetName == PathSet)
        {
            foreach (var path in Path) ReadFiles(path, literal: false);
            return;
        }
        AnswerEach(ForSecretAsync, ForFunctionAsync, path => ReadFiles(path, literal: true));
    }

    private async Task<IEnumerable<object>> ForSecretAsync(AwsSession session, string secretId, CancellationToken stop)
    {
        var logs = session.Get<RotationLogService>();
        var (secret, functionArn) = await logs.RotatedSecretAsync(secretId, stop);
        return await ReadAsync(logs, functionArn, secret.ARN ?? secretId, stop);
    }

    private Task<IEnumerable<object>> ForFunctionAsync(AwsSession session, string functionId, CancellationToken stop) =>
        ReadAsync(session.Get<RotationLogService>(), functionId, null, stop);

    /// <summary>The function's attempts in the window; with a secret, only that secret's (and those that name none).</summary>
    private async Task<IEnumerable<object>> ReadAsync(RotationLogService logs, string functionId, string? secretArn, CancellationToken stop)
    {
        var read = await logs.ReadAsync(functionId, _live.Start, _live.End, MaxEvents > 0 ? MaxEvents : RotationLogService.DefaultMaxEvents, stop);
        var attempts = secretArn is null ? read.Attempts : RotationLogService.OfSecret(read.Attempts, secretArn);
        Messages.Post(() =>
        {
            Output.Verbose($"{functionId}: read {read.Events.Count} events of log group '{read.LogGroupName}' from {read.StartTime:u} to {read.EndTime:u}: " +
                         $"{attempts.Count} rotation attempt(s){(attempts.Count > 0 ? $", the newest {attempts[^1].Outcome} ({attempts[^1].Symptom ?? "no symptom yet"})" : "")}.");
            foreach (var warning in read.Warnings) Output.Warning(warning);
        });
        return Select(read.Events, attempts, whole: secretArn is null);
    }

    protected override void OnEndProcessing()
    {
        if (_files.Count == 0) return;
        // Several get-log-events exports carry no stream names: each file is its own stream, so a traceback is not joined to another file's request.
        var events = _fileEvents.Where(e => e.Timestamp >= _fileWindow.Start && e.Timestamp <= _fileWindow.End).ToList();
        var attempts = RotationLogAnalyzer.Analyze(events, null, null, EndTime is null ? null : _fileWindow.End);
        Output.Verbose($"Read {events.Count} events from {_files.Count} file(s); {attempts.Count} rotation attempt(s).");
        foreach (var item in Select(events.OrderBy(e => e.Timestamp).ToList(), attempts, whole: true)) Output.Object(item);
    }

    /// <summary>The newest -Last attempts, or with -Raw their events (all events when every attempt is wanted).</summary>
    private IEnumerable<object> Select(IReadOnlyList<LogEvent> events, IReadOnlyList<RotationAttempt> attempts, bool whole)
    {
        var chosen = Last > 0 && attempts.Count > Last ? attempts.Skip(attempts.Count - Last).ToList() : attempts;
        if (!Raw) return chosen;
        return whole && ReferenceEquals(chosen, attempts) ? events : RotationLogService.EventsOf(events, chosen);
    }

    /// <summary>Log files, read on the pipeline thread (their events are analysed together at the end); a path that names nothing is an error.</summary>
    private void ReadFiles(string path, bool literal)
    {
        IReadOnlyList<string> files;
        try
        {
            files = new PathResolver(SessionState.Path).Resolve(path, literal);
        }
        catch (TroubleshooterException e)
        {
            WriteFailure(e, path);
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
                Output.Warning($"'{file}' was not read: -MaxEvents ({MaxEvents}) events were already read from earlier files.");
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
            Output.Verbose($"'{file}': {result.Format}, {result.Events.Count} events.");
            foreach (var warning in result.Warnings) Output.Warning($"'{file}': {warning}");
            var ownStream = result.Format == LogFileFormat.GetLogEventsJson;
            foreach (var e in result.Events)
                _fileEvents.Add(ownStream && e.LogStreamName is null ? new LogEvent(e.Timestamp, e.Message, file, e.IngestionTime) : e);
        }
    }

    /// <summary>
    /// A time as its Kind says: Local (Get-Date, or text with a zone) is converted; Unspecified (text without a zone, such as
    /// '2026-12-01 10:00') is UTC, as this cmdlet's output shows times.
    /// </summary>
    private static DateTime Utc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Local => time.ToUniversalTime(),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(time, DateTimeKind.Utc),
        _ => time,
    };
}
