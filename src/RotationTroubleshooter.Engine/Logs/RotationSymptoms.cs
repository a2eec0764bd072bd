namespace RotationTroubleshooter.Logs;

/// <summary>
/// What a rotation attempt's logs show, named after AWS's rotation troubleshooting guide: the symptom ids of
/// Get-RotationFunctionLog, which are also Test-SecretRotation's finding ids (docs/reference/rotation.md, "What the functions log", says which
/// log lines and durations mean which).
/// </summary>
public static class RotationSymptoms
{
    public static readonly FindingDefinition TimeoutReachingSecretsManager = new(nameof(TimeoutReachingSecretsManager), FindingSeverity.Error,
        "The invocation timed out with nothing logged after \"Found credentials in environment variables\": the function cannot reach Secrets Manager.",
        "The function cannot reach the Secrets Manager endpoint: give its subnets a route to a NAT gateway, or add an interface VPC endpoint com.amazonaws.<region>.secretsmanager with private DNS and security groups allowing TCP 443.",
        AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition StalledAfterCreateSecret = new(nameof(StalledAfterCreateSecret), FindingSeverity.Error,
        "createSecret finished and no setSecret followed: the attempt stalled after createSecret.",
        "Check that network ACLs and the Secrets Manager VPC endpoint's security groups allow HTTPS (443) and the ephemeral ports both ways for the function's subnets, and that the function timeout is long enough (30 s or more).",
        AwsDocs.RotationTroubleshooting);

    /// <summary>Also raised from the secret's JSON by Test-SecretRotation: one finding carries both pieces of evidence.</summary>
    public static readonly FindingDefinition SecretJsonKeyMissing = new(nameof(SecretJsonKeyMissing), FindingSeverity.Error,
        "The secret's JSON lacks a key the rotation function's template needs (\"<key> key is missing from secret JSON\").",
        "Add the missing key to the secret's JSON (AWSCURRENT), keeping the other keys; the templates need engine, host, username and password, and masterarn for multi-user rotation.",
        AwsDocs.RotationTemplates);

    public static readonly FindingDefinition DatabaseUnreachable = new(nameof(DatabaseUnreachable), FindingSeverity.Error,
        "setSecret or testSecret could not reach the database: it ran past the templates' 5 s connect timeout, or timed out.",
        "Let the function reach the database: allow the database port outbound from the function's security group and inbound on the database's, with a route and network ACLs between their subnets (and a function timeout above 30 s).",
        AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition DatabaseLoginRejected = new(nameof(DatabaseLoginRejected), FindingSeverity.Error,
        "setSecret could not log into the database, faster than the 5 s connect timeout: the database answered and the login failed.",
        "The database refused the credentials: make the secret's username and password (AWSCURRENT) match the database user, then rotate again.",
        AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition TestSecretLoginFailed = new(nameof(TestSecretLoginFailed), FindingSeverity.Error,
        "setSecret changed the password but testSecret could not log in with it.",
        "Check the user's authentication rules (pg_hba.conf, require_secure_transport), the secret's host, port and dbname, and any replica lag.",
        AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition RotationNotEnabledForSecret = new(nameof(RotationNotEnabledForSecret), FindingSeverity.Error,
        "The function was invoked for a secret that does not have rotation enabled (\"is not enabled for rotation\").",
        "Turn on rotation for this secret with this function (RotateSecret with RotationLambdaARN), or stop invoking the function for it.",
        AwsDocs.RotationTroubleshooting);

    /// <summary>Also raised from the secret's version stages by Test-SecretRotation.</summary>
    public static readonly FindingDefinition PendingVersionStuck = new(nameof(PendingVersionStuck), FindingSeverity.Error,
        "A version is still labelled AWSPENDING: the next rotation will fail with \"A previous rotation isn't complete\".",
        "Find why the last rotation stopped (Get-RotationFunctionLog), fix it, then remove the AWSPENDING label from that version (Update-SECSecretVersionStage -VersionStage AWSPENDING -RemoveFromVersionId <id>) and rotate again.",
        AwsDocs.RotationTroubleshooting);

    /// <summary>Also raised from the secret's JSON by Test-SecretRotation.</summary>
    public static readonly FindingDefinition EngineMismatch = new(nameof(EngineMismatch), FindingSeverity.Error,
        "The secret's engine key does not match the rotation function's template (\"Database engine must be set to ...\").",
        "Set the secret's engine key to the value the template expects, or rotate the secret with the template for its database engine.",
        AwsDocs.RotationTemplates);

    public static readonly FindingDefinition FunctionImportError = new(nameof(FunctionImportError), FindingSeverity.Error,
        "The function's package could not be imported (Runtime.ImportModuleError): a module or native driver is missing.",
        "Redeploy the function from AWS's rotation template, or rebuild the package with its native driver built for the function's runtime and architecture.",
        AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition KmsAccessDenied = new(nameof(KmsAccessDenied), FindingSeverity.Error,
        "The function may not use the secret's KMS key (\"Access to KMS is not allowed\").",
        "Grant the function's execution role kms:Decrypt and kms:GenerateDataKey on the secret's customer managed KMS key (in the role policy and the key policy).",
        AwsDocs.FunctionPermissions);

    /// <summary>The newest attempt succeeded (an Info finding).</summary>
    public static readonly FindingDefinition Succeeded = new(nameof(Succeeded), FindingSeverity.Info,
        "The newest rotation attempt succeeded.", "Nothing to do.", AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition Unknown = new(nameof(Unknown), FindingSeverity.Error,
        "The newest rotation attempt failed in a way no known symptom matches.",
        "No known symptom matched: read the evidence lines (the last messages of the failing invocation) and the function's full log stream.",
        AwsDocs.RotationTroubleshooting);

    /// <summary>Every symptom, for the catalogue.</summary>
    public static IReadOnlyList<FindingDefinition> All { get; } =
    [
        TimeoutReachingSecretsManager, StalledAfterCreateSecret, SecretJsonKeyMissing, DatabaseUnreachable, DatabaseLoginRejected,
        TestSecretLoginFailed, RotationNotEnabledForSecret, PendingVersionStuck, EngineMismatch, FunctionImportError, KmsAccessDenied,
        Succeeded, Unknown,
    ];

    /// <summary>The definition of a symptom id; null for an id this build does not know.</summary>
    public static FindingDefinition? Of(string id) => All.FirstOrDefault(d => d.Id == id);
}
