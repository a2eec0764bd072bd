using System.Net;
using System.Text;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Tests.Aws;

public class AwsRateLimiterTests
{
    private TimeSpan _now = TimeSpan.FromSeconds(100);

    private AwsRateLimiter Limiter(string? environment = null, IReadOnlyDictionary<string, double>? overrides = null) =>
        new(AwsRateLimits.Resolve(overrides, environment), () => _now);

    [Fact]
    public void Lambda_control_plane_operations_share_one_bucket_and_GetFunction_has_its_own()
    {
        var limiter = Limiter();

        Assert.Same(limiter.BucketFor("lambda", "GetPolicy"), limiter.BucketFor("lambda", "ListTags"));
        Assert.Equal("lambda", limiter.BucketFor("lambda", "GetPolicy").Key);
        Assert.Equal(15, limiter.CurrentRate("lambda", "GetFunctionConfiguration"));
        Assert.Equal(100, limiter.CurrentRate("lambda", "GetFunction"));
        Assert.Equal(5, limiter.CurrentRate("logs", "FilterLogEvents"));
        Assert.Equal(20, limiter.CurrentRate("ec2", "DescribeRouteTables"));
        Assert.Same(limiter.BucketFor("ec2", "DescribeRouteTables"), limiter.BucketFor("ec2", "DescribeVpcEndpoints"));
        Assert.Equal(12, limiter.CurrentRate("rds", "DescribeDBInstances"));
        Assert.Same(limiter.BucketFor("rds", "DescribeDBInstances"), limiter.BucketFor("rds", "DescribeDBParameters"));
        Assert.True(double.IsPositiveInfinity(limiter.CurrentRate("redshift", "DescribeClusters")));
    }

    [Fact]
    public async Task A_bucket_lets_its_burst_through_less_a_fifth_of_a_second_kept_for_jitter_then_makes_callers_wait_for_the_rate()
    {
        var limiter = Limiter(overrides: new Dictionary<string, double> { ["logs:FilterLogEvents"] = 10 });
        using var stop = new CancellationTokenSource();

        // AWS's bucket holds 10; the client uses 8 of them at once, so 2 (a fifth of a second at 10/s) absorb arrival jitter.
        for (var i = 0; i < 8; i++)
            Assert.True(limiter.AcquireAsync("logs", "FilterLogEvents", stop.Token).IsCompleted);
        var ninth = limiter.AcquireAsync("logs", "FilterLogEvents", stop.Token).AsTask();
        Assert.False(ninth.IsCompleted);

        _now += TimeSpan.FromSeconds(1.5);
        // The ninth caller's reserved token is paid back after 1/10 s; the rest of the refill is due now.
        Assert.True(limiter.AcquireAsync("logs", "FilterLogEvents", stop.Token).IsCompleted);
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ninth);
    }

    [Fact]
    public async Task A_slow_bucket_keeps_at_least_one_token_for_jitter()
    {
        var limiter = Limiter(overrides: new Dictionary<string, double> { ["logs:FilterLogEvents"] = 2 });
        using var stop = new CancellationTokenSource();

        // A fifth of a second at 2/s is less than a token: one of AWS's two is still kept.
        Assert.True(limiter.AcquireAsync("logs", "FilterLogEvents", stop.Token).IsCompleted);
        var second = limiter.AcquireAsync("logs", "FilterLogEvents", stop.Token).AsTask();
        Assert.False(second.IsCompleted);
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
    }

    [Fact]
    public void Throttling_cuts_the_rate_once_per_burst_of_answers_and_quiet_restores_it_step_by_step()
    {
        var limiter = Limiter();

        Assert.Equal(10.5, limiter.Throttled("lambda", "GetPolicy"), 6);
        Assert.Equal(10.5, limiter.Throttled("lambda", "ListTags"), 6);
        _now += TimeSpan.FromSeconds(1.5);
        Assert.Equal(7.35, limiter.Throttled("lambda", "GetPolicy"), 6);

        _now += TimeSpan.FromSeconds(1);
        _ = limiter.AcquireAsync("lambda", "GetPolicy", CancellationToken.None);
        Assert.Equal(7.35, limiter.CurrentRate("lambda", "GetPolicy"), 6);
        _now += TimeSpan.FromSeconds(1);
        _ = limiter.AcquireAsync("lambda", "GetPolicy", CancellationToken.None);
        Assert.Equal(10.5, limiter.CurrentRate("lambda", "GetPolicy"), 6);
        _now += TimeSpan.FromSeconds(2);
        _ = limiter.AcquireAsync("lambda", "GetPolicy", CancellationToken.None);
        Assert.Equal(15, limiter.CurrentRate("lambda", "GetPolicy"), 6);
        _now += TimeSpan.FromSeconds(2);
        _ = limiter.AcquireAsync("lambda", "GetPolicy", CancellationToken.None);
        Assert.Equal(15, limiter.CurrentRate("lambda", "GetPolicy"), 6);
    }

    [Fact]
    public void An_unlimited_operation_that_AWS_throttles_gets_70_percent_of_the_rate_it_was_sent_at()
    {
        var limiter = Limiter();
        for (var i = 0; i < 40; i++) _ = limiter.AcquireAsync("redshift", "DescribeClusters", CancellationToken.None);

        Assert.Equal(28, limiter.Throttled("redshift", "DescribeClusters"), 6);
    }

    [Fact]
    public void A_quota_far_below_the_published_one_is_found_from_the_rate_actually_sent()
    {
        var limiter = Limiter();
        for (var i = 0; i < 8; i++) _ = limiter.AcquireAsync("secretsmanager", "GetSecretValue", CancellationToken.None);

        Assert.Equal(5.6, limiter.Throttled("secretsmanager", "GetSecretValue"), 6);
    }

    [Fact]
    public void The_environment_variable_and_options_override_the_defaults_and_zero_removes_a_limit()
    {
        var limits = AwsRateLimits.Resolve(new Dictionary<string, double> { ["lambda"] = 3 }, "logs:FilterLogEvents=1.5; lambda=10, ec2=0");

        Assert.Equal(1.5, limits["logs:FilterLogEvents"].PerSecond);
        Assert.Equal(3, limits["lambda"].PerSecond);
        Assert.False(limits.ContainsKey("ec2"));
        Assert.Equal(100, limits["lambda:GetFunction"].PerSecond);
    }

    [Theory]
    [InlineData("lambda")]
    [InlineData("lambda=fast")]
    [InlineData("lambda=-1")]
    [InlineData("=5")]
    public void A_malformed_override_is_an_InvalidRateLimit_naming_the_variable(string text)
    {
        var error = Assert.ThrowsAny<TroubleshooterException>(() => AwsRateLimits.Resolve(null, text));

        Assert.Equal("InvalidRateLimit", error.ErrorId);
        Assert.Contains(AwsRateLimits.EnvironmentVariable, error.Message);
    }

    [Fact]
    public async Task The_pipeline_lowers_an_operations_rate_when_AWS_throttles_it()
    {
        var calls = 0;
        var handler = new AnswerHandler(() => ++calls == 1
            ? Json(HttpStatusCode.BadRequest, """{"__type":"ThrottlingException"}""")
            : Json(HttpStatusCode.OK, """{"Name":"prod/db"}"""));
        // A port of its own: limiters are shared per region and endpoint in the process.
        var pipeline = new AwsPipeline(TestConnections.Create(endpoint: "http://127.0.0.1:9"),
            new AwsPipelineOptions { BaseDelay = TimeSpan.FromMilliseconds(1), RateLimits = new Dictionary<string, double> { ["secretsmanager:DescribeSecret"] = 40 } },
            handler);
        var lowered = new List<double>();
        pipeline.RateLowered += (_, operation, rate) => lowered.Add(rate);

        var secret = await new SecretsManagerClient(pipeline).DescribeSecretAsync("prod/db", CancellationToken.None);

        Assert.Equal("prod/db", secret.Name);
        // One request in the last second was throttled: the rate falls to the floor of 1/s, then recovers step by step.
        Assert.Equal(new[] { 1.0 }, lowered);
        Assert.Equal(1, pipeline.RateLimiter.CurrentRate("secretsmanager", "DescribeSecret"));
    }

    private sealed class AnswerHandler(Func<HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(answer());
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string body) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/x-amz-json-1.1") };
}
