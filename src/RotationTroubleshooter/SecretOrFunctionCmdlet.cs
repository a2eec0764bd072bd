using System.Management.Automation;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Commands;

/// <summary>
/// A cmdlet that answers for secrets: names or ARNs (-SecretId), or any pipeline object that names one (-InputObject:
/// strings, Get-SECSecretList output, this module's results, plain objects), read by <see cref="PipelineInput"/>.
/// A Lambda function given instead is recognised and said; <see cref="SecretOrFunctionCmdlet"/> answers for it.
/// </summary>
public abstract class SecretCmdlet : ConcurrentAwsCmdlet
{
    protected const string SecretSet = "SecretId";
    protected const string InputSet = "InputObject";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = SecretSet)]
    [Alias("ARN")]
    [ValidateNotNullOrEmpty]
    [TargetIdTransformation(TargetKind.Secret)]
    public string[] SecretId { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = InputSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public PSObject[] InputObject { get; set; } = [];

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case SecretSet:
                foreach (var id in SecretId) Process(new Target(TargetKind.Secret, id));
                break;
            case InputSet:
                foreach (var input in InputObject)
                {
                    Target target;
                    try
                    {
                        target = PipelineInput.Read(input);
                    }
                    catch (TroubleshooterException e)
                    {
                        EnqueueFailure(input, e);
                        continue;
                    }
                    Process(target);
                }
                break;
        }
    }

    protected void Process(Target target)
    {
        if (target.Kind == TargetKind.File)
        {
            ProcessFile(target.Id);
            return;
        }
        var id = target.Id;
        var session = SessionFor(id);
        if (target.Kind == TargetKind.Function)
        {
            Enqueue(id, stop => ForFunctionAsync(session, id, stop));
            return;
        }
        Enqueue(id, async stop =>
        {
            if (!await session.NamesFunctionAsync(id, stop).ConfigureAwait(false))
                return await ForSecretAsync(session, id, stop).ConfigureAwait(false);
            Messages.Post(() => WriteVerbose($"'{id}' is a Lambda function, not a secret."));
            return await ForFunctionAsync(session, id, stop).ConfigureAwait(false);
        });
    }

    /// <summary>The answer for one secret (runs on a worker thread).</summary>
    protected abstract Task<IEnumerable<object>> ForSecretAsync(AwsSession session, string secretId, CancellationToken stop);

    /// <summary>A rotation function given as input: by default an error that says what to give instead.</summary>
    protected virtual Task<IEnumerable<object>> ForFunctionAsync(AwsSession session, string functionId, CancellationToken stop) =>
        throw AwsSession.FunctionGivenAsSecret(functionId, FunctionInstead(functionId));

    /// <summary>What to give instead of a function, for the error above.</summary>
    protected virtual string FunctionInstead(string functionId) =>
        $"{MyInvocation.MyCommand.Name} takes secrets: give a secret this function rotates (Get-SECSecretList | Where-Object RotationLambdaARN -like '*:function:{FunctionNameOf(functionId)}').";

    /// <summary>The function's name, from its name or ARN.</summary>
    protected static string FunctionNameOf(string functionId) =>
        AwsArn.IsFunctionArn(functionId) ? functionId.Split(':')[6] : functionId;

    /// <summary>A local file given as input: by default an error (only some cmdlets read files).</summary>
    protected virtual void ProcessFile(string path) =>
        EnqueueFailure(path, new TroubleshooterException(ErrorIds.UnrecognizedInput, FailureCategory.InvalidArgument,
            $"'{path}' is a local file; {MyInvocation.MyCommand.Name} reads secrets from AWS."));
}

/// <summary>
/// A cmdlet that answers for secrets (as <see cref="SecretCmdlet"/>) or for rotation functions: names or ARNs
/// (-FunctionName), objects with FunctionArn, RotationFunctionArn, RotationLambdaARN or FunctionName, and a function's
/// name or ARN given where a secret was expected.
/// </summary>
public abstract class SecretOrFunctionCmdlet : SecretCmdlet
{
    protected const string FunctionSet = "FunctionName";

    [Parameter(Mandatory = true, ParameterSetName = FunctionSet)]
    [Alias("FunctionArn", "RotationLambdaARN", "RotationFunctionArn")]
    [ValidateNotNullOrEmpty]
    [TargetIdTransformation(TargetKind.Function)]
    public string[] FunctionName { get; set; } = [];

    protected override void ProcessRecord()
    {
        if (ParameterSetName != FunctionSet)
        {
            base.ProcessRecord();
            return;
        }
        foreach (var id in FunctionName) Process(new Target(TargetKind.Function, id));
    }

    protected abstract override Task<IEnumerable<object>> ForFunctionAsync(AwsSession session, string functionId, CancellationToken stop);
}

/// <summary>
/// A <see cref="SecretOrFunctionCmdlet"/> that also reads local files (-Path, -LiteralPath, piped file objects)
/// without AWS: the AWS parameters are offered only in the sets that call AWS.
/// </summary>
public abstract class SecretFunctionOrFileCmdlet : SecretOrFunctionCmdlet
{
    protected const string PathSet = "Path";

    protected override bool MayWorkOffline => MyInvocation.ExpectingInput || ParameterSetName is not (SecretSet or FunctionSet);

    [Parameter(ParameterSetName = SecretSet)] [Parameter(ParameterSetName = FunctionSet)] [Parameter(ParameterSetName = InputSet)]
    [Alias("StoredCredentials", "AWSProfileName")]
    public override string? ProfileName { get => base.ProfileName; set => base.ProfileName = value; }

    [Parameter(ParameterSetName = SecretSet)] [Parameter(ParameterSetName = FunctionSet)] [Parameter(ParameterSetName = InputSet)]
    [Alias("AWSProfilesLocation", "ProfilesLocation")]
    public override string? ProfileLocation { get => base.ProfileLocation; set => base.ProfileLocation = value; }

    [Parameter(ParameterSetName = SecretSet)] [Parameter(ParameterSetName = FunctionSet)] [Parameter(ParameterSetName = InputSet)]
    [Alias("RegionToCall")]
    public override string? Region { get => base.Region; set => base.Region = value; }

    [Parameter(ParameterSetName = SecretSet)] [Parameter(ParameterSetName = FunctionSet)] [Parameter(ParameterSetName = InputSet)]
    [Alias("AK")]
    public override string? AccessKey { get => base.AccessKey; set => base.AccessKey = value; }

    [Parameter(ParameterSetName = SecretSet)] [Parameter(ParameterSetName = FunctionSet)] [Parameter(ParameterSetName = InputSet)]
    [Alias("SK", "SecretAccessKey")]
    public override string? SecretKey { get => base.SecretKey; set => base.SecretKey = value; }

    [Parameter(ParameterSetName = SecretSet)] [Parameter(ParameterSetName = FunctionSet)] [Parameter(ParameterSetName = InputSet)]
    [Alias("ST")]
    public override string? SessionToken { get => base.SessionToken; set => base.SessionToken = value; }

    [Parameter(ParameterSetName = SecretSet)] [Parameter(ParameterSetName = FunctionSet)] [Parameter(ParameterSetName = InputSet)]
    [AwsCredentialsOnly]
    public override PSObject? Credential { get => base.Credential; set => base.Credential = value; }

    [Parameter(ParameterSetName = SecretSet)] [Parameter(ParameterSetName = FunctionSet)] [Parameter(ParameterSetName = InputSet)]
    public override string? EndpointUrl { get => base.EndpointUrl; set => base.EndpointUrl = value; }

    /// <summary>Files are read on the pipeline thread by the cmdlet; this is what a file given in the pipeline does.</summary>
    protected abstract override void ProcessFile(string path);
}
