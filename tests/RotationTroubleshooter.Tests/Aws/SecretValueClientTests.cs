using System.Net;
using System.Text;
using System.Text.Json;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Evidence;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Tests.Aws;

public class SecretValueClientTests
{
    private const string Arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf";
    private const string Canary = "CanaryPassw0rd-4f1d9c";

    private sealed class OneAnswer(HttpStatusCode status, string body, string? errorType = null) : HttpMessageHandler
    {
        public int Calls;
        public string? RequestBody;
        public string? Target;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Calls++;
            RequestBody = await request.Content!.ReadAsStringAsync(cancellationToken);
            Target = request.Headers.GetValues("X-Amz-Target").Single();
            var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/x-amz-json-1.1") };
            if (errorType != null) response.Headers.Add("x-amzn-ErrorType", errorType);
            return response;
        }
    }

    private static Task<DatabaseSecretVersion> Read(OneAnswer handler, string stage = "AWSCURRENT") =>
        new SecretValueClient(new AwsPipeline(TestConnections.Create(endpoint: "http://127.0.0.1:1"),
                new AwsPipelineOptions { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(1) }, handler))
            .GetDatabaseSecretAsync(Arn, stage, CancellationToken.None);

    private static string Value(string json) =>
        System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object> { ["ARN"] = Arn, ["VersionId"] = "v-1", ["SecretString"] = json });

    [Fact]
    public async Task Reads_the_stage_asked_for_and_parses_it_as_the_template_would()
    {
        var handler = new OneAnswer(HttpStatusCode.OK,
            Value($$"""{"engine":"postgres","host":"db.internal","username":"app","password":"{{Canary}}"}"""));

        var version = await Read(handler, "AWSPENDING");

        Assert.Equal("secretsmanager.GetSecretValue", handler.Target);
        Assert.Contains("\"VersionStage\":\"AWSPENDING\"", handler.RequestBody);
        Assert.Equal(Arn, version.SecretArn);
        Assert.Equal("v-1", version.VersionId);
        Assert.Equal("db.internal:5432", version.Connection.Endpoint);
        Assert.Equal(Canary.Length, version.Connection.PasswordLength);
        Assert.DoesNotContain(Canary, version.ToString());
    }

    [Theory]
    [InlineData(Canary, "SecretValueNotJson", "not valid JSON")]
    [InlineData("""{"engine":"postgres","host":"h","password":"CanaryPassw0rd-4f1d9c"}""", "SecretJsonKeyMissing", "username key is missing")]
    [InlineData("""["CanaryPassw0rd-4f1d9c"]""", "SecretValueInvalid", "not an object")]
    public async Task A_secret_string_the_templates_cannot_use_is_named_without_its_value(string secretString, string errorId, string text)
    {
        var error = await Assert.ThrowsAnyAsync<TroubleshooterException>(() => Read(new OneAnswer(HttpStatusCode.OK, Value(secretString))));

        Assert.Equal(errorId, error.ErrorId);
        Assert.Equal(FailureCategory.InvalidData, error.Category);
        Assert.Contains(text, error.Message);
        Assert.Contains("AWSCURRENT", error.Message);
        Assert.DoesNotContain(Canary, error.ToString());
    }

    [Fact]
    public async Task A_binary_secret_is_named_without_its_value()
    {
        var body = $$"""{"ARN":"{{Arn}}","VersionId":"v-1","SecretBinary":"{{Convert.ToBase64String(Encoding.UTF8.GetBytes(Canary))}}"}""";

        var error = await Assert.ThrowsAnyAsync<TroubleshooterException>(() => Read(new OneAnswer(HttpStatusCode.OK, body)));

        Assert.Equal("SecretValueBinary", error.ErrorId);
        Assert.Contains("SecretBinary", error.Message);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(Canary)), error.ToString());
    }

    [Theory]
    [InlineData("AccessDeniedException", "User: arn:aws:iam::123456789012:user/a is not authorized to perform: secretsmanager:GetSecretValue", "GetSecretValueDenied", "secretsmanager:GetSecretValue")]
    [InlineData("AccessDeniedException", "Access to KMS is not allowed", "KmsAccessDenied", "kms:Decrypt")]
    [InlineData("DecryptionFailure", "Secrets Manager can't decrypt the protected secret text using the provided KMS key.", "KmsAccessDenied", "kms:Decrypt")]
    public async Task Denials_become_permission_errors_that_name_what_to_allow(string code, string message, string errorId, string names)
    {
        var handler = new OneAnswer(HttpStatusCode.BadRequest, $$"""{"__type":"{{code}}","Message":"{{message}}"}""");

        var error = await Assert.ThrowsAnyAsync<TroubleshooterException>(() => Read(handler));

        Assert.Equal(errorId, error.ErrorId);
        Assert.Equal(FailureCategory.PermissionDenied, error.Category);
        Assert.Contains(names, error.Message);
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task A_missing_version_is_not_found()
    {
        var error = await Assert.ThrowsAnyAsync<TroubleshooterException>(() => Read(new OneAnswer(HttpStatusCode.BadRequest,
            """{"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret value for staging label: AWSPENDING"}"""), "AWSPENDING"));

        Assert.Equal("SecretVersionNotFound", error.ErrorId);
        Assert.Equal(FailureCategory.NotFound, error.Category);
    }

    private const string OtherArn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/other-GhIjKl";
    private const string OtherCanary = "OtherPassw0rd-77e2ab";

    /// <summary>Answers by operation (X-Amz-Target), recording each request's operation and body.</summary>
    private sealed class ByOperation(Func<string, string, (HttpStatusCode Status, string Body)> answer) : HttpMessageHandler
    {
        public List<(string Operation, string Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var operation = request.Headers.GetValues("X-Amz-Target").Single().Split('.')[1];
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            lock (Requests) Requests.Add((operation, body));
            var (status, text) = answer(operation, body);
            var response = new HttpResponseMessage(status) { Content = new StringContent(text, Encoding.UTF8, "application/x-amz-json-1.1") };
            if (status != HttpStatusCode.OK) response.Headers.Add("x-amzn-ErrorType", JsonDocument.Parse(text).RootElement.GetProperty("__type").GetString());
            return response;
        }

        public int Count(string operation)
        {
            lock (Requests) return Requests.Count(r => r.Operation == operation);
        }
    }

    private static SecretValueClient Client(ByOperation handler, SecretMask mask) =>
        new(new AwsPipeline(TestConnections.Create(endpoint: "http://127.0.0.1:1"),
            new AwsPipelineOptions { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(1) }, handler), mask);

    /// <summary>A run: its values read ahead in batches and kept in its cache (SecretInputs.CurrentValue), as Test-SecretRotation reads them.</summary>
    private static AwsSession Run(ByOperation handler) =>
        new(TestConnections.Create(endpoint: "http://127.0.0.1:1"), new AwsPipelineOptions { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(1) }, handler);

    private static Task ReadAhead(AwsSession run, params string[] arns) => SecretInputs.CurrentValue.ReadAheadAsync(run, arns, CancellationToken.None);

    private static Task<SecretValue> Current(AwsSession run, string arn) => SecretInputs.CurrentValue.GetAsync(run, arn, CancellationToken.None);

    private static string Entry(string arn, string password) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["ARN"] = arn, ["Name"] = arn.Split(':')[^1], ["VersionId"] = "v-1", ["VersionStages"] = new[] { "AWSCURRENT" },
        ["SecretString"] = $$"""{"engine":"postgres","host":"db.internal","username":"app","password":"{{password}}"}""",
    });

    private const string Denied = """{"__type":"AccessDeniedException","Message":"User: arn:aws:iam::123456789012:user/a is not authorized to perform: secretsmanager:GetSecretValue"}""";

    [Fact]
    public async Task A_value_read_in_a_batch_is_masked_and_seen_as_a_single_read_would_be()
    {
        var handler = new ByOperation((operation, _) => operation == "BatchGetSecretValue"
            ? (HttpStatusCode.OK, $$"""{"SecretValues":[{{Entry(Arn, Canary)}},{{Entry(OtherArn, OtherCanary)}}],"Errors":[]}""")
            : (HttpStatusCode.OK, Value($$"""{"engine":"postgres","host":"db.internal","username":"app","password":"{{Canary}}"}""")));
        var batched = Run(handler);
        var batchMask = batched.Get<SecretMask>();

        await ReadAhead(batched, Arn, OtherArn);
        var view = await Current(batched, Arn);
        var other = await Current(batched, OtherArn);

        Assert.Equal(1, handler.Count("BatchGetSecretValue"));
        Assert.Equal(0, handler.Count("GetSecretValue"));
        Assert.Contains(Arn, handler.Requests[0].Body);
        Assert.Equal(["engine", "host", "username", "password"], view.KeyNames);
        Assert.Equal("db.internal", view.GetPublicValue("host"));
        Assert.Equal("v-1", other.VersionId);
        Assert.DoesNotContain(Canary, view.ToString());

        // The same value read on its own masks the same text the same way.
        var singleMask = new SecretMask();
        await Client(handler, singleMask).GetSecretValueAsync(Arn, "AWSCURRENT", CancellationToken.None);
        var text = $"login failed for app with {Canary} (and {OtherCanary})";
        Assert.Equal($"login failed for app with {SecretMask.Mask} (and {SecretMask.Mask})", batchMask.Apply(text));
        Assert.Equal($"login failed for app with {SecretMask.Mask} (and {OtherCanary})", singleMask.Apply(text));
    }

    [Fact]
    public async Task A_secret_the_batch_leaves_out_is_read_on_its_own_when_asked_for_and_fails_as_that_read_does()
    {
        var handler = new ByOperation((operation, _) => operation == "BatchGetSecretValue"
            ? (HttpStatusCode.OK, $$"""{"SecretValues":[{{Entry(Arn, Canary)}}],"Errors":[{"SecretId":"{{OtherArn}}","ErrorCode":"AccessDeniedException","Message":"denied"}]}""")
            : (HttpStatusCode.BadRequest, Denied));
        var run = Run(handler);

        await ReadAhead(run, Arn, OtherArn);
        Assert.Equal(0, handler.Count("GetSecretValue"));
        await Current(run, Arn);
        var error = await Assert.ThrowsAnyAsync<TroubleshooterException>(() => Current(run, OtherArn));

        Assert.Equal("GetSecretValueDenied", error.ErrorId);
        Assert.Equal(1, handler.Count("GetSecretValue"));
        Assert.Contains(OtherArn, handler.Requests.Single(r => r.Operation == "GetSecretValue").Body);
    }

    [Fact]
    public async Task A_refused_batch_says_so_once_and_the_run_reads_each_value_on_its_own()
    {
        var handler = new ByOperation((operation, body) => operation == "BatchGetSecretValue"
            ? (HttpStatusCode.BadRequest, Denied.Replace("secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"))
            : (HttpStatusCode.OK, Value("""{"engine":"postgres"}""")));
        var run = Run(handler);
        var said = new List<string>();
        run.Get<SecretValueClient>().BatchRefused += said.Add;

        await ReadAhead(run, Arn);
        await ReadAhead(run, OtherArn);
        await Current(run, Arn);
        await Current(run, OtherArn);

        Assert.Equal(1, handler.Count("BatchGetSecretValue"));
        Assert.Equal(2, handler.Count("GetSecretValue"));
        Assert.Equal("secretsmanager:BatchGetSecretValue was refused (AccessDeniedException), so each secret's value is read with secretsmanager:GetSecretValue.",
            Assert.Single(said));
    }
}
