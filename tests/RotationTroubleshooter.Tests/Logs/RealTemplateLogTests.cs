using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Tests.Logs;

/// <summary>
/// The classifier against what AWS's real rotation templates logged, run by tests/harness as Secrets Manager and Lambda
/// run them (Fixtures/*.json, captured with tests/harness/capture_fixtures.py; see tests/harness/README.md).
/// </summary>
public class RealTemplateLogTests
{
    private static IReadOnlyList<RotationAttempt> Attempts(string fixture)
    {
        var read = LogFileReader.Read(Path.Combine(AppContext.BaseDirectory, "Logs", "Fixtures", fixture + ".json"));
        Assert.Equal(LogFileFormat.FilterLogEventsJson, read.Format);
        // Read an hour after the last record, so that nothing counts as still running.
        return RotationLogAnalyzer.Analyze(read.Events, "rotation", asOf: read.Events.Max(e => e.Timestamp).AddHours(1));
    }

    private static RotationAttempt Newest(string fixture) => Attempts(fixture)[^1];

    public static TheoryData<string> BothFormats(string scenario) => new() { scenario + "-text", scenario + "-json" };

    public static TheoryData<string> WrongPassword => BothFormats("wrong-password");
    public static TheoryData<string> RefusedPort => BothFormats("refused-port");
    public static TheoryData<string> DroppedSyn => BothFormats("dropped-syn");
    public static TheoryData<string> TlsRequiredPostgres => BothFormats("tls-required-postgres");
    public static TheoryData<string> MissingKey => BothFormats("missing-key");
    public static TheoryData<string> WithoutMasterArn => BothFormats("multi-user-without-masterarn");
    public static TheoryData<string> Healthy => BothFormats("healthy-without-tls");
    public static TheoryData<string> DriverMissing => BothFormats("driver-missing");

    private static void AssertNamesEveryLoginCandidate(RotationAttempt a)
    {
        Assert.Equal(RotationSymptoms.DatabaseLoginRejected.Id, a.Symptom);
        Assert.Equal("setSecret", a.FailedStep);
        Assert.Contains("username or password does not match", a.Remediation);
        Assert.Contains("nothing listens on the secret's host and port", a.Remediation);
        Assert.Contains("only over TLS", a.Remediation);
        Assert.Contains("scram-sha-256", a.Remediation);
        Assert.Contains($"Test-RotationDatabaseLogin -SecretId {a.SecretArn}", a.Remediation);
    }

    [Theory, MemberData(nameof(WrongPassword))]
    public void A_wrong_password_on_a_server_without_TLS_names_every_candidate_and_not_the_TLS_fallback(string fixture)
    {
        var a = Newest(fixture);
        Assert.Equal(RotationAttemptOutcome.Failed, a.Outcome);
        AssertNamesEveryLoginCandidate(a);
        // The template logged "SSL/TLS is not enabled on the host" before each plain login: that is not the cause.
        Assert.DoesNotContain("TLS handshake failed", a.Remediation);
        Assert.DoesNotContain(a.Evidence, e => e.Contains("SSL/TLS is not enabled", StringComparison.Ordinal));
        Assert.Contains("\"ssl\": true but the database offers no TLS", a.Remediation);
    }

    [Theory, MemberData(nameof(RefusedPort))]
    public void A_refused_port_fails_setSecret_at_once_and_the_remedy_names_the_port(string fixture)
    {
        var a = Newest(fixture);
        AssertNamesEveryLoginCandidate(a);
        Assert.Contains(a.Evidence, e => e.Contains("under the 5000 ms connect timeout", StringComparison.Ordinal));
    }

    [Theory, MemberData(nameof(DroppedSyn))]
    public void Dropped_SYNs_time_setSecret_out_and_read_as_the_database_unreachable(string fixture)
    {
        var a = Newest(fixture);
        Assert.Equal(RotationAttemptOutcome.TimedOut, a.Outcome);
        Assert.Equal("setSecret", a.FailedStep);
        Assert.Equal(RotationSymptoms.DatabaseUnreachable.Id, a.Symptom);
        Assert.Equal(4000, a.Steps[^1].DurationMs);
        Assert.Contains("security group", a.Remediation);
    }

    [Fact]
    public void Dropped_SYNs_with_ssl_false_fail_after_two_connect_timeouts_as_the_database_unreachable()
    {
        var a = Newest("dropped-syn-logged-text");
        Assert.Equal(RotationAttemptOutcome.Failed, a.Outcome);
        Assert.Equal(RotationSymptoms.DatabaseUnreachable.Id, a.Symptom);
        Assert.InRange(a.Steps[^1].DurationMs!.Value, 10000, 15000);
        Assert.Contains(a.Evidence, e => e.Contains("over the templates' 5000 ms connect timeout", StringComparison.Ordinal));
    }

    [Theory, MemberData(nameof(TlsRequiredPostgres))]
    public void PostgreSQL_15_refusing_a_plain_login_is_a_fast_failure_whose_remedy_includes_TLS(string fixture)
    {
        // PostgreSQL 15 words it "no pg_hba.conf entry ... no encryption", which the template does not match: nothing
        // but the generic line is logged.
        var a = Newest(fixture);
        AssertNamesEveryLoginCandidate(a);
        Assert.Contains("\"ssl\": false in the secret", a.Remediation);
    }

    [Fact]
    public void MariaDB_requiring_TLS_answers_like_a_wrong_password_and_the_remedy_includes_TLS()
    {
        var a = Newest("tls-required-mariadb-text");
        AssertNamesEveryLoginCandidate(a);
        Assert.Contains(a.Evidence, e => e.Contains("setSecret: Unable to log into database with previous, current, or pending secret", StringComparison.Ordinal));
    }

    [Theory, MemberData(nameof(MissingKey))]
    public void A_missing_host_key_fails_createSecret(string fixture)
    {
        var a = Newest(fixture);
        Assert.Equal(("createSecret", RotationSymptoms.SecretJsonKeyMissing.Id), (a.FailedStep, a.Symptom));
        Assert.Contains("\"host\"", a.Remediation);
        Assert.Contains(a.Evidence, e => e.Contains("KeyError: 'host key is missing from secret JSON'", StringComparison.Ordinal));
    }

    [Fact]
    public void A_MySQL_secret_on_the_PostgreSQL_template_is_EngineMismatch()
    {
        var a = Newest("engine-mismatch-text");
        Assert.Equal(("createSecret", RotationSymptoms.EngineMismatch.Id), (a.FailedStep, a.Symptom));
        Assert.Contains("'postgres'", a.Remediation);
    }

    [Theory, MemberData(nameof(WithoutMasterArn))]
    public void Multi_user_without_masterarn_fails_setSecret_with_a_bare_KeyError(string fixture)
    {
        var a = Newest(fixture);
        Assert.Equal(("setSecret", RotationSymptoms.SecretJsonKeyMissing.Id), (a.FailedStep, a.Symptom));
        Assert.Contains("\"masterarn\"", a.Remediation);
    }

    [Fact]
    public void Multi_user_with_a_wrong_master_password_names_the_master_secret()
    {
        var a = Newest("multi-user-bad-master-text");
        Assert.Equal(RotationSymptoms.DatabaseLoginRejected.Id, a.Symptom);
        Assert.Contains("the master secret's (masterarn) username or password", a.Remediation);
        Assert.Contains(a.Evidence, e => e.Contains("Unable to log into database using credentials in master secret", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("multi-user-master-other-host-text", "DBInstance 127 not found")]
    [InlineData("multi-user-master-database-gone-text", "DBInstance arn:aws:rds:us-east-1:123456789012:db:deleted-db not found")]
    public void A_master_lookup_RDS_does_not_know_is_ConnectionParametersLookupFailed_naming_the_master_secret(string fixture, string rdsError)
    {
        // The replica check (master names another host) and the managed master secret's tag both look the database up by
        // identifier; RDS answers DBInstanceNotFound, so "is not the same host as" and "No Instances found" are not reached.
        var a = Newest(fixture);
        Assert.Equal(("setSecret", RotationSymptoms.ConnectionParametersLookupFailed.Id), (a.FailedStep, a.Symptom));
        Assert.Contains(a.Evidence, e => e.Contains(rdsError, StringComparison.Ordinal));
        Assert.Contains("Make masterarn name the master secret of this secret's database", a.Remediation);
    }

    [Fact]
    public void A_username_too_long_for_its_clone_fails_createSecret()
    {
        var a = Newest("clone-username-too-long-text");
        Assert.Equal(("createSecret", RotationSymptoms.CloneUsernameTooLong.Id), (a.FailedStep, a.Symptom));
        Assert.Contains(a.Evidence, e => e.Contains("would exceed 63 characters", StringComparison.Ordinal));
    }

    [Fact]
    public void A_reattempt_of_a_version_that_lost_AWSPENDING_is_stopped_by_the_guard()
    {
        var a = Newest("pending-guard-text");
        Assert.Equal(RotationSymptoms.RotatedVersionNotPending.Id, a.Symptom);
        Assert.Contains(a.Evidence, e => e.Contains("not set as AWSPENDING for rotation", StringComparison.Ordinal));
    }

    [Theory, MemberData(nameof(Healthy))]
    public void A_healthy_rotation_that_fell_back_from_TLS_succeeds_without_a_remedy(string fixture)
    {
        var a = Assert.Single(Attempts(fixture));
        Assert.Equal(RotationAttemptOutcome.Succeeded, a.Outcome);
        Assert.Equal(RotationSymptoms.Succeeded.Id, a.Symptom);
        Assert.Null(a.Remediation);
        Assert.Equal(["createSecret", "setSecret", "testSecret", "finishSecret"], a.Steps.Select(s => s.Step));
        Assert.DoesNotContain(a.Evidence, e => e.Contains("SSL/TLS", StringComparison.Ordinal));
    }

    [Fact]
    public void A_reattempt_that_succeeds_after_a_fix_ends_the_same_attempt_as_Succeeded()
    {
        var a = Assert.Single(Attempts("reattempt-after-fix-text"));
        Assert.Equal(RotationAttemptOutcome.Succeeded, a.Outcome);
        Assert.Equal(["createSecret", "setSecret", "createSecret", "setSecret", "testSecret", "finishSecret"], a.Steps.Select(s => s.Step));
        Assert.Equal(RotationStepOutcome.Failed, a.Steps[1].Outcome);
        Assert.Contains("Successfully retrieved secret", a.Steps[2].LastMessage);
    }

    [Theory, MemberData(nameof(DriverMissing))]
    public void A_package_without_the_driver_is_FunctionImportError_naming_the_module(string fixture)
    {
        var a = Newest(fixture);
        Assert.Equal(RotationSymptoms.FunctionImportError.Id, a.Symptom);
        Assert.Contains("module 'pg'", a.Remediation);
    }
}
