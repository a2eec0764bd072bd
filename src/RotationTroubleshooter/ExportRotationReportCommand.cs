using System.Collections;
using System.Management.Automation;
using RotationTroubleshooter.Report;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Commands;

/// <summary>
/// Export-RotationReport: Test-SecretRotation's diagnoses (live, or read back from the JSON of runs elsewhere) as one
/// self-contained HTML report. Files are handled as Export-Csv and Out-File handle them: -Path or -LiteralPath, an
/// existing file is replaced unless -NoClobber, a read-only one only with -Force.
/// </summary>
[Cmdlet(VerbsData.Export, "RotationReport", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
[OutputType(typeof(RotationDiagnosis), typeof(PSObject))]
public sealed class ExportRotationReportCommand : PSCmdlet
{
    private readonly CmdletOutput _output;

    public ExportRotationReportCommand() => _output = new CmdletOutput(this, new SecretMask());

    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    private readonly List<RotationDiagnosis> _diagnoses = [];
    private readonly List<string> _shortened = [];
    private string _file = "";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string LiteralPath { get; set; } = "";

    /// <summary>Diagnoses: Test-SecretRotation's objects, or the same read back (ConvertFrom-Json, Import-Clixml); an array is each of its items.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public PSObject[] InputObject { get; set; } = [];

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Title { get; set; } = ReportOptions.DefaultTitle;

    /// <summary>Also write each diagnosis on to the pipeline, as it came.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Replace a read-only file (it stays read-only).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Never replace an existing file.</summary>
    [Parameter]
    [Alias("NoOverwrite")]
    public SwitchParameter NoClobber { get; set; }

    protected override void BeginProcessing()
    {
        // Checked before any input is read, as Export-Csv does: a report that could not be written should not wait for a fleet's diagnoses.
        _file = ResolveFile();
        var existing = new FileInfo(_file);
        if (existing.Exists && NoClobber)
            Stop(ErrorIds.FileExists, FailureCategory.InvalidOperation, $"The file '{_file}' already exists; -NoClobber keeps it. Give another -Path, or leave out -NoClobber to replace it.");
        if (existing.Exists && existing.IsReadOnly && !Force)
            Stop(ErrorIds.FileReadOnly, FailureCategory.PermissionDenied, $"The file '{_file}' is read-only. Add -Force to replace it (it stays read-only), or give another -Path.");
        if (!Directory.Exists(System.IO.Path.GetDirectoryName(_file)))
            Stop(ErrorIds.PathNotFound, FailureCategory.NotFound, $"The folder of '{_file}' does not exist. Create it first, or give another -Path.");
    }

    protected override void ProcessRecord()
    {
        // An array among the input (ConvertFrom-Json -NoEnumerate) means its items; a single object (PSCustomObject included) is itself.
        var items = InputObject.Where(o => o is not null).SelectMany(o => o.BaseObject is IEnumerable and not string and not IDictionary
            ? ((IEnumerable)o.BaseObject).Cast<object?>()
            : [o]);
        foreach (var item in items)
        {
            if (item is null) continue;
            try
            {
                var (diagnosis, shortened) = DiagnosisInput.Read(item);
                _diagnoses.Add(diagnosis);
                if (shortened) _shortened.Add(diagnosis.Name);
                if (PassThru) _output.Object(item);
            }
            catch (TroubleshooterException e)
            {
                _output.Failure(e, item);
            }
        }
    }

    protected override void EndProcessing()
    {
        var data = ReportData.From(_diagnoses);
        if (_diagnoses.Count == 0)
            _output.Warning("No diagnosis came through the pipeline: the report lists no secret. Pipe Test-SecretRotation's results, or diagnoses read back with ConvertFrom-Json.");
        if (data.Duplicates.Count > 0)
            _output.Warning(($"{Count(data.Duplicates.Count, "diagnosis", "diagnoses")} repeated a secret given before ({Names(data.Duplicates)}): the report shows each secret once, with its later diagnosis."));
        if (_shortened.Count > 0)
            _output.Warning(($"{Count(_shortened.Count, "diagnosis", "diagnoses")} came with findings or causes cut to their ids ({Names(_shortened)}), as an export with a small -Depth or Export-Csv writes them: " +
                                    "the report shows those ids without their messages and evidence. Export with ConvertTo-Json -Depth 5 for the whole report."));
        var failing = data.Count(RotationStatus.Failing);
        if (_output.Confirm($"Write the rotation report of {Count(data.Secrets.Count, "secret", "secrets")} ({failing} failing) to '{_file}'.", "Export-RotationReport") != true) return;
        try
        {
            RotationReport.WriteFile(_file, data, new ReportOptions
            {
                Title = Title,
                Generator = $"RotationTroubleshooter {MyInvocation.MyCommand.Module?.Version}".TrimEnd(),
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Stop(ErrorIds.ReportWriteFailed, FailureCategory.Unavailable, $"Could not write '{_file}': {e.Message}");
        }
        _output.Verbose($"Wrote {_file}: {Count(data.Secrets.Count, "secret", "secrets")} in {Count(data.Accounts, "account", "accounts")} and {Count(data.Regions, "region", "regions")}, {failing} failing.");
    }

    private string ResolveFile()
    {
        try
        {
            return new PathResolver(SessionState.Path).ResolveFileToWrite(ParameterSetName == LiteralPathSet ? LiteralPath : Path, ParameterSetName == LiteralPathSet);
        }
        catch (TroubleshooterException e)
        {
            _output.Stop(e, ParameterSetName == LiteralPathSet ? LiteralPath : Path);
            throw; // not reached: Stop throws
        }
    }

    private void Stop(string errorId, FailureCategory category, string message) =>
        _output.Stop(new TroubleshooterException(errorId, category, message), _file.Length > 0 ? _file : null);

    private static string Count(int count, string one, string many) => $"{count} {(count == 1 ? one : many)}";

    private static string Names(IReadOnlyList<string> names) =>
        string.Join(", ", names.Take(5)) + (names.Count > 5 ? $" and {names.Count - 5} more" : "");
}
