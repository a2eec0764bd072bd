using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Repair;

/// <summary>What to do about a diagnosis' findings: choose each its mechanical repair (or none), and then apply it.</summary>
public sealed record RepairOptions
{
    /// <summary>Turn a disabled rotation back on (RotationDisabled); off by default, since it may have been turned off on purpose.</summary>
    public bool IncludeRotationEnable { get; init; }
}

/// <summary>One finding's repair: the action it would take (or why none), and, for a change, how to make it.</summary>
public sealed class RepairItem
{
    private readonly Func<CancellationToken, Task<RepairItem>>? _apply;

    internal RepairItem(RepairAction action, TroubleshooterException? failure = null, Func<CancellationToken, Task<RepairItem>>? apply = null)
    {
        Action = action;
        Failure = failure;
        _apply = apply;
    }

    /// <summary>WouldChange for a change still to confirm; NotRepairable or Failed otherwise; Done or Failed once applied.</summary>
    public RepairAction Action { get; }
    /// <summary>Why the action Failed, with its error id.</summary>
    public TroubleshooterException? Failure { get; }
    /// <summary>True when <see cref="ApplyAsync"/> would change AWS.</summary>
    public bool IsChange => _apply is not null;

    /// <summary>Makes the change (reading the state again first); the result is Done or Failed.</summary>
    public Task<RepairItem> ApplyAsync(CancellationToken cancellation) =>
        _apply?.Invoke(cancellation) ?? throw new InvalidOperationException($"{Action.CheckId} has no change to apply.");
}

/// <summary>
/// Repair-SecretRotation's engine: for each finding of a diagnosis, the mechanical repair that fixes it, proposed from
/// AWS's current state and applied after confirmation. It never reads or writes a secret value.
/// </summary>
public sealed class SecretRepairer(AwsSession session) : IRunService<SecretRepairer>
{
    public static SecretRepairer Create(AwsSession session) => new(session);

    /// <summary>How long a repair waits for a function update still in progress (Lambda refuses another meanwhile).</summary>
    private static readonly TimeSpan UpdateSettleTimeout = TimeSpan.FromSeconds(60);

    internal static readonly IReadOnlyList<MechanicalRepair> Repairs =
    [
        new PendingLabelRepair(), new InvokePermissionRepair(), new FunctionTimeoutRepair(), new EndpointVariableRepair(), new RotationEnableRepair(),
    ];

    /// <summary>The finding ids a repair answers, for the docs and completion.</summary>
    public static IReadOnlyList<string> RepairableFindingIds { get; } = Repairs.SelectMany(r => r.FindingIds).ToList();

    private Lazy<Task<IReadOnlyList<SecretDescription>?>>? _secrets;

    /// <summary>
    /// One item per Error or Warning finding, in the diagnosis' order: a proposed change (WouldChange), NotRepairable with
    /// the finding's remediation, or Failed when the current state could not be read. A finding whose state is already
    /// fixed gets no item. Info findings (nothing wrong, or a check that could not run) get none either.
    /// </summary>
    public async Task<IReadOnlyList<RepairItem>> PlanAsync(RotationDiagnosis diagnosis, RepairOptions options, CancellationToken cancellation)
    {
        var items = new List<RepairItem>();
        foreach (var finding in diagnosis.Findings.Where(f => f.Severity != FindingSeverity.Info))
        {
            var repair = Repairs.FirstOrDefault(r => r.FindingIds.Contains(finding.CheckId));
            if (repair is null)
            {
                items.Add(new RepairItem(NotRepairable(diagnosis, finding, "No mechanical change fixes this; ")));
                continue;
            }
            if (repair.NeedsRotationEnable && !options.IncludeRotationEnable)
            {
                items.Add(new RepairItem(NotRepairable(diagnosis, finding,
                    "Rotation may have been turned off on purpose: Repair-SecretRotation -IncludeRotationEnable turns it back on. ")));
                continue;
            }
            var subject = new RepairSubject(session, diagnosis.SecretArn, diagnosis.Name, diagnosis.RotationFunctionArn, this);
            if (await ProposeAsync(repair, subject, diagnosis, finding, cancellation).ConfigureAwait(false) is { } item) items.Add(item);
        }
        return items;
    }

    private async Task<RepairItem?> ProposeAsync(MechanicalRepair repair, RepairSubject subject, RotationDiagnosis diagnosis, Finding finding,
        CancellationToken cancellation)
    {
        Proposal? proposal;
        try
        {
            proposal = await repair.ProposeAsync(subject, cancellation).ConfigureAwait(false);
        }
        catch (NotRepairableException e)
        {
            return new RepairItem(NotRepairable(diagnosis, finding, $"Not changed: {e.Message} "));
        }
        catch (TroubleshooterException e)
        {
            return Failed(diagnosis, finding, subject.FunctionArn ?? diagnosis.SecretArn, null, e);
        }
        if (proposal is null) return null;
        var planned = Action(diagnosis, finding, proposal, RepairStatus.WouldChange);
        return new RepairItem(planned, apply: stop => ApplyAsync(repair, subject, diagnosis, finding, proposal, stop));
    }

    /// <summary>
    /// Reads the state again (the user may have taken time to confirm), writes only if it is still the state confirmed, and
    /// says Done when the wanted state holds: also when someone made the change meanwhile, or when a write whose answer
    /// was lost (and was retried) did happen.
    /// </summary>
    private async Task<RepairItem> ApplyAsync(MechanicalRepair repair, RepairSubject subject, RotationDiagnosis diagnosis, Finding finding,
        Proposal confirmed, CancellationToken cancellation)
    {
        try
        {
            var current = await repair.ProposeAsync(subject, cancellation).ConfigureAwait(false);
            if (current is null) return new RepairItem(Action(diagnosis, finding, confirmed, RepairStatus.Done));
            if (current.Before != confirmed.Before || current.After != confirmed.After)
                throw new TroubleshooterException(ErrorIds.ChangedSinceConfirmed, FailureCategory.InvalidOperation,
                    $"{current.Target} changed since the change was confirmed (now: {current.Before}); nothing was written. Run Repair-SecretRotation again.");
            var after = await current.WriteAsync(cancellation).ConfigureAwait(false);
            return new RepairItem(Action(diagnosis, finding, current, RepairStatus.Done) with { After = after });
        }
        catch (TroubleshooterException e)
        {
            if (e.ErrorId != ErrorIds.ChangedSinceConfirmed && await HoldsAsync(repair, subject, cancellation).ConfigureAwait(false))
                return new RepairItem(Action(diagnosis, finding, confirmed, RepairStatus.Done));
            return Failed(diagnosis, finding, confirmed.Target, confirmed, e);
        }
    }

    private static async Task<bool> HoldsAsync(MechanicalRepair repair, RepairSubject subject, CancellationToken cancellation)
    {
        try
        {
            return await repair.ProposeAsync(subject, cancellation).ConfigureAwait(false) is null;
        }
        catch (TroubleshooterException)
        {
            return false;
        }
    }

    /// <summary>The function's configuration once no update is in progress (Lambda refuses a second update until the first is done).</summary>
    internal async Task<FunctionConfiguration> SettledConfigurationAsync(string functionName, CancellationToken cancellation)
    {
        var deadline = DateTime.UtcNow + UpdateSettleTimeout;
        while (true)
        {
            var config = await session.Lambda.GetFunctionConfigurationAsync(functionName, cancellation).ConfigureAwait(false);
            if (config.LastUpdateStatus != "InProgress" || DateTime.UtcNow >= deadline) return config;
            await Task.Delay(TimeSpan.FromSeconds(1), cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>How many other secrets name this rotation function (ListSecrets once per run); 0 when they cannot be listed.</summary>
    internal async Task<int> OtherSecretsRotatedByAsync(string functionArn, string secretArn, CancellationToken cancellation)
    {
        _secrets ??= new Lazy<Task<IReadOnlyList<SecretDescription>?>>(() => ListSecretsAsync(cancellation));
        var secrets = await _secrets.Value.ConfigureAwait(false);
        var name = RotationLogService.NameOf(functionArn);
        return secrets?.Count(s => s.ARN != secretArn && s.RotationLambdaARN is { } arn && RotationLogService.NameOf(arn) == name) ?? 0;
    }

    private async Task<IReadOnlyList<SecretDescription>?> ListSecretsAsync(CancellationToken cancellation)
    {
        var secrets = new List<SecretDescription>();
        try
        {
            await foreach (var secret in session.SecretsManager.ListSecretsAsync(cancellation).ConfigureAwait(false)) secrets.Add(secret);
            return secrets;
        }
        catch (AwsServiceException)
        {
            // Without the list the statement is scoped to this one secret: the narrowest grant that fixes it.
            return null;
        }
    }

    private static RepairAction Action(RotationDiagnosis diagnosis, Finding finding, Proposal proposal, RepairStatus status) => new()
    {
        SecretArn = diagnosis.SecretArn, SecretName = diagnosis.Name, CheckId = finding.CheckId, Message = finding.Message,
        Target = proposal.Target, Change = proposal.Change, Before = proposal.Before, After = proposal.After, Status = status,
    };

    private static RepairAction NotRepairable(RotationDiagnosis diagnosis, Finding finding, string why) => new()
    {
        SecretArn = diagnosis.SecretArn, SecretName = diagnosis.Name, CheckId = finding.CheckId, Message = finding.Message,
        Target = diagnosis.SecretArn, Status = RepairStatus.NotRepairable, Remediation = why + finding.Remediation,
    };

    private static RepairItem Failed(RotationDiagnosis diagnosis, Finding finding, string target, Proposal? proposal, TroubleshooterException error) =>
        new(new RepairAction
        {
            SecretArn = diagnosis.SecretArn, SecretName = diagnosis.Name, CheckId = finding.CheckId, Message = finding.Message,
            Target = target, Change = proposal?.Change, Before = proposal?.Before, After = proposal?.After, Status = RepairStatus.Failed,
            Error = error.Message, Remediation = finding.Remediation,
        }, error);
}
