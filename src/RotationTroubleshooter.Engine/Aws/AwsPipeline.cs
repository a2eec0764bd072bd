using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Amazon;
using Amazon.Runtime.Signing;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Aws;

public enum AwsProtocol { Json, RestJson, Query }

/// <summary>One AWS API call, protocol-neutral: what to sign and send.</summary>
public sealed class AwsRequest
{
    public required AwsService Service { get; init; }
    public required string Operation { get; init; }
    public required AwsProtocol Protocol { get; init; }
    public HttpMethod Method { get; init; } = HttpMethod.Post;
    /// <summary>Path and query, already escaped, starting with '/'.</summary>
    public string PathAndQuery { get; init; } = "/";
    public byte[]? Body { get; init; }
    public string? ContentType { get; init; }
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);
}

public sealed record AwsResponse(HttpStatusCode StatusCode, byte[] Body);

/// <summary>Bounds for one pipeline: attempts, backoff and per-attempt timeout.</summary>
public sealed record AwsPipelineOptions
{
    public int MaxAttempts { get; init; } = 6;
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(20);
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public long MaxResponseBytes { get; init; } = 64L * 1024 * 1024;
    /// <summary>
    /// Requests per second by "service:Operation" or "service" (a bucket the service's other operations share), over
    /// <see cref="AwsRateLimits.Defaults"/> and the ROTATION_TROUBLESHOOTER_RATE_LIMITS variable; 0 removes a limit.
    /// </summary>
    public IReadOnlyDictionary<string, double>? RateLimits { get; init; }
}

/// <summary>
/// The one HTTP pipeline every AWS service goes through: endpoint, client-side rate limits per API (AWS's quotas),
/// SigV4 signing (AWSSDK.Core's public signer), retries with jittered exponential backoff on throttling (which also
/// lowers that API's client-side rate), 5xx and transport faults, and error mapping. AWSSDK clients (EC2) send through
/// it too, by way of <see cref="AwsSdkHttpClientFactory"/>.
/// </summary>
public sealed class AwsPipeline
{
    // One connection pool per process: sockets are reused across cmdlet invocations. Redirects are not followed: AWS
    // APIs do not redirect, and the bundle downloader follows only those that stay on the same host.
    private static readonly HttpClient SharedClient = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
        MaxConnectionsPerServer = 64,
    }) { Timeout = Timeout.InfiniteTimeSpan };

    private readonly HttpClient _http;
    private AwsRateLimiter? _limiter;

    public AwsPipeline(AwsConnection connection, AwsPipelineOptions? options = null, HttpMessageHandler? handler = null)
    {
        Connection = connection;
        Options = options ?? new AwsPipelineOptions();
        _http = handler is null ? SharedClient : new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public AwsConnection Connection { get; }
    public AwsPipelineOptions Options { get; }

    /// <summary>Called once per HTTP attempt with the service and operation: request counting for -Debug and tests.</summary>
    public event Action<AwsService, string>? RequestSent;
    /// <summary>Called before a retry with the reason and the delay, so -Verbose can explain a slow run.</summary>
    public event Action<AwsService, string, string, TimeSpan>? Retrying;

    /// <summary>Called when AWS throttled an operation and its client-side rate was lowered: operation, new requests per second.</summary>
    public event Action<AwsService, string, double>? RateLowered;

    /// <summary>
    /// The client-side rate limiter: shared by the runs in this process against the same account (when known), region
    /// and endpoint; AWS's quotas are per account and region, so each shard of a fleet has its own buckets.
    /// </summary>
    public AwsRateLimiter RateLimiter => _limiter ??= AwsRateLimiter.For(
        $"{Connection.AccountId}|{Connection.RegionName}|{Connection.EndpointFor(AwsServices.SecretsManager).Authority}",
        AwsRateLimits.Resolve(Options.RateLimits, Environment.GetEnvironmentVariable(AwsRateLimits.EnvironmentVariable)));

    /// <summary>The HTTP client for unsigned downloads (presigned URLs) sharing the same connection pool.</summary>
    public HttpClient HttpClient => _http;

    public async Task<AwsResponse> SendAsync(AwsRequest request, CancellationToken cancellation)
    {
        var endpoint = Connection.EndpointFor(request.Service);
        var uri = new Uri(endpoint.GetLeftPart(UriPartial.Authority) + endpoint.AbsolutePath.TrimEnd('/') + request.PathAndQuery);
        var (response, body) = await SendWithRetriesAsync(request, uri, () => Sign(request, uri), cancellation).ConfigureAwait(false);
        using (response) return new AwsResponse(response.StatusCode, body);
    }

    /// <summary>
    /// Sends a message <paramref name="createMessage"/> makes afresh for each attempt, after the operation's client-side
    /// rate allows, retrying throttling, 5xx and transport faults within <see cref="Options"/>; raises the events and maps
    /// what still fails to <see cref="AwsServiceException"/>. Returns the successful response (the caller disposes it)
    /// and its body, read in full within the attempt's timeout.
    /// </summary>
    internal async Task<(HttpResponseMessage Response, byte[] Body)> SendWithRetriesAsync(AwsRequest request, Uri uri,
        Func<HttpRequestMessage> createMessage, CancellationToken cancellation)
    {
        var limiter = RateLimiter;
        for (var attempt = 1; ; attempt++)
        {
            string reason;
            await limiter.AcquireAsync(request.Service.SigningName, request.Operation, cancellation).ConfigureAwait(false);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                timeout.CancelAfter(Options.AttemptTimeout);
                using var message = createMessage();
                RequestSent?.Invoke(request.Service, request.Operation);
                var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                var succeeded = false;
                try
                {
                    var body = await ReadBodyAsync(response, timeout.Token).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        succeeded = true;
                        return (response, body);
                    }

                    var error = ParseError(request, response, body);
                    if (error.Kind == AwsErrorKind.Throttled) SlowDown(limiter, request);
                    if (error.Kind is not (AwsErrorKind.Throttled or AwsErrorKind.ServiceFault) || attempt >= Options.MaxAttempts)
                        throw error;
                    reason = $"{error.ErrorCode ?? ((int)response.StatusCode).ToString()}";
                }
                finally
                {
                    if (!succeeded) response.Dispose();
                }
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                reason = $"no answer within {Options.AttemptTimeout.TotalSeconds:0} s";
                if (attempt >= Options.MaxAttempts) throw TransportFailure(request, uri, reason, null);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                reason = e.Message;
                if (attempt >= Options.MaxAttempts) throw TransportFailure(request, uri, reason, e);
            }

            var delay = Backoff(attempt);
            Retrying?.Invoke(request.Service, request.Operation, reason, delay);
            await Task.Delay(delay, cancellation).ConfigureAwait(false);
        }
    }

    private void SlowDown(AwsRateLimiter limiter, AwsRequest request)
    {
        var before = limiter.CurrentRate(request.Service.SigningName, request.Operation);
        var after = limiter.Throttled(request.Service.SigningName, request.Operation);
        if (after < before) RateLowered?.Invoke(request.Service, request.Operation, after);
    }

    private TimeSpan Backoff(int attempt)
    {
        // Full jitter: spreads retries of concurrent callers so they do not throttle again together.
        var ceiling = Math.Min(Options.MaxDelay.TotalMilliseconds, Options.BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }

    internal HttpRequestMessage Sign(AwsRequest request, Uri uri, DateTime? signedAt = null)
    {
        var body = request.Body ?? [];
        var signing = new AWSSigningRequest { HttpMethod = request.Method, RequestUri = uri, Content = body };
        foreach (var (name, value) in request.Headers) signing.Headers[name] = value;
        if (request.ContentType != null) signing.Headers["Content-Type"] = request.ContentType;

        var region = request.Service.Global && Connection.Region.PartitionName == "aws" ? RegionEndpoint.USEast1 : Connection.Region;
        var signed = AWSSigV4Signer.Sign(signing, new AWSSigV4Parameters
        {
            Credentials = Connection.Credentials,
            Region = region,
            Service = request.Service.SigningName,
            SignPayload = true,
            SignedAt = signedAt,
        });

        var message = new HttpRequestMessage(request.Method, uri);
        if (request.Method != HttpMethod.Get || body.Length > 0)
        {
            message.Content = new ByteArrayContent(body);
            if (request.ContentType != null) message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType);
        }
        foreach (var (name, value) in request.Headers) message.Headers.TryAddWithoutValidation(name, value);
        foreach (var (name, value) in signed.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || request.Headers.ContainsKey(name))
                continue;
            message.Headers.TryAddWithoutValidation(name, value);
        }
        return message;
    }

    private async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellation)
    {
        var length = response.Content.Headers.ContentLength;
        if (length > Options.MaxResponseBytes)
            throw new IOException($"The response is larger than {Options.MaxResponseBytes} bytes.");
        await using var stream = await response.Content.ReadAsStreamAsync(cancellation).ConfigureAwait(false);
        if (length is { } announced)
        {
            // One buffer of the announced size, no growing copies: a fleet's large pages would churn the large object heap.
            var exact = new byte[announced];
            await stream.ReadExactlyAsync(exact, cancellation).ConfigureAwait(false);
            return exact;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellation).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > Options.MaxResponseBytes)
                throw new IOException($"The response is larger than {Options.MaxResponseBytes} bytes.");
        }
        var body = buffer.ToArray();
        // The caller zeroes what it gets (GetSecretValue does); leave no second copy of a secret behind here.
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(buffer.GetBuffer());
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(chunk);
        return body;
    }

    private static AwsServiceException TransportFailure(AwsRequest request, Uri uri, string reason, Exception? inner) =>
        new(AwsErrorKind.Transport, request.Service.SigningName, request.Operation, null,
            $"{request.Service.SigningName}:{request.Operation} could not reach {uri.GetLeftPart(UriPartial.Authority)}: {reason}. " +
            "Check the network, proxy and endpoint (-EndpointUrl, AWS_ENDPOINT_URL).", null, null, inner);

    internal static AwsServiceException ParseError(AwsRequest request, HttpResponseMessage response, byte[] body)
    {
        string? code = null, message = null;
        if (response.Headers.TryGetValues("x-amzn-ErrorType", out var types)) code = types.FirstOrDefault();
        var requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault()
            : response.Headers.TryGetValues("x-amz-request-id", out var ids2) ? ids2.FirstOrDefault() : null;
        try
        {
            if (request.Protocol == AwsProtocol.Query) (code, message) = ParseXmlError(body, code);
            else (code, message) = ParseJsonError(body, code);
        }
        catch (Exception e) when (e is JsonException or System.Xml.XmlException)
        {
            // An error body that is not the protocol's shape: the status code still classifies it.
        }
        // Codes arrive as "Code:http://..." or "namespace#Code" depending on the service.
        code = UntrustedText.LineOrNull(code?.Split(':')[0]);
        message = UntrustedText.LineOrNull(message);
        if (code?.LastIndexOf('#') is int hash and >= 0) code = code[(hash + 1)..];
        var kind = AwsServiceException.Classify(code, response.StatusCode);
        var text = $"{request.Service.SigningName}:{request.Operation} failed: {code ?? ((int)response.StatusCode).ToString()}" +
                   (string.IsNullOrWhiteSpace(message) ? "" : $": {message}");
        return new AwsServiceException(kind, request.Service.SigningName, request.Operation, code, text, response.StatusCode, requestId);
    }

    private static (string?, string?) ParseJsonError(byte[] body, string? code)
    {
        if (body.Length == 0) return (code, null);
        using var doc = JsonDocument.Parse(body);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) return (code, null);
        string? Get(string name) => doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return (code ?? Get("__type") ?? Get("code") ?? Get("Type"), Get("message") ?? Get("Message"));
    }

    private static (string?, string?) ParseXmlError(byte[] body, string? code)
    {
        if (body.Length == 0) return (code, null);
        var doc = AwsProtocols.ParseXml(body, body.Length);
        var error = doc.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
        string? Get(string name) => error?.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
        return (code ?? Get("Code"), Get("Message"));
    }
}
