using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Database;
using RotationTroubleshooter.Diagnosis.Checks;
using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Network;
using RotationTroubleshooter.Records;

namespace RotationTroubleshooter.Tests.Diagnosis;

/// <summary>
/// The login causes RDS's record decides from a machine where the database's private name does not resolve (the probe
/// sees nothing): stopped, another endpoint or port, a proxy or a parameter demanding TLS, SCRAM, Oracle's native
/// network encryption. No AWS: the record is given as the reader would build it from RDS's answers.
/// </summary>
public class DatabaseRecordCauseTests
{
    private readonly DiagnosisFixture _f = new();
    private const string Host = "orders.c9akciq32.us-east-1.rds.amazonaws.com";

    public DatabaseRecordCauseTests()
    {
        _f.Given(FunctionInputs.LatestAttempt, new RotationAttempt(DiagnosisFixture.SecretArn, "v2", "f",
            new DateTime(2026, 11, 30, 10, 0, 0, DateTimeKind.Utc), new DateTime(2026, 11, 30, 10, 0, 2, DateTimeKind.Utc),
            RotationAttemptOutcome.Failed, "setSecret", "DatabaseLoginRejected", ["setSecret: Unable to log into database with previous, current, or pending secret"], null, []));
        // From outside the VPC: the private name does not resolve, so the probe rules nothing out.
        _f.Given(DatabaseInputs.Server, key =>
        {
            var address = ((DatabaseProbeQuestion)key!).Address;
            return new DatabaseServerFacts
            {
                Engine = address.Engine, Endpoint = $"{address.Host}:{address.Port}", Tcp = TcpAnswer.NotResolved, TcpDetail = $"{address.Host} does not resolve here",
                SeesFunctionsNetwork = false, Vantage = "this machine", Evidence = [$"{address.Host} does not resolve here."],
            };
        });
        FunctionBundlesLibpq(15);
        _f.Given(FunctionInputs.Age, new RotationFunctionAge
        {
            FunctionName = "f", CreatedDate = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), CreatedDateSource = "CloudFormationStack",
            PredatesTlsSupport = false, PredatesScramSupport = false,
        });
    }

    private void FunctionBundlesLibpq(int major) =>
        _f.Given<IReadOnlyList<LibpqReport>>(FunctionInputs.Bundle, [new LibpqReport("f", "libpq.so.5", null, major, major >= 10, PostgresDriver.PyGreSQL, [])]);

    private static RdsInstanceRecord Instance(string status = "available", string engine = "postgres", string version = "15.4", int port = 5432,
        string group = "orders-tls", params string[] optionGroups) =>
        new("orders", engine, version, status, Host, port, [new ParameterGroupUse(group, "in-sync")], optionGroups, null, "app", "orders");

    private void RdsRecords(RdsInstanceRecord instance, RecordedSetting? tls = null, RecordedSetting? password = null, string? nne = null) =>
        _f.Given(DatabaseInputs.Record, key => new DatabaseRecord(
            DatabaseEndpoints.Match(((DatabaseHostName)key!).Host, DatabaseRecordSet.Empty with { Instances = [instance] }), tls, password, nne));

    private RotationDiagnosis Diagnose() =>
        _f.Diagnose(typeof(LastRotationAttemptCheck), typeof(DatabaseServerCheck), typeof(DatabaseRecordCheck), typeof(LibpqCheck), typeof(FunctionAgeCheck));

    private static CauseAssessment Of(RotationDiagnosis d, string id) => d.Causes.Single(c => c.Id == id);

    [Fact]
    public void A_parameter_group_that_forces_TLS_is_the_confirmed_cause_when_the_secret_turns_TLS_off()
    {
        _f.WithValue($$"""{"engine":"postgres","host":"{{Host}}","port":5432,"username":"app","password":"p","ssl":false}""");
        RdsRecords(Instance(), tls: new RecordedSetting("rds.force_ssl", "1", "parameter group orders-tls", false));

        var d = Diagnose();

        Assert.Equal("DatabaseRequiresTlsSecretDisablesIt", d.Cause);
        var cause = Of(d, "DatabaseRequiresTlsSecretDisablesIt");
        Assert.Equal(CauseVerdict.Confirmed, cause.Verdict);
        Assert.Contains("DB instance orders refuses plain connections: rds.force_ssl = 1 (parameter group orders-tls).", cause.Evidence);
        Assert.Equal(CauseVerdict.RuledOut, Of(d, "DatabaseNotAvailable").Verdict);
        Assert.Equal(CauseVerdict.RuledOut, Of(d, "DatabasePortNotEndpoint").Verdict);
        Assert.Equal("DatabaseRequiresTlsSecretDisablesIt", d.Findings[0].CheckId);
    }

    [Fact]
    public void A_documented_default_rules_a_TLS_demand_out_and_says_it_is_the_default()
    {
        _f.WithValue($$"""{"engine":"postgres","host":"{{Host}}","username":"app","password":"p","ssl":false}""");
        RdsRecords(Instance(version: "14.9", group: "default.postgres14"),
            tls: new RecordedSetting("rds.force_ssl", "0", "postgres 14.9, parameter group default.postgres14 does not set it; https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.SSL.html", true));

        var d = Diagnose();

        var tls = Of(d, "DatabaseRequiresTlsSecretDisablesIt");
        Assert.Equal(CauseVerdict.RuledOut, tls.Verdict);
        Assert.Contains("AWS's documented default", tls.Evidence.Single());
        Assert.Equal(CauseVerdict.RuledOut, Of(d, "DatabaseRequiresTlsButFunctionPredatesTls").Verdict);
    }

    [Fact]
    public void An_RDS_proxy_that_requires_TLS_is_the_confirmed_cause_of_a_plain_connection()
    {
        const string proxyHost = "orders-proxy.proxy-c9akciq32.us-east-1.rds.amazonaws.com";
        _f.WithValue($$"""{"engine":"postgres","host":"{{proxyHost}}","username":"app","password":"p","ssl":false}""");
        var proxy = new RdsProxyRecord("orders-proxy", "available", "POSTGRESQL", proxyHost, RequireTls: true, "vpc-1", []);
        _f.Given(DatabaseInputs.Record, key => new DatabaseRecord(
            DatabaseEndpoints.Match(((DatabaseHostName)key!).Host, DatabaseRecordSet.Empty with { Proxies = [proxy] }),
            ProxyTargets: [new RdsProxyTargetRecord("db-1", Host, 5432, "RDS_INSTANCE", null, "AVAILABLE", null, null)]));

        var d = Diagnose();

        Assert.Equal("ProxyRequiresTls", d.Cause);
        Assert.Contains("RDS Proxy orders-proxy requires TLS of its clients (RequireTLS is true, as RDS records it).", Of(d, "ProxyRequiresTls").Evidence);
        Assert.DoesNotContain(d.Findings, f => f.CheckId == "ProxyTargetUnhealthy");
    }

    [Fact]
    public void A_stopped_instance_is_the_confirmed_cause_whatever_the_probe_could_not_see()
    {
        _f.WithValue($$"""{"engine":"postgres","host":"{{Host}}","username":"app","password":"p"}""");
        RdsRecords(Instance(status: "stopped"));

        var d = Diagnose();

        Assert.Equal("DatabaseNotAvailable", d.Cause);
        Assert.Contains("DB instance orders is stopped, as RDS records it: it takes no connections.", Of(d, "DatabaseNotAvailable").Evidence);
        Assert.Equal(RotationStatus.Failing, d.Status);
    }

    [Fact]
    public void A_port_that_is_not_the_endpoints_is_the_confirmed_cause()
    {
        _f.WithValue($$"""{"engine":"postgres","host":"{{Host}}","port":"5433","username":"app","password":"p"}""");
        RdsRecords(Instance(port: 5432));

        var d = Diagnose();

        Assert.Equal("DatabasePortNotEndpoint", d.Cause);
        Assert.Contains("The secret's port is 5433, but DB instance orders listens on 5432, as RDS records it.", Of(d, "DatabasePortNotEndpoint").Evidence);
    }

    [Fact]
    public void A_host_naming_an_instance_recreated_under_another_endpoint_is_the_confirmed_cause()
    {
        const string stale = "orders.oldhash123.us-east-1.rds.amazonaws.com";
        _f.WithValue($$"""{"engine":"postgres","host":"{{stale}}","username":"app","password":"p"}""");
        RdsRecords(Instance());

        var d = Diagnose();

        Assert.Equal("DatabaseHostNotEndpoint", d.Cause);
        Assert.Contains(Of(d, "DatabaseHostNotEndpoint").Evidence, e => e.Contains($"but DB instance orders's recorded endpoint is {Host}", StringComparison.Ordinal));
    }

    [Fact]
    public void Scram_stored_passwords_and_a_libpq_older_than_10_are_the_confirmed_cause_and_md5_rules_it_out()
    {
        _f.WithValue($$"""{"engine":"postgres","host":"{{Host}}","username":"app","password":"p"}""");
        FunctionBundlesLibpq(9);
        RdsRecords(Instance(), password: new RecordedSetting("password_encryption", "scram-sha-256", "parameter group orders-tls", false));

        var d = Diagnose();

        Assert.Equal("DatabaseRequiresScramButFunctionLibpqTooOld", d.Cause);
        Assert.Contains(Of(d, d.Cause!).Evidence, e => e.Contains("password_encryption = scram-sha-256 (parameter group orders-tls)", StringComparison.Ordinal));

        RdsRecords(Instance(), password: new RecordedSetting("password_encryption", "md5", "parameter group orders-tls", false));
        Assert.Equal(CauseVerdict.RuledOut, Of(Diagnose(), "DatabaseRequiresScramButFunctionLibpqTooOld").Verdict);
    }

    [Fact]
    public void An_oracle_option_group_that_requires_native_network_encryption_is_the_confirmed_cause()
    {
        _f.WithValue($$"""{"engine":"oracle","host":"{{Host}}","port":1521,"username":"admin","password":"p","dbname":"ORCL"}""");
        RdsRecords(Instance(engine: "oracle-ee", version: "19.0.0.0.ru-2024-01.rur-2024-01.r1", port: 1521, optionGroups: "ledger-nne"), nne: "ledger-nne");

        var d = Diagnose();

        Assert.Equal("OptionGroupRequiresNativeEncryption", d.Cause);
        Assert.Contains(Of(d, d.Cause!).Evidence, e => e.Contains("option group ledger-nne", StringComparison.Ordinal));
    }

    [Fact]
    public void A_host_that_is_no_AWS_endpoint_adds_no_record_causes()
    {
        _f.WithValue("""{"engine":"postgres","host":"db.internal.example","username":"app","password":"p"}""");
        RdsRecords(Instance());

        var d = Diagnose();

        Assert.DoesNotContain(d.Causes, c => c.Id is "DatabaseNotAvailable" or "DatabaseHostNotEndpoint" or "DatabasePortNotEndpoint");
        Assert.Null(d.Cause);
    }
}

/// <summary>Every Failing diagnosis says why: a finding that is its own cause, a restated failure as evidence, or the command that settles it.</summary>
public class FailingDiagnosisCauseTests
{
    private readonly DiagnosisFixture _f = new();

    private void StalledAfterCreateSecretLeaving(string version)
    {
        _f.Secret.VersionIdsToStages = new() { ["v-current"] = ["AWSCURRENT"], [version] = ["AWSPENDING"] };
        _f.Given<IReadOnlyList<SecretVersionEntry>>(SecretInputs.Versions, []);
        _f.Given(FunctionInputs.LatestAttempt, new RotationAttempt(DiagnosisFixture.SecretArn, version, "f",
            new DateTime(2026, 11, 30, 10, 0, 0, DateTimeKind.Utc), new DateTime(2026, 11, 30, 10, 0, 31, DateTimeKind.Utc),
            RotationAttemptOutcome.Failed, "setSecret", "StalledAfterCreateSecret", ["createSecret: Successfully put secret"], null, []));
    }

    private void NetworkIs(PathVerdict verdict, string reason, params Finding[] findings) =>
        _f.Given(NetworkInputs.Path, new NetworkPathReport(_f.Function.FunctionName!, "vpc-1", ["subnet-1"], ["sg-1"],
            new NetworkPath(verdict, reason, []), null, findings));

    private RotationDiagnosis Diagnose() =>
        _f.Diagnose(typeof(LastRotationAttemptCheck), typeof(PendingVersionCheck), typeof(NetworkPathCheck), typeof(FunctionTimeoutCheck));

    [Fact]
    public void A_stuck_pending_label_is_the_cause_once_every_cause_of_the_stall_that_left_it_is_ruled_out()
    {
        StalledAfterCreateSecretLeaving("v-pending");
        NetworkIs(PathVerdict.Reachable, "vpce-1 in subnet-1 with private DNS");

        var d = Diagnose();

        Assert.All(d.Causes, c => Assert.Equal(CauseVerdict.RuledOut, c.Verdict));
        Assert.Equal((RotationStatus.Failing, "PendingVersionStuck"), (d.Status, d.Cause));
        Assert.Equal("PendingVersionStuck", d.Findings[0].CheckId);
    }

    [Fact]
    public void While_a_cause_of_the_stall_is_undecided_the_stuck_label_is_not_the_cause_and_the_summary_names_the_command()
    {
        StalledAfterCreateSecretLeaving("v-pending");
        NetworkIs(PathVerdict.Unknown, "the endpoint's security group sg-9 could not be read");

        var d = Diagnose();

        Assert.Null(d.Cause);
        Assert.EndsWith("To settle the cause: Test-RotationNetwork -SecretId 'prod/orders'", d.Summary);
    }

    [Fact]
    public void The_stuck_label_a_confirmed_failure_left_is_evidence_on_that_cause_not_an_error_of_its_own()
    {
        StalledAfterCreateSecretLeaving("v-pending");
        NetworkIs(PathVerdict.Blocked, "rtb-1 has no route for 0.0.0.0/0",
            NetworkFindings.NoRouteToSecretsManager.Raise(["Route from subnet-1: rtb-1 has no route for 0.0.0.0/0"]));

        var d = Diagnose();

        Assert.Equal("NoRouteToSecretsManager", d.Cause);
        Assert.Contains(d.Causes[0].Evidence, e => e.Contains("v-pending", StringComparison.Ordinal));
        var stuck = d.Findings.Single(f => f.CheckId == "PendingVersionStuck");
        Assert.Equal(FindingSeverity.Warning, stuck.Severity);
        Assert.Equal("NoRouteToSecretsManager", d.Findings[0].CheckId);
    }

    [Fact]
    public void An_undecided_failure_names_in_its_summary_the_one_command_that_settles_it()
    {
        _f.Given(FunctionInputs.LatestAttempt, new RotationAttempt(DiagnosisFixture.SecretArn, "v2", "f",
            new DateTime(2026, 11, 30, 10, 0, 0, DateTimeKind.Utc), new DateTime(2026, 11, 30, 10, 0, 31, DateTimeKind.Utc),
            RotationAttemptOutcome.TimedOut, "createSecret", "TimeoutReachingSecretsManager", [], null, []));
        NetworkIs(PathVerdict.Unknown, "the endpoint's security group sg-9 could not be read");

        var d = _f.Diagnose(typeof(LastRotationAttemptCheck), typeof(NetworkPathCheck));

        Assert.Null(d.Cause);
        Assert.EndsWith("To settle the cause: Test-RotationNetwork -SecretId 'prod/orders'", d.Summary);
    }

    [Fact]
    public void A_failure_whose_every_cause_is_ruled_out_says_so_and_names_the_command_that_shows_more()
    {
        // The function is in no VPC: it reaches Secrets Manager's public endpoint, so no network cause of the guide applies.
        _f.Given(FunctionInputs.LatestAttempt, new RotationAttempt(DiagnosisFixture.SecretArn, "v2", "f",
            new DateTime(2026, 11, 30, 10, 0, 0, DateTimeKind.Utc), new DateTime(2026, 11, 30, 10, 0, 31, DateTimeKind.Utc),
            RotationAttemptOutcome.TimedOut, "createSecret", "TimeoutReachingSecretsManager", [], null, []));
        _f.Given(NetworkInputs.Path, new NetworkPathReport(_f.Function.FunctionName!, null, [], [],
            new NetworkPath(PathVerdict.Reachable, "not in a VPC", []), null, []));

        var d = _f.Diagnose(typeof(LastRotationAttemptCheck), typeof(NetworkPathCheck));

        Assert.Null(d.Cause);
        Assert.All(d.Causes, c => Assert.Equal(CauseVerdict.RuledOut, c.Verdict));
        Assert.Contains("rules out every cause AWS's guide gives for TimeoutReachingSecretsManager", d.Summary);
        Assert.EndsWith("Get-RotationFunctionLog -SecretId 'prod/orders'", d.Summary);
    }
}

public class OverdueIsNoCauseTests
{
    [Fact]
    public void An_overdue_schedule_says_rotation_fails_not_why()
    {
        var f = new DiagnosisFixture();
        f.Secret.LastRotatedDate = f.Options.Now.AddDays(-90);
        f.Secret.NextRotationDate = f.Options.Now.AddDays(-60);
        f.Secret.RotationRules = new RotationRules { AutomaticallyAfterDays = 30 };

        var d = f.Diagnose(typeof(RotationScheduleCheck));

        Assert.Equal(RotationStatus.Failing, d.Status);
        Assert.Contains(d.Findings, x => x.CheckId == "RotationOverdue");
        Assert.Null(d.Cause);
    }
}
