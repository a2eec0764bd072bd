using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Amazon.Runtime;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Fleet;
using RotationTroubleshooter.Tests.Aws;

namespace RotationTroubleshooter.Tests.Fleet;

public class FleetPlannerTests
{
    /// <summary>STS and Organizations as AWS answers them: the caller is 111111111111, the management account.</summary>
    private sealed class FakeAws(TimeSpan credentialsLast) : HttpMessageHandler
    {
        public ConcurrentQueue<string> Requests { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            var target = request.Headers.TryGetValues("X-Amz-Target", out var t) ? t.First() : null;
            Requests.Enqueue(target ?? body);
            if (target == "AWSOrganizationsV20161128.ListAccounts")
                return Json(body.Contains("page2")
                    ? """{"Accounts":[{"Id":"333333333333","Status":"ACTIVE"},{"Id":"444444444444","Status":"SUSPENDED"}]}"""
                    : """{"Accounts":[{"Id":"222222222222","State":"ACTIVE"},{"Id":"111111111111","Status":"ACTIVE"}],"NextToken":"page2"}""");
            if (body.Contains("Action=GetCallerIdentity"))
                return Xml("<GetCallerIdentityResponse><GetCallerIdentityResult><Account>111111111111</Account></GetCallerIdentityResult></GetCallerIdentityResponse>");
            if (body.Contains("Action=AssumeRole"))
            {
                var expiration = DateTime.UtcNow.Add(credentialsLast).ToString("yyyy-MM-ddTHH:mm:ssZ");
                return Xml($"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>s</SecretAccessKey>" +
                           $"<SessionToken>t</SessionToken><Expiration>{expiration}</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>");
            }
            return new HttpResponseMessage(HttpStatusCode.BadRequest);
        }

        private static HttpResponseMessage Json(string text) => new(HttpStatusCode.OK) { Content = new StringContent(text, Encoding.UTF8, "application/x-amz-json-1.1") };
        private static HttpResponseMessage Xml(string text) => new(HttpStatusCode.OK) { Content = new StringContent(text, Encoding.UTF8, "text/xml") };
    }

    private static Task<IReadOnlyList<FleetShard>> Plan(FakeAws aws, FleetOptions options) =>
        FleetPlanner.PlanAsync(TestConnections.Create(endpoint: "http://127.0.0.1:1"), options with { RunBy = "alice" }, CancellationToken.None, aws);

    [Fact]
    public async Task An_organisation_is_its_ACTIVE_accounts_the_caller_first_each_in_every_region_in_the_order_given()
    {
        var shards = await Plan(new FakeAws(TimeSpan.FromHours(1)), new FleetOptions { OrganizationRoleName = "RotationAuditor", Regions = ["eu-west-1", "us-east-1", "eu-west-1"] });

        Assert.Equal(["111111111111/eu-west-1", "111111111111/us-east-1", "222222222222/eu-west-1", "222222222222/us-east-1", "333333333333/eu-west-1", "333333333333/us-east-1"],
            shards.Select(s => s.ToString()));
        Assert.All(shards, s => Assert.Equal(s.Region, s.Connection.RegionName));
        Assert.All(shards, s => Assert.Equal(s.AccountId, s.Connection.AccountId));
    }

    [Fact]
    public async Task The_callers_own_account_keeps_its_credentials_and_every_other_assumes_the_role_with_who_ran_it_and_the_external_id()
    {
        var aws = new FakeAws(TimeSpan.FromHours(1));
        var shards = await Plan(aws, new FleetOptions { AccountIds = ["222222222222", "111111111111"], OrganizationRoleName = "RotationAuditor", ExternalId = "ext-1" });

        Assert.Equal(["222222222222/us-east-1", "111111111111/us-east-1"], shards.Select(s => s.ToString()));
        Assert.IsType<BasicAWSCredentials>(shards[1].Connection.Credentials);
        var role = Assert.IsType<AssumedRoleCredentials>(shards[0].Connection.Credentials);
        Assert.Equal("arn:aws:iam::222222222222:role/RotationAuditor", role.RoleArn);
        Assert.DoesNotContain(aws.Requests, r => r.Contains("ListAccounts")); // chosen accounts: no listing
        await shards[0].OpenAsync(CancellationToken.None);
        var assume = Assert.Single(aws.Requests, r => r.Contains("Action=AssumeRole"));
        Assert.Contains("RoleSessionName=RotationTroubleshooter-alice", assume);
        Assert.Contains("ExternalId=ext-1", assume);
    }

    [Fact]
    public async Task Assumed_credentials_are_refreshed_before_they_expire_and_not_before()
    {
        var lasting = new FakeAws(TimeSpan.FromHours(1));
        var shard = (await Plan(lasting, new FleetOptions { AccountIds = ["222222222222"], OrganizationRoleName = "R" }))[0];
        await shard.Connection.Credentials.GetCredentialsAsync();
        await shard.Connection.Credentials.GetCredentialsAsync();
        Assert.Single(lasting.Requests, r => r.Contains("Action=AssumeRole"));

        // Four minutes left is inside the five-minute window: each use assumes the role again rather than sign with them.
        var expiring = new FakeAws(TimeSpan.FromMinutes(4));
        shard = (await Plan(expiring, new FleetOptions { AccountIds = ["222222222222"], OrganizationRoleName = "R" }))[0];
        await shard.Connection.Credentials.GetCredentialsAsync();
        await shard.Connection.Credentials.GetCredentialsAsync();
        Assert.Equal(2, expiring.Requests.Count(r => r.Contains("Action=AssumeRole")));
    }

    [Fact]
    public async Task Each_shard_has_its_own_rate_limiter_buckets_and_the_same_account_and_region_share_one()
    {
        var options = new FleetOptions { AccountIds = ["111111111111", "222222222222"], OrganizationRoleName = "R", Regions = ["us-east-1", "eu-west-1"] };
        var shards = await Plan(new FakeAws(TimeSpan.FromHours(1)), options);
        var limiters = shards.Select(s => new AwsPipeline(s.Connection).RateLimiter).ToList();

        Assert.Equal(4, limiters.Distinct().Count());
        var again = await Plan(new FakeAws(TimeSpan.FromHours(1)), options);
        Assert.Same(limiters[3], new AwsPipeline(again[3].Connection).RateLimiter); // a later run in that shard keeps what it learnt
        Assert.Same(limiters[3], new AwsPipeline(again[3].Connection.ForRegion("eu-west-1", "test")).RateLimiter);
    }

    [Fact]
    public async Task Another_account_without_a_role_or_a_malformed_id_is_refused_before_any_work()
    {
        var other = await Assert.ThrowsAsync<TroubleshooterException>(() => Plan(new FakeAws(TimeSpan.FromHours(1)), new FleetOptions { AccountIds = ["222222222222"] }));
        Assert.Equal(ErrorIds.InvalidFleet, other.ErrorId);
        Assert.Contains("-OrganizationRoleName", other.Message);
        var aws = new FakeAws(TimeSpan.FromHours(1));
        var malformed = await Assert.ThrowsAsync<TroubleshooterException>(() => Plan(aws, new FleetOptions { AccountIds = ["2222"], OrganizationRoleName = "R" }));
        Assert.Contains("'2222' is not an AWS account id", malformed.Message);
        Assert.Empty(aws.Requests); // refused before asking STS who the caller is
    }

    [Fact]
    public async Task A_shards_failure_names_its_account_and_region_and_keeps_the_category()
    {
        var shard = (await Plan(new FakeAws(TimeSpan.FromHours(1)), new FleetOptions { Regions = ["eu-west-1", "us-east-1"] }))[0];
        var failed = shard.Failed(new AggregateException(new TroubleshooterException(ErrorIds.AwsAccessDenied, FailureCategory.PermissionDenied, "denied by an SCP.")));

        Assert.Equal(ErrorIds.ShardFailed, failed.ErrorId);
        Assert.Equal(FailureCategory.PermissionDenied, failed.Category);
        Assert.Equal("Account 111111111111, region eu-west-1: not diagnosed: denied by an SCP.", failed.Message);
    }

    [Theory]
    [InlineData("alice", "RotationTroubleshooter-alice")]
    [InlineData("CORP\\bob smith", "RotationTroubleshooter-CORP-bob-smith")]
    public void The_session_name_says_who_ran_it_in_the_characters_STS_allows(string user, string expected) =>
        Assert.Equal(expected, FleetPlanner.SessionName(user));
}
