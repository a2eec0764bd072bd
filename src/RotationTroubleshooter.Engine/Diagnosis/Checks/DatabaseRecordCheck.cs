using RotationTroubleshooter.Database;
using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Logs;
using RotationTroubleshooter.Records;

namespace RotationTroubleshooter.Diagnosis.Checks;

/// <summary>
/// When the newest attempt failed to log into the database: what RDS, Redshift or Redshift Serverless records about the
/// database the secret's host names (docs/reference/rds-records.md), read without connecting to it, so that it decides
/// from any machine: the database is not available, the host or port is not its endpoint's, a proxy or a parameter
/// demands TLS the function does not use, the server stores SCRAM verifiers the function's libpq cannot use, an Oracle
/// option group demands native network encryption.
/// </summary>
internal sealed class DatabaseRecordCheck : RotationCheck
{
    public override string Description =>
        "when the logs show a failed database login: what RDS or Redshift records about the secret's database (status, endpoint and port, TLS and password parameters, proxy, Oracle option group), with no connection to it";
    public override CheckArea Area => CheckArea.Database;
    public override IReadOnlyList<FindingDefinition> Findings { get; } =
    [
        DatabaseRecordFindings.DatabaseNotAvailable, DatabaseRecordFindings.DatabaseHostNotEndpoint, DatabaseRecordFindings.DatabasePortNotEndpoint, DatabaseRecordFindings.ProxyRequiresTls, DatabaseLoginFindings.DatabaseRequiresTlsSecretDisablesIt,
        DatabaseLoginFindings.DatabaseRequiresTlsButFunctionPredatesTls, DatabaseLoginFindings.DatabaseRequiresScramButFunctionLibpqTooOld,
        DatabaseRecordFindings.OptionGroupRequiresNativeEncryption, DatabaseRecordFindings.ProxyTargetUnhealthy,
    ];
    public override IReadOnlyList<Input> Inputs { get; } = [FunctionInputs.LatestAttempt, DatabaseInputs.Address, DatabaseInputs.Record, SecretInputs.CurrentValue];
    // When the function was set up and which libpq it bundles decide whether a TLS or SCRAM demand is a problem.
    public override IReadOnlyList<Input> OptionalInputs { get; } = [FunctionInputs.Age, FunctionInputs.Bundle];

    public override async Task RunAsync(CheckContext context, CancellationToken cancellation)
    {
        var attempt = await context.GetAsync(FunctionInputs.LatestAttempt, cancellation).ConfigureAwait(false);
        if (attempt is not { Outcome: not RotationAttemptOutcome.Succeeded } || RotationSymptoms.LoginFailures.All(s => s.Id != attempt.Symptom)) return;
        if (await context.GetAsync(DatabaseInputs.Address, cancellation).ConfigureAwait(false) is not { } address
            || await context.GetAsync(DatabaseInputs.Record, cancellation).ConfigureAwait(false) is not { } record) return;
        if (record.NotAvailable is { } stopped) context.Add(DatabaseRecordFindings.DatabaseNotAvailable.Raise([stopped]));
        if (record.HostNotEndpoint is { } host) context.Add(DatabaseRecordFindings.DatabaseHostNotEndpoint.Raise([host]));
        if (record.PortNotEndpoints(address.Port) is { } port) context.Add(DatabaseRecordFindings.DatabasePortNotEndpoint.Raise([port]));
        if (record.Matched is null) return;

        var tls = DatabaseEngines.TlsPreferenceOf(await context.GetAsync(SecretInputs.CurrentValue, cancellation).ConfigureAwait(false));
        var age = await context.TryGetAsync(FunctionInputs.Age, cancellation).ConfigureAwait(false);
        foreach (var reason in RecordedFacts.PlainConnection(record, tls, age))
            context.Add(record.Proxy is not null ? DatabaseRecordFindings.ProxyRequiresTls.Raise(reason.Evidence)
                : reason.SecretDisablesTls ? DatabaseLoginFindings.DatabaseRequiresTlsSecretDisablesIt.Raise(reason.Evidence)
                : DatabaseLoginFindings.DatabaseRequiresTlsButFunctionPredatesTls.Raise(reason.Evidence));
        if (record.StoresScram == true && address.Engine == DatabaseEngine.PostgreSql
            && FunctionInputs.OldestLibpq(await context.TryGetAsync(FunctionInputs.Bundle, cancellation).ConfigureAwait(false)) is { } libpq and < 10)
            context.Add(DatabaseLoginFindings.DatabaseRequiresScramButFunctionLibpqTooOld.Raise(RecordedFacts.Scram(record, libpq),
                $"{record.Matched.Noun} stores passwords as scram-sha-256, but the rotation function bundles libpq {libpq}, which cannot do SCRAM (it needs 10 or later)."));
        if (record.NativeEncryptionOptionGroup is { } group)
            context.Add(DatabaseRecordFindings.OptionGroupRequiresNativeEncryption.Raise([RecordedFacts.NativeEncryption(record, group)]));
        if (record.UnhealthyProxyTargets is { Count: > 0 } unhealthy) context.Add(DatabaseRecordFindings.ProxyTargetUnhealthy.Raise(unhealthy));
    }
}
