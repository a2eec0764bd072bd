using System.Net;
using System.Text;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Tests.Aws;

/// <summary>
/// Lambda's GetRuntimeManagementConfig and the runtime fields of GetFunctionConfiguration, through the one pipeline. moto
/// serves neither, so the answers are the shapes Lambda's API reference gives, served from here.
/// </summary>
public class LambdaRuntimeManagementTests
{
    private const string FunctionArn = "arn:aws:lambda:eu-central-1:123456789012:function:rotate-orders";
    private const string VersionArn = "arn:aws:lambda:eu-central-1::runtime:af29e10439856e364100c5dec1ce9c55d44feb2772258f7a7e480a95474aa18f";

    private sealed class OneAnswer(HttpStatusCode status, string body, string? errorType = null) : HttpMessageHandler
    {
        public readonly List<(HttpMethod Method, string Path)> Requests = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add((request.Method, request.RequestUri!.AbsolutePath));
            var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            if (errorType is not null) response.Headers.Add("x-amzn-ErrorType", errorType);
            return Task.FromResult(response);
        }
    }

    private static LambdaClient Client(HttpMessageHandler handler) =>
        new(new AwsPipeline(TestConnections.Create(region: "eu-central-1", endpoint: "http://127.0.0.1:1"), new AwsPipelineOptions { MaxAttempts = 1 }, handler));

    [Theory]
    [InlineData("Manual", VersionArn)]
    [InlineData("Auto", null)]
    [InlineData("FunctionUpdate", null)]
    public async Task The_update_mode_and_a_pinned_version_are_read(string mode, string? pinned)
    {
        var body = $$"""{"FunctionArn":"{{FunctionArn}}","UpdateRuntimeOn":"{{mode}}","RuntimeVersionArn":{{(pinned is null ? "null" : $"\"{pinned}\"")}}}""";
        var handler = new OneAnswer(HttpStatusCode.OK, body);

        var config = await Client(handler).GetRuntimeManagementConfigAsync("rotate-orders", CancellationToken.None);

        Assert.Equal(mode, config.UpdateRuntimeOn);
        Assert.Equal(pinned, config.RuntimeVersionArn);
        Assert.Equal(FunctionArn, config.FunctionArn);
        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal("/2021-07-20/functions/rotate-orders/runtime-management-config", request.Path);
    }

    [Fact]
    public async Task A_caller_without_the_permission_gets_access_denied_naming_it()
    {
        var handler = new OneAnswer(HttpStatusCode.Forbidden,
            """{"Message":"User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: lambda:GetRuntimeManagementConfig on resource: arn:aws:lambda:eu-central-1:123456789012:function:rotate-orders"}""",
            "AccessDeniedException");

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => Client(handler).GetRuntimeManagementConfigAsync("rotate-orders", CancellationToken.None));

        Assert.Equal(AwsErrorKind.AccessDenied, error.Kind);
        Assert.Contains("lambda:GetRuntimeManagementConfig", error.Message);
    }

    [Fact]
    public async Task The_configuration_names_the_architecture_and_the_runtime_version_the_function_runs_on()
    {
        var handler = new OneAnswer(HttpStatusCode.OK,
            $$$"""{"FunctionName":"rotate-orders","FunctionArn":"{{{FunctionArn}}}","Runtime":"python3.10","Architectures":["arm64"],"RuntimeVersionConfig":{"RuntimeVersionArn":"{{{VersionArn}}}"}}""");

        var configuration = await Client(handler).GetFunctionConfigurationAsync("rotate-orders", CancellationToken.None);

        Assert.Equal(["arm64"], configuration.Architectures);
        Assert.Equal(VersionArn, configuration.RuntimeVersionConfig?.RuntimeVersionArn);
    }
}
