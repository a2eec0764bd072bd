using RotationTroubleshooter.Diagnosis.Checks;
using static RotationTroubleshooter.Tests.Logs.Transcript;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Tests.Logs;

public class RotationLogAnalyzerTests
{
    private static readonly DateTime Later = T0.AddDays(1);

    public static TheoryData<LambdaLogFormat> Formats => new() { LambdaLogFormat.Text, LambdaLogFormat.Json };

    private static RotationAttempt Single(Transcript t, DateTime? asOf = null, string? filter = null)
    {
        var attempts = RotationLogAnalyzer.Analyze(t.Events, "SecretsManagerRDSPostgreSQLRotationSingleUser", filter, asOf ?? Later);
        return Assert.Single(attempts);
    }

    private static void FullRotation(Transcript t, string arn, string ver)
    {
        t.Invoke(850, InvocationEnd.Success, [Put(arn, ver)]);
        t.Invoke(420, InvocationEnd.Success, [SetOk(arn)], coldStart: false);
        t.Invoke(380, InvocationEnd.Success, [TestOk(arn)], coldStart: false);
        t.Invoke(300, InvocationEnd.Success, [FinishOk(arn, ver)], coldStart: false);
    }

    [Theory, MemberData(nameof(Formats))]
    public void A_complete_rotation_is_one_succeeded_attempt_with_four_steps(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        FullRotation(t, ArnA, Ver1);
        var a = Single(t);
        Assert.Equal(RotationAttemptOutcome.Succeeded, a.Outcome);
        Assert.Equal(RotationSymptoms.Succeeded.Id, a.Symptom);
        Assert.Equal(ArnA, a.SecretArn);
        Assert.Equal(Ver1, a.VersionId);
        Assert.Equal("SecretsManagerRDSPostgreSQLRotationSingleUser", a.FunctionName);
        Assert.Equal(["createSecret", "setSecret", "testSecret", "finishSecret"], a.Steps.Select(s => s.Step));
        Assert.All(a.Steps, s => Assert.Equal(RotationStepOutcome.Succeeded, s.Outcome));
        Assert.Equal(420, a.Steps[1].DurationMs);
        Assert.Equal(T0, a.StartTime);
        Assert.NotNull(a.EndTime);
        Assert.True(a.Duration > TimeSpan.FromMilliseconds(1950));
        Assert.Null(a.FailedStep);
        Assert.Contains(a.Evidence, e => e.Contains("Successfully set AWSCURRENT stage", StringComparison.Ordinal));
        Assert.Equal(FindingSeverity.Info, LastRotationAttemptCheck.FindingOf(a)!.Severity);
    }

    [Theory, MemberData(nameof(Formats))]
    public void Nothing_after_found_credentials_and_a_timeout_is_TimeoutReachingSecretsManager(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        t.Invoke(30030, InvocationEnd.Timeout, []);
        t.Wait(TimeSpan.FromMinutes(2));
        t.Invoke(30030, InvocationEnd.Timeout, []);
        var a = Single(t);
        Assert.Equal(RotationAttemptOutcome.TimedOut, a.Outcome);
        Assert.Equal(RotationSymptoms.TimeoutReachingSecretsManager.Id, a.Symptom);
        Assert.Equal("createSecret", a.FailedStep);
        Assert.Null(a.SecretArn);
        Assert.Equal(2, a.Steps.Count);
        Assert.All(a.Steps, s => { Assert.True(s.StepInferred); Assert.Equal(RotationStepOutcome.TimedOut, s.Outcome); Assert.Equal(30030, s.DurationMs); });
        Assert.Contains(a.Evidence, e => e.Contains("Found credentials in environment variables.", StringComparison.Ordinal));
        Assert.Contains("VPC endpoint", a.Remediation);
        if (format == LambdaLogFormat.Text) Assert.Equal("Task timed out after 30.03 seconds", a.Steps[0].Error);
    }

    [Theory, MemberData(nameof(Formats))]
    public void CreateSecret_followed_by_nothing_is_StalledAfterCreateSecret(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver1)]);
        var a = Single(t, asOf: T0.AddHours(1));
        Assert.Equal(RotationAttemptOutcome.Failed, a.Outcome);
        Assert.Equal(RotationSymptoms.StalledAfterCreateSecret.Id, a.Symptom);
        Assert.Equal("setSecret", a.FailedStep);
        Assert.Equal(Ver1, a.VersionId);
        Assert.Contains("network ACLs", a.Remediation);
    }

    [Theory, MemberData(nameof(Formats))]
    public void The_same_logs_read_moments_later_are_in_progress(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver1)]);
        t.Invoke(400, InvocationEnd.Success, [SetOk(ArnA)], coldStart: false);
        var a = Single(t, asOf: t.Clock.AddSeconds(5));
        Assert.Equal(RotationAttemptOutcome.InProgress, a.Outcome);
        Assert.Null(a.EndTime);
        Assert.Null(a.Symptom);
        Assert.Null(LastRotationAttemptCheck.FindingOf(a));
    }

    [Theory, MemberData(nameof(Formats))]
    public void An_invocation_started_but_not_reported_is_in_progress(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver1)]);
        // setSecret has started (START and its first line) but has not ended yet.
        var running = new Transcript(format);
        running.Wait(TimeSpan.FromSeconds(2));
        running.Invoke(60000, InvocationEnd.Success, [], coldStart: true, requestId: "0fffffff-1111-4222-8333-444444444444");
        var partial = running.Events.Where(e => e.Kind is LogEventKind.Start or LogEventKind.Function).ToList();
        var attempts = RotationLogAnalyzer.Analyze(t.Events.Concat(partial), null, null, T0.AddSeconds(10));
        var a = Assert.Single(attempts);
        Assert.Equal(RotationAttemptOutcome.InProgress, a.Outcome);
        Assert.Equal(RotationStepOutcome.InProgress, a.Steps[^1].Outcome);
        Assert.Equal("setSecret", a.Steps[^1].Step);
    }

    [Theory, MemberData(nameof(Formats))]
    public void A_missing_key_in_the_secret_JSON_is_SecretJsonKeyMissing(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        t.Invoke(700, InvocationEnd.Error, [], unhandled: "KeyError: 'host key is missing from secret JSON'");
        var a = Single(t);
        Assert.Equal(RotationAttemptOutcome.Failed, a.Outcome);
        Assert.Equal(RotationSymptoms.SecretJsonKeyMissing.Id, a.Symptom);
        Assert.Equal("createSecret", a.FailedStep);
        Assert.Contains("\"host\"", a.Remediation);
        Assert.Contains(a.Evidence, e => e.Contains("host key is missing from secret JSON", StringComparison.Ordinal));
    }

    [Theory, MemberData(nameof(Formats))]
    public void A_bare_KeyError_for_masterarn_is_SecretJsonKeyMissing(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        t.Invoke(700, InvocationEnd.Error, [], unhandled: "KeyError: 'masterarn'");
        var a = Single(t);
        Assert.Equal(RotationSymptoms.SecretJsonKeyMissing.Id, a.Symptom);
        Assert.Contains("\"masterarn\"", a.Remediation);
    }

    [Theory, MemberData(nameof(Formats))]
    public void A_slow_setSecret_login_failure_is_DatabaseUnreachable(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver1)]);
        t.Invoke(25012, InvocationEnd.Error, ["!" + SetFailed(ArnA)], unhandled: $"ValueError: Unable to log into database with previous, current, or pending secret of secret arn {ArnA}", coldStart: false);
        var a = Single(t);
        Assert.Equal(RotationAttemptOutcome.Failed, a.Outcome);
        Assert.Equal(RotationSymptoms.DatabaseUnreachable.Id, a.Symptom);
        Assert.Equal("setSecret", a.FailedStep);
        Assert.Contains(a.Evidence, e => e.Contains("25012 ms", StringComparison.Ordinal));
        Assert.Contains("security group", a.Remediation);
    }

    [Theory, MemberData(nameof(Formats))]
    public void A_setSecret_that_times_out_after_createSecret_is_DatabaseUnreachable(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver1)]);
        t.Invoke(30000, InvocationEnd.Timeout, [], coldStart: false);
        var a = Single(t);
        Assert.Equal(RotationAttemptOutcome.TimedOut, a.Outcome);
        Assert.Equal(RotationSymptoms.DatabaseUnreachable.Id, a.Symptom);
        Assert.Equal("setSecret", a.FailedStep);
        Assert.True(a.Steps[1].StepInferred);
        Assert.Equal(ArnA, a.SecretArn);
    }

    [Theory, MemberData(nameof(Formats))]
    public void A_createSecret_invocation_that_times_out_after_its_line_is_StalledAfterCreateSecret(LambdaLogFormat format)
    {
        // Not something the templates can be made to do on this machine: the line is their last act before returning.
        var t = new Transcript(format);
        t.Invoke(30000, InvocationEnd.Timeout, [Retrieved(ArnA)]);
        var a = Single(t);
        Assert.Equal(RotationAttemptOutcome.TimedOut, a.Outcome);
        Assert.Equal(RotationSymptoms.StalledAfterCreateSecret.Id, a.Symptom);
        Assert.Contains(a.Evidence, e => e.Contains("timed out after 30000 ms", StringComparison.Ordinal));
        Assert.Contains("network ACLs", a.Remediation);
    }

    // Template messages the harness cannot make here (no MongoDB, no RDS replica, no second version of a secret edited
    // mid-rotation, no libpq older than 15 or CA the templates trust): the strings as the templates write them.
    public static TheoryData<LambdaLogFormat, string, string, string> SelfExplaining => new()
    {
        { LambdaLogFormat.Text, "setSecret: Attempting to modify user app_clone other than current user or clone app", RotationSymptoms.PendingUserMismatch.Id, "AWSPENDING label off" },
        { LambdaLogFormat.Json, "setSecret: Attempting to modify user app2 other than current user app", RotationSymptoms.PendingUserMismatch.Id, "username was changed" },
        { LambdaLogFormat.Text, "setSecret: Attempting to modify user app other than previous valid user old", RotationSymptoms.PendingUserMismatch.Id, "AWSPREVIOUS" },
        { LambdaLogFormat.Text, "setSecret: Attempting to modify user for host db2.example other than current host db.example", RotationSymptoms.PendingHostMismatch.Id, "AWSPENDING label off" },
        { LambdaLogFormat.Json, "setSecret: Attempting to modify user for host db2.example other than previous valid host db.example", RotationSymptoms.PendingHostMismatch.Id, "AWSCURRENT name the database" },
        { LambdaLogFormat.Text, "setSecret: Current database host db.example is not the same host as/rds replica of master other.example", RotationSymptoms.MasterHostMismatch.Id, "read replica" },
        { LambdaLogFormat.Json, "setSecret: Current database host db.example is not the same host as master other.example", RotationSymptoms.MasterHostMismatch.Id, "masterarn" },
        { LambdaLogFormat.Text, "setSecret: arn:aws:rds:us-east-1:123456789012:db:gone is not a valid DB Instance ARN. No Instances found when using DescribeDBInstances RDS API to get connection params.", RotationSymptoms.MasterDatabaseNotFound.Id, "aws:rds:primaryDBInstanceArn" },
        { LambdaLogFormat.Json, "setSecret: arn:aws:rds:us-east-1:123456789012:cluster:gone is not a valid DB Cluster ARN. No Clusters found when using DescribeDBClusters RDS API to get connection params.", RotationSymptoms.MasterDatabaseNotFound.Id, "managed master secret" },
        { LambdaLogFormat.Text, "setSecret: Encountered API error while fetching connection parameters from DescribeDBInstances RDS API: An error occurred (AccessDenied) when calling the DescribeDBInstances operation: User is not authorized to perform: rds:DescribeDBInstances", RotationSymptoms.ConnectionParametersLookupFailed.Id, "rds:DescribeDBInstances" },
        { LambdaLogFormat.Text, "setSecret: Error encountered when attempting to set password in database for user app", RotationSymptoms.SetPasswordFailed.Id, "changeOwnPassword" },
        { LambdaLogFormat.Json, "setSecret: Unable to clone user, username length with _clone appended would exceed 16 characters", RotationSymptoms.CloneUsernameTooLong.Id, "6 characters shorter" },
    };

    [Theory, MemberData(nameof(SelfExplaining))]
    public void A_template_message_that_names_its_cause_gets_its_own_symptom(LambdaLogFormat format, string message, string symptom, string remedy)
    {
        var t = new Transcript(format);
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver1)]);
        t.Invoke(700, InvocationEnd.Error, ["!" + message], unhandled: "ValueError: " + message["setSecret: ".Length..], coldStart: false);
        var a = Single(t);
        Assert.Equal(RotationAttemptOutcome.Failed, a.Outcome);
        Assert.Equal(symptom, a.Symptom);
        Assert.Contains(remedy, a.Remediation);
        Assert.Contains(a.Evidence, e => e.Contains(message, StringComparison.Ordinal));
    }

    public static TheoryData<LambdaLogFormat, string> HostnameMismatch => new()
    {
        { LambdaLogFormat.Text, "Hostname verification failed when estlablishing SSL/TLS Handshake with host: 10.0.0.5" },
        // libpq 15's wording, which the template's pattern misses; a function that logs libpq's message shows it.
        { LambdaLogFormat.Json, "connection to server at \"10.0.0.5\", port 5432 failed: server certificate for \"db.example.com\" does not match host name \"10.0.0.5\"" },
    };

    [Theory, MemberData(nameof(HostnameMismatch))]
    public void A_certificate_for_another_name_is_TlsHostnameMismatch(LambdaLogFormat format, string line)
    {
        var t = new Transcript(format);
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver1)]);
        t.Invoke(300, InvocationEnd.Error, ["!" + line, "!" + SetFailed(ArnA)], coldStart: false);
        var a = Single(t);
        Assert.Equal(RotationSymptoms.TlsHostnameMismatch.Id, a.Symptom);
        Assert.Contains("certificate", a.Remediation);
        Assert.Contains(a.Evidence, e => e.Contains(line, StringComparison.Ordinal));
    }

    [Theory, MemberData(nameof(Formats))]
    public void A_SCRAM_error_names_the_old_libpq(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver1)]);
        t.Invoke(300, InvocationEnd.Error, ["!SCRAM authentication requires libpq version 10 or above", "!" + SetFailed(ArnA)], coldStart: false);
        var a = Single(t);
        Assert.Equal(RotationSymptoms.DatabaseLoginRejected.Id, a.Symptom);
        Assert.Contains("libpq", a.Remediation);
        Assert.Contains(a.Evidence, e => e.Contains("SCRAM authentication requires libpq version 10", StringComparison.Ordinal));
    }

    [Theory, MemberData(nameof(Formats))]
    public void A_TLS_requirement_names_the_ssl_key(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver1)]);
        t.Invoke(800, InvocationEnd.Error, ["!Unable to establish SSL/TLS handshake, SSL/TLS is enforced on the host: db.internal", "!" + SetFailed(ArnA)], coldStart: false);
        var a = Single(t);
        Assert.Equal(RotationSymptoms.DatabaseLoginRejected.Id, a.Symptom);
        Assert.Contains("\"ssl\": true", a.Remediation);
    }

    [Theory, MemberData(nameof(Formats))]
    public void A_testSecret_login_failure_is_TestSecretLoginFailed(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver1)]);
        t.Invoke(400, InvocationEnd.Success, [SetOk(ArnA)], coldStart: false);
        t.Invoke(500, InvocationEnd.Error, ["!" + TestFailed(ArnA)], unhandled: $"ValueError: Unable to log into database with pending secret of secret ARN {ArnA}", coldStart: false);
        var a = Single(t);
        Assert.Equal(RotationSymptoms.TestSecretLoginFailed.Id, a.Symptom);
        Assert.Equal("testSecret", a.FailedStep);
        Assert.Equal(ArnA, a.SecretArn);
    }

    [Theory, MemberData(nameof(Formats))]
    public void A_secret_without_rotation_enabled_is_RotationNotEnabledForSecret(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        t.Invoke(500, InvocationEnd.Error, [$"!Secret {ArnA} is not enabled for rotation"], unhandled: $"ValueError: Secret {ArnA} is not enabled for rotation");
        var a = Single(t);
        Assert.Equal(RotationSymptoms.RotationNotEnabledForSecret.Id, a.Symptom);
        Assert.Equal(ArnA, a.SecretArn);
    }

    [Theory, MemberData(nameof(Formats))]
    public void A_version_not_pending_is_RotatedVersionNotPending(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        t.Invoke(500, InvocationEnd.Error, [$"!Secret version {Ver2} not set as AWSPENDING for rotation of secret {ArnA}."],
            unhandled: $"ValueError: Secret version {Ver2} not set as AWSPENDING for rotation of secret {ArnA}.");
        var a = Single(t);
        Assert.Equal(RotationSymptoms.RotatedVersionNotPending.Id, a.Symptom);
        Assert.Equal(Ver2, a.VersionId);
        Assert.Contains("AWSPENDING", a.Remediation);
    }

    [Theory, MemberData(nameof(Formats))]
    public void A_wrong_engine_is_EngineMismatch(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        t.Invoke(600, InvocationEnd.Error, [], unhandled: "KeyError: \"Database engine must be set to 'postgres' in order to use this rotation lambda\"");
        var a = Single(t);
        Assert.Equal(RotationSymptoms.EngineMismatch.Id, a.Symptom);
        Assert.Contains("'postgres'", a.Remediation);
    }

    [Theory, MemberData(nameof(Formats))]
    public void A_broken_package_is_FunctionImportError(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        const string error = "Runtime.ImportModuleError: Unable to import module 'lambda_function': No module named '_pg'";
        t.Invoke(120, InvocationEnd.Error, [], unhandled: error, initError: error, coldStart: false);
        var a = Single(t);
        Assert.Equal(RotationSymptoms.FunctionImportError.Id, a.Symptom);
        Assert.Contains("'_pg'", a.Remediation);
        Assert.Equal(RotationAttemptOutcome.Failed, a.Outcome);
    }

    [Theory, MemberData(nameof(Formats))]
    public void KMS_access_denied_is_KmsAccessDenied(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        t.Invoke(700, InvocationEnd.Error, [],
            unhandled: "ClientError: An error occurred (AccessDeniedException) when calling the GetSecretValue operation: Access to KMS is not allowed");
        var a = Single(t);
        Assert.Equal(RotationSymptoms.KmsAccessDenied.Id, a.Symptom);
        Assert.Contains("kms:Decrypt", a.Remediation);
    }

    [Theory, MemberData(nameof(Formats))]
    public void An_unrecognised_failure_is_Unknown_with_the_last_messages(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver1)]);
        t.Invoke(300, InvocationEnd.Error, ["!setSecret: something nobody expected"], unhandled: "RuntimeError: flux capacitor offline", coldStart: false);
        var a = Single(t);
        Assert.Equal(RotationSymptoms.Unknown.Id, a.Symptom);
        Assert.Contains(a.Evidence, e => e.Contains("flux capacitor offline", StringComparison.Ordinal));
        Assert.Contains(a.Evidence, e => e.Contains("something nobody expected", StringComparison.Ordinal));
        Assert.Equal("RuntimeError: flux capacitor offline", a.Steps[^1].Error);
    }

    [Theory, MemberData(nameof(Formats))]
    public void Retries_of_a_failed_step_stay_in_one_attempt(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver1)]);
        t.Invoke(600, InvocationEnd.Error, ["!" + SetFailed(ArnA)], coldStart: false);
        t.Wait(TimeSpan.FromMinutes(30));
        // Secrets Manager reattempts the same version: createSecret finds AWSPENDING already there.
        t.Invoke(500, InvocationEnd.Success, [Retrieved(ArnA)]);
        t.Invoke(600, InvocationEnd.Error, ["!" + SetFailed(ArnA)], coldStart: false);
        t.Wait(TimeSpan.FromMinutes(30));
        t.Invoke(400, InvocationEnd.Success, [SetOk(ArnA)]);
        t.Invoke(380, InvocationEnd.Success, [TestOk(ArnA)], coldStart: false);
        t.Invoke(300, InvocationEnd.Success, [FinishOk(ArnA, Ver1)], coldStart: false);
        var a = Single(t);
        Assert.Equal(RotationAttemptOutcome.Succeeded, a.Outcome);
        Assert.Equal(["createSecret", "setSecret", "createSecret", "setSecret", "setSecret", "testSecret", "finishSecret"], a.Steps.Select(s => s.Step));
        Assert.Equal(2, a.Steps.Count(s => s.Outcome == RotationStepOutcome.Failed));
    }

    [Theory, MemberData(nameof(Formats))]
    public void A_new_version_starts_a_new_attempt(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver1)]);
        t.Invoke(600, InvocationEnd.Error, ["!" + SetFailed(ArnA)], coldStart: false);
        t.Wait(TimeSpan.FromDays(1));
        FullRotation(t, ArnA, Ver2);
        var attempts = RotationLogAnalyzer.Analyze(t.Events, null, null, Later.AddDays(1));
        Assert.Equal(2, attempts.Count);
        Assert.Equal((Ver1, RotationAttemptOutcome.Failed), (attempts[0].VersionId, attempts[0].Outcome));
        Assert.Equal((Ver2, RotationAttemptOutcome.Succeeded), (attempts[1].VersionId, attempts[1].Outcome));
    }

    [Theory, MemberData(nameof(Formats))]
    public void Several_secrets_sharing_one_function_get_separate_attempts(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        // Two rotations at once, in two execution environments (log streams), their events interleaved in time.
        const string otherStream = "2026/11/20/[$LATEST]ffeeddccbbaa99887766554433221100";
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver1)]);
        t.Invoke(950, InvocationEnd.Success, [Put(ArnB, Ver2)], inStream: otherStream);
        t.Invoke(400, InvocationEnd.Success, [SetOk(ArnA)], coldStart: false);
        t.Invoke(30000, InvocationEnd.Timeout, [], coldStart: false, inStream: otherStream);
        t.Invoke(380, InvocationEnd.Success, [TestOk(ArnA)], coldStart: false);
        t.Invoke(300, InvocationEnd.Success, [FinishOk(ArnA, Ver1)], coldStart: false);

        var attempts = RotationLogAnalyzer.Analyze(t.Events, "shared-rotator", null, Later);
        Assert.Equal(2, attempts.Count);
        var a = attempts.Single(x => x.SecretArn == ArnA);
        var b = attempts.Single(x => x.SecretArn == ArnB);
        Assert.Equal(RotationAttemptOutcome.Succeeded, a.Outcome);
        Assert.Equal(4, a.Steps.Count);
        Assert.Equal(RotationAttemptOutcome.TimedOut, b.Outcome);
        Assert.Equal(RotationSymptoms.DatabaseUnreachable.Id, b.Symptom);
        Assert.Equal(["createSecret", "setSecret"], b.Steps.Select(s => s.Step));

        var onlyB = RotationLogAnalyzer.Analyze(t.Events, "shared-rotator", ArnB, Later);
        Assert.Equal(ArnB, Assert.Single(onlyB).SecretArn);
        Assert.Equal(ArnB, Assert.Single(RotationLogAnalyzer.Analyze(t.Events, null, "prod/billing.db", Later)).SecretArn);
        Assert.Equal(ArnB, Assert.Single(RotationLogAnalyzer.Analyze(t.Events, null, ArnB[..^7], Later)).SecretArn);
    }

    [Theory, MemberData(nameof(Formats))]
    public void Interleaved_noise_does_not_change_the_reading(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        t.Raw("INIT_START Runtime Version: python:3.12.v40\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:abc");
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver1), "some debugging print", "!a handled warning logged as error"]);
        t.Raw("hello from print() between invocations");
        t.Raw("{\"not\": \"a lambda record\"}", "2026/11/20/[$LATEST]00000000000000000000000000000000");
        t.Invoke(640, InvocationEnd.Error, ["!" + SetFailed(ArnA)], coldStart: false);
        var a = Single(t);
        // The handled error in createSecret does not fail that step: the platform reported success.
        Assert.Equal(RotationStepOutcome.Succeeded, a.Steps[0].Outcome);
        Assert.Equal(RotationSymptoms.DatabaseLoginRejected.Id, a.Symptom);
        Assert.Equal(2, a.Steps.Count);
    }

    [Fact]
    public void Events_in_any_order_give_the_same_attempts()
    {
        var t = new Transcript(LambdaLogFormat.Text);
        FullRotation(t, ArnA, Ver1);
        var shuffled = t.Events.OrderBy(e => e.Message.GetHashCode(StringComparison.Ordinal)).ToList();
        Assert.Equal(RotationAttemptOutcome.Succeeded, Assert.Single(RotationLogAnalyzer.Analyze(shuffled, null, null, Later)).Outcome);
    }

    [Fact]
    public void Attempts_come_back_oldest_first()
    {
        var t = new Transcript(LambdaLogFormat.Text);
        FullRotation(t, ArnA, Ver1);
        t.Wait(TimeSpan.FromDays(30));
        FullRotation(t, ArnA, Ver2);
        var attempts = RotationLogAnalyzer.Analyze(t.Events.AsEnumerable().Reverse(), null, null, Later.AddDays(60));
        Assert.Equal([Ver1, Ver2], attempts.Select(a => a.VersionId));
    }

    [Theory, MemberData(nameof(Formats))]
    public void Password_values_never_reach_the_output(LambdaLogFormat format)
    {
        var t = new Transcript(format);
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver1)]);
        t.Invoke(300, InvocationEnd.Error,
            ["!setSecret: bad secret {\"username\": \"app\", \"password\": \"Hunter2-s3cret!\", \"host\": \"db\"}", "!dict {'password': 'Hunter2-s3cret!'} PGPASSWORD=Hunter2-s3cret!"],
            unhandled: "RuntimeError: login {\"password\":\"Hunter2-s3cret!\"}", coldStart: false);
        var events = t.Events;
        Assert.DoesNotContain(events, e => e.Message.Contains("Hunter2", StringComparison.Ordinal) || (e.Text ?? "").Contains("Hunter2", StringComparison.Ordinal));
        var a = Single(t);
        var everything = string.Join("\n", a.Evidence.Concat(a.Steps.SelectMany(s => new[] { s.LastMessage, s.Error })).Append(a.Remediation));
        Assert.DoesNotContain("Hunter2", everything);
        Assert.Contains("\"password\": \"***\"", everything);
    }

    [Fact]
    public void A_console_copy_without_platform_lines_still_reads()
    {
        var t = new Transcript(LambdaLogFormat.Text);
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver1)], platformLines: false);
        t.Invoke(400, InvocationEnd.Success, [SetOk(ArnA)], platformLines: false, coldStart: false);
        t.Invoke(380, InvocationEnd.Success, [TestOk(ArnA)], platformLines: false, coldStart: false);
        t.Invoke(300, InvocationEnd.Success, [FinishOk(ArnA, Ver1)], platformLines: false, coldStart: false);
        var a = Single(t);
        Assert.Equal(RotationAttemptOutcome.Succeeded, a.Outcome);
        Assert.All(a.Steps, s => Assert.Null(s.DurationMs));
    }

    [Fact]
    public void No_events_give_no_attempts() =>
        Assert.Empty(RotationLogAnalyzer.Analyze([], "f", null, Later));

    [Fact]
    public void Attempts_that_name_no_secret_are_kept_under_a_secret_filter_unless_asked_not_to()
    {
        var t = new Transcript(LambdaLogFormat.Text);
        t.Invoke(30030, InvocationEnd.Timeout, []);
        t.Wait(TimeSpan.FromDays(1));
        FullRotation(t, ArnB, Ver2);
        var kept = RotationLogAnalyzer.Analyze(t.Events, null, ArnA, Later.AddDays(2));
        Assert.Equal(RotationSymptoms.TimeoutReachingSecretsManager.Id, Assert.Single(kept).Symptom);
        Assert.Empty(RotationLogAnalyzer.Analyze(t.Events, null, ArnA, Later.AddDays(2), includeUnattributed: false));
    }

    [Fact]
    public void An_invocation_naming_nothing_hours_after_an_open_attempt_starts_its_own()
    {
        var t = new Transcript(LambdaLogFormat.Text);
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver1)]);
        t.Wait(TimeSpan.FromHours(5));
        t.Invoke(30030, InvocationEnd.Timeout, []);
        var attempts = RotationLogAnalyzer.Analyze(t.Events, null, null, Later);
        Assert.Equal(2, attempts.Count);
        Assert.Equal(RotationSymptoms.StalledAfterCreateSecret.Id, attempts[0].Symptom);
        Assert.Equal((RotationSymptoms.TimeoutReachingSecretsManager.Id, "createSecret"), (attempts[1].Symptom, attempts[1].FailedStep));
    }

    [Fact]
    public void A_failed_attempt_converts_to_an_error_finding()
    {
        var t = new Transcript(LambdaLogFormat.Json);
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver1)]);
        t.Invoke(640, InvocationEnd.Error, ["!" + SetFailed(ArnA)], coldStart: false);
        var finding = LastRotationAttemptCheck.FindingOf(Single(t))!;
        Assert.Equal(RotationSymptoms.DatabaseLoginRejected.Id, finding.CheckId);
        Assert.Equal(FindingSeverity.Error, finding.Severity);
        Assert.Equal(AwsDocs.RotationTroubleshooting, finding.HelpUri);
        Assert.Contains("setSecret", finding.Message);
        Assert.NotEmpty(finding.Evidence);
    }

    [Fact]
    public void An_import_error_copied_alone_without_request_ids_is_still_diagnosed()
    {
        var events = new[]
        {
            new LogEvent(T0, "[ERROR] Runtime.ImportModuleError: Unable to import module 'lambda_function': No module named 'pymssql._pymssql'\nTraceback (most recent call last):"),
            new LogEvent(T0.AddSeconds(1), "INIT_REPORT Init Duration: 210.55 ms\tPhase: invoke\tStatus: error\tError Type: Runtime.ImportModuleError"),
        };
        var a = Assert.Single(RotationLogAnalyzer.Analyze(events, null, null, Later));
        Assert.Equal(RotationSymptoms.FunctionImportError.Id, a.Symptom);
        Assert.Contains("'pymssql._pymssql'", a.Remediation);
        Assert.Null(a.Steps[0].RequestId);
    }

    [Theory, MemberData(nameof(Formats))]
    public void A_master_secret_login_failure_stays_with_the_rotated_secret(LambdaLogFormat format)
    {
        const string master = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/master-QwErTy";
        var t = new Transcript(format);
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver1)]);
        t.Invoke(700, InvocationEnd.Error, [$"!setSecret: Unable to log into database using credentials in master secret {master}"], coldStart: false);
        var a = Single(t);
        Assert.Equal(ArnA, a.SecretArn);
        Assert.Equal(RotationSymptoms.DatabaseLoginRejected.Id, a.Symptom);
        Assert.Contains("masterarn", a.Remediation);
        Assert.Empty(RotationLogAnalyzer.Analyze(t.Events, null, master, Later, includeUnattributed: false));
    }

    [Fact]
    public void A_retry_under_way_is_in_progress_and_still_names_the_earlier_failure()
    {
        var t = new Transcript(LambdaLogFormat.Text);
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver1)]);
        t.Invoke(640, InvocationEnd.Error, ["!" + SetFailed(ArnA)], coldStart: false);
        t.Wait(TimeSpan.FromMinutes(20));
        t.Invoke(500, InvocationEnd.Success, [Retrieved(ArnA)]);
        var a = Single(t, asOf: t.Clock.AddSeconds(2));
        Assert.Equal(RotationAttemptOutcome.InProgress, a.Outcome);
        Assert.Equal(RotationSymptoms.DatabaseLoginRejected.Id, a.Symptom);
        Assert.Equal(FindingSeverity.Warning, LastRotationAttemptCheck.FindingOf(a)!.Severity);
        Assert.Equal(3, a.Steps.Count);
    }
}
