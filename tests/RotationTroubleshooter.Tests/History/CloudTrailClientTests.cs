using RotationTroubleshooter.Aws;
using RotationTroubleshooter.History;

namespace RotationTroubleshooter.Tests.History;

/// <summary>
/// The loopback Event history answers as CloudTrail does (boto3 reads it), and the module's CloudTrail client reads it
/// through the one pipeline: by resource name, paged, within its window, and never faster than CloudTrail's 2 per second.
/// </summary>
[Collection(CloudTrailFakeCollection.Name)]
public sealed class CloudTrailClientTests(CloudTrailFakeFixture fake)
{
    [Fact]
    public void Boto3_reads_the_fakes_events_by_resource_name_across_pages_and_its_throttling_errors()
    {
        var read = fake.World.GetProperty("boto3");
        // 60 Decrypts and the key policy: two pages of at most 50.
        Assert.Equal(2, read.GetProperty("key").GetProperty("pages").GetInt32());
        Assert.Equal(61, read.GetProperty("key").GetProperty("events").GetArrayLength());
        Assert.Equal(["RevokeSecurityGroupEgress", "AuthorizeSecurityGroupEgress"],
            read.GetProperty("sg:function").GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        // Lambda's names carry its API version, as CloudTrail writes them.
        Assert.Contains("UpdateFunctionConfiguration20150331v2", read.GetProperty("function:orders").GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("ThrottlingException", fake.World.GetProperty("burst").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task A_lookup_reads_every_page_newest_first()
    {
        var key = fake.Text("key");
        var lookup = await fake.Client().LookupByResourceAsync(key, fake.Now.AddDays(-30), fake.Now.AddMinutes(1), 20, CancellationToken.None);

        Assert.Equal(2, lookup.Requests);
        Assert.False(lookup.Truncated);
        Assert.Equal(61, lookup.Events.Count);
        Assert.Equal(lookup.Events.Select(e => e.EventTime).OrderByDescending(t => t), lookup.Events.Select(e => e.EventTime));
        Assert.Equal("PutKeyPolicy", lookup.Events[^1].EventName);
        Assert.All(lookup.Events, e => Assert.Contains(e.Resources!, r => r.ResourceName == key));
    }

    [Fact]
    public async Task A_lookup_keeps_to_its_window()
    {
        var secret = fake.Text("secrets", "orders");
        var lookup = await fake.Client().LookupByResourceAsync(secret, fake.Time("runtime-change"), fake.Now.AddMinutes(1), 20, CancellationToken.None);

        var records = lookup.Events.Select(e => TrailRecord.From(e, new TrackedResource(HistoryResourceKind.Secret, secret))!).ToList();
        Assert.DoesNotContain(records, r => r.EventName == "RotationSucceeded");
        Assert.All(records, r => Assert.InRange(r.Time, fake.Time("runtime-change"), fake.Now.AddMinutes(1)));
        Assert.Contains(records, r => r.EventName == "RotationFailed");
    }

    [Fact]
    public async Task A_lookup_stopped_at_its_page_cap_says_so()
    {
        var lookup = await fake.Client().LookupByResourceAsync(fake.Text("key"), fake.Now.AddDays(-30), fake.Now.AddMinutes(1), 1, CancellationToken.None);

        Assert.True(lookup.Truncated);
        Assert.Equal(1, lookup.Requests);
        Assert.Equal(CloudTrailClient.MaxPageSize, lookup.Events.Count);
    }

    [Fact]
    public async Task Concurrent_lookups_keep_to_CloudTrails_quota()
    {
        var client = fake.Client();
        var since = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var names = fake.World.GetProperty("resources").EnumerateObject().Select(p => p.Value.GetString()!).ToList();

        var lookups = await Task.WhenAll(names.Select(n => client.LookupByResourceAsync(n, fake.Now.AddDays(-30), fake.Now.AddMinutes(1), 20, CancellationToken.None)));

        Assert.Equal(names.Count + 1, lookups.Sum(l => l.Requests)); // the key has two pages
        var answered = fake.LookupsSince(since);
        // Sent all at once, 9 of these 11 would be throttled; kept to 2 per second, none is, but on a loaded machine the
        // fake's threads may be late enough to bunch two requests up.
        Assert.InRange(answered.Count(a => a.Throttled), 0, 2);
        Assert.Equal(lookups.Sum(l => l.Requests), answered.Count(a => !a.Throttled));
    }

    [Fact]
    public async Task A_denied_lookup_is_an_access_denied_error_naming_the_action()
    {
        var error = await Assert.ThrowsAsync<AwsServiceException>(() =>
            fake.Client().LookupByResourceAsync(CloudTrailFakeFixture.DeniedResource, fake.Now.AddDays(-1), fake.Now, 1, CancellationToken.None));

        Assert.Equal(AwsErrorKind.AccessDenied, error.Kind);
        Assert.Equal("cloudtrail:LookupEvents", error.IamAction);
    }
}
