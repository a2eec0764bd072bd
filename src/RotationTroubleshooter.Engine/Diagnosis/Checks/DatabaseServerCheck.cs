using RotationTroubleshooter.Database;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>
/// When the newest attempt failed to log into the database: what the database answers from this machine without any
/// credential (DatabaseServerProbe: TCP, TLS, the authentication it asks for, a refusal without TLS).
/// </summary>
internal sealed class DatabaseServerCheck : RotationCheck
{
    public static readonly FindingDefinition DatabasePortClosed = new(nameof(DatabasePortClosed), FindingSeverity.Error,
        "Nothing listens on the secret's host and port: the connection is refused at once, so every login fails.",
        "Make the secret's host and port name the database's endpoint (for RDS, the instance or cluster endpoint and its port), or start the database.",
        AwsDocs.SecretJsonStructure);

    public static readonly FindingDefinition DatabaseDoesNotAnswer = new(nameof(DatabaseDoesNotAnswer), FindingSeverity.Error,
        "The secret's database does not answer a connection within the templates' 5 s: packets are dropped on the way (security group, network ACL, route) or the host is down.",
        "Let the function reach the database: allow the database port outbound from the function's security group and inbound on the database's, with a route and network ACLs between their subnets; check that the database is running.",
        AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition DatabaseTlsNotOffered = new(nameof(DatabaseTlsNotOffered), FindingSeverity.Error,
        "The secret says \"ssl\": true, but the database offers no TLS: the function never connects.",
        "Turn on TLS on the database, or remove the ssl key from the secret (the function then tries TLS and falls back to a plain connection).",
        AwsDocs.RotationTroubleshooting);

    public static readonly FindingDefinition DatabaseProbeNotConclusive = new(nameof(DatabaseProbeNotConclusive), FindingSeverity.Info,
        "The database's address is private to a network this machine is not in: how its port answers here says nothing of the function's view.",
        "Run Test-SecretRotation (or Test-RotationDatabaseLogin) from a host in the function's VPC and subnets.",
        AwsDocs.RotationTroubleshooting);

    public override string Id => "DatabaseServer";
    public override string Description =>
        "when the logs show a failed database login: what the database answers from here without credentials (port, TLS, the authentication it asks for; `-SkipDatabaseProbe` skips it)";
    public override CheckArea Area => CheckArea.Database;
    public override IReadOnlyList<FindingDefinition> Findings { get; } =
    [
        DatabasePortClosed, DatabaseDoesNotAnswer, DatabaseLoginFindings.DatabaseRequiresTlsSecretDisablesIt, DatabaseLoginFindings.DatabaseRequiresTlsButFunctionPredatesTls,
        DatabaseTlsNotOffered, DatabaseLoginFindings.DatabaseRequiresScramButFunctionLibpqTooOld, DatabaseProbeNotConclusive,
    ];
    public override IReadOnlyList<string> Permissions { get; } = ["secretsmanager:GetSecretValue", "logs:FilterLogEvents"];
    public override bool AppliesTo(DiagnosisContext context) =>
        base.AppliesTo(context) && !context.Options.SkipDatabaseProbe && !context.Options.SkipSecretValue;

    /// <summary>The symptoms of a failed database login, after which the probe runs.</summary>
    internal static readonly FindingDefinition[] LoginSymptoms =
        [RotationSymptoms.DatabaseLoginRejected, RotationSymptoms.DatabaseUnreachable, RotationSymptoms.TestSecretLoginFailed];

    public override async Task RunAsync(DiagnosisContext context, CancellationToken cancellation)
    {
        var attempt = await context.LatestAttemptAsync(cancellation).ConfigureAwait(false);
        if (attempt is not { Outcome: not RotationAttemptOutcome.Succeeded } || LoginSymptoms.All(s => s.Id != attempt.Symptom)) return;
        if (await context.DatabaseServerAsync(cancellation).ConfigureAwait(false) is not { } server) return;
        var evidence = server.Evidence;
        if (!server.SeesFunctionsNetwork && server.Tcp != TcpAnswer.Open)
            context.Add(this, DatabaseProbeNotConclusive.Raise([.. evidence, $"Seen from {server.Vantage}."]));
        else if (server.Tcp == TcpAnswer.Refused)
            context.Add(this, DatabasePortClosed.Raise(evidence));
        else if (server.Tcp == TcpAnswer.NoAnswer)
            context.Add(this, DatabaseDoesNotAnswer.Raise(evidence));

        var tls = await context.TlsPreferenceAsync(cancellation).ConfigureAwait(false);
        if (server.PlainRefusedForUser == true && tls == DatabaseTlsPreference.PlainOnly)
            context.Add(this, DatabaseLoginFindings.DatabaseRequiresTlsSecretDisablesIt.Raise(evidence));
        if (server.PlainRefusedForUser == true && (await Causes.CauseEvidence.OrNullAsync(context.AgeAsync(cancellation)).ConfigureAwait(false))?.PredatesTlsSupport == true)
            context.Add(this, DatabaseLoginFindings.DatabaseRequiresTlsButFunctionPredatesTls.Raise(evidence,
                $"{server.Endpoint} refuses this user without TLS, and the rotation function was deployed before the templates supported TLS."));
        if (server.TlsOffered == false && tls == DatabaseTlsPreference.TlsOnly)
            context.Add(this, DatabaseTlsNotOffered.Raise(evidence));
        if (server.AuthenticationMethod == "scram-sha-256" && await LibpqMajorAsync(context, cancellation).ConfigureAwait(false) is < 10 and var libpq)
            context.Add(this, DatabaseLoginFindings.DatabaseRequiresScramButFunctionLibpqTooOld.Raise([.. evidence, $"The function bundles libpq {libpq}."],
                $"{server.Endpoint} asks for scram-sha-256, but the rotation function bundles libpq {libpq}, which cannot do SCRAM (it needs 10 or later)."));
    }

    /// <summary>The oldest libpq the function bundles; null when unknown (not PostgreSQL, bundle unreadable).</summary>
    internal static async Task<int?> LibpqMajorAsync(DiagnosisContext context, CancellationToken cancellation) =>
        (await Causes.CauseEvidence.OrNullAsync(context.LibpqAsync(cancellation)).ConfigureAwait(false))?
            .Where(r => r.LibpqMajorVersion != null).Select(r => r.LibpqMajorVersion).Min();
}
