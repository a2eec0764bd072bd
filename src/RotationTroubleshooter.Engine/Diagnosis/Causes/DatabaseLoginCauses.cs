using RotationTroubleshooter.Database;
using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Logs;
using RotationTroubleshooter.Network;
using RotationTroubleshooter.Records;

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

    public override IReadOnlyList<FindingDefinition> Symptoms => RotationSymptoms.LoginFailures;

    public override IReadOnlyList<FindingDefinition> Causes =>
    [
        .. RecordCauses, .. NetworkCauses, DatabaseServerFindings.DatabaseDoesNotAnswer, DatabaseServerFindings.DatabasePortClosed,
        DatabaseLoginFindings.CurrentCredentialsRejected, MasterCredentialsRejected, DatabaseLoginFindings.PendingCredentialsRejected,
        DatabaseLoginFindings.DatabaseRequiresScramButFunctionLibpqTooOld, DatabaseLoginFindings.DatabaseRequiresTlsSecretDisablesIt,
        DatabaseLoginFindings.DatabaseRequiresTlsButFunctionPredatesTls, DatabaseServerFindings.DatabaseTlsNotOffered,
        DatabaseRecordFindings.OptionGroupRequiresNativeEncryption,
    ];

    /// <summary>What the database's own record decides, before anything about the path to it.</summary>
    private static readonly FindingDefinition[] RecordCauses =
    [
        DatabaseRecordFindings.DatabaseNotAvailable, DatabaseRecordFindings.DatabaseHostNotEndpoint, DatabaseRecordFindings.DatabasePortNotEndpoint,
        DatabaseRecordFindings.ProxyRequiresTls,
    ];

    public override IReadOnlyList<Input> Inputs =>
    [
        DatabaseInputs.Server, NetworkInputs.Path, SecretInputs.CurrentValue, DatabaseInputs.Login, FunctionInputs.Bundle, FunctionInputs.Age,
        FunctionInputs.Template, DatabaseInputs.Record, DatabaseInputs.Address,
    ];

    private enum Failure { Fast, Slow, AfterSetSecret }

    public override async Task<IReadOnlyList<CauseAssessment>> AssessAsync(CauseEvidence evidence, CancellationToken cancellation)
    {
        var failure = evidence.Symptom == RotationSymptoms.DatabaseUnreachable ? Failure.Slow
            : evidence.Symptom == RotationSymptoms.TestSecretLoginFailed ? Failure.AfterSetSecret : Failure.Fast;
        var facts = new Facts(
            evidence,
            await evidence.ReadAsync(DatabaseInputs.Server, cancellation).ConfigureAwait(false),
            // A fast failure or one after setSecret rules the network out by itself; only a slow one needs the path model.
            failure == Failure.Slow ? await evidence.ReadAsync(NetworkInputs.Path, cancellation).ConfigureAwait(false) : default,
            await evidence.ReadAsync(SecretInputs.CurrentValue, cancellation).ConfigureAwait(false),
            (await evidence.ReadAsync(DatabaseInputs.Login, cancellation).ConfigureAwait(false)).Value,
            await evidence.ReadAsync(FunctionInputs.Bundle, cancellation).ConfigureAwait(false),
            await evidence.ReadAsync(FunctionInputs.Age, cancellation).ConfigureAwait(false),
            (await evidence.ReadAsync(FunctionInputs.Template, cancellation).ConfigureAwait(false)).Value,
            (await evidence.ReadAsync(DatabaseInputs.Record, cancellation).ConfigureAwait(false)).Value,
            (await evidence.ReadAsync(DatabaseInputs.Address, cancellation).ConfigureAwait(false)).Value);
        var causes = new List<CauseAssessment>();
        // setSecret logged in moments before a failure after it: the database was there, at that host and port.
        if (failure != Failure.AfterSetSecret) causes.AddRange(RecordAssessments(facts));
        causes.AddRange(NetworkCauses.Select(cause => NetworkCause(facts, cause, failure)));
        causes.Add(Reachability(facts, DatabaseServerFindings.DatabaseDoesNotAnswer, failure == Failure.Slow, TcpAnswer.NoAnswer, failure));
        causes.Add(Reachability(facts, DatabaseServerFindings.DatabasePortClosed, failure == Failure.Fast, TcpAnswer.Refused, failure));
        if (failure == Failure.AfterSetSecret)
        {
            causes.Add(Credentials(facts, DatabaseLoginFindings.PendingCredentialsRejected, "AWSPENDING", causes));
            return causes;
        }
        if (failure == Failure.Slow)
        {
            foreach (var cause in new[] { DatabaseRecordFindings.OptionGroupRequiresNativeEncryption, DatabaseLoginFindings.CurrentCredentialsRejected, DatabaseLoginFindings.DatabaseRequiresScramButFunctionLibpqTooOld,
                         DatabaseLoginFindings.DatabaseRequiresTlsSecretDisablesIt, DatabaseLoginFindings.DatabaseRequiresTlsButFunctionPredatesTls, DatabaseServerFindings.DatabaseTlsNotOffered })
                causes.Add(new CauseAssessment(cause, CauseVerdict.RuledOut, [NeverAnswered]));
            return causes;
        }
        causes.Add(Scram(facts));
        causes.Add(TlsDisabledBySecret(facts));
        causes.Add(TlsPredated(facts));
        causes.Add(TlsNotOffered(facts));
        if (NativeEncryption(facts) is { } nne) causes.Add(nne);
        // Credentials last: with every other cause ruled out they are what is left. The multi-user templates log in with
        // the master secret's, and say so.
        var master = evidence.Attempt.Evidence.Any(e => e.Contains("master secret", StringComparison.Ordinal));
        causes.Add(master ? MasterCredentials(facts, causes) : Credentials(facts, DatabaseLoginFindings.CurrentCredentialsRejected, "AWSCURRENT", causes));
        return causes;
    }

    private const string NeverAnswered = "The database never answered within the templates' 5 s: a refused login, a TLS demand or an authentication method is answered at once.";
    private const string AnsweredAtOnce = "Something answered at once: a path blocked by a security group or a network ACL drops packets, and the connect would have waited 5 s.";
    private const string SetSecretLoggedIn = "setSecret logged into the database moments before, through the same path and connection settings.";

    /// <summary>What this family weighs, read once: the probe, the network, the secret's TLS choice, the login, the function's libpq, age and template.</summary>
    private sealed record Facts(CauseEvidence Evidence, Reading<DatabaseServerFacts> ServerReading, Reading<NetworkPathReport> Network,
        Reading<Aws.SecretValue> Value, SecretLogins? Login, Reading<IReadOnlyList<LibpqReport>> Bundle, Reading<RotationFunctionAge> AgeReading,
        RotationTemplate? Template, DatabaseRecord? Record, DatabaseAddress? Address)
    {
        /// <summary>What the secret's ssl key tells the template; null when the value was not read.</summary>
        public DatabaseTlsPreference? Tls => DatabaseEngines.TlsPreferenceOf(Value.Value);
        public DatabaseServerFacts? Server => ServerReading.Value;
        public RotationFunctionAge? Age => AgeReading.Value;
        public int? Libpq => FunctionInputs.OldestLibpq(Bundle.Value);

        /// <summary>What the database said without credentials, and why it could not tell more.</summary>
        public string ProbeMissing => Server is { } server
            ? $"From {server.Vantage}: {server.TcpDetail}. Run the diagnosis from a host in the function's VPC and subnets to see what the function sees."
            : ServerReading.State == ReadingState.Withheld ? $"The database was not probed ({ServerReading.Reason})."
            : ServerReading.State == ReadingState.NotGathered ? "The database was not probed in this run."
            : "The database's address could not be read from the secret here.";
    }

    /// <summary>
    /// The causes the database's record decides, where it was read and the host is an AWS endpoint's name: its status, the
    /// host and port against the endpoint, and a proxy's TLS demand.
    /// </summary>
    private static IEnumerable<CauseAssessment> RecordAssessments(Facts facts)
    {
        if (facts.Record is not { } record || record.Match.Outcome == EndpointMatchOutcome.NotAnAwsEndpoint) yield break;
        var evidence = facts.Evidence;
        var matched = record.Matched;
        yield return evidence.ConfirmedByFinding(DatabaseRecordFindings.DatabaseNotAvailable)
            ?? (matched is { IsAvailable: true }
                ? new CauseAssessment(DatabaseRecordFindings.DatabaseNotAvailable, CauseVerdict.RuledOut, [$"{RecordedFacts.Capitalized(matched.Noun)} is {matched.Status}."])
                : new CauseAssessment(DatabaseRecordFindings.DatabaseNotAvailable, CauseVerdict.Undetermined,
                    [matched is null ? "The secret's host is the endpoint of no database this account records." : $"{RecordedFacts.Capitalized(matched.Noun)} records no status."]));
        yield return evidence.ConfirmedByFinding(DatabaseRecordFindings.DatabaseHostNotEndpoint)
            ?? new CauseAssessment(DatabaseRecordFindings.DatabaseHostNotEndpoint, CauseVerdict.RuledOut, [$"The secret's host is the recorded endpoint of {matched?.Noun}."]);
        if (matched is null) yield break;
        yield return evidence.ConfirmedByFinding(DatabaseRecordFindings.DatabasePortNotEndpoint)
            ?? (matched.Port is { } port && facts.Address is { } address
                ? new CauseAssessment(DatabaseRecordFindings.DatabasePortNotEndpoint, CauseVerdict.RuledOut, [$"The secret's port {address.Port} is the one {matched.Noun} listens on ({port})."])
                : new CauseAssessment(DatabaseRecordFindings.DatabasePortNotEndpoint, CauseVerdict.Undetermined, [$"{RecordedFacts.Capitalized(matched.Noun)} records no port."]));
        if (record.Proxy is not null)
            yield return evidence.ConfirmedByFinding(DatabaseRecordFindings.ProxyRequiresTls)
                ?? new CauseAssessment(DatabaseRecordFindings.ProxyRequiresTls, CauseVerdict.RuledOut,
                    [RecordedFacts.NoTlsDemand(record) ?? (facts.Tls == DatabaseTlsPreference.PlainOnly ? "The function connects without TLS." : "The function connects with TLS.")]);
    }

    /// <summary>Oracle only: whether the option group demands native network encryption.</summary>
    private static CauseAssessment? NativeEncryption(Facts facts)
    {
        var cause = DatabaseRecordFindings.OptionGroupRequiresNativeEncryption;
        if (facts.Evidence.ConfirmedByFinding(cause) is { } confirmed) return confirmed;
        if (facts.Address?.Engine != DatabaseEngine.Oracle || facts.Record?.Matched is not { } matched) return null;
        return new CauseAssessment(cause, CauseVerdict.RuledOut,
            [$"No option group of {matched.Noun} sets SQLNET.ENCRYPTION_SERVER to REQUIRED."]);
    }

    /// <summary>Whether the record rules a TLS demand out: it says TLS is not demanded, and no user-level rule can demand it (MySQL's REQUIRE SSL can).</summary>
    private static string? RecordRulesOutTls(Facts facts) =>
        facts.Record is { Matched: not null } record && RecordedFacts.NoTlsDemand(record) is { } plain
        && (record.Proxy is not null || facts.Address?.Engine is not (DatabaseEngine.MySql or DatabaseEngine.MariaDb)) ? plain : null;

    private static CauseAssessment NetworkCause(Facts facts, FindingDefinition cause, Failure failure)
    {
        var evidence = facts.Evidence;
        if (evidence.Problem(cause) is { } finding)
            return new CauseAssessment(cause, failure == Failure.Slow ? CauseVerdict.Confirmed : CauseVerdict.Likely,
                [finding.Message, .. finding.Evidence, .. failure == Failure.Slow ? Array.Empty<string>() : [failure == Failure.Fast ? AnsweredAtOnce : SetSecretLoggedIn]]);
        if (failure != Failure.Slow)
            return new CauseAssessment(cause, CauseVerdict.RuledOut, [failure == Failure.Fast ? AnsweredAtOnce : SetSecretLoggedIn]);
        var settle = $"Test-RotationNetwork -SecretId '{evidence.SecretName}'";
        return facts.Network.Value?.DatabasePath switch
        {
            null => new CauseAssessment(cause, CauseVerdict.Undetermined,
                [facts.Network.State == ReadingState.NotGathered ? "The network path was not checked in this run."
                    : facts.Network.Value is null ? "The function's network could not be read here."
                    : "The secret's database could not be located in the function's network."], settle),
            { Verdict: PathVerdict.Reachable } path => new CauseAssessment(cause, CauseVerdict.RuledOut, [$"The path to the database is open: {path.Reason}"]),
            { Verdict: PathVerdict.Blocked } path => new CauseAssessment(cause, CauseVerdict.RuledOut, [$"Another rule blocks the path: {path.Reason}"]),
            var path => new CauseAssessment(cause, CauseVerdict.Undetermined, [$"The path to the database could not be judged: {path.Reason}"], settle),
        };
    }

    /// <summary>A port that refuses (a fast failure) or does not answer (a slow one), as the probe saw it.</summary>
    private static CauseAssessment Reachability(Facts facts, FindingDefinition cause, bool fitsTheFailure, TcpAnswer answer, Failure failure)
    {
        if (failure == Failure.AfterSetSecret) return new CauseAssessment(cause, CauseVerdict.RuledOut, [SetSecretLoggedIn]);
        if (!fitsTheFailure)
            return new CauseAssessment(cause, CauseVerdict.RuledOut, [answer == TcpAnswer.Refused
                ? "A closed port refuses at once, but the function waited for the database." : AnsweredAtOnce]);
        if (facts.Evidence.ConfirmedByFinding(cause) is { } confirmed) return confirmed;
        // An available RDS endpoint listens on its recorded port.
        if (answer == TcpAnswer.Refused && facts.Record?.Matched is { IsAvailable: true, Port: { } port } matched && facts.Address?.Port == port)
            return new CauseAssessment(cause, CauseVerdict.RuledOut, [$"{RecordedFacts.Capitalized(matched.Noun)} is {matched.Status} and listens on {port}, the secret's port, as its service records it."]);
        if (facts.Server is { Tcp: TcpAnswer.Open } server)
            return new CauseAssessment(cause, CauseVerdict.RuledOut, [$"{server.Endpoint} accepts connections from {server.Vantage}."]);
        return new CauseAssessment(cause, CauseVerdict.Undetermined, [facts.ProbeMissing], facts.Evidence.Rerun());
    }

    private static CauseAssessment Credentials(Facts facts, FindingDefinition cause, string stage, IReadOnlyList<CauseAssessment> others)
    {
        if (facts.Evidence.ConfirmedByFinding(cause) is { } confirmed) return confirmed;
        var settle = $"Test-RotationDatabaseLogin -SecretId '{facts.Evidence.SecretName}' -VersionStage {stage}";
        if (facts.Login?.Results.FirstOrDefault(r => r.Stage == stage) is { CredentialsAccepted: true } result)
            return new CauseAssessment(cause, CauseVerdict.RuledOut, [result.LoginSucceeded == true
                ? $"The {stage} version logs in to {result.Endpoint} from {result.Vantage}."
                : $"The {stage} version's credentials log in to {result.Endpoint} over verified TLS from {result.Vantage}; the function's own login is refused for another reason."]);
        // The one cause no probe without the password can see: left when the evidence rules out every other.
        return others.All(c => c.Verdict == CauseVerdict.RuledOut)
            ? new CauseAssessment(cause, CauseVerdict.Likely, ["Every other cause the guide gives is ruled out; only a login with the secret tells."], settle)
            : new CauseAssessment(cause, CauseVerdict.Undetermined, ["Only a login with the secret tells (it was not tried here)."], settle);
    }

    private static CauseAssessment MasterCredentials(Facts facts, IReadOnlyList<CauseAssessment> others)
    {
        var masterArn = facts.Value.Value?.NotJsonReason is null ? facts.Value.Value?.GetPublicValue("masterarn") : null;
        var settle = masterArn is null ? null : $"Test-RotationDatabaseLogin -SecretId '{masterArn}' -VersionStage AWSCURRENT";
        return others.All(c => c.Verdict == CauseVerdict.RuledOut)
            ? new CauseAssessment(MasterCredentialsRejected, CauseVerdict.Likely,
                ["The template could not log in with the master secret's credentials, and every other cause the guide gives is ruled out."], settle)
            : new CauseAssessment(MasterCredentialsRejected, CauseVerdict.Undetermined, ["Only a login with the master secret tells (it was not tried here)."], settle);
    }

    private static CauseAssessment Scram(Facts facts)
    {
        var (evidence, server, libpq, age) = (facts.Evidence, facts.Server, facts.Libpq, facts.Age);
        var cause = DatabaseLoginFindings.DatabaseRequiresScramButFunctionLibpqTooOld;
        if (evidence.ConfirmedByFinding(cause) is { } confirmed) return confirmed;
        if (facts.Template is { IsPostgres: false } || server?.Engine is DatabaseEngine.MySql or DatabaseEngine.MariaDb)
            return new CauseAssessment(cause, CauseVerdict.RuledOut, ["The function does not use libpq (not a PostgreSQL template)."]);
        if (facts.Record is { Matched: { } matched, StoresScram: false } record)
            return new CauseAssessment(cause, CauseVerdict.RuledOut, [$"{RecordedFacts.Capitalized(matched.Noun)} stores new passwords as md5, which every libpq can do: {record.PasswordEncryption}."]);
        if (server?.AuthenticationMethod is { } method && method != "scram-sha-256")
            return new CauseAssessment(cause, CauseVerdict.RuledOut, [$"{server.Endpoint} asks this user for {method}, not scram-sha-256."]);
        if (server?.AsksForScramOf(libpq) == true)
            return new CauseAssessment(cause, CauseVerdict.Confirmed, [.. server.Evidence, $"The function bundles libpq {libpq}."]);
        if (libpq >= 10)
            return new CauseAssessment(cause, CauseVerdict.RuledOut, [$"The function bundles libpq {libpq}, which can do scram-sha-256."]);
        var old = libpq < 10 ? $"The function bundles libpq {libpq}." : age?.PredatesScramSupport == true ? "The function predates the templates' SCRAM-capable libpq (2021-12-30)." : null;
        if (old is not null && server?.AuthenticationMethod == "scram-sha-256")
            return new CauseAssessment(cause, CauseVerdict.Likely, [old, $"{server.Endpoint} asks for scram-sha-256."], $"Test-LibpqScramSupport -SecretId '{evidence.SecretName}'");
        if (old is not null)
            return new CauseAssessment(cause, CauseVerdict.Undetermined, [old, facts.ProbeMissing], evidence.Rerun());
        return new CauseAssessment(cause, CauseVerdict.Undetermined, ["The function's libpq could not be read here."], $"Test-LibpqScramSupport -SecretId '{evidence.SecretName}'");
    }

    private static CauseAssessment TlsDisabledBySecret(Facts facts)
    {
        var (evidence, tls, server) = (facts.Evidence, facts.Tls, facts.Server);
        var cause = DatabaseLoginFindings.DatabaseRequiresTlsSecretDisablesIt;
        if (evidence.ConfirmedByFinding(cause) is { } confirmed) return confirmed;
        if (server?.RefusesThePlainLoginTheSecretAsksFor(tls) == true) return new CauseAssessment(cause, CauseVerdict.Confirmed, server.Evidence);
        // A login over verified TLS in place of the secret's plain one learns whether the server or the account insists on TLS.
        if (tls == DatabaseTlsPreference.PlainOnly && facts.Login?.Results.FirstOrDefault(r => r.ServerRequiresTls == true) is { } requires)
            return new CauseAssessment(cause, CauseVerdict.Confirmed, [$"{requires.Endpoint} requires TLS for '{requires.UserName}' ({requires.Stage} login, {requires.Vantage}).",
                "The secret says \"ssl\": false."]);
        if (tls is null) return new CauseAssessment(cause, CauseVerdict.Undetermined, ["The secret's value was not read here."], evidence.Rerun());
        if (tls != DatabaseTlsPreference.PlainOnly)
            return new CauseAssessment(cause, CauseVerdict.RuledOut,
                [tls == DatabaseTlsPreference.TlsOnly ? "The secret says \"ssl\": true: the function connects with TLS." : "The secret has no \"ssl\": false: the function tries TLS first."]);
        if (RecordRulesOutTls(facts) is { } plain) return new CauseAssessment(cause, CauseVerdict.RuledOut, [plain]);
        return server?.PlainRefusedForUser switch
        {
            false => new CauseAssessment(cause, CauseVerdict.RuledOut, [$"Without TLS, {server.Endpoint} {server.PlainDetail}."]),
            _ when server is { Engine: DatabaseEngine.MySql or DatabaseEngine.MariaDb } => new CauseAssessment(cause, CauseVerdict.Undetermined,
                ["MySQL and MariaDB refuse a user that requires TLS with the same \"Access denied\" as a wrong password: only a login tells."],
                $"Test-RotationDatabaseLogin -SecretId '{evidence.SecretName}'"),
            _ => new CauseAssessment(cause, CauseVerdict.Undetermined, [facts.ProbeMissing], evidence.Rerun()),
        };
    }

    private static CauseAssessment TlsPredated(Facts facts)
    {
        var (evidence, server, age) = (facts.Evidence, facts.Server, facts.Age);
        var cause = DatabaseLoginFindings.DatabaseRequiresTlsButFunctionPredatesTls;
        if (evidence.ConfirmedByFinding(cause) is { } confirmed) return confirmed;
        if (server?.RefusesTheFunctionsPlainLogin(age?.PredatesTlsSupport) == true) return new CauseAssessment(cause, CauseVerdict.Confirmed, server.Evidence);
        if (age?.PredatesTlsSupport == false)
            return new CauseAssessment(cause, CauseVerdict.RuledOut, [$"The function was set up {age.CreatedDate:yyyy-MM-dd}, after the templates supported TLS (2021-12-20)."]);
        if (server?.PlainRefusedForUser == false)
            return new CauseAssessment(cause, CauseVerdict.RuledOut, [$"Without TLS, {server.Endpoint} {server.PlainDetail}."]);
        if (RecordRulesOutTls(facts) is { } plain) return new CauseAssessment(cause, CauseVerdict.RuledOut, [plain]);
        return age is null
            ? new CauseAssessment(cause, CauseVerdict.Undetermined, ["The function's age could not be read here."], $"Get-RotationFunctionAge -SecretId '{evidence.SecretName}'")
            : new CauseAssessment(cause, CauseVerdict.Undetermined,
                [age.PredatesTlsSupport == true ? $"The function was set up {age.CreatedDate:yyyy-MM-dd}, before the templates supported TLS (2021-12-20)."
                    : $"Whether the function predates TLS support is unknown: {age.CreatedDateSource} says only {age.CreatedDate:yyyy-MM-dd}.", facts.ProbeMissing], evidence.Rerun());
    }

    private static CauseAssessment TlsNotOffered(Facts facts)
    {
        var (evidence, tls, server) = (facts.Evidence, facts.Tls, facts.Server);
        var cause = DatabaseServerFindings.DatabaseTlsNotOffered;
        if (evidence.ConfirmedByFinding(cause) is { } confirmed) return confirmed;
        if (server?.LacksTheTlsTheSecretInsistsOn(tls) == true) return new CauseAssessment(cause, CauseVerdict.Confirmed, server.Evidence);
        if (tls is null) return new CauseAssessment(cause, CauseVerdict.Undetermined, ["The secret's value was not read here."], evidence.Rerun());
        if (tls != DatabaseTlsPreference.TlsOnly)
            return new CauseAssessment(cause, CauseVerdict.RuledOut, ["The secret does not insist on TLS: without it the function falls back to a plain connection."]);
        return server?.TlsOffered == true
            ? new CauseAssessment(cause, CauseVerdict.RuledOut, [$"{server.Endpoint} {server.TlsDetail}."])
            : new CauseAssessment(cause, CauseVerdict.Undetermined, [facts.ProbeMissing], evidence.Rerun());
    }
}
