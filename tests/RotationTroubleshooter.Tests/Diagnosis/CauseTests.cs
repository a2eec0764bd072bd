using RotationTroubleshooter.Database;
using RotationTroubleshooter.Diagnosis.Checks;
using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Network;

namespace RotationTroubleshooter.Tests.Diagnosis;

/// <summary>From symptom to cause: each family of causes weighed against fixed evidence, no AWS.</summary>
public class CauseTests
{
    private readonly DiagnosisFixture _f = new();

    private void LogsShow(string symptom, string failedStep = "setSecret", params string[] evidence) =>
        _f.Given(FunctionInputs.LatestAttempt, new RotationAttempt(DiagnosisFixture.SecretArn, "v2", "f",
            new DateTime(2026, 11, 30, 10, 0, 0, DateTimeKind.Utc), new DateTime(2026, 11, 30, 10, 0, 31, DateTimeKind.Utc),
            RotationAttemptOutcome.TimedOut, failedStep, symptom, evidence, null, []));

    private void NetworkIs(PathVerdict verdict, string reason, params Finding[] findings) =>
        _f.Given(NetworkInputs.Path, new NetworkPathReport(_f.Function.FunctionName!, "vpc-1", ["subnet-1"], ["sg-1"],
            new NetworkPath(verdict, reason, []), null, findings));

    private static CauseAssessment Of(RotationDiagnosis d, string id) => d.Causes.Single(c => c.Id == id);

    [Fact]
    public void No_route_to_Secrets_Manager_is_the_confirmed_cause_of_a_timeout_after_Found_credentials()
    {
        LogsShow("TimeoutReachingSecretsManager", "createSecret");
        NetworkIs(PathVerdict.Blocked, "rtb-1 has no route for 0.0.0.0/0",
            NetworkFindings.NoRouteToSecretsManager.Raise(["Route from subnet-1: rtb-1 has no route for 0.0.0.0/0"]));

        var d = _f.Diagnose(typeof(LastRotationAttemptCheck), typeof(NetworkPathCheck));

        Assert.Equal(("TimeoutReachingSecretsManager", "NoRouteToSecretsManager"), (d.Symptom, d.Cause));
        Assert.Equal(CauseVerdict.Confirmed, d.Causes[0].Verdict);
        Assert.Equal(CauseVerdict.RuledOut, Of(d, "EndpointPolicyDeniesFunction").Verdict);
        Assert.Equal("NoRouteToSecretsManager", d.Findings[0].CheckId);
        Assert.DoesNotContain(d.Causes, c => c.Id == "FunctionTimeoutTooShort");
    }

    [Fact]
    public void An_open_path_rules_the_network_out_and_leaves_no_guess()
    {
        LogsShow("StalledAfterCreateSecret", "setSecret");
        NetworkIs(PathVerdict.Reachable, "vpce-1 in subnet-1 with private DNS");

        var d = _f.Diagnose(typeof(LastRotationAttemptCheck), typeof(NetworkPathCheck), typeof(FunctionTimeoutCheck));

        Assert.Null(d.Cause);
        Assert.All(d.Causes, c => Assert.Equal(CauseVerdict.RuledOut, c.Verdict));
        Assert.Contains("30 s", Of(d, "FunctionTimeoutTooShort").Evidence[0]);
    }

    [Fact]
    public void A_short_timeout_is_the_cause_of_a_stall_after_createSecret()
    {
        LogsShow("StalledAfterCreateSecret", "setSecret");
        NetworkIs(PathVerdict.Reachable, "vpce-1 in subnet-1 with private DNS");
        _f.Function.Timeout = 3;

        var d = _f.Diagnose(typeof(LastRotationAttemptCheck), typeof(NetworkPathCheck), typeof(FunctionTimeoutCheck));

        Assert.Equal("FunctionTimeoutTooShort", d.Cause);
    }

    [Fact]
    public void A_network_that_cannot_be_read_leaves_the_causes_undetermined_with_the_command_that_settles_them()
    {
        LogsShow("TimeoutReachingSecretsManager", "createSecret");
        _f.Fails(NetworkInputs.Path, new RotationTroubleshooter.Aws.AwsServiceException(RotationTroubleshooter.Aws.AwsErrorKind.AccessDenied, "ec2", "DescribeSubnets", "UnauthorizedOperation", "denied"));

        var d = _f.Diagnose(typeof(LastRotationAttemptCheck), typeof(NetworkPathCheck));

        Assert.Null(d.Cause);
        var route = Of(d, "NoRouteToSecretsManager");
        Assert.Equal(CauseVerdict.Undetermined, route.Verdict);
        Assert.Equal("Test-RotationNetwork -SecretId 'prod/orders'", route.Command);
    }

    [Fact]
    public void A_missing_key_still_missing_in_AWSCURRENT_is_confirmed_and_one_fixed_since_is_ruled_out()
    {
        LogsShow("SecretJsonKeyMissing", "createSecret", "host key is missing from secret JSON");
        _f.WithValue("""{"engine":"postgres","username":"app","password":"p"}""");
        Assert.Equal("SecretJsonKeyMissing", _f.Diagnose(typeof(LastRotationAttemptCheck), typeof(SecretJsonCheck)).Cause);

        _f.WithValue("""{"engine":"postgres","host":"db","username":"app","password":"p"}""");
        var fixedSince = _f.Diagnose(typeof(LastRotationAttemptCheck), typeof(SecretJsonCheck));
        Assert.Null(fixedSince.Cause);
        Assert.Equal(CauseVerdict.RuledOut, Assert.Single(fixedSince.Causes).Verdict);
    }

    [Fact]
    public void A_message_that_names_its_cause_is_confirmed_by_itself()
    {
        LogsShow("CloneUsernameTooLong", "setSecret", "setSecret: username length with _clone appended would exceed 16 characters");
        var d = _f.Diagnose(typeof(LastRotationAttemptCheck));
        Assert.Equal(("CloneUsernameTooLong", "CloneUsernameTooLong"), (d.Symptom, d.Cause));
    }

    [Fact]
    public void A_succeeded_rotation_has_no_symptom_and_no_causes()
    {
        _f.Given(FunctionInputs.LatestAttempt, new RotationAttempt(DiagnosisFixture.SecretArn, "v2", "f",
            new DateTime(2026, 11, 30, 10, 0, 0, DateTimeKind.Utc), new DateTime(2026, 11, 30, 10, 0, 5, DateTimeKind.Utc),
            RotationAttemptOutcome.Succeeded, null, "Succeeded", [], null, []));
        var d = _f.Diagnose(typeof(LastRotationAttemptCheck));
        Assert.Equal((null, null, 0), (d.Symptom, d.Cause, d.Causes.Count));
    }

    private void DatabaseAnswers(TcpAnswer tcp, bool sees = true, bool? plainRefused = null, string? method = null, bool? tls = null) =>
        _f.Given(DatabaseInputs.Server, key =>
        {
            var address = ((DatabaseProbeQuestion)key!).Address;
            return new DatabaseServerFacts
            {
                Engine = address.Engine, Endpoint = $"{address.Host}:{address.Port}", Tcp = tcp, TcpDetail = $"TCP {tcp}", SeesFunctionsNetwork = sees, Vantage = "here",
                PlainRefusedForUser = plainRefused, AuthenticationMethod = method, TlsOffered = tls, PlainDetail = method is null ? null : $"asks for {method}",
                Evidence = [$"{address.Host}:{address.Port}: TCP {tcp}"],
            };
        });

    private void FunctionIsRecent() => _f
        .Given(FunctionInputs.Age, new RotationFunctionAge
        {
            FunctionName = "f", CreatedDate = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), CreatedDateSource = "CloudFormationStack",
            PredatesTlsSupport = false, PredatesScramSupport = false,
        })
        .Given<IReadOnlyList<LibpqReport>>(FunctionInputs.Bundle, [new LibpqReport("f", "libpq.so.5", null, 15, true, PostgresDriver.PyGreSQL, [])]);

    private RotationDiagnosis DiagnoseLogin() => _f.Diagnose(typeof(LastRotationAttemptCheck), typeof(DatabaseServerCheck), typeof(LibpqCheck), typeof(FunctionAgeCheck));

    [Fact]
    public void A_refused_port_seen_from_a_machine_in_the_network_is_the_cause_of_a_fast_failed_login()
    {
        LogsShow("DatabaseLoginRejected");
        _f.WithValue("""{"engine":"postgres","host":"127.0.0.1","port":5999,"username":"app","password":"p"}""");
        DatabaseAnswers(TcpAnswer.Refused);
        FunctionIsRecent();

        var d = DiagnoseLogin();

        Assert.Equal("DatabasePortClosed", d.Cause);
        Assert.Equal(CauseVerdict.RuledOut, Of(d, "DatabaseDoesNotAnswer").Verdict);
        Assert.Equal(CauseVerdict.RuledOut, Of(d, "DatabaseSecurityGroupBlocksFunction").Verdict);
    }

    [Fact]
    public void A_refused_port_seen_from_outside_the_functions_network_rules_nothing_out()
    {
        LogsShow("DatabaseLoginRejected");
        _f.WithValue("""{"engine":"postgres","host":"10.0.3.7","username":"app","password":"p"}""");
        DatabaseAnswers(TcpAnswer.Refused, sees: false);
        FunctionIsRecent();

        var d = DiagnoseLogin();

        Assert.Null(d.Cause);
        var closed = Of(d, "DatabasePortClosed");
        Assert.Equal(CauseVerdict.Undetermined, closed.Verdict);
        // A command that runs as given; where to run it is evidence.
        Assert.StartsWith("Test-SecretRotation -SecretId '", closed.Command);
        Assert.EndsWith("'", closed.Command);
        Assert.Contains(closed.Evidence, e => e.Contains("from a host in the function's VPC and subnets"));
        Assert.Contains(d.Findings, f => f.CheckId == "DatabaseProbeNotConclusive");
    }

    [Fact]
    public void A_server_that_refuses_the_user_without_TLS_is_the_cause_when_the_secret_turns_TLS_off()
    {
        LogsShow("DatabaseLoginRejected");
        _f.WithValue("""{"engine":"postgres","host":"127.0.0.1","username":"app","password":"p","ssl":false}""");
        DatabaseAnswers(TcpAnswer.Open, plainRefused: true, tls: true);
        FunctionIsRecent();

        Assert.Equal("DatabaseRequiresTlsSecretDisablesIt", DiagnoseLogin().Cause);
    }

    [Fact]
    public void A_server_asking_for_scram_and_a_libpq_older_than_10_is_the_cause()
    {
        LogsShow("DatabaseLoginRejected");
        _f.WithValue("""{"engine":"postgres","host":"127.0.0.1","username":"app","password":"p"}""");
        DatabaseAnswers(TcpAnswer.Open, plainRefused: false, method: "scram-sha-256", tls: false);
        FunctionIsRecent();
        _f.Given<IReadOnlyList<LibpqReport>>(FunctionInputs.Bundle, [new LibpqReport("f", "libpq.so.5", "/PostgreSQL-9.4.1/lib", 9, false, PostgresDriver.PyGreSQL, [])]);

        var d = DiagnoseLogin();

        Assert.Equal("DatabaseRequiresScramButFunctionLibpqTooOld", d.Cause);
        Assert.Equal(CauseVerdict.Undetermined, Of(d, "CurrentCredentialsRejected").Verdict);
    }

    [Fact]
    public void With_every_other_cause_ruled_out_wrong_credentials_are_likely_and_the_login_that_settles_it_is_named()
    {
        LogsShow("DatabaseLoginRejected");
        _f.WithValue("""{"engine":"postgres","host":"127.0.0.1","username":"app","password":"p"}""");
        DatabaseAnswers(TcpAnswer.Open, plainRefused: false, method: "md5", tls: false);
        FunctionIsRecent();

        var d = DiagnoseLogin();

        Assert.Null(d.Cause);
        Assert.Equal(("CurrentCredentialsRejected", CauseVerdict.Likely), (d.Causes[0].Id, d.Causes[0].Verdict));
        Assert.Equal("Test-RotationDatabaseLogin -SecretId 'prod/orders' -VersionStage AWSCURRENT", d.Causes[0].Command);
    }

    [Fact]
    public void A_slow_failure_rules_out_every_answer_the_database_would_give_at_once()
    {
        LogsShow("DatabaseUnreachable");
        _f.WithValue("""{"engine":"postgres","host":"127.0.0.1","username":"app","password":"p"}""");
        DatabaseAnswers(TcpAnswer.NoAnswer);
        FunctionIsRecent();

        var d = DiagnoseLogin();

        Assert.Equal("DatabaseDoesNotAnswer", d.Cause);
        foreach (var id in new[] { "DatabasePortClosed", "CurrentCredentialsRejected", "DatabaseRequiresScramButFunctionLibpqTooOld", "DatabaseRequiresTlsSecretDisablesIt" })
            Assert.Equal(CauseVerdict.RuledOut, Of(d, id).Verdict);
    }
}
