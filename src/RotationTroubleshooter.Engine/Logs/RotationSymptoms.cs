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
        "createSecret finished and no setSecret followed, or the invocation timed out right after createSecret's line: the attempt stalled after createSecret.",
        "Check that network ACLs and the Secrets Manager VPC endpoint's security groups allow HTTPS (443) and the ephemeral ports both ways for the function's subnets, that the endpoint policy allows the function's role, and that the function timeout is long enough (30 s or more).",
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

    /// <summary>The templates log one line whatever refused the login, so the remediation names every candidate.</summary>
    public static readonly FindingDefinition DatabaseLoginRejected = new(nameof(DatabaseLoginRejected), FindingSeverity.Error,
        "setSecret could not log into the database, faster than the 5 s connect timeout: something answered at once (a refused login or a refused connection).",
        "One of: the secret's username or password does not match the database user; nothing listens on the secret's host and port; the database accepts the user only over TLS and the function connects without it; the database wants scram-sha-256 and the function's libpq is older than 10. Test-RotationDatabaseLogin, run from the function's network, tells them apart.",
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

    /// <summary>The templates' guard: the version Secrets Manager invokes them for is not (or no longer) labelled AWSPENDING.</summary>
    public static readonly FindingDefinition RotatedVersionNotPending = new(nameof(RotatedVersionNotPending), FindingSeverity.Error,
        "Secrets Manager called the function for a version that is not labelled AWSPENDING (\"not set as AWSPENDING\" or \"has no stage for rotation\"): the label was moved or removed while the rotation was retried.",
        "Start a new rotation (Start-SecretRotation, or Invoke-SECSecretRotation), which makes a new version; if another version still holds AWSPENDING, remove that label first (Repair-SecretRotation).",
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

    public static readonly FindingDefinition PendingUserMismatch = new(nameof(PendingUserMismatch), FindingSeverity.Error,
        "The AWSPENDING version names another user than the version setSecret compares it with (\"Attempting to modify user ... other than current user\"): the pending version is stale.",
        "The AWSPENDING version names another user than AWSCURRENT (multi-user: than AWSCURRENT's user or its _clone) or, when AWSCURRENT could not log in, AWSPREVIOUS; usually the secret's username was changed while a rotation was unfinished: take the AWSPENDING label off that version (update-secret-version-stage --version-stage AWSPENDING --remove-from-version-id <id>) so that the next rotation makes a new one from AWSCURRENT, and make AWSCURRENT's username and password valid on the database.",
        AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition PendingHostMismatch = new(nameof(PendingHostMismatch), FindingSeverity.Error,
        "The AWSPENDING version names another host or database than the version setSecret compares it with (\"Attempting to modify user for host ...\"): the pending version is stale.",
        "The AWSPENDING version names another host (or database) than the version the template compares it with, usually because the secret was edited while a rotation was unfinished: take the AWSPENDING label off that version (update-secret-version-stage --version-stage AWSPENDING --remove-from-version-id <id>) so that the next rotation makes a new one from AWSCURRENT, and make AWSCURRENT name the database to rotate.",
        AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition MasterHostMismatch = new(nameof(MasterHostMismatch), FindingSeverity.Error,
        "The master secret names another host than this secret, and this one is not its RDS read replica (\"is not the same host as/rds replica of master\").",
        "The master secret (masterarn) names another host than this secret, and this secret's host is not an RDS read replica of it: point masterarn at the master secret of this secret's database, or make both secrets name the same endpoint.",
        AwsDocs.RotationTemplates);

    public static readonly FindingDefinition CloneUsernameTooLong = new(nameof(CloneUsernameTooLong), FindingSeverity.Error,
        "Multi-user rotation cannot make the _clone user: the name would pass the engine's limit (\"username length with _clone appended would exceed\").",
        "Multi-user rotation alternates between the user and the user with _clone appended, which would be longer than the engine allows (the limit is in the evidence): use a username at least 6 characters shorter than that limit, or rotate this user with the single-user template.",
        AwsDocs.RotationTemplates);

    public static readonly FindingDefinition MasterDatabaseNotFound = new(nameof(MasterDatabaseNotFound), FindingSeverity.Error,
        "The master secret is managed by RDS or Redshift and the database its tag names was not found (\"is not a valid DB Instance ARN\").",
        "The master secret holds only username and password (a secret managed by RDS or Redshift), so the template finds its host from the database ARN in the secret's aws:rds:primaryDBInstanceArn / primaryDBClusterArn (Redshift: aws:redshift:primaryclusterarn) tag, and no such database was found: point masterarn at the database's current managed master secret, or add engine, host, port and dbname to the master secret.",
        AwsDocs.RotationTemplates);

    public static readonly FindingDefinition ConnectionParametersLookupFailed = new(nameof(ConnectionParametersLookupFailed), FindingSeverity.Error,
        "The template could not look up the master secret's database with RDS or Redshift (\"Encountered API error while fetching connection parameters\").",
        "The template could not ask RDS (DescribeDBInstances/DescribeDBClusters) or Redshift about the master secret's database (the API error is in the evidence): allow the function's role rds:DescribeDBInstances and rds:DescribeDBClusters (Redshift: redshift:DescribeClusters, redshift-serverless:ListNamespaces and ListWorkgroups) and, in a VPC, give it a route to that API (NAT gateway or an interface VPC endpoint).",
        AwsDocs.FunctionPermissions);

    public static readonly FindingDefinition SetPasswordFailed = new(nameof(SetPasswordFailed), FindingSeverity.Error,
        "MongoDB accepted the login but refused to change the password (\"Error encountered when attempting to set password\").",
        "MongoDB accepted the login but refused to change the password (updateUser or createUser): give the user that makes the change the privilege to do it (changeOwnPassword for single-user rotation; userAdmin on the database for the master user of multi-user rotation), then rotate again.",
        AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition TlsHostnameMismatch = new(nameof(TlsHostnameMismatch), FindingSeverity.Error,
        "The database's TLS certificate does not name the host in the secret (\"Hostname verification failed\", or libpq's \"does not match host name\").",
        "The database's TLS certificate does not name the host in the secret (an IP address, a CNAME or a proxy name instead of the name the certificate was issued for): set the secret's host to a name the certificate carries (for RDS, the instance or cluster endpoint), then rotate again.",
        AwsDocs.RotationTroubleshooting);

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
        TestSecretLoginFailed, RotationNotEnabledForSecret, PendingVersionStuck, RotatedVersionNotPending, EngineMismatch, FunctionImportError, KmsAccessDenied,
        PendingUserMismatch, PendingHostMismatch, MasterHostMismatch, CloneUsernameTooLong, MasterDatabaseNotFound,
        ConnectionParametersLookupFailed, SetPasswordFailed, TlsHostnameMismatch, Succeeded, Unknown,
    ];

    /// <summary>The symptoms of a failed database login (after which Test-SecretRotation asks the database what it answers).</summary>
    public static IReadOnlyList<FindingDefinition> LoginFailures { get; } = [DatabaseLoginRejected, DatabaseUnreachable, TestSecretLoginFailed];

    /// <summary>The definition of a symptom id; null for an id this build does not know.</summary>
    public static FindingDefinition? Of(string id) => All.FirstOrDefault(d => d.Id == id);
}
