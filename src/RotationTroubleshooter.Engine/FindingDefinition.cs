namespace RotationTroubleshooter;

/// <summary>
/// A finding id, declared once where it is raised: its usual severity, what it means, what to do and where AWS documents
/// it. Test-SecretRotation's catalogue, -Check, tab completion and the docs are built from these.
/// </summary>
public sealed record FindingDefinition(string Id, FindingSeverity Severity, string Summary, string Remediation, string HelpUri)
{
    /// <summary>A finding of this id; message, remediation and severity default to the definition's.</summary>
    public Finding Raise(IReadOnlyList<string> evidence, string? message = null, string? remediation = null, FindingSeverity? severity = null) =>
        new(Id, severity ?? Severity, message ?? Summary, evidence, remediation ?? Remediation, HelpUri);
}

/// <summary>The AWS documentation pages findings link to.</summary>
public static class AwsDocs
{
    public const string RotationTroubleshooting = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot_rotation.html";
    public const string InvokeAccessDenied = RotationTroubleshooting + "#troubleshoot_rotation_access-denied";
    public const string FunctionPermissions = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html";
    public const string RotationTemplates = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_available-rotation-templates.html";
    public const string SecretJsonStructure = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html";
    public const string Rotation = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets.html";
    public const string ManagedRotation = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_managed.html";
    public const string RotationSchedules = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html";
    public const string RdsSecretsManager = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html";
    public const string RdsEvents = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/working-with-events.html";
    public const string RotationNetwork = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotation-network-rqmts.html";
    public const string VpcEndpoint = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/vpc-endpoint-overview.html";
    public const string InterfaceEndpoints = "https://docs.aws.amazon.com/vpc/latest/privatelink/interface-endpoints.html";
    public const string SecurityGroupRules = "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html";
    public const string NetworkAclRules = "https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html";
    public const string PeeringRouting = "https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html";
    public const string RdsSecurityGroups = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.RDSSecurityGroups.html";
    public const string LambdaRuntimes = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html";
    public const string LambdaRuntimeUpdates = "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html";
    public const string LambdaPythonPackage = "https://docs.aws.amazon.com/lambda/latest/dg/python-package.html";
    public const string LambdaPythonLayers = "https://docs.aws.amazon.com/lambda/latest/dg/python-layers.html";
    public const string LambdaStates = "https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html";
}
