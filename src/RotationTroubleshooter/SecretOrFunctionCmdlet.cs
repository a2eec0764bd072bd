using System.Management.Automation;

namespace RotationTroubleshooter.Commands;

/// <summary>
/// A cmdlet that answers for secrets (as <see cref="SecretCmdlet"/>) or for rotation functions: names or ARNs
/// (-FunctionName), objects with FunctionArn, RotationFunctionArn, RotationLambdaARN or FunctionName, and a function's
/// name or ARN given where a secret was expected. One that also reads local files (-Path, piped file objects) says so
/// with <see cref="ReadsFiles"/>: the AWS parameters are offered only in the sets that call AWS, and credentials are
/// resolved only when an item needs them.
/// </summary>
public abstract class SecretOrFunctionCmdlet : SecretCmdlet
{
    protected const string FunctionSet = "FunctionName";
    protected const string PathSet = "Path";

    [Parameter(Mandatory = true, ParameterSetName = FunctionSet)]
    [Alias("FunctionArn", "RotationLambdaARN", "RotationFunctionArn")]
    [ValidateNotNullOrEmpty]
    [TargetIdTransformation(TargetKind.Function)]
    public string[] FunctionName { get; set; } = [];

    /// <summary>Whether the cmdlet reads local files too (its file parameter sets need no AWS).</summary>
    protected virtual bool ReadsFiles => false;

    protected override bool MayWorkOffline => ReadsFiles && (MyInvocation.ExpectingInput || ParameterSetName is not (SecretSet or FunctionSet));

    protected override IEnumerable<Target> Targets(Action<object, TroubleshooterException> refuse) =>
        ParameterSetName == FunctionSet ? FunctionName.Select(id => new Target(TargetKind.Function, id)) : base.Targets(refuse);

    // The AWS parameters in the sets that call AWS only: a cmdlet with file sets (-Path) needs none there.
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
}
