using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Evidence;

/// <summary>What Secrets Manager says about a secret: its description, its current value's key names, its versions.</summary>
public static class SecretInputs
{
    /// <summary>
    /// DescribeSecret, once per secret id (name or ARN) per run; a listing's entries are remembered under both. A missing
    /// secret is SecretNotFound. A diagnosis starts from it; a check reads it for another secret (a master secret).
    /// </summary>
    public static readonly SharedInput<string, SecretDescription> Description = new()
    {
        Id = "SecretDescription",
        Description = "the secret's description (rotation configuration, labels, AWS's tags)",
        Permissions = ["secretsmanager:DescribeSecret"],
        SharedBy = InputScope.Secret,
        Key = reader => reader.SecretArn,
        Fetch = async (session, id, cancellation) =>
        {
            try
            {
                return KeepingAwsTags(await session.SecretsManager.DescribeSecretAsync(id, cancellation).ConfigureAwait(false));
            }
            catch (AwsServiceException e) when (e.Kind == AwsErrorKind.NotFound)
            {
                throw new TroubleshooterException(ErrorIds.SecretNotFound, FailureCategory.NotFound,
                    $"Secret '{id}' was not found in {session.Connection.RegionName}. Check the name or ARN, and -Region.", e);
            }
        },
    };

    /// <summary>
    /// The AWSCURRENT value as the checks may know it (key names and the few keys that are no secret; never a value),
    /// read twenty at a time when a listing reads ahead.
    /// </summary>
    public static readonly SharedInput<string, SecretValue> CurrentValue = new()
    {
        Id = "CurrentValue",
        Description = "the AWSCURRENT value's key names (never its values)",
        Permissions = ["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue", "kms:Decrypt"],
        SharedBy = InputScope.Secret,
        ReadAhead = true,
        WithheldBy = options => options.SkipSecretValue ? "-SkipSecretValue" : null,
        Key = reader => reader.SecretArn,
        Fetch = (session, id, cancellation) => session.Get<SecretValueClient>().GetSecretValueAsync(id, "AWSCURRENT", cancellation),
        Batch = new(SecretValueClient.BatchSize, (session, ids, cancellation) => session.Get<SecretValueClient>().ReadCurrentBatchAsync(ids, cancellation)),
    };

    /// <summary>ListSecretVersionIds: when each version was created (asked for only when a version is stuck).</summary>
    public static readonly SharedInput<string, IReadOnlyList<SecretVersionEntry>> Versions = new()
    {
        Id = "SecretVersions",
        Description = "the secret's versions and their creation dates",
        Permissions = ["secretsmanager:ListSecretVersionIds"],
        SharedBy = InputScope.Secret,
        Key = reader => reader.SecretArn,
        Fetch = async (session, id, cancellation) =>
        {
            var versions = new List<SecretVersionEntry>();
            await foreach (var version in session.SecretsManager.ListSecretVersionIdsAsync(id, cancellation).ConfigureAwait(false))
                versions.Add(version);
            return versions;
        },
    };

    /// <summary>
    /// Drops the account's own tags from a description the run keeps: the checks read only the tags AWS sets (aws:...,
    /// a prefix accounts cannot use), and a fleet's own tags would otherwise stay in memory for the whole run.
    /// </summary>
    internal static SecretDescription KeepingAwsTags(SecretDescription secret)
    {
        secret.Tags = secret.Tags?.Where(t => t.Key?.StartsWith("aws:", StringComparison.OrdinalIgnoreCase) == true).ToList();
        return secret;
    }
}
