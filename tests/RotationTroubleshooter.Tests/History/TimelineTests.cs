using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Bundles;
using RotationTroubleshooter.History;
using RotationTroubleshooter.Logs;
using RotationTroubleshooter.Tests.Logs;
using RotationTroubleshooter.Text;
using static RotationTroubleshooter.Tests.Logs.Transcript;

namespace RotationTroubleshooter.Tests.History;

/// <summary>The parts of a history that need no CloudTrail: attempts and runtime updates from the logs, the read plan, and edge cases of the records.</summary>
public sealed class TimelineTests
{
    private const string Function = "SecretsManagerRDSPostgreSQLRotationSingleUser";

    private static string InitStart(string version) =>
        $"INIT_START Runtime Version: {version}\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:{version.GetHashCode():x8}";

    private static Transcript SucceededThenFailedAfterARuntimeUpdate()
    {
        var t = new Transcript(LambdaLogFormat.Text);
        t.Raw(InitStart("python:3.12.v36"));
        t.Invoke(850, InvocationEnd.Success, [Put(ArnA, Ver1)]);
        t.Invoke(420, InvocationEnd.Success, [SetOk(ArnA)], coldStart: false);
        t.Invoke(380, InvocationEnd.Success, [TestOk(ArnA)], coldStart: false);
        t.Invoke(300, InvocationEnd.Success, [FinishOk(ArnA, Ver1)], coldStart: false);
        t.Wait(TimeSpan.FromDays(1));
        t.Raw(InitStart("python:3.12.v38"));
        t.Wait(TimeSpan.FromMinutes(27));
        t.Invoke(900, InvocationEnd.Success, [Put(ArnA, Ver2)]);
        t.Invoke(640, InvocationEnd.Error, ["!" + SetFailed(ArnA)], coldStart: false);
        return t;
    }

    [Fact]
    public void Attempts_and_the_runtime_update_the_logs_show_join_the_timeline_in_order()
    {
        var t = SucceededThenFailedAfterARuntimeUpdate();
        var attempts = RotationLogAnalyzer.Analyze(t.Events, Function, null, T0.AddDays(3));
        var timeline = TimelineBuilder.Build(new HistorySubject(ArnA, Function), [], attempts, t.Events, T0.AddDays(-1), T0.AddDays(3));

        Assert.Equal(["RotationAttempt", "RuntimeVersionChanged", "RotationAttempt"], timeline.Select(e => e.EventName));
        var update = timeline[1];
        Assert.Equal("the function started on runtime version python:3.12.v38 (before: python:3.12.v36)", update.Summary);
        Assert.Equal([HistoryAspect.FunctionRuntime], update.Aspects);
        Assert.Equal($"ran a rotation of version {Ver2} that failed at setSecret (DatabaseLoginRejected)", timeline[2].Summary);
        Assert.Equal("DatabaseLoginRejected", timeline[2].Error);
        Assert.Equal(PrincipalKind.SecretsManager, timeline[2].Principal!.Kind);

        var streak = HistoryFacts.CurrentStreak(timeline)!;
        Assert.Same(timeline[2], streak.FirstFailure);
        var change = HistoryFacts.ChangeBefore(timeline, streak, new HashSet<HistoryAspect> { HistoryAspect.FunctionRuntime })!;
        Assert.Same(update, change);
        Assert.Equal($"The function started on runtime version python:3.12.v38 (before: python:3.12.v36) at {T0.AddDays(1):yyyy-MM-dd} 03:00Z; " +
                     "the first failed rotation followed at 03:27Z", HistoryFacts.ChangeThenFailure(change, streak));
    }

    [Fact]
    public void A_runtime_update_before_the_failures_is_evidence_on_each_bundle_fit_cause_and_not_on_a_key_cause()
    {
        var t = SucceededThenFailedAfterARuntimeUpdate();
        var attempts = RotationLogAnalyzer.Analyze(t.Events, Function, null, T0.AddDays(3));
        var timeline = TimelineBuilder.Build(new HistorySubject(ArnA, Function), [], attempts, t.Events, T0.AddDays(-1), T0.AddDays(3));
        var streak = HistoryFacts.CurrentStreak(timeline)!;

        // An import error's causes since the bundle fit decides them (NativeModuleBuiltForOtherPython, DriverNotInBundle, ...).
        foreach (var cause in BundleFitFindings.All)
            Assert.Same(timeline[1], HistoryFacts.ChangeBefore(timeline, streak, HistoryFindings.AspectsOf(cause.Id)));
        Assert.Null(HistoryFacts.ChangeBefore(timeline, streak, HistoryFindings.AspectsOf("KmsKeyDisabled")));
    }

    [Fact]
    public void The_JSON_log_formats_platform_initStart_names_the_runtime_version_too()
    {
        LogEvent Init(DateTime at, string version) => new(at,
            $$$"""{"time":"{{{Iso(at)}}}","type":"platform.initStart","record":{"initializationType":"on-demand","phase":"init","runtimeVersion":"{{{version}}}","runtimeVersionArn":"arn:aws:lambda:us-east-1::runtime:abc"}}""");
        var timeline = TimelineBuilder.Build(new HistorySubject(ArnA, Function), [], [],
            [Init(T0, "python:3.12.v36"), Init(T0.AddHours(1), "python:3.12.v36"), Init(T0.AddHours(2), "python:3.13.v2")], T0.AddDays(-1), T0.AddDays(1));

        var update = Assert.Single(timeline);
        Assert.Equal(T0.AddHours(2), update.Time);
        Assert.Contains("runtime version: python:3.13.v2", update.Changes);
    }

    [Fact]
    public void Another_secrets_attempts_on_a_shared_function_are_not_in_this_secrets_history()
    {
        var t = SucceededThenFailedAfterARuntimeUpdate();
        var attempts = RotationLogAnalyzer.Analyze(t.Events, Function, null, T0.AddDays(3));

        var timeline = TimelineBuilder.Build(new HistorySubject(ArnB, Function), [], attempts, [], T0.AddDays(-1), T0.AddDays(3));

        Assert.Empty(timeline);
    }

    [Fact]
    public void A_fleet_plans_one_lookup_per_resource_from_the_oldest_start_any_secret_needs()
    {
        var now = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);
        // 1,000 secrets over 100 functions in 5 VPCs (2 security groups, an ACL and a route table each), one key, 10 databases.
        var secrets = Enumerable.Range(0, 1000).Select(i =>
        {
            var vpc = i % 5;
            return (new RotationDependencies($"arn:aws:secretsmanager:us-east-1:123456789012:secret:app{i}-AbCdEf")
            {
                FunctionName = $"rotation-{i % 100}",
                FunctionRoleArn = $"arn:aws:iam::123456789012:role/rotation-{i % 100}",
                KmsKeyArn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                SecurityGroupIds = [$"sg-function{vpc}", $"sg-database{vpc}"],
                NetworkAclIds = [$"acl-{vpc}"],
                RouteTableIds = [$"rtb-{vpc}"],
                DatabaseInstanceId = $"db-{i % 10}",
            }, Start: now.AddDays(-7 - i % 30));
        }).ToList();

        var plan = HistoryReadPlan.For(secrets);

        Assert.Equal(1000 + 100 + 5 * 4 + 1 + 10, plan.Count);
        Assert.Equal(now.AddDays(-36), plan.Single(l => l.Resource.Kind == HistoryResourceKind.KmsKey).Start);
        Assert.Equal(now.AddDays(-7 - 29), plan.Single(l => l.Resource.Name == "rotation-99").Start);
        Assert.Equal(TimeSpan.FromSeconds((plan.Count - 1) / 2.0), HistoryReadPlan.Floor(plan.Count));
    }

    private static TrailRecord Record(string json) =>
        TrailRecord.From(new LookedUpEvent { Record = UntrustedJsonDocument.Clean(json) }, new TrackedResource(HistoryResourceKind.Secret, "s"))!;

    [Fact]
    public void What_a_service_masked_stays_masked_and_control_characters_are_made_visible()
    {
        var record = Record("""
            {"eventVersion":"1.09","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/eve\u001b[2J","userName":"eve\u001b[2J"},
             "eventTime":"2026-11-02T14:03:11Z","eventSource":"secretsmanager.amazonaws.com","eventName":"UpdateSecret",
             "requestParameters":{"secretId":"s","kmsKeyId":"HIDDEN_DUE_TO_SECURITY_REASONS","secretString":"hunter2-not-shown"},
             "responseElements":{"arn":"s","versionId":"v9"},"eventID":"e1","readOnly":false,"eventType":"AwsApiCall"}
            """);
        var e = TimelineBuilder.FromRecord(new HistorySubject("s"), record);

        Assert.Equal(["secret value written (not shown)", "version: v9", "KMS key: (hidden)"], e.Changes);
        Assert.DoesNotContain("hunter2", e.ToString() + string.Join("", e.Changes) + e.Summary);
        Assert.Equal("eve\u241b[2J", e.Principal!.Name);
        Assert.DoesNotContain('\u001b', e.Principal.ToString());
    }

    [Theory]
    [InlineData("""{"type":"AWSService","invokedBy":"rds.amazonaws.com"}""", "rds.amazonaws.com", PrincipalKind.AwsService, "rds.amazonaws.com")]
    [InlineData("""{"type":"AWSAccount","principalId":"AIDAEXAMPLE","accountId":"444455556666"}""", "203.0.113.9", PrincipalKind.Other, "account 444455556666")]
    [InlineData("""{"type":"Unknown","principalId":"EXAMPLE","accountId":"444455556666"}""", "203.0.113.9", PrincipalKind.Other, "EXAMPLE")]
    [InlineData("""{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/ci","userName":"ci","invokedBy":"cloudformation.amazonaws.com"}""",
        "cloudformation.amazonaws.com", PrincipalKind.CloudFormation, "CloudFormation as ci")]
    [InlineData("""{"accountId":"123456789012","invokedBy":"secretsmanager.amazonaws.com"}""", "secretsmanager.amazonaws.com", PrincipalKind.SecretsManager, "Secrets Manager")]
    public void Principals_of_every_identity_type_are_named(string identity, string sourceIp, PrincipalKind kind, string name)
    {
        var record = Record($$"""
            {"userIdentity":{{identity}},"eventTime":"2026-11-02T14:03:11Z","eventSource":"rds.amazonaws.com","eventName":"ModifyDBInstance",
             "sourceIPAddress":"{{sourceIp}}","requestParameters":{"dBInstanceIdentifier":"db","masterUserPassword":"****"},"eventID":"e2"}
            """);
        var principal = TimelineBuilder.FromRecord(new HistorySubject("s"), record).Principal!;

        Assert.Equal((kind, name), (principal.Kind, principal.Name));
    }

    [Fact]
    public void A_record_that_is_not_JSON_is_skipped()
    {
        Assert.Null(TrailRecord.From(new LookedUpEvent { Record = "not json" }, new TrackedResource(HistoryResourceKind.Secret, "s")));
    }
}
