using System.Management.Automation;
using RotationTroubleshooter.Diagnosis;
using RotationTroubleshooter.Repair;

namespace RotationTroubleshooter.Commands;

/// <summary>Repair-SecretRotation: makes the one safe mechanical change for each finding that has one, each after confirmation.</summary>
[Cmdlet(VerbsDiagnostic.Repair, "SecretRotation", DefaultParameterSetName = DiagnosisSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(RepairAction))]
public sealed class RepairSecretRotationCommand : SequentialAwsCmdlet
{
    private const string SecretSet = "SecretId";
    private const string DiagnosisSet = "Diagnosis";
    // Diagnoses made here skip the secret's value: a repair never reads one.
    private static readonly DiagnosisOptions WithoutSecretValues = new() { SkipSecretValue = true };

    [Parameter(Mandatory = true, ParameterSetName = DiagnosisSet, ValueFromPipeline = true)]
    public RotationDiagnosis[] InputObject { get; set; } = [];

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = SecretSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("ARN")]
    [ValidateNotNullOrEmpty]
    public string[] SecretId { get; set; } = [];

    [Parameter]
    public SwitchParameter IncludeRotationEnable { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == DiagnosisSet)
        {
            foreach (var diagnosis in InputObject) Repair(diagnosis.SecretArn, _ => Task.FromResult(diagnosis));
            return;
        }
        foreach (var id in SecretId)
            Repair(id, stop => Session.Get<RotationDiagnostician>().DiagnoseAsync(id, WithoutSecretValues, stop));
    }

    private void Repair(string target, Func<CancellationToken, Task<RotationDiagnosis>> diagnose)
    {
        if (!TryGetSession(target, out var session)) return;
        var repairer = session.Get<SecretRepairer>();
        var options = new RepairOptions { IncludeRotationEnable = IncludeRotationEnable };
        IReadOnlyList<RepairItem> items;
        try
        {
            var diagnosis = Await(diagnose(StopToken));
            WriteVerbose($"{diagnosis.Name}: {diagnosis.Status}, {diagnosis.Findings.Count(f => f.Severity != FindingSeverity.Info)} finding(s) to answer.");
            items = Await(repairer.PlanAsync(diagnosis, options, StopToken));
            var answered = items.Select(i => i.Action.CheckId).ToHashSet();
            foreach (var fixedMeanwhile in diagnosis.Findings.Where(f => f.Severity != FindingSeverity.Info && !answered.Contains(f.CheckId)))
                WriteVerbose($"{diagnosis.Name}: {fixedMeanwhile.CheckId} is fixed already; nothing to change.");
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteFailure(e, target);
            return;
        }
        foreach (var item in items)
        {
            if (!item.IsChange)
            {
                Write(item);
                continue;
            }
            switch (Confirm(item.Action.Change!, $"Repair {item.Action.CheckId} of {item.Action.SecretName}"))
            {
                case null:
                    Write(item);
                    break;
                case true:
                    Write(Await(item.ApplyAsync(StopToken)));
                    break;
                default:
                    WriteVerbose($"Not changed (declined): {item.Action.Change}");
                    break;
            }
        }
    }

    /// <summary>The action, and for a failed one also its error, so -ErrorAction and $? see it.</summary>
    private void Write(RepairItem item)
    {
        WriteObject(item.Action);
        if (item.Failure is { } failure) WriteFailure(failure, item.Action.Target);
    }
}
