using System.Text;
using System.Web;
using Amazon.Runtime;

namespace RotationTroubleshooter.Aws;

/// <summary>
/// Gives an AWSSDK client of a query-protocol service (EC2) HttpClients that send through an <see cref="AwsPipeline"/>, so
/// its calls get the same client-side rate limits, retries and bounds, events (-Verbose retry lines, -Debug counts) and
/// error mapping (<see cref="AwsServiceException"/>) as the engine's own clients. The SDK client must not retry itself
/// (MaxErrorRetry 0): one retry policy.
/// </summary>
internal sealed class AwsSdkHttpClientFactory(AwsPipeline pipeline, AwsService service) : HttpClientFactory
{
    private readonly PipelineHandler _handler = new(pipeline, service);

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
        new(_handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };

    // The SDK's cache is shared by every client with an equal configuration; these clients belong to one pipeline.
    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    private sealed class PipelineHandler(AwsPipeline pipeline, AwsService service) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri ?? throw new ArgumentException("The SDK's request has no URI.", nameof(request));
            var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var operation = HttpUtility.ParseQueryString(Encoding.UTF8.GetString(body))["Action"] ?? $"{request.Method} {uri.AbsolutePath}";
            var described = new AwsRequest { Service = service, Operation = operation, Protocol = AwsProtocol.Query, Method = request.Method };
            // Each attempt resends the SDK's signed request: its signature stays valid for 5 minutes, longer than the
            // pipeline's attempts and backoff take (6 x 30 s at most).
            var (response, answer) = await pipeline.SendWithRetriesAsync(described, uri, () => Copy(request, body), cancellationToken).ConfigureAwait(false);
            using (response) return WithBody(response, answer, request);
        }

        private static HttpRequestMessage Copy(HttpRequestMessage request, byte[] body)
        {
            var copy = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version, VersionPolicy = request.VersionPolicy };
            foreach (var (name, values) in request.Headers) copy.Headers.TryAddWithoutValidation(name, values);
            if (request.Content is not null)
            {
                copy.Content = new ByteArrayContent(body);
                foreach (var (name, values) in request.Content.Headers) copy.Content.Headers.TryAddWithoutValidation(name, values);
            }
            return copy;
        }

        /// <summary>The pipeline read the body to enforce its bounds; the SDK gets it back as the response's content.</summary>
        private static HttpResponseMessage WithBody(HttpResponseMessage response, byte[] body, HttpRequestMessage request)
        {
            var result = new HttpResponseMessage(response.StatusCode)
            {
                Version = response.Version, ReasonPhrase = response.ReasonPhrase, RequestMessage = request, Content = new ByteArrayContent(body),
            };
            foreach (var (name, values) in response.Headers) result.Headers.TryAddWithoutValidation(name, values);
            foreach (var (name, values) in response.Content.Headers)
                if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && !name.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase))
                    result.Content.Headers.TryAddWithoutValidation(name, values);
            return result;
        }
    }
}
