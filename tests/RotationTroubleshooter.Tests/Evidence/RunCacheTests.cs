using System.Net;
using System.Text;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Network;
using RotationTroubleshooter.Tests.Aws;

namespace RotationTroubleshooter.Tests.Evidence;

/// <summary>The run's one cache and its one failure policy: what a fleet of secrets sharing a function or a VPC sees.</summary>
public class RunCacheTests
{
    private static readonly object Kind = new();

    private static AwsServiceException Failure(AwsErrorKind kind) => new(kind, "lambda", "GetFunction", kind.ToString(), $"{kind} for the test");

    [Fact]
    public async Task Concurrent_callers_of_one_key_share_one_read()
    {
        var cache = new RunCache();
        var reads = 0;
        var answer = new TaskCompletionSource<string>();
        Task<string> Read(CancellationToken _) { Interlocked.Increment(ref reads); return answer.Task; }

        var first = cache.GetAsync(Kind, "f", Read, CancellationToken.None);
        var second = cache.GetAsync(Kind, "f", Read, CancellationToken.None);
        answer.SetResult("answer");

        Assert.Equal(["answer", "answer"], await Task.WhenAll(first, second));
        Assert.Equal(1, reads);
        Assert.Equal("answer", await cache.GetAsync(Kind, "f", Read, CancellationToken.None));
        Assert.Equal(1, reads);
    }

    [Theory]
    [InlineData(AwsErrorKind.Throttled, 2)]
    [InlineData(AwsErrorKind.Transport, 2)]
    [InlineData(AwsErrorKind.ServiceFault, 2)]
    [InlineData(AwsErrorKind.AccessDenied, 1)]
    [InlineData(AwsErrorKind.NotFound, 1)]
    public async Task A_failure_that_may_pass_is_read_again_by_the_next_caller_and_one_that_will_not_is_kept(AwsErrorKind kind, int expectedReads)
    {
        var cache = new RunCache();
        var reads = 0;
        Task<string> Read(CancellationToken _) => Interlocked.Increment(ref reads) == 1 ? Task.FromException<string>(Failure(kind)) : Task.FromResult("answer");

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => cache.GetAsync(Kind, "f", Read, CancellationToken.None));
        Assert.Equal(kind, error.Kind);
        var again = await Record.ExceptionAsync(() => cache.GetAsync(Kind, "f", Read, CancellationToken.None));

        Assert.Equal(expectedReads, reads);
        Assert.Equal(expectedReads == 1, again is AwsServiceException { Kind: var k } && k == kind);
    }

    /// <summary>
    /// A fleet's bundles on an S3 host the machine cannot reach: each of a function's 500 secrets downloaded again, after
    /// every attempt of the one before, and the run took minutes (issue 26's memory bench, without the proxy's code).
    /// </summary>
    [Theory]
    [InlineData(AwsErrorKind.Transport, 2)]
    [InlineData(AwsErrorKind.Throttled, 4)]
    public async Task An_unreachable_resource_is_asked_once_more_then_kept_while_throttling_is_always_asked_again(AwsErrorKind kind, int expectedReads)
    {
        var cache = new RunCache();
        var reads = 0;
        Task<string> Read(CancellationToken _)
        {
            Interlocked.Increment(ref reads);
            return Task.FromException<string>(Failure(kind));
        }

        for (var caller = 0; caller < 4; caller++)
            Assert.Equal(kind, (await Assert.ThrowsAsync<AwsServiceException>(() => cache.GetAsync(Kind, "f", Read, CancellationToken.None))).Kind);

        Assert.Equal(expectedReads, reads);
    }

    [Fact]
    public async Task A_read_stopped_by_another_caller_is_read_again_for_a_caller_that_did_not_stop()
    {
        var cache = new RunCache();
        var reads = 0;
        using var stopped = new CancellationTokenSource();
        async Task<string> Read(CancellationToken token)
        {
            Interlocked.Increment(ref reads);
            await Task.Delay(Timeout.Infinite, token);
            return "never";
        }
        var first = cache.GetAsync(Kind, "f", Read, stopped.Token);
        var second = cache.GetAsync(Kind, "f", _ => Task.FromResult("second"), CancellationToken.None);

        stopped.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.Equal("second", await second);
        Assert.Equal(1, reads);
    }

    [Fact]
    public async Task A_read_shared_while_in_flight_is_read_again_once_it_is_done()
    {
        var cache = new RunCache();
        var reads = 0;
        Task<int> Read(CancellationToken _) => Task.FromResult(Interlocked.Increment(ref reads));

        Assert.Equal(1, await cache.GetAsync(Kind, "f", Read, CancellationToken.None, CacheLifetime.WhileInFlight));
        Assert.Equal(2, await cache.GetAsync(Kind, "f", Read, CancellationToken.None, CacheLifetime.WhileInFlight));
    }

    [Fact]
    public async Task Keys_claimed_together_are_answered_by_their_claim_and_a_second_claim_takes_only_the_rest()
    {
        var cache = new RunCache();
        var batch = new TaskCompletionSource<Dictionary<string, string>>();
        var first = cache.Claim<string, string?>(Kind, ["a", "b"], key => Answer(batch.Task, key));
        var second = cache.Claim<string, string?>(Kind, ["b", "c"], key => Task.FromResult<string?>("from the second claim"));
        batch.SetResult(new() { ["a"] = "A" });

        Assert.Equal(["a", "b"], first);
        Assert.Equal(["c"], second);
        Assert.Equal("A", await cache.GetAsync<string?>(Kind, "a", _ => throw new InvalidOperationException("claimed"), CancellationToken.None));
        Assert.Null(await cache.GetAsync<string?>(Kind, "b", _ => throw new InvalidOperationException("claimed"), CancellationToken.None));
        Assert.Equal("from the second claim", await cache.GetAsync<string?>(Kind, "c", _ => throw new InvalidOperationException("claimed"), CancellationToken.None));

        static async Task<string?> Answer(Task<Dictionary<string, string>> batch, string key) => (await batch).GetValueOrDefault(key);
    }

    /// <summary>Lambda and EC2 answers in order, counting what was asked.</summary>
    private sealed class Answers(Func<HttpRequestMessage, int, HttpResponseMessage> answer) : HttpMessageHandler
    {
        private int _calls;
        public List<string> Asked { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            lock (Asked) Asked.Add($"{request.Method} {request.RequestUri!.AbsolutePath} {body}".Trim());
            return answer(request, Interlocked.Increment(ref _calls));
        }
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string body, string? errorType = null)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (errorType is not null) response.Headers.Add("x-amzn-ErrorType", errorType);
        return response;
    }

    private const string FunctionBody = """{"Configuration":{"FunctionName":"rotate","FunctionArn":"arn:aws:lambda:us-east-1:123456789012:function:rotate"},"Tags":{}}""";

    /// <summary>The bug of issue 23: a GetFunction throttled past its retries stayed failed for every secret sharing the function.</summary>
    [Fact]
    public async Task A_function_throttled_past_the_retries_is_asked_again_for_the_next_secret_and_a_denied_one_is_asked_once()
    {
        var throttledOnce = new Answers((_, call) => call == 1
            ? Json(HttpStatusCode.TooManyRequests, """{"message":"Rate exceeded"}""", "TooManyRequestsException")
            : Json(HttpStatusCode.OK, FunctionBody));
        var run = new AwsSession(TestConnections.Create(endpoint: "http://127.0.0.1:2301"), new AwsPipelineOptions { MaxAttempts = 1 }, throttledOnce);

        var throttled = await Assert.ThrowsAsync<AwsServiceException>(() => run.GetFunctionAsync("rotate", CancellationToken.None));
        Assert.Equal(AwsErrorKind.Throttled, throttled.Kind);
        Assert.Equal("rotate", (await run.GetFunctionAsync("rotate", CancellationToken.None)).Configuration.FunctionName);
        Assert.Equal(2, throttledOnce.Asked.Count);

        var denied = new Answers((_, _) => Json(HttpStatusCode.Forbidden, """{"message":"not authorized"}""", "AccessDeniedException"));
        var deniedRun = new AwsSession(TestConnections.Create(endpoint: "http://127.0.0.1:2302"), new AwsPipelineOptions { MaxAttempts = 1 }, denied);
        foreach (var _ in new[] { 1, 2, 3 })
            Assert.Equal(AwsErrorKind.AccessDenied, (await Assert.ThrowsAsync<AwsServiceException>(() => deniedRun.GetFunctionAsync("rotate", CancellationToken.None))).Kind);
        // GetFunction, then GetFunctionConfiguration (what a caller without lambda:GetFunction may read): once for the run.
        Assert.Equal(2, denied.Asked.Count);
    }

    private static HttpResponseMessage Ec2Error(HttpStatusCode status, string code) => new(status)
    {
        Content = new StringContent($"<Response><Errors><Error><Code>{code}</Code><Message>{code} for the test</Message></Error></Errors><RequestID>r-1</RequestID></Response>",
            Encoding.UTF8, "text/xml"),
    };

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, "RequestLimitExceeded", 2)]
    [InlineData(HttpStatusCode.Forbidden, "UnauthorizedOperation", 1)]
    public async Task An_ec2_call_throttled_past_the_retries_is_asked_again_and_a_denied_one_is_not(HttpStatusCode status, string code, int asked)
    {
        var handler = new Answers((_, _) => Ec2Error(status, code));
        var pipeline = new AwsPipeline(TestConnections.Create(endpoint: $"http://127.0.0.1:{2310 + (int)status}"),
            new AwsPipelineOptions { MaxAttempts = 1, BaseDelay = TimeSpan.FromMilliseconds(1) }, handler);
        using var ec2 = Ec2ClientFactory.Create(pipeline);
        var snapshot = new Ec2NetworkSnapshot(ec2, new RunCache());

        await Assert.ThrowsAsync<AwsServiceException>(() => snapshot.ResolveVpcIdsAsync(["subnet-1"]));
        await Assert.ThrowsAsync<AwsServiceException>(() => snapshot.ResolveVpcIdsAsync(["subnet-1"]));

        Assert.Equal(asked, handler.Asked.Count);
    }
}
