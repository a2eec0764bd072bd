using System.Management.Automation;

namespace RotationTroubleshooter.Commands;

/// <summary>
/// A cmdlet that answers for secrets (names, ARNs, Get-SECSecretList output) or for rotation functions (names, ARNs,
/// objects with FunctionName, FunctionArn or RotationLambdaARN), in two parameter sets.
/// </summary>
public abstract class SecretOrFunctionCmdlet : ConcurrentAwsCmdlet
{
    protected const string SecretSet = "SecretId";
    protected const string FunctionSet = "FunctionName";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = SecretSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("ARN")]
    [ValidateNotNullOrEmpty]
    public string[] SecretId { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = FunctionSet, ValueFromPipelineByPropertyName = true)]
    [Alias("FunctionArn", "RotationLambdaARN")]
    [ValidateNotNullOrEmpty]
    public string[] FunctionName { get; set; } = [];
}
