using System.Net;
using System.Text;
using RotationTroubleshooter.Aws;

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
}
