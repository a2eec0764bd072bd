namespace RotationTroubleshooter.Diagnosis;

/// <summary>The stable check ids of Test-SecretRotation, with a line each for tab completion and help.</summary>
public static class CheckIds
{
    public const string RotationNotConfigured = nameof(RotationNotConfigured);
    public const string RotationDisabled = nameof(RotationDisabled);
    public const string RotationFunctionMissing = nameof(RotationFunctionMissing);
    public const string RotationFunctionNotActive = nameof(RotationFunctionNotActive);
    public const string InvokePermissionMissing = nameof(InvokePermissionMissing);
    public const string FunctionTimeoutTooShort = nameof(FunctionTimeoutTooShort);
    public const string SecretsManagerEndpointVariableMissing = nameof(SecretsManagerEndpointVariableMissing);
    public const string SecretsManagerEndpointVariableWrongRegion = nameof(SecretsManagerEndpointVariableWrongRegion);
    public const string FunctionRuntimeDeprecated = nameof(FunctionRuntimeDeprecated);
    public const string PendingVersionStuck = nameof(PendingVersionStuck);
    public const string RotationOverdue = nameof(RotationOverdue);
    public const string SecretNotJson = nameof(SecretNotJson);
    public const string SecretJsonKeyMissing = nameof(SecretJsonKeyMissing);
    public const string EngineMismatch = nameof(EngineMismatch);
    public const string MasterSecretUnreadable = nameof(MasterSecretUnreadable);
    public const string CustomerManagedKeyNeedsRolePermission = nameof(CustomerManagedKeyNeedsRolePermission);
    public const string LastRotationAttempt = nameof(LastRotationAttempt);
    public const string LibpqLacksScram = nameof(LibpqLacksScram);
    public const string FunctionPredatesTls = nameof(FunctionPredatesTls);
    public const string FunctionPredatesScram = nameof(FunctionPredatesScram);
    public const string NetworkPath = nameof(NetworkPath);
    public const string DatabaseLogin = nameof(DatabaseLogin);
    public const string CheckSkipped = nameof(CheckSkipped);

    /// <summary>Every check that -Check and -ExcludeCheck can name, with what it looks at.</summary>
    public static readonly IReadOnlyDictionary<string, string> Selectable = new Dictionary<string, string>
    {
        [RotationNotConfigured] = "rotation was never configured, or was configured and then turned off",
        [RotationFunctionMissing] = "the rotation function exists and is active",
        [InvokePermissionMissing] = "the function's resource policy lets Secrets Manager invoke it for this secret",
        [FunctionTimeoutTooShort] = "the function's timeout leaves room for the templates' connection attempts",
        [SecretsManagerEndpointVariableMissing] = "SECRETS_MANAGER_ENDPOINT is set and names this region",
        [FunctionRuntimeDeprecated] = "the function's Lambda runtime is still supported",
        [PendingVersionStuck] = "no AWSPENDING version is left over from a failed rotation",
        [RotationOverdue] = "the last rotation happened on schedule",
        [SecretJsonKeyMissing] = "the secret's JSON has the keys and engine the function's template needs (reads the value; key names only)",
        [CustomerManagedKeyNeedsRolePermission] = "the function's role may use the secret's customer managed KMS key",
        [LastRotationAttempt] = "the newest rotation attempt in the function's logs, and its symptom",
        [LibpqLacksScram] = "the function's bundled libpq can do scram-sha-256 (PostgreSQL)",
        [FunctionPredatesTls] = "the function's age against the TLS (2021-12-20) and SCRAM (2021-12-30) template fixes",
        [NetworkPath] = "the function's VPC path to Secrets Manager and to the database",
        [DatabaseLogin] = "logs into the database with each version (only with -IncludeDatabaseLogin)",
    };
}
