using System.Reflection;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.History;

namespace RotationTroubleshooter.Tests.History;

/// <summary>
/// A secret's history built from the loopback Event history (tests/scenarios/cloudtrail_history.py): the events of
/// everything its rotation depends on, oldest first, principals classified for the secret, what changed in words and
/// never a secret value; and what the history decides for the diagnosis.
/// </summary>
[Collection(CloudTrailFakeCollection.Name)]
public sealed class HistoryTests(CloudTrailFakeFixture fake)
{
    private RotationDependencies Orders => new(fake.Text("secrets", "orders"))
    {
        FunctionName = "orders-rotation",
        FunctionRoleArn = fake.Text("roles", "orders"),
        KmsKeyArn = fake.Text("key"),
        SecurityGroupIds = [fake.Text("groups", "function")],
        NetworkAclIds = [fake.Text("acl")],
        RouteTableIds = [fake.Text("table")],
        DatabaseInstanceId = fake.Text("database"),
    };

    private RotationDependencies Billing => new(fake.Text("secrets", "billing"))
    {
        FunctionName = "billing-rotation",
        FunctionRoleArn = fake.Text("roles", "billing"),
    };

    private async Task<IReadOnlyList<RotationHistoryEvent>> TimelineAsync(RotationDependencies dependencies, bool includeReadOnly = false,
        CloudTrailHistory? history = null)
    {
        history ??= new CloudTrailHistory(fake.Client(), fake.Now.AddMinutes(1));
        var start = fake.Now.AddDays(-30);
        var reads = new List<ResourceHistory>();
        foreach (var resource in dependencies.Resources()) reads.Add(await history.ReadAsync(resource, start, CancellationToken.None));
        return TimelineBuilder.Build(new HistorySubject(dependencies.SecretArn, dependencies.FunctionName, dependencies.FunctionRoleArn), reads, [], [],
            start, history.EndTime, includeReadOnly);
    }

    [Fact]
    public async Task The_timeline_is_oldest_first_with_reads_left_out_unless_asked_for()
    {
        var timeline = await TimelineAsync(Orders);
        var withReads = await TimelineAsync(Orders, includeReadOnly: true);

        Assert.Equal(timeline.OrderBy(e => e.Time), timeline);
        Assert.DoesNotContain(timeline, e => e.ReadOnly);
        Assert.Contains(withReads, e => e.EventName == "GetSecretValue");
        Assert.Contains(withReads, e => e.EventName == "Decrypt");
        Assert.Equal(3 + 60 + 1, withReads.Count(e => e.ReadOnly)); // three reads of the secret, the key's Decrypts, GetFunction
        Assert.Equal(timeline.Select(e => e.EventId).Distinct().Count(), timeline.Count);
        Assert.All(timeline, e => Assert.Equal(fake.Text("secrets", "orders"), e.SecretArn));
    }

    [Fact]
    public async Task Principals_are_classified_for_the_secret()
    {
        var timeline = await TimelineAsync(Orders);
        Principal By(string eventName, string? resource = null) =>
            timeline.First(e => e.EventName == eventName && (resource is null || e.Resource == resource)).Principal!;

        var alice = timeline.First(e => e.EventName == "UpdateFunctionConfiguration" && e.Error is null).Principal!;
        Assert.Equal((PrincipalKind.Other, "alice", "arn:aws:iam::123456789012:user/alice"), (alice.Kind, alice.Name, alice.Arn));
        Assert.Equal(PrincipalKind.SecretsManager, By("RotationSucceeded").Kind);
        Assert.Equal(PrincipalKind.RotationFunction, By("PutSecretValue").Kind);
        Assert.Equal(fake.Text("roles", "orders"), By("PutSecretValue").RoleArn);
        Assert.Equal((PrincipalKind.CloudFormation, "CloudFormation (stack role network-stack-role)"),
            (By("RevokeSecurityGroupEgress").Kind, By("RevokeSecurityGroupEgress").Name));
        Assert.Equal((PrincipalKind.CloudFormation, "CloudFormation as carol"), (By("PutKeyPolicy").Kind, By("PutKeyPolicy").Name));
        Assert.Equal((PrincipalKind.Other, "network-change-42 (role network-pipeline)"),
            (By("AuthorizeSecurityGroupEgress").Kind, By("AuthorizeSecurityGroupEgress").Name));
        Assert.Equal("Identity Center user 544894e8-80c1-707f-60e3-3ba6510dfac1", By("ReplaceNetworkAclEntry").Name);
        Assert.Equal("the root user of 123456789012", By("RebootDBInstance").Name);
        Assert.Equal((PrincipalKind.Other, "dba-on-call"), (By("ModifyDBInstance").Kind, By("ModifyDBInstance").Name));
    }

    [Fact]
    public async Task The_same_role_is_the_rotation_function_only_in_the_history_of_the_secrets_it_rotates()
    {
        var other = Billing with { SecretArn = fake.Text("secrets", "orders") };
        var timeline = await TimelineAsync(other);

        Assert.Equal(PrincipalKind.Other, timeline.First(e => e.EventName == "PutSecretValue").Principal!.Kind);
    }

    [Fact]
    public async Task What_changed_is_said_in_words()
    {
        var timeline = await TimelineAsync(Orders);
        RotationHistoryEvent Event(string name) => timeline.First(e => e.EventName == name && e.Error is null);

        var runtime = Event("UpdateFunctionConfiguration");
        Assert.Equal("changed the function's runtime to python3.11 and environment variables SECRETS_MANAGER_ENDPOINT, DB_PASSWORD", runtime.Summary);
        Assert.Equal(["runtime: python3.11", "environment variables SECRETS_MANAGER_ENDPOINT, DB_PASSWORD (values not shown)"], runtime.Changes);
        Assert.Equal([HistoryAspect.FunctionRuntime, HistoryAspect.FunctionEnvironment], runtime.Aspects);
        Assert.Equal("Lambda", runtime.Source);
        Assert.Equal("revoked egress tcp port 443 to 0.0.0.0/0 in " + fake.Text("groups", "function"), Event("RevokeSecurityGroupEgress").Summary);
        Assert.Equal($"allowed egress tcp port 5432 to {fake.Text("groups", "database")} in {fake.Text("groups", "function")}",
            Event("AuthorizeSecurityGroupEgress").Summary);
        Assert.Equal($"replaced outbound rule 100: allow tcp ports 1024-65535 to 10.0.0.0/16 in {fake.Text("acl")}", Event("ReplaceNetworkAclEntry").Summary);
        Assert.Equal($"replaced the route to 0.0.0.0/0 via nat-0a1b2c3d4e5f60718 in {fake.Text("table")}", Event("ReplaceRoute").Summary);
        Assert.Equal(["key policy replaced: 1 statements (not shown)"], Event("PutKeyPolicy").Changes);
        Assert.Equal("changed the database's master password", Event("ModifyDBInstance").Summary);
        Assert.Equal([HistoryAspect.DatabasePassword], Event("ModifyDBInstance").Aspects);
        var failed = timeline.First(e => e.EventName == "RotationFailed");
        Assert.Equal("recorded a failed rotation (at setSecret)", failed.Summary);
        Assert.Contains($"version: {fake.Text("versions", "orders-fail")}", failed.Changes);
        Assert.Equal($"Error when executing lambda {fake.Text("functions", "orders")} during setSecret step", failed.Error);
    }

    [Fact]
    public async Task A_failed_call_is_shown_as_tried_and_changes_nothing()
    {
        var denied = (await TimelineAsync(Orders)).Single(e => e.Error == "AccessDeniedException");

        Assert.Equal("tried to change the function's timeout to 3 s (AccessDeniedException)", denied.Summary);
        Assert.Empty(denied.Aspects);
        Assert.Equal("bob", denied.Principal!.Name);
    }

    [Fact]
    public async Task No_event_holds_a_secret_value()
    {
        var events = (await TimelineAsync(Orders, includeReadOnly: true)).Concat(await TimelineAsync(Billing, includeReadOnly: true)).ToList();

        Assert.NotEmpty(events);
        foreach (var e in events)
        {
            Assert.DoesNotContain(fake.Canary, e.ToString());
            foreach (var property in typeof(RotationHistoryEvent).GetProperties(BindingFlags.Public | BindingFlags.Instance))
                Assert.DoesNotContain(fake.Canary, property.GetValue(e)?.ToString() ?? "");
            Assert.DoesNotContain(fake.Canary, string.Join("|", e.Changes));
            Assert.DoesNotContain(fake.Canary, e.Principal?.ToString() ?? "");
        }
        Assert.Contains(events, e => e.Changes.Contains("description changed"));
    }

    [Fact]
    public async Task The_change_nearest_before_the_first_failure_is_named_with_who_and_when()
    {
        var timeline = await TimelineAsync(Orders);
        var streak = HistoryFacts.CurrentStreak(timeline)!;

        Assert.Equal(2, streak.Failures);
        Assert.Equal(fake.Time("orders-first-failure").AddSeconds(12), streak.FirstFailure.Time);
        Assert.Equal("RotationSucceeded", streak.LastSuccess!.EventName);
        var change = HistoryFacts.ChangeBefore(timeline, streak, new HashSet<HistoryAspect> { HistoryAspect.FunctionRuntime })!;
        Assert.Equal("alice", change.Principal!.Name);
        var day = fake.Time("runtime-change").ToString("yyyy-MM-dd");
        Assert.Equal($"alice changed the function's runtime to python3.11 and environment variables SECRETS_MANAGER_ENDPOINT, DB_PASSWORD at {day} 14:03Z; the first failed rotation followed at 14:30Z",
            HistoryFacts.ChangeThenFailure(change, streak));
        // Nothing touched the key's state between the last success and the first failure.
        Assert.Null(HistoryFacts.ChangeBefore(timeline, streak, new HashSet<HistoryAspect> { HistoryAspect.KeyState }));
    }

    [Fact]
    public async Task A_secret_written_by_another_principal_after_its_last_rotation_is_found()
    {
        var timeline = await TimelineAsync(Billing);
        var outside = HistoryFacts.WritesOutsideRotation(timeline);

        var write = Assert.Single(outside.Writes);
        Assert.Equal("PutSecretValue", write.EventName);
        Assert.Equal(("terraform-apply (role deployer)", PrincipalKind.Other), (write.Principal!.Name, write.Principal.Kind));
        Assert.Equal(fake.Time("billing-outside-write"), write.Time);
        Assert.Equal("RotationSucceeded", outside.LastSuccess!.EventName);
        Assert.StartsWith($"terraform-apply (role deployer) wrote a new secret value (version {fake.Text("versions", "billing-outside")}) at ",
            HistoryFacts.Sentence(write));
    }

    [Fact]
    public async Task Rotation_turned_off_and_a_master_password_reset_are_found_with_who_did_them()
    {
        var legacy = await TimelineAsync(new RotationDependencies(fake.Text("secrets", "legacy")));
        var off = HistoryFacts.RotationTurnedOff(legacy)!;
        Assert.Equal(("CancelRotateSecret", "CloudFormation as carol"), (off.EventName, off.Principal!.Name));

        var reset = HistoryFacts.MasterPasswordReset(await TimelineAsync(Orders))!;
        Assert.Equal(("ModifyDBInstance", "dba-on-call"), (reset.EventName, reset.Principal!.Name));
    }

    [Fact]
    public async Task A_run_reads_a_shared_resource_once_and_an_older_start_only_for_the_missing_part()
    {
        var history = new CloudTrailHistory(fake.Client(), fake.Now.AddMinutes(1));
        var function = new TrackedResource(HistoryResourceKind.Function, "orders-rotation");

        var recent = await history.ReadAsync(function, fake.Now.AddDays(-3), CancellationToken.None);
        var again = await history.ReadAsync(function, fake.Now.AddDays(-2), CancellationToken.None);
        Assert.Same(recent, again);
        Assert.Equal(1, history.Requests);
        Assert.Single(recent.Records); // GetFunction two days ago

        var older = await history.ReadAsync(function, fake.Now.AddDays(-30), CancellationToken.None);
        Assert.Equal(2, history.Requests);
        Assert.Equal(3, older.Records.Count);
        Assert.Equal(older.Records.OrderBy(r => r.Time), older.Records);
    }

    [Fact]
    public async Task A_denial_is_remembered_for_the_rest_of_the_run()
    {
        var history = new CloudTrailHistory(fake.Client(), fake.Now.AddMinutes(1));
        var since = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

        await Assert.ThrowsAsync<AwsServiceException>(() =>
            history.ReadAsync(new TrackedResource(HistoryResourceKind.Secret, CloudTrailFakeFixture.DeniedResource), fake.Now.AddDays(-1), CancellationToken.None));
        var second = await Assert.ThrowsAsync<AwsServiceException>(() =>
            history.ReadAsync(new TrackedResource(HistoryResourceKind.Function, "orders-rotation"), fake.Now.AddDays(-1), CancellationToken.None));

        Assert.Equal(AwsErrorKind.AccessDenied, second.Kind);
        Assert.Single(fake.LookupsSince(since));
    }
}
