using System.Management.Automation;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Fleet;

namespace RotationTroubleshooter.Commands;

/// <summary>What the cmdlet answers for one secret or function (on a worker thread).</summary>
public delegate Task<IEnumerable<object>> Answer(AwsSession session, string id, CancellationToken stop);

/// <summary>
/// Base of every cmdlet of the module, all of which take secrets: names or ARNs (-SecretId), or any pipeline object that
/// names one (-InputObject: strings, Get-SECSecretList output, this module's results, plain objects), read by
/// <see cref="PipelineInput"/>. Declared here once, with their aliases; a Lambda function given instead is recognised
/// and said (<see cref="SecretOrFunctionCmdlet"/> answers for it). How items are worked on is a part the cmdlet
/// composes: <see cref="Items"/> answers many at once, <see cref="OneAtATime"/> serves the cmdlets that change AWS.
/// </summary>
public abstract class SecretCmdlet : AwsCmdlet
{
    protected const string SecretSet = "SecretId";
    protected const string InputSet = "InputObject";

    private ConcurrentItems? _items;

    /// <summary>Names or ARNs; also the objects the pipeline takes (<see cref="TargetIdTransformationAttribute"/>).</summary>
    // AWS.Tools' -SecretId has no alias; ARN and SecretArn are what this module's cmdlets have accepted.
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = SecretSet)]
    [Alias("ARN", "SecretArn")]
    [ValidateNotNullOrEmpty]
    [TargetIdTransformation(TargetKind.Secret)]
    public string[] SecretId { get; set; } = [];

    /// <summary>Pipeline input: anything that names a secret, read by its properties (see <see cref="PipelineInput"/>).</summary>
    // Virtual so that Repair-SecretRotation can name its set Diagnosis (an override's attributes replace these).
    [Parameter(Mandatory = true, ParameterSetName = InputSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public virtual PSObject[] InputObject { get; set; } = [];

    /// <summary>How many items are worked on at the same time.</summary>
    // Virtual so that the cmdlets that change AWS, one confirmed item at a time, can leave it out (an override without
    // [Parameter] is no parameter: docs/reference/powershell-output.md).
    [Parameter]
    [ValidateRange(1, ConcurrentItems.MaxThrottleLimit)]
    public virtual int ThrottleLimit { get; set; } = ConcurrentItems.DefaultThrottleLimit;

    /// <summary>Accounts to fan out over: the caller's own with its credentials, any other through -OrganizationRoleName.</summary>
    // Virtual so that the cmdlets that change AWS, one confirmed item in one account at a time, can leave them out.
    [Parameter]
    [ValidateNotNullOrEmpty]
    public virtual string[]? AccountId { get; set; }

    /// <summary>The role to assume in each account (arn:aws:iam::ACCOUNT:role/NAME); alone, every ACTIVE account of the organisation.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public virtual string? OrganizationRoleName { get; set; }

    /// <summary>The external id the roles' trust policies require (sts:ExternalId).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public virtual string? ExternalId { get; set; }

    protected override FleetOptions? Fleet => new()
    {
        Regions = Region ?? [],
        AccountIds = AccountId ?? [],
        OrganizationRoleName = OrganizationRoleName,
        ExternalId = ExternalId,
    };

    /// <summary>
    /// The most diagnoses of a fleet worked on at once, over every shard (each keeps to -ThrottleLimit); AWS's quotas
    /// are per shard, so shards run side by side up to this.
    /// </summary>
    protected const int FleetThrottleLimit = 128;

    private readonly Dictionary<FleetShard, SemaphoreSlim> _shardSlots = [];

    /// <summary>Runs <paramref name="work"/> within its shard's -ThrottleLimit.</summary>
    protected async Task<T> InShardAsync<T>(FleetShard shard, Func<Task<T>> work, CancellationToken stop)
    {
        SemaphoreSlim slots;
        lock (_shardSlots)
            if (!_shardSlots.TryGetValue(shard, out slots!)) _shardSlots[shard] = slots = new SemaphoreSlim(ThrottleLimit);
        await slots.WaitAsync(stop).ConfigureAwait(false);
        try
        {
            return await work().ConfigureAwait(false);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>The shards an item goes to: a name to each; an ARN to its own account's (in its region, as always).</summary>
    protected static IEnumerable<FleetShard> ShardsFor(string id, IReadOnlyList<FleetShard> shards)
    {
        var (account, region) = AwsArn.LocationOf(id.Trim());
        if (account is null) return shards;
        var own = shards.Where(s => s.AccountId == account).ToList();
        return own.Where(s => s.Region == region).Take(1).DefaultIfEmpty(own.FirstOrDefault()).OfType<FleetShard>();
    }

    /// <summary>The activity Write-Progress shows while items are answered, e.g. "Dating rotation functions".</summary>
    protected virtual string Activity => $"Running {MyInvocation.MyCommand.Name}";

    /// <summary>The part that answers many items at once, in input order; made on first use.</summary>
    protected ConcurrentItems Items => _items ??= Use(new ConcurrentItems(
        Shards() is { Count: > 1 } shards ? Math.Min(ThrottleLimit * shards.Count, FleetThrottleLimit) : ThrottleLimit, Activity, Output, Messages, StopToken));

    /// <summary>
    /// What this record's input names, in input order: -SecretId's secrets, or each piped object read by shape; an
    /// object that names nothing is given to <paramref name="refuse"/> in its place.
    /// </summary>
    protected virtual IEnumerable<Target> Targets(Action<object, TroubleshooterException> refuse) =>
        ParameterSetName == SecretSet ? SecretId.Select(id => new Target(TargetKind.Secret, id)) : Read(InputObject, refuse);

    /// <summary>What each object names (<see cref="PipelineInput.Read"/>); one that names nothing is given to <paramref name="refuse"/>.</summary>
    protected static IEnumerable<Target> Read(IEnumerable<PSObject> inputs, Action<object, TroubleshooterException> refuse)
    {
        foreach (var input in inputs)
        {
            Target target;
            try
            {
                target = PipelineInput.Read(input);
            }
            catch (TroubleshooterException e)
            {
                refuse(input, e);
                continue;
            }
            yield return target;
        }
    }

    /// <summary>An input that names nothing, refused now: its error in its place (the cmdlets that answer one at a time).</summary>
    protected void Refuse(object input, TroubleshooterException error) => WriteFailure(error, input);

    /// <summary>
    /// Answers each target this record names on <see cref="Items"/>: a secret with <paramref name="forSecret"/>, a
    /// function (or a name only a function has) with <paramref name="forFunction"/>, a file with <paramref name="forFile"/>;
    /// a kind the cmdlet does not take is an error in its place that says what to give instead.
    /// </summary>
    protected void AnswerEach(Answer forSecret, Answer? forFunction = null, Action<string>? forFile = null)
    {
        foreach (var target in Targets(Items.EnqueueFailure))
        {
            if (target.Kind == TargetKind.File)
            {
                if (forFile is not null) forFile(target.Id);
                else Items.EnqueueFailure(target.Id, NotAFileCmdlet(target.Id));
                continue;
            }
            var function = forFunction ?? ((_, functionId, _) => throw AwsSession.FunctionGivenAsSecret(functionId, FunctionInstead(functionId)));
            if (Shards() is not { } shards)
            {
                Enqueue(target, SessionFor(target.Id), forSecret, function);
                continue;
            }
            var any = false;
            foreach (var shard in ShardsFor(target.Id, shards))
            {
                any = true;
                var session = SessionFor(target.Id, shard);
                Items.Enqueue(target.Id, stop => InShardAsync(shard, async () =>
                {
                    await OpenAsync(shard, stop).ConfigureAwait(false);
                    return await Answer(target, session, forSecret, function, stop).ConfigureAwait(false);
                }, stop));
            }
            if (!any)
                Items.EnqueueFailure(target.Id, new TroubleshooterException(ErrorIds.InvalidFleet, FailureCategory.InvalidArgument,
                    $"'{target.Id}' is in account {AwsArn.LocationOf(target.Id).AccountId}, which is not one of this run's accounts ({string.Join(", ", shards.Select(s => s.AccountId).Distinct())})."));
        }
    }

    /// <summary>Says whether the shard's credentials work; a role that may not be assumed is an error naming the shard.</summary>
    protected static async Task OpenAsync(FleetShard shard, CancellationToken stop)
    {
        try
        {
            await shard.OpenAsync(stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw shard.Failed(e);
        }
    }

    private void Enqueue(Target target, AwsSession session, Answer forSecret, Answer function) =>
        Items.Enqueue(target.Id, stop => Answer(target, session, forSecret, function, stop));

    private async Task<IEnumerable<object>> Answer(Target target, AwsSession session, Answer forSecret, Answer function, CancellationToken stop)
    {
        var id = target.Id;
        if (target.Kind == TargetKind.Function) return await function(session, id, stop).ConfigureAwait(false);
        if (!await session.NamesFunctionAsync(id, stop).ConfigureAwait(false))
            return await forSecret(session, id, stop).ConfigureAwait(false);
        Messages.Post(() => Output.Verbose($"'{id}' is a Lambda function, not a secret."));
        return await function(session, id, stop).ConfigureAwait(false);
    }

    /// <summary>
    /// The secrets among <paramref name="targets"/>, for the cmdlets that take only secrets and answer them one at a time;
    /// anything else is an error in its place (<paramref name="instead"/> says what to give for a function).
    /// </summary>
    protected IEnumerable<string> SecretIds(IEnumerable<Target> targets, string instead)
    {
        foreach (var target in targets)
        {
            switch (target)
            {
                case { Kind: TargetKind.Secret, Id: var id } when !AwsArn.IsFunctionArn(id):
                    yield return id;
                    break;
                case { Kind: TargetKind.File, Id: var path }:
                    WriteFailure(NotAFileCmdlet(path), path);
                    break;
                default:
                    WriteFailure(AwsSession.FunctionGivenAsSecret(target.Id, instead), target.Id);
                    break;
            }
        }
    }

    /// <summary>What to give instead of a function, for the error a function given as a secret gets.</summary>
    protected virtual string FunctionInstead(string functionId) =>
        $"{MyInvocation.MyCommand.Name} takes secrets: give a secret this function rotates (Get-SECSecretList | Where-Object RotationLambdaARN -like '*:function:{FunctionNameOf(functionId)}').";

    /// <summary>The function's name, from its name or ARN.</summary>
    protected static string FunctionNameOf(string functionId) => AwsArn.FunctionNameOf(functionId);

    private TroubleshooterException NotAFileCmdlet(string path) =>
        new(ErrorIds.UnrecognizedInput, FailureCategory.InvalidArgument, $"'{path}' is a local file; {MyInvocation.MyCommand.Name} reads secrets from AWS.");
}
