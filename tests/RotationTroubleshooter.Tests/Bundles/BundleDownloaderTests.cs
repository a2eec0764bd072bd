using System.Net;
using RotationTroubleshooter.Bundles;

namespace RotationTroubleshooter.Tests.Bundles;

/// <summary>
/// Code.Location comes from an AWS answer and the download carries no signature of its own: it goes only over https,
/// follows redirects only on the same host, and never to another.
/// </summary>
public sealed class BundleDownloaderTests
{
    private static readonly BundleDownloadOptions Quick = new() { MaxAttempts = 1 };

    /// <summary>Answers each URL from a table, recording what was asked; the client does not follow redirects itself.</summary>
    private sealed class Answers(Dictionary<string, Func<HttpResponseMessage>> table) : HttpMessageHandler
    {
        public List<string> Asked { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Asked.Add(request.RequestUri!.ToString());
            return Task.FromResult(table.TryGetValue(request.RequestUri!.ToString(), out var answer) ? answer() : new HttpResponseMessage(HttpStatusCode.NotFound));
        }
    }

    private static HttpResponseMessage Redirect(string location) =>
        new(HttpStatusCode.Found) { Headers = { Location = new Uri(location, UriKind.RelativeOrAbsolute) } };

    private static HttpResponseMessage Zip() => new(HttpStatusCode.OK) { Content = new ByteArrayContent([0x50, 0x4B, 5, 6]) };

    private static async Task<(Stream? Body, BundleDownloadException? Error, List<string> Asked)> DownloadAsync(string url, Dictionary<string, Func<HttpResponseMessage>> table)
    {
        var handler = new Answers(table);
        try
        {
            var body = await new BundleDownloader(new HttpClient(handler), Quick).DownloadAsync(url, "the deployment package of 'f'", 1 << 20, CancellationToken.None);
            return (body, null, handler.Asked);
        }
        catch (BundleDownloadException e)
        {
            return (null, e, handler.Asked);
        }
    }

    [Fact]
    public async Task Follows_a_redirect_on_the_same_host()
    {
        var (body, error, asked) = await DownloadAsync("https://awslambda.s3.example/f.zip?X-Amz-Signature=s", new()
        {
            ["https://awslambda.s3.example/f.zip?X-Amz-Signature=s"] = () => Redirect("/moved/f.zip?X-Amz-Signature=s"),
            ["https://awslambda.s3.example/moved/f.zip?X-Amz-Signature=s"] = Zip,
        });

        Assert.Null(error);
        Assert.Equal(4, body!.Length);
        Assert.Equal(2, asked.Count);
    }

    [Theory]
    [InlineData("https://evil.example/f.zip")]
    [InlineData("http://awslambda.s3.example/f.zip")]
    public async Task Refuses_a_redirect_to_another_host_or_to_http(string target)
    {
        var (_, error, asked) = await DownloadAsync("https://awslambda.s3.example/f.zip", new()
        {
            ["https://awslambda.s3.example/f.zip"] = () => Redirect(target),
            [target] = Zip,
        });

        Assert.NotNull(error);
        Assert.Contains("was not followed", error.Message);
        Assert.Equal(["https://awslambda.s3.example/f.zip"], asked);
    }

    [Fact]
    public async Task Refuses_a_code_location_that_is_not_https()
    {
        var (_, error, asked) = await DownloadAsync("http://awslambda.s3.example/f.zip?X-Amz-Security-Token=t", new()
        {
            ["http://awslambda.s3.example/f.zip?X-Amz-Security-Token=t"] = Zip,
        });

        Assert.NotNull(error);
        Assert.Contains("is not https", error.Message);
        Assert.DoesNotContain("X-Amz-Security-Token", error.Message);
        Assert.Empty(asked);
    }

    [Fact]
    public async Task Plain_http_is_allowed_to_a_loopback_address_only()
    {
        var (body, error, _) = await DownloadAsync("http://127.0.0.1:4566/_code/functions/f.zip", new()
        {
            ["http://127.0.0.1:4566/_code/functions/f.zip"] = Zip,
        });

        Assert.Null(error);
        Assert.NotNull(body);
    }
}
