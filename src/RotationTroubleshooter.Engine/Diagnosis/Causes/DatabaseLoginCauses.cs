using RotationTroubleshooter.Database;
using RotationTroubleshooter.Diagnosis.Checks;
using RotationTroubleshooter.Logs;
using RotationTroubleshooter.Network;

namespace RotationTroubleshooter.Diagnosis.Causes;

/// <summary>
/// "setSecret: Unable to log into database" and its kin: the database cannot be reached from the function (routes,
/// security groups both ways, network ACLs), nothing listens on the port, the credentials are wrong, the server wants
/// scram-sha-256 and the function's libpq is older than 10, or the server wants TLS and the function connects in plain.
/// The templates log the same line for all of them; the failure's speed, the network model and what the database
/// answers without credentials tell them apart.
/// </summary>
internal sealed class DatabaseLoginCauses : SymptomCauses
{
    private static readonly FindingDefinition[] NetworkCauses =
    [
        NetworkFindings.DatabaseSecurityGroupBlocksFunction, NetworkFindings.FunctionSecurityGroupBlocksDatabase,
        NetworkFindings.NetworkAclBlocksDatabase, NetworkFindings.DatabaseInOtherVpc,
    ];

    /// <summary>A multi-user template could not log in with the master secret's credentials (only a login with them tells).</summary>
    public static readonly FindingDefinition MasterCredentialsRejected = new(nameof(MasterCredentialsRejected), FindingSeverity.Error,
        "The master secret's (masterarn) username or password does not log in to the database.",
        "Make the master secret named by masterarn hold the database's admin user and its current password, then rotate again.",
        AwsDocs.RotationTemplates);

    public override IReadOnlyList<FindingDefinition> Symptoms => DatabaseServerCheck.LoginSymptoms;

    public override IReadOnlyList<FindingDefinition> Causes =>
    [
        .. NetworkCauses, DatabaseServerCheck.DatabaseDoesNotAnswer, DatabaseServerCheck.DatabasePortClosed,
        DatabaseLoginFindings.CurrentCredentialsRejected, MasterCredentialsRejected, DatabaseLoginFindings.PendingCredentialsRejected,
        DatabaseLoginFindings.DatabaseRequiresScramButFunctionLibpqTooOld, DatabaseLoginFindings.DatabaseRequiresTlsSecretDisablesIt,
        DatabaseLoginFindings.DatabaseRequiresTlsButFunctionPredatesTls, DatabaseServerCheck.DatabaseTlsNotOffered,
    ];

    private enum Failure { Fast, Slow, AfterSetSecret }

    public override async Task<IReadOnlyList<CauseAssessment>> AssessAsync(CauseEvidence evidence, CancellationToken cancellation)
    {
        var context = evidence.Context;
        var failure = evidence.Symptom == RotationSymptoms.DatabaseUnreachable ? Failure.Slow
            : evidence.Symptom == RotationSymptoms.TestSecretLoginFailed ? Failure.AfterSetSecret : Failure.Fast;
        var server = evidence.Ran<DatabaseServerCheck>() ? await CauseEvidence.OrNullAsync(context.DatabaseServerAsync(cancellation)).ConfigureAwait(false) : null;
        var probe = new Probe(evidence, server);
        var causes = new List<CauseAssessment>();
        // A fast failure or one after setSecret rules the network out by itself; only a slow one needs the path model.
        var network = failure == Failure.Slow && evidence.Ran<NetworkPathCheck>()
            ? await CauseEvidence.OrNullAsync(context.NetworkPathAsync(cancellation)).ConfigureAwait(false) : null;
        causes.AddRange(NetworkCauses.Select(cause => NetworkCause(evidence, cause, failure, network, evidence.Ran<NetworkPathCheck>())));
        causes.Add(Reachability(evidence, DatabaseServerCheck.DatabaseDoesNotAnswer, failure == Failure.Slow, TcpAnswer.NoAnswer, probe, failure));
        causes.Add(Reachability(evidence, DatabaseServerCheck.DatabasePortClosed, failure == Failure.Fast, TcpAnswer.Refused, probe, failure));
        if (failure == Failure.AfterSetSecret)
        {
            causes.Add(await CredentialsAsync(evidence, DatabaseLoginFindings.PendingCredentialsRejected, "AWSPENDING", causes, cancellation).ConfigureAwait(false));
            return causes;
        }
        if (failure == Failure.Slow)
        {
            foreach (var cause in new[] { DatabaseLoginFindings.CurrentCredentialsRejected, DatabaseLoginFindings.DatabaseRequiresScramButFunctionLibpqTooOld,
                         DatabaseLoginFindings.DatabaseRequiresTlsSecretDisablesIt, DatabaseLoginFindings.DatabaseRequiresTlsButFunctionPredatesTls, DatabaseServerCheck.DatabaseTlsNotOffered })
                causes.Add(new CauseAssessment(cause, CauseVerdict.RuledOut, [NeverAnswered]));
            return causes;
        }
        causes.Add(await ScramAsync(evidence, server, probe, cancellation).ConfigureAwait(false));
        var tls = await context.TlsPreferenceAsync(cancellation).ConfigureAwait(false);
        var login = evidence.Ran<SecretLoginCheck>() ? await CauseEvidence.OrNullAsync(context.DatabaseLoginAsync(cancellation)).ConfigureAwait(false) : null;
        causes.Add(TlsDisabledBySecret(evidence, tls, server, probe, login));
        causes.Add(await TlsPredatedAsync(evidence, server, probe, cancellation).ConfigureAwait(false));
        causes.Add(TlsNotOffered(evidence, tls, server, probe));
        // Credentials last: with every other cause ruled out they are what is left. The multi-user templates log in with
        // the master secret's, and say so.
        var master = evidence.Attempt.Evidence.Any(e => e.Contains("master secret", StringComparison.Ordinal));
        causes.Insert(NetworkCauses.Length + 2, master
            ? await MasterCredentialsAsync(evidence, causes, cancellation).ConfigureAwait(false)
            : await CredentialsAsync(evidence, DatabaseLoginFindings.CurrentCredentialsRejected, "AWSCURRENT", causes, cancellation).ConfigureAwait(false));
        return causes;
    }

    private const string NeverAnswered = "The database never answered within the templates' 5 s: a refused login, a TLS demand or an authentication method is answered at once.";
    private const string AnsweredAtOnce = "Something answered at once: a path blocked by a security group or a network ACL drops packets, and the connect would have waited 5 s.";
    private const string SetSecretLoggedIn = "setSecret logged into the database moments before, through the same path and connection settings.";

    /// <summary>What the database said without credentials, and why it could not tell more.</summary>
    private sealed class Probe(CauseEvidence evidence, DatabaseServerFacts? server)
    {
        public DatabaseServerFacts? Server => server;

        public string Missing => server is not null
            ? $"From {server.Vantage}: {server.TcpDetail}. Run the diagnosis from a host in the function's VPC and subnets to see what the function sees."
            : evidence.Context.Options.SkipDatabaseProbe ? "The database was not probed (-SkipDatabaseProbe)."
            : !evidence.Ran<DatabaseServerCheck>() ? "The database was not probed in this run."
            : "The database's address could not be read from the secret here.";
    }

    private static CauseAssessment NetworkCause(CauseEvidence evidence, FindingDefinition cause, Failure failure, NetworkPathReport? network, bool checkedHere)
    {
        if (evidence.Problem(cause) is { } finding)
            return new CauseAssessment(cause, failure == Failure.Slow ? CauseVerdict.Confirmed : CauseVerdict.Likely,
                [finding.Message, .. finding.Evidence, .. failure == Failure.Slow ? Array.Empty<string>() : [failure == Failure.Fast ? AnsweredAtOnce : SetSecretLoggedIn]]);
        if (failure != Failure.Slow)
            return new CauseAssessment(cause, CauseVerdict.RuledOut, [failure == Failure.Fast ? AnsweredAtOnce : SetSecretLoggedIn]);
        var settle = $"Test-RotationNetwork -SecretId '{evidence.Context.SecretName}'";
        return network?.DatabasePath switch
        {
            null => new CauseAssessment(cause, CauseVerdict.Undetermined,
                [!checkedHere ? "The network path was not checked in this run." : network is null ? "The function's network could not be read here."
                    : "The secret's database could not be located in the function's network."], settle),
            { Verdict: PathVerdict.Reachable } path => new CauseAssessment(cause, CauseVerdict.RuledOut, [$"The path to the database is open: {path.Reason}"]),
            { Verdict: PathVerdict.Blocked } path => new CauseAssessment(cause, CauseVerdict.RuledOut, [$"Another rule blocks the path: {path.Reason}"]),
            var path => new CauseAssessment(cause, CauseVerdict.Undetermined, [$"The path to the database could not be judged: {path.Reason}"], settle),
        };
    }

    /// <summary>A port that refuses (a fast failure) or does not answer (a slow one), as the probe saw it.</summary>
    private static CauseAssessment Reachability(CauseEvidence evidence, FindingDefinition cause, bool fitsTheFailure, TcpAnswer answer, Probe probe, Failure failure)
    {
        if (failure == Failure.AfterSetSecret) return new CauseAssessment(cause, CauseVerdict.RuledOut, [SetSecretLoggedIn]);
        if (!fitsTheFailure)
            return new CauseAssessment(cause, CauseVerdict.RuledOut, [answer == TcpAnswer.Refused
                ? "A closed port refuses at once, but the function waited for the database." : AnsweredAtOnce]);
        if (evidence.ConfirmedByFinding(cause) is { } confirmed) return confirmed;
        if (probe.Server is { Tcp: TcpAnswer.Open } server)
            return new CauseAssessment(cause, CauseVerdict.RuledOut, [$"{server.Endpoint} accepts connections from {server.Vantage}."]);
        return new CauseAssessment(cause, CauseVerdict.Undetermined, [probe.Missing], evidence.Rerun());
    }

    private static async Task<CauseAssessment> CredentialsAsync(CauseEvidence evidence, FindingDefinition cause, string stage,
        IReadOnlyList<CauseAssessment> others, CancellationToken cancellation)
    {
        if (evidence.ConfirmedByFinding(cause) is { } confirmed) return confirmed;
        var settle = $"Test-RotationDatabaseLogin -SecretId '{evidence.Context.SecretName}' -VersionStage {stage}";
        if (evidence.Ran<SecretLoginCheck>()
            && await CauseEvidence.OrNullAsync(evidence.Context.DatabaseLoginAsync(cancellation)).ConfigureAwait(false) is { } login
            && login.Results.FirstOrDefault(r => r.Stage == stage) is { CredentialsAccepted: true } result)
            return new CauseAssessment(cause, CauseVerdict.RuledOut, [result.LoginSucceeded == true
                ? $"The {stage} version logs in to {result.Endpoint} from {result.Vantage}."
                : $"The {stage} version's credentials log in to {result.Endpoint} over verified TLS from {result.Vantage}; the function's own login is refused for another reason."]);
        // The one cause no probe without the password can see: left when the evidence rules out every other.
        return others.All(c => c.Verdict == CauseVerdict.RuledOut)
            ? new CauseAssessment(cause, CauseVerdict.Likely, ["Every other cause the guide gives is ruled out; only a login with the secret tells."], settle)
            : new CauseAssessment(cause, CauseVerdict.Undetermined, ["Only a login with the secret tells (it was not tried here)."], settle);
    }

    private static async Task<CauseAssessment> MasterCredentialsAsync(CauseEvidence evidence, IReadOnlyList<CauseAssessment> others, CancellationToken cancellation)
    {
        var value = await CauseEvidence.OrNullAsync(evidence.Context.SecretValueAsync(cancellation)).ConfigureAwait(false);
        var masterArn = value?.GetPublicValue("masterarn");
        var settle = masterArn is null ? null : $"Test-RotationDatabaseLogin -SecretId '{masterArn}' -VersionStage AWSCURRENT";
        return others.All(c => c.Verdict == CauseVerdict.RuledOut)
            ? new CauseAssessment(MasterCredentialsRejected, CauseVerdict.Likely,
                ["The template could not log in with the master secret's credentials, and every other cause the guide gives is ruled out."], settle)
            : new CauseAssessment(MasterCredentialsRejected, CauseVerdict.Undetermined, ["Only a login with the master secret tells (it was not tried here)."], settle);
    }

    private static async Task<CauseAssessment> ScramAsync(CauseEvidence evidence, DatabaseServerFacts? server, Probe probe, CancellationToken cancellation)
    {
        var cause = DatabaseLoginFindings.DatabaseRequiresScramButFunctionLibpqTooOld;
        if (evidence.ConfirmedByFinding(cause) is { } confirmed) return confirmed;
        var template = await CauseEvidence.OrNullAsync(evidence.Context.TemplateAsync(cancellation)).ConfigureAwait(false);
        if (template is { IsPostgres: false } || server?.Engine is DatabaseEngine.MySql or DatabaseEngine.MariaDb)
            return new CauseAssessment(cause, CauseVerdict.RuledOut, ["The function does not use libpq (not a PostgreSQL template)."]);
        if (server?.AuthenticationMethod is { } method && method != "scram-sha-256")
            return new CauseAssessment(cause, CauseVerdict.RuledOut, [$"{server.Endpoint} asks this user for {method}, not scram-sha-256."]);
        var libpq = evidence.Ran<LibpqCheck>() ? await DatabaseServerCheck.LibpqMajorAsync(evidence.Context, cancellation).ConfigureAwait(false) : null;
        if (libpq >= 10)
            return new CauseAssessment(cause, CauseVerdict.RuledOut, [$"The function bundles libpq {libpq}, which can do scram-sha-256."]);
        var age = evidence.Ran<FunctionAgeCheck>() ? await CauseEvidence.OrNullAsync(evidence.Context.AgeAsync(cancellation)).ConfigureAwait(false) : null;
        var old = libpq < 10 ? $"The function bundles libpq {libpq}." : age?.PredatesScramSupport == true ? "The function predates the templates' SCRAM-capable libpq (2021-12-30)." : null;
        if (old is not null && server?.AuthenticationMethod == "scram-sha-256")
            return new CauseAssessment(cause, CauseVerdict.Likely, [old, $"{server.Endpoint} asks for scram-sha-256."], $"Test-LibpqScramSupport -SecretId '{evidence.Context.SecretName}'");
        if (old is not null)
            return new CauseAssessment(cause, CauseVerdict.Undetermined, [old, probe.Missing], evidence.Rerun());
        return new CauseAssessment(cause, CauseVerdict.Undetermined, ["The function's libpq could not be read here."], $"Test-LibpqScramSupport -SecretId '{evidence.Context.SecretName}'");
    }

    private static CauseAssessment TlsDisabledBySecret(CauseEvidence evidence, DatabaseTlsPreference? tls, DatabaseServerFacts? server, Probe probe,
        DatabaseLoginCheck? login)
    {
        var cause = DatabaseLoginFindings.DatabaseRequiresTlsSecretDisablesIt;
        if (evidence.ConfirmedByFinding(cause) is { } confirmed) return confirmed;
        // A login over verified TLS in place of the secret's plain one learns whether the server or the account insists on TLS.
        if (tls == DatabaseTlsPreference.PlainOnly && login?.Results.FirstOrDefault(r => r.ServerRequiresTls == true) is { } requires)
            return new CauseAssessment(cause, CauseVerdict.Confirmed, [$"{requires.Endpoint} requires TLS for '{requires.UserName}' ({requires.Stage} login, {requires.Vantage}).",
                "The secret says \"ssl\": false."]);
        if (tls is null) return new CauseAssessment(cause, CauseVerdict.Undetermined, ["The secret's value was not read here."], evidence.Rerun());
        if (tls != DatabaseTlsPreference.PlainOnly)
            return new CauseAssessment(cause, CauseVerdict.RuledOut,
                [tls == DatabaseTlsPreference.TlsOnly ? "The secret says \"ssl\": true: the function connects with TLS." : "The secret has no \"ssl\": false: the function tries TLS first."]);
        return server?.PlainRefusedForUser switch
        {
            false => new CauseAssessment(cause, CauseVerdict.RuledOut, [$"Without TLS, {server.Endpoint} {server.PlainDetail}."]),
            _ when server is { Engine: DatabaseEngine.MySql or DatabaseEngine.MariaDb } => new CauseAssessment(cause, CauseVerdict.Undetermined,
                ["MySQL and MariaDB refuse a user that requires TLS with the same \"Access denied\" as a wrong password: only a login tells."],
                $"Test-RotationDatabaseLogin -SecretId '{evidence.Context.SecretName}'"),
            _ => new CauseAssessment(cause, CauseVerdict.Undetermined, [probe.Missing], evidence.Rerun()),
        };
    }

    private static async Task<CauseAssessment> TlsPredatedAsync(CauseEvidence evidence, DatabaseServerFacts? server, Probe probe, CancellationToken cancellation)
    {
        var cause = DatabaseLoginFindings.DatabaseRequiresTlsButFunctionPredatesTls;
        if (evidence.ConfirmedByFinding(cause) is { } confirmed) return confirmed;
        var age = evidence.Ran<FunctionAgeCheck>() ? await CauseEvidence.OrNullAsync(evidence.Context.AgeAsync(cancellation)).ConfigureAwait(false) : null;
        if (age?.PredatesTlsSupport == false)
            return new CauseAssessment(cause, CauseVerdict.RuledOut, [$"The function was set up {age.CreatedDate:yyyy-MM-dd}, after the templates supported TLS (2021-12-20)."]);
        if (server?.PlainRefusedForUser == false)
            return new CauseAssessment(cause, CauseVerdict.RuledOut, [$"Without TLS, {server.Endpoint} {server.PlainDetail}."]);
        return age is null
            ? new CauseAssessment(cause, CauseVerdict.Undetermined, ["The function's age could not be read here."], $"Get-RotationFunctionAge -SecretId '{evidence.Context.SecretName}'")
            : new CauseAssessment(cause, CauseVerdict.Undetermined,
                [age.PredatesTlsSupport == true ? $"The function was set up {age.CreatedDate:yyyy-MM-dd}, before the templates supported TLS (2021-12-20)."
                    : $"Whether the function predates TLS support is unknown: {age.CreatedDateSource} says only {age.CreatedDate:yyyy-MM-dd}.", probe.Missing], evidence.Rerun());
    }

    private static CauseAssessment TlsNotOffered(CauseEvidence evidence, DatabaseTlsPreference? tls, DatabaseServerFacts? server, Probe probe)
    {
        var cause = DatabaseServerCheck.DatabaseTlsNotOffered;
        if (evidence.ConfirmedByFinding(cause) is { } confirmed) return confirmed;
        if (tls is null) return new CauseAssessment(cause, CauseVerdict.Undetermined, ["The secret's value was not read here."], evidence.Rerun());
        if (tls != DatabaseTlsPreference.TlsOnly)
            return new CauseAssessment(cause, CauseVerdict.RuledOut, ["The secret does not insist on TLS: without it the function falls back to a plain connection."]);
        return server?.TlsOffered == true
            ? new CauseAssessment(cause, CauseVerdict.RuledOut, [$"{server.Endpoint} {server.TlsDetail}."])
            : new CauseAssessment(cause, CauseVerdict.Undetermined, [probe.Missing], evidence.Rerun());
    }
}
