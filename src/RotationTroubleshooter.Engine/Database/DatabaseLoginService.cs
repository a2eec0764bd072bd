using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Database;

/// <summary>A stage whose login could not be tried: the secret version could not be read or used.</summary>
public sealed record DatabaseStageFailure(string Stage, TroubleshooterException Error);

/// <summary>What logging in with each version of one secret showed: a result per stage tried, a failure per stage that could not be.</summary>
public sealed class SecretLogins
{
    internal SecretLogins(string secretArn, string? secretName, IReadOnlyList<DatabaseLoginResult> results, IReadOnlyList<DatabaseStageFailure> failures)
    {
        SecretArn = secretArn;
        SecretName = secretName;
        Results = results;
        Failures = failures;
    }

    public string SecretArn { get; }
    public string? SecretName { get; }
    /// <summary>One per stage tried, in the order AWSCURRENT, AWSPREVIOUS, AWSPENDING.</summary>
    public IReadOnlyList<DatabaseLoginResult> Results { get; }
    /// <summary>Stages whose value could not be read (denied, KMS) or used (binary, not JSON, missing keys).</summary>
    public IReadOnlyList<DatabaseStageFailure> Failures { get; }
}

/// <summary>The outcome of a password audit started from a secret: which secret and user it ran as, and what it found.</summary>
public sealed record PostgresRoleAuditResult(string SecretArn, string AuditedWithSecretArn, string Endpoint, string AuditedAs,
    IReadOnlyList<PostgresNonScramRole> Roles);

/// <summary>
/// The database login check for one run (one per <see cref="AwsSession"/> through <c>session.Get&lt;DatabaseLoginService&gt;()</c>):
/// Test-SecretRotation and Test-RotationDatabaseLogin log in once per secret, stages and options however often they ask
/// (<see cref="DatabaseInputs.Login"/>).
/// Reads each version with GetSecretValue, logs in with it through <see cref="DatabaseLoginProbe"/>; secret values never leave the engine.
/// </summary>
public sealed class DatabaseLoginService(AwsSession session) : IRunService<DatabaseLoginService>
{
    public static DatabaseLoginService Create(AwsSession session) => new(session);

    /// <summary>The stages tried by default, in this order, when present on the secret.</summary>
    public static IReadOnlyList<string> Stages { get; } = ["AWSCURRENT", "AWSPREVIOUS", "AWSPENDING"];

    private readonly SecretValueClient _values = session.Get<SecretValueClient>();

    /// <summary>
    /// Logs in with each requested stage of the secret (null or empty: every one of AWSCURRENT, AWSPREVIOUS, AWSPENDING the secret has),
    /// one stage after the other. Cached per secret, stages and options for the run.
    /// </summary>
    /// <exception cref="TroubleshooterException">The secret itself cannot be described (SecretNotFound, denied) or has no versions.</exception>
    /// <exception cref="ArgumentException">A stage other than AWSCURRENT, AWSPREVIOUS, AWSPENDING (case matters, as for the labels).</exception>
    public async Task<SecretLogins> ForSecretAsync(string secretId, IReadOnlyCollection<string>? stages, DatabaseProbeOptions? options,
        CancellationToken cancellation)
    {
        CreateProbe(options ??= new DatabaseProbeOptions());
        var secret = await session.DescribeSecretAsync(secretId, cancellation).ConfigureAwait(false);
        if (stages?.FirstOrDefault(s => !Stages.Contains(s, StringComparer.Ordinal)) is { } unknown)
            throw new ArgumentException($"'{unknown}' is not one of the stages the login test knows ({string.Join(", ", Stages)}).", nameof(stages));
        var wanted = stages is { Count: > 0 } ? string.Join(",", Stages.Where(s => stages.Contains(s, StringComparer.Ordinal))) : null;
        var question = new LoginQuestion(secret.ARN ?? secretId, wanted, options);
        return await DatabaseInputs.Login.GetAsync(session, question, ct => LogInAsync(question, ct), cancellation).ConfigureAwait(false);
    }

    /// <summary>Logs in now, with the stages the question names (null: every one the secret has); the run's shared read is <see cref="DatabaseInputs.Login"/>.</summary>
    internal async Task<SecretLogins> LogInAsync(LoginQuestion question, CancellationToken cancellation)
    {
        var probe = CreateProbe(question.Options);
        var secret = await session.DescribeSecretAsync(question.SecretArn, cancellation).ConfigureAwait(false);
        return await CheckAsync(secret, secret.ARN ?? question.SecretArn, question.Stages?.Split(',').ToList(), probe, cancellation).ConfigureAwait(false);
    }

    private async Task<SecretLogins> CheckAsync(SecretDescription secret, string arn, List<string>? wanted, DatabaseLoginProbe probe,
        CancellationToken cancellation)
    {
        var present = (secret.VersionIdsToStages ?? []).SelectMany(v => v.Value.Select(stage => (Stage: stage, VersionId: v.Key)))
            .GroupBy(p => p.Stage, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().VersionId, StringComparer.Ordinal);
        if (present.Count == 0)
            throw new TroubleshooterException(ErrorIds.SecretHasNoValue, FailureCategory.NotFound,
                $"Secret '{secret.Name ?? arn}' has no versions, so there are no credentials to log in with.");

        var results = new List<DatabaseLoginResult>();
        var failures = new List<DatabaseStageFailure>();
        var owner = await OwnerEndpointAsync(secret, cancellation).ConfigureAwait(false);
        foreach (var stage in wanted ?? Stages.Where(present.ContainsKey).ToList())
        {
            if (!present.ContainsKey(stage))
            {
                failures.Add(new DatabaseStageFailure(stage, new TroubleshooterException(ErrorIds.StageNotFound, FailureCategory.NotFound,
                    $"Secret '{secret.Name ?? arn}' has no version labelled {stage} (its labels: {string.Join(", ", present.Keys.Order(StringComparer.Ordinal))}).")));
                continue;
            }

            DatabaseSecretVersion version;
            try
            {
                version = await _values.GetDatabaseSecretAsync(arn, stage, cancellation, owner).ConfigureAwait(false);
            }
            catch (TroubleshooterException e) when (e is not AwsServiceException { Kind: AwsErrorKind.Throttled or AwsErrorKind.Transport or AwsErrorKind.ExpiredToken or AwsErrorKind.InvalidCredentials })
            {
                failures.Add(new DatabaseStageFailure(stage, e));
                continue;
            }

            var result = await probe.TestLoginAsync(version.Connection, stage, cancellation).ConfigureAwait(false);
            results.Add(result.ForSecret(version.SecretArn, secret.Name, version.VersionId));
        }

        return new SecretLogins(arn, secret.Name, results, failures);
    }

    /// <summary>
    /// The owning database's endpoint for a secret RDS or Redshift manages (its value holds only a username and password);
    /// null for other secrets, or when the owner cannot be read (the value's own keys are then all there is).
    /// </summary>
    private async Task<Records.OwnerEndpoint?> OwnerEndpointAsync(SecretDescription secret, CancellationToken cancellation)
    {
        if (string.IsNullOrEmpty(secret.Owner) || OwningResource.OwnerOf(secret) is not { } resource) return null;
        try
        {
            return await DatabaseInputs.OwnerEndpoint.GetAsync(session, resource, cancellation).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.Kind is AwsErrorKind.AccessDenied or AwsErrorKind.NotFound or AwsErrorKind.Throttled or AwsErrorKind.Other)
        {
            return null;
        }
    }

    /// <summary>A probe for these options; a CA file that is missing or holds no certificates is one clear error.</summary>
    /// <exception cref="TroubleshooterException">CaCertificateInvalid, InvalidTimeout.</exception>
    public static DatabaseLoginProbe CreateProbe(DatabaseProbeOptions options)
    {
        try
        {
            return new DatabaseLoginProbe(options);
        }
        catch (Exception e) when (e is FileNotFoundException or ArgumentException)
        {
            var id = e is ArgumentOutOfRangeException ? ErrorIds.InvalidTimeout : ErrorIds.CaCertificateInvalid;
            throw new TroubleshooterException(id, FailureCategory.InvalidArgument, e.Message, e);
        }
    }

    /// <summary>
    /// AWS's "Checking for users with non-SCRAM passwords" for the secret's PostgreSQL server: logs in with the multi-user master secret
    /// named by the AWSCURRENT version's <c>masterarn</c> key when there is one, otherwise with the secret itself, and lists the login
    /// roles whose stored password is not a SCRAM verifier. Not cached: it is asked for once per secret.
    /// </summary>
    /// <exception cref="TroubleshooterException">
    /// Ids: UserAuditNotSupported (not PostgreSQL), UserAuditLoginFailed, UserAuditNotPermitted, UserAuditFailed, and those of reading the secrets.
    /// </exception>
    public async Task<PostgresRoleAuditResult> AuditUsersAsync(string secretId, DatabaseProbeOptions? options, CancellationToken cancellation)
    {
        CreateProbe(options ??= new DatabaseProbeOptions());
        var secret = await session.DescribeSecretAsync(secretId, cancellation).ConfigureAwait(false);
        var arn = secret.ARN ?? secretId;
        var own = await _values.GetDatabaseSecretAsync(arn, "AWSCURRENT", cancellation).ConfigureAwait(false);
        if (own.Connection.Engine != DatabaseEngine.PostgreSql)
            throw new TroubleshooterException(ErrorIds.UserAuditNotSupported, FailureCategory.InvalidArgument,
                $"The user audit reads PostgreSQL's pg_authid; secret '{secret.Name ?? arn}' is for {own.Connection.EngineName}.");

        var privileged = own;
        if (own.Connection.MasterArn is { } masterArn)
        {
            privileged = await _values.GetDatabaseSecretAsync(AwsArn.CheckSecretId(masterArn), "AWSCURRENT", cancellation).ConfigureAwait(false);
        }

        try
        {
            var roles = await PostgresPasswordAudit.FindNonScramRolesAsync(privileged.Connection, options, cancellation).ConfigureAwait(false);
            return new PostgresRoleAuditResult(arn, privileged.SecretArn, privileged.Connection.Endpoint, privileged.Connection.UserName,
                roles.Select(r => r.ForSecret(arn)).ToList());
        }
        catch (DatabaseAuditException e)
        {
            var source = ReferenceEquals(privileged, own) ? "the secret itself (it has no masterarn key)" : $"the master secret '{privileged.SecretArn}'";
            throw new TroubleshooterException(e.ErrorId, e.Category, $"The user audit for '{secret.Name ?? arn}' ran with {source}: {e.Message}");
        }
    }
}
