using RotationTroubleshooter.Database;
using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>
/// When the newest attempt failed to log into the database: what the database answers from this machine without any
/// credential (DatabaseServerProbe: TCP, TLS, the authentication it asks for, a refusal without TLS).
/// </summary>
internal sealed class DatabaseServerCheck : RotationCheck
{
    public static readonly FindingDefinition DatabaseProbeNotConclusive = new(nameof(DatabaseProbeNotConclusive), FindingSeverity.Info,
        "The database's address is private to a network this machine is not in: how its port answers here says nothing of the function's view.",
        "Run Test-SecretRotation (or Test-RotationDatabaseLogin) from a host in the function's VPC and subnets.",
        AwsDocs.RotationTroubleshooting);

    public override string Description =>
        "when the logs show a failed database login: what the database answers from here without credentials (port, TLS, the authentication it asks for; `-SkipDatabaseProbe` skips it)";
    public override CheckArea Area => CheckArea.Database;
    public override IReadOnlyList<FindingDefinition> Findings { get; } =
    [
        DatabaseServerFindings.DatabasePortClosed, DatabaseServerFindings.DatabaseDoesNotAnswer, DatabaseLoginFindings.DatabaseRequiresTlsSecretDisablesIt,
        DatabaseLoginFindings.DatabaseRequiresTlsButFunctionPredatesTls, DatabaseServerFindings.DatabaseTlsNotOffered,
        DatabaseLoginFindings.DatabaseRequiresScramButFunctionLibpqTooOld, DatabaseProbeNotConclusive,
    ];
    public override IReadOnlyList<Input> Inputs { get; } = [FunctionInputs.LatestAttempt, DatabaseInputs.Server, SecretInputs.CurrentValue];
    // What the function bundles and when it was set up decide whether the server's demands are a problem.
    public override IReadOnlyList<Input> OptionalInputs { get; } = [FunctionInputs.Age, FunctionInputs.Bundle];

    public override async Task RunAsync(CheckContext context, CancellationToken cancellation)
    {
        var attempt = await context.GetAsync(FunctionInputs.LatestAttempt, cancellation).ConfigureAwait(false);
        if (attempt is not { Outcome: not RotationAttemptOutcome.Succeeded } || RotationSymptoms.LoginFailures.All(s => s.Id != attempt.Symptom)) return;
        if (await context.GetAsync(DatabaseInputs.Server, cancellation).ConfigureAwait(false) is not { } server) return;
        var evidence = server.Evidence;
        if (!server.SeesFunctionsNetwork && server.Tcp != TcpAnswer.Open)
            context.Add(DatabaseProbeNotConclusive.Raise([.. evidence, $"Seen from {server.Vantage}."]));
        else if (server.Tcp == TcpAnswer.Refused)
            context.Add(DatabaseServerFindings.DatabasePortClosed.Raise(evidence));
        else if (server.Tcp == TcpAnswer.NoAnswer)
            context.Add(DatabaseServerFindings.DatabaseDoesNotAnswer.Raise(evidence));

        var tls = DatabaseEngines.TlsPreferenceOf(await context.GetAsync(SecretInputs.CurrentValue, cancellation).ConfigureAwait(false));
        if (server.RefusesThePlainLoginTheSecretAsksFor(tls))
            context.Add(DatabaseLoginFindings.DatabaseRequiresTlsSecretDisablesIt.Raise(evidence));
        if (server.PlainRefusedForUser == true
            && server.RefusesTheFunctionsPlainLogin((await context.TryGetAsync(FunctionInputs.Age, cancellation).ConfigureAwait(false))?.PredatesTlsSupport))
            context.Add(DatabaseLoginFindings.DatabaseRequiresTlsButFunctionPredatesTls.Raise(evidence,
                $"{server.Endpoint} refuses this user without TLS, and the rotation function was deployed before the templates supported TLS."));
        if (server.LacksTheTlsTheSecretInsistsOn(tls))
            context.Add(DatabaseServerFindings.DatabaseTlsNotOffered.Raise(evidence));
        if (server.AuthenticationMethod == "scram-sha-256"
            && FunctionInputs.OldestLibpq(await context.TryGetAsync(FunctionInputs.Bundle, cancellation).ConfigureAwait(false)) is { } libpq
            && server.AsksForScramOf(libpq))
            context.Add(DatabaseLoginFindings.DatabaseRequiresScramButFunctionLibpqTooOld.Raise([.. evidence, $"The function bundles libpq {libpq}."],
                $"{server.Endpoint} asks for scram-sha-256, but the rotation function bundles libpq {libpq}, which cannot do SCRAM (it needs 10 or later)."));
    }
}
