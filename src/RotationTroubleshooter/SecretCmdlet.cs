using System.Management.Automation;
using RotationTroubleshooter.Aws;

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

    /// <summary>The activity Write-Progress shows while items are answered, e.g. "Dating rotation functions".</summary>
    protected virtual string Activity => $"Running {MyInvocation.MyCommand.Name}";

    /// <summary>The part that answers many items at once, in input order; made on first use.</summary>
    protected ConcurrentItems Items => _items ??= Use(new ConcurrentItems(ThrottleLimit, Activity, Output, Messages, StopToken));

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
            var id = target.Id;
            var session = SessionFor(id);
            var function = forFunction ?? ((_, functionId, _) => throw AwsSession.FunctionGivenAsSecret(functionId, FunctionInstead(functionId)));
            if (target.Kind == TargetKind.Function)
            {
                Items.Enqueue(id, stop => function(session, id, stop));
                continue;
            }
            Items.Enqueue(id, async stop =>
            {
                if (!await session.NamesFunctionAsync(id, stop).ConfigureAwait(false))
                    return await forSecret(session, id, stop).ConfigureAwait(false);
                Messages.Post(() => Output.Verbose($"'{id}' is a Lambda function, not a secret."));
                return await function(session, id, stop).ConfigureAwait(false);
            });
        }
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
