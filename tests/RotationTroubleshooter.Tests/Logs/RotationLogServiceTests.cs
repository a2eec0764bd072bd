using System.Net;
using System.Text;
using System.Text.Json;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Logs;
using RotationTroubleshooter.Tests.Aws;

namespace RotationTroubleshooter.Tests.Logs;

public class RotationLogServiceTests
{
    private const string ArnA = Transcript.ArnA;
    private static readonly DateTime Start = Transcript.T0.AddDays(-1), End = Transcript.T0.AddDays(1);

    /// <summary>Answers like AWS by operation; records every request body.</summary>
    private sealed class FakeAws(Func<string, string, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public readonly List<(string Operation, string Body)> Requests = [];
        public HttpResponseMessage Answer(string operation, string body) => answer(operation, body);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            var operation = request.Headers.TryGetValues("X-Amz-Target", out var t) ? t.First() : $"{request.Method} {request.RequestUri!.AbsolutePath}";
            lock (Requests) Requests.Add((operation, body));
            return answer(operation, body);
        }
    }

    private static HttpResponseMessage Json(string body, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/x-amz-json-1.1") };

    private static string Page(IEnumerable<(DateTime Time, string Message, string Stream)> lines, string? next) =>
        JsonSerializer.Serialize(new
        {
            events = lines.Select(l => new { logStreamName = l.Stream, timestamp = (long)(l.Time - DateTime.UnixEpoch).TotalMilliseconds, message = l.Message }),
            nextToken = next,
        });

    private static AwsPipeline Pipeline(HttpMessageHandler handler) =>
        new(TestConnections.Create(endpoint: "http://127.0.0.1:1"), new AwsPipelineOptions { MaxAttempts = 1 }, handler);

    private static Transcript TwoAttempts()
    {
        var t = new Transcript(LambdaLogFormat.Text);
        t.Invoke(900, InvocationEnd.Success, [Transcript.Put(ArnA, Transcript.Ver1)]);
        t.Invoke(640, InvocationEnd.Error, ["!" + Transcript.SetFailed(ArnA)], coldStart: false);
        t.Wait(TimeSpan.FromHours(3));
        t.Invoke(900, InvocationEnd.Success, [Transcript.Put(Transcript.ArnB, Transcript.Ver2)]);
        return t;
    }

    [Fact]
    public async Task FilterLogEvents_follows_next_tokens_through_empty_pages_and_keeps_the_order()
    {
        var lines = TwoAttempts().Lines;
        var handler = new FakeAws((_, body) => body.Contains("\"nextToken\":\"b\"", StringComparison.Ordinal) ? Json(Page(lines.Skip(4), null))
            : body.Contains("\"nextToken\":\"a\"", StringComparison.Ordinal) ? Json(Page([], "b"))
            : Json(Page(lines.Take(4), "a")));

        var page = await new CloudWatchLogsClient(Pipeline(handler)).FilterLogEventsAsync("/aws/lambda/f", Start, End, 10_000, CancellationToken.None);

        Assert.Equal(lines.Count, page.Events.Count);
        Assert.False(page.Truncated);
        Assert.Equal(lines.Select(l => new LogEvent(l.Time, l.Message, l.Stream).Message), page.Events.Select(e => e.Message));
        Assert.Equal(3, handler.Requests.Count);
        Assert.All(handler.Requests, r => Assert.Equal("Logs_20140328.FilterLogEvents", r.Operation));
        using var first = JsonDocument.Parse(handler.Requests[0].Body);
        Assert.Equal("/aws/lambda/f", first.RootElement.GetProperty("logGroupName").GetString());
        Assert.Equal((long)(Start - DateTime.UnixEpoch).TotalMilliseconds, first.RootElement.GetProperty("startTime").GetInt64());
        Assert.False(first.RootElement.TryGetProperty("nextToken", out _));
    }

    [Fact]
    public async Task FilterLogEvents_stops_at_the_event_cap_and_says_so()
    {
        var lines = TwoAttempts().Lines;
        var handler = new FakeAws((_, _) => Json(Page(lines, "more")));

        var page = await new CloudWatchLogsClient(Pipeline(handler)).FilterLogEventsAsync("/aws/lambda/f", Start, End, 5, CancellationToken.None);

        Assert.Equal(5, page.Events.Count);
        Assert.True(page.Truncated);
        Assert.Single(handler.Requests);
        Assert.Contains("\"limit\":6", handler.Requests[0].Body);
    }

    [Fact]
    public async Task A_missing_log_group_says_the_function_never_ran_or_retention_expired()
    {
        var handler = new FakeAws((_, _) => Json("""{"__type":"ResourceNotFoundException","message":"The specified log group does not exist."}""", HttpStatusCode.BadRequest));

        var error = await Assert.ThrowsAnyAsync<TroubleshooterException>(() =>
            new CloudWatchLogsClient(Pipeline(handler)).FilterLogEventsAsync("/aws/lambda/f", Start, End, 10, CancellationToken.None));

        Assert.Equal("LogGroupNotFound", error.ErrorId);
        Assert.Equal(FailureCategory.NotFound, error.Category);
        Assert.Contains("never ran, or retention expired", error.Message);
    }

    private static FakeAws World(Transcript transcript, string? customGroup = null) => new((operation, _) => operation switch
    {
        "secretsmanager.DescribeSecret" => Json($$"""{"ARN":"{{ArnA}}","Name":"prod/orders/db","RotationLambdaARN":"arn:aws:lambda:us-east-1:123456789012:function:rotate-orders"}"""),
        _ when operation.StartsWith("GET /2015-03-31/functions/", StringComparison.Ordinal) && operation.EndsWith("rotate-orders", StringComparison.Ordinal) =>
            Json("{\"Configuration\":{\"FunctionName\":\"rotate-orders\",\"LoggingConfig\":" +
                 (customGroup is null ? "null" : $"{{\"LogGroup\":\"{customGroup}\"}}") + "},\"Tags\":{}}"),
        "Logs_20140328.FilterLogEvents" => Json(Page(transcript.Lines, null)),
        _ => Json("""{"__type":"ValidationException","message":"unexpected"}""", HttpStatusCode.BadRequest),
    });

    [Fact]
    public async Task The_service_reads_the_custom_log_group_once_per_function_and_window()
    {
        var handler = World(TwoAttempts(), "/custom/rotation");
        var service = new AwsSession(TestConnections.Create(endpoint: "http://127.0.0.1:1"), new AwsPipelineOptions { MaxAttempts = 1 }, handler)
            .Get<RotationLogService>();

        var byName = await service.ForFunctionAsync("rotate-orders", Start, End, 100, CancellationToken.None);
        var again = await service.ReadAsync("rotate-orders", Start, End, 100, CancellationToken.None);

        Assert.Equal(2, byName.Count);
        Assert.Equal("/custom/rotation", again.LogGroupName);
        Assert.Same(byName, again.Attempts);
        var groups = handler.Requests.Where(r => r.Operation.EndsWith("FilterLogEvents", StringComparison.Ordinal))
            .Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("logGroupName").GetString()).ToList();
        Assert.Single(groups, g => g == "/custom/rotation");
        // Lambda's default group, guessed while GetFunction was asked, is not read again either.
        Assert.True(groups.Count(g => g == "/aws/lambda/rotate-orders") <= 1);
    }

    [Fact]
    public async Task Lambdas_default_log_group_is_read_alongside_GetFunction_not_after_it()
    {
        var logsAsked = new TaskCompletionSource();
        var world = World(TwoAttempts());
        var handler = new FakeAws((operation, body) =>
        {
            if (operation == "Logs_20140328.FilterLogEvents") logsAsked.TrySetResult();
            // GetFunction answers only once the logs have been asked for: a read that waited for it would wait in vain.
            else if (operation.StartsWith("GET /2015-03-31/functions/", StringComparison.Ordinal))
                Assert.True(logsAsked.Task.Wait(TimeSpan.FromSeconds(10)), "The logs were not asked for before GetFunction answered.");
            return world.Answer(operation, body);
        });
        var service = new AwsSession(TestConnections.Create(endpoint: "http://127.0.0.1:1"), new AwsPipelineOptions { MaxAttempts = 1 }, handler)
            .Get<RotationLogService>();

        var logs = await service.ReadAsync("arn:aws:lambda:us-east-1:123456789012:function:rotate-orders", Start, End, 100, CancellationToken.None);

        Assert.Equal("/aws/lambda/rotate-orders", logs.LogGroupName);
        Assert.Equal(2, logs.Attempts.Count);
        Assert.Single(handler.Requests, r => r.Operation.EndsWith("FilterLogEvents", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_newest_attempt_of_a_secret_is_found_through_its_rotation_function()
    {
        var handler = World(TwoAttempts());
        var session = new AwsSession(TestConnections.Create(endpoint: "http://127.0.0.1:1"), new AwsPipelineOptions { MaxAttempts = 1 }, handler);
        var service = session.Get<RotationLogService>();

        var attempts = await service.ForSecretAsync("prod/orders/db", Start, End, 100, CancellationToken.None);

        // The newer attempt belongs to ArnB, which shares the function: it is not this secret's.
        var attempt = Assert.Single(attempts);
        Assert.Equal(RotationSymptoms.DatabaseLoginRejected.Id, attempt.Symptom);
        Assert.Equal("rotate-orders", attempt.FunctionName);
        Assert.Contains("/aws/lambda/rotate-orders", handler.Requests.Single(r => r.Operation.EndsWith("FilterLogEvents", StringComparison.Ordinal)).Body);
    }

    [Fact]
    public void EventsOf_returns_the_events_of_the_chosen_attempts_only()
    {
        var t = TwoAttempts();
        var attempts = RotationLogAnalyzer.Analyze(t.Events, asOf: t.Clock.AddHours(1));

        var events = RotationLogService.EventsOf(t.Events, [attempts[^1]]);

        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.Equal(attempts[^1].Steps[0].RequestId, e.RequestId));
    }

    [Theory]
    [InlineData("rotate-orders", "rotate-orders")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:rotate-orders", "rotate-orders")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:rotate-orders:live", "rotate-orders")]
    public void The_default_log_group_uses_the_bare_function_name(string id, string name) =>
        Assert.Equal("/aws/lambda/" + name, RotationLogService.DefaultLogGroup(RotationLogService.NameOf(id)));
}
