using System.Net;
using System.Text;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Tests.Aws;

public class AwsPipelineTests
{
    private sealed class ScriptedHandler(params Func<HttpRequestMessage, HttpResponseMessage>[] answers) : HttpMessageHandler
    {
        public int Calls;
        public readonly List<HttpRequestMessage> Requests = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            var answer = answers[Math.Min(Calls++, answers.Length - 1)];
            await Task.Yield();
            return answer(request);
        }
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string body, string? errorType = null)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/x-amz-json-1.1") };
        if (errorType != null) response.Headers.Add("x-amzn-ErrorType", errorType);
        return response;
    }

    private static readonly AwsPipelineOptions Fast = new() { MaxAttempts = 4, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) };

    private static Task<SecretDescription> Describe(ScriptedHandler handler, AwsPipelineOptions? options = null, CancellationToken cancellation = default) =>
        new SecretsManagerClient(new AwsPipeline(TestConnections.Create(endpoint: "http://127.0.0.1:1"), options ?? Fast, handler))
            .DescribeSecretAsync("prod/db", cancellation);

    [Fact]
    public async Task Throttling_is_retried_until_it_succeeds()
    {
        var handler = new ScriptedHandler(
            _ => Json(HttpStatusCode.BadRequest, """{"__type":"ThrottlingException","message":"Rate exceeded"}"""),
            _ => Json((HttpStatusCode)429, """{"__type":"TooManyRequestsException"}"""),
            _ => Json(HttpStatusCode.OK, """{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-abc","Name":"prod/db","LastRotatedDate":1.6e9}"""));

        var secret = await Describe(handler);

        Assert.Equal("prod/db", secret.Name);
        Assert.Equal(new DateTime(2020, 9, 13, 12, 26, 40, DateTimeKind.Utc), secret.LastRotatedDate);
        Assert.Equal(3, handler.Calls);
        Assert.Equal("secretsmanager.DescribeSecret", handler.Requests[0].Headers.GetValues("X-Amz-Target").Single());
    }

    [Fact]
    public async Task Throttling_that_never_ends_gives_up_after_the_attempt_limit()
    {
        var handler = new ScriptedHandler(_ => Json(HttpStatusCode.BadRequest, """{"__type":"com.amazonaws#ThrottlingException","message":"Rate exceeded"}"""));

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => Describe(handler));

        Assert.Equal(AwsErrorKind.Throttled, error.Kind);
        Assert.Equal(FailureCategory.LimitsExceeded, error.Category);
        Assert.Equal("ThrottlingException", error.ErrorCode);
        Assert.Equal(4, handler.Calls);
    }

    [Fact]
    public async Task Access_denied_is_not_retried_and_names_the_action()
    {
        var handler = new ScriptedHandler(_ => Json(HttpStatusCode.BadRequest,
            """{"__type":"AccessDeniedException","Message":"User is not authorized to perform: secretsmanager:DescribeSecret"}"""));

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => Describe(handler));

        Assert.Equal(AwsErrorKind.AccessDenied, error.Kind);
        Assert.Equal("AwsAccessDenied", error.ErrorId);
        Assert.Equal("secretsmanager:DescribeSecret", error.IamAction);
        Assert.Contains("not authorized", error.Message);
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task Server_errors_and_broken_connections_are_retried()
    {
        var handler = new ScriptedHandler(
            _ => Json(HttpStatusCode.InternalServerError, "oops"),
            _ => throw new HttpRequestException("Connection reset by peer"),
            _ => Json(HttpStatusCode.OK, """{"Name":"prod/db"}"""));

        Assert.Equal("prod/db", (await Describe(handler)).Name);
        Assert.Equal(3, handler.Calls);
    }

    [Fact]
    public async Task A_truncated_answer_is_a_clear_error_not_a_crash()
    {
        var handler = new ScriptedHandler(_ => Json(HttpStatusCode.OK, """{"Name":"prod/db","Rota"""));

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => Describe(handler));

        Assert.Contains("could not be read", error.Message);
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out_per_attempt_then_fails()
    {
        var handler = new HangingHandler();
        var options = Fast with { MaxAttempts = 2, AttemptTimeout = TimeSpan.FromMilliseconds(100) };
        var started = DateTime.UtcNow;

        var error = await Assert.ThrowsAsync<AwsServiceException>(() =>
            new SecretsManagerClient(new AwsPipeline(TestConnections.Create(endpoint: "http://127.0.0.1:1"), options, handler))
                .DescribeSecretAsync("prod/db", default));

        Assert.Equal(AwsErrorKind.Transport, error.Kind);
        Assert.Contains("no answer", error.Message);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Cancellation_stops_a_call_promptly()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var handler = new HangingHandler();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new SecretsManagerClient(new AwsPipeline(TestConnections.Create(endpoint: "http://127.0.0.1:1"), Fast, handler))
                .DescribeSecretAsync("prod/db", cancel.Token));
    }

    private sealed class HangingHandler : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException();
        }
    }

    [Theory]
    [InlineData("""<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id x does not exist</Message></Error></ErrorResponse>""", "ValidationError", AwsErrorKind.Validation)]
    [InlineData("""<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>1</RequestID></Response>""", "RequestLimitExceeded", AwsErrorKind.Throttled)]
    [InlineData("""<ErrorResponse><Error><Code>AccessDenied</Code><Message>not authorized</Message></Error></ErrorResponse>""", "AccessDenied", AwsErrorKind.AccessDenied)]
    public void Query_protocol_errors_are_classified(string body, string code, AwsErrorKind kind)
    {
        var request = new AwsRequest { Service = AwsServices.CloudFormation, Operation = "DescribeStacks", Protocol = AwsProtocol.Query };
        using var response = new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StringContent(body) };

        var error = AwsPipeline.ParseError(request, response, Encoding.UTF8.GetBytes(body));

        Assert.Equal(code, error.ErrorCode);
        Assert.Equal(kind, error.Kind);
    }

    [Fact]
    public void Lambda_errors_come_from_the_error_type_header()
    {
        var request = new AwsRequest { Service = AwsServices.Lambda, Operation = "GetFunction", Protocol = AwsProtocol.RestJson };
        using var response = new HttpResponseMessage(HttpStatusCode.NotFound);
        response.Headers.Add("x-amzn-ErrorType", "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.lambda/");

        var error = AwsPipeline.ParseError(request, response, Encoding.UTF8.GetBytes("""{"Type":"User","Message":"Function not found: arn:aws:lambda:us-east-1:123456789012:function:x"}"""));

        Assert.Equal("ResourceNotFoundException", error.ErrorCode);
        Assert.Equal(AwsErrorKind.NotFound, error.Kind);
        Assert.Contains("Function not found", error.Message);
    }
}
