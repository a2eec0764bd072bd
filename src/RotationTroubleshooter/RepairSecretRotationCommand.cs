using System.Management.Automation;
using RotationTroubleshooter.Diagnosis;
using RotationTroubleshooter.Repair;

namespace RotationTroubleshooter.Commands;

/// <summary>Repair-SecretRotation: makes the one safe mechanical change for each finding that has one, each after confirmation.</summary>
[Cmdlet(VerbsDiagnostic.Repair, "SecretRotation", DefaultParameterSetName = DiagnosisSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(RepairAction))]
public sealed class RepairSecretRotationCommand : SecretCmdlet
{
    private const string DiagnosisSet = "Diagnosis";
    // Diagnoses made here skip the secret's value: a repair never reads one.
    private static readonly DiagnosisOptions WithoutSecretValues = new() { SkipSecretValue = true };
    private OneAtATime? _work;

    /// <summary>Pipeline input: a diagnosis is repaired as it is; anything else that names a secret is diagnosed first.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DiagnosisSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public override PSObject[] InputObject { get; set; } = [];

    [Parameter]
    public SwitchParameter IncludeRotationEnable { get; set; }

    /// <summary>Not a parameter here: each change is confirmed and made one at a time.</summary>
    public override int ThrottleLimit { get => 1; set { } }

    private OneAtATime Work => _work ??= Use(new OneAtATime(Messages, StopToken));

    protected override void OnProcessRecord()
    {
        const string instead = "Repair-SecretRotation repairs secrets: give a secret this function rotates.";
        if (ParameterSetName != DiagnosisSet)
        {
            foreach (var id in SecretIds(Targets(Refuse), instead)) Repair(id, null);
            return;
        }
        foreach (var input in InputObject)
        {
            if (input.BaseObject is RotationDiagnosis diagnosis) Repair(diagnosis.SecretArn, diagnosis);
            else foreach (var id in SecretIds(Read([input], Refuse), instead)) Repair(id, null);
        }
    }

    /// <summary>Repairs what the diagnosis found (a secret given by name or ARN is diagnosed first, without its value).</summary>
    private void Repair(string target, RotationDiagnosis? given)
    {
        var session = SessionFor(target);
        var repairer = session.Get<SecretRepairer>();
        Func<CancellationToken, Task<RotationDiagnosis>> diagnose = given is null
            ? stop => session.Get<RotationDiagnostician>().DiagnoseAsync(target, WithoutSecretValues, stop)
            : _ => Task.FromResult(given);
        var options = new RepairOptions { IncludeRotationEnable = IncludeRotationEnable };
        IReadOnlyList<RepairItem> items;
        try
        {
            var diagnosis = Work.Await(diagnose(StopToken));
            Output.Verbose($"{diagnosis.Name}: {diagnosis.Status}, {diagnosis.Findings.Count(f => f.Severity != FindingSeverity.Info)} finding(s) to answer.");
            items = Work.Await(repairer.PlanAsync(diagnosis, options, StopToken));
            var answered = items.Select(i => i.Action.CheckId).ToHashSet();
            foreach (var fixedMeanwhile in diagnosis.Findings.Where(f => f.Severity != FindingSeverity.Info && !answered.Contains(f.CheckId)))
                Output.Verbose($"{diagnosis.Name}: {fixedMeanwhile.CheckId} is fixed already; nothing to change.");
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
            switch (Output.Confirm(item.Action.Change!, $"Repair {item.Action.CheckId} of {item.Action.SecretName}"))
            {
                case null:
                    Write(item);
                    break;
                case true:
                    Write(Work.Await(item.ApplyAsync(StopToken)));
                    break;
                default:
                    Output.Verbose($"Not changed (declined): {item.Action.Change}");
                    break;
            }
        }
    }

    /// <summary>The action, and for a failed one also its error, so -ErrorAction and $? see it.</summary>
    private void Write(RepairItem item)
    {
        Output.Object(item.Action);
        if (item.Failure is { } failure) WriteFailure(failure, item.Action.Target);
    }
}
