using System.Net;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Bundles;

/// <summary>Bounds for downloading a deployment package from its presigned URL.</summary>
public sealed record BundleDownloadOptions
{
    public int MaxAttempts { get; init; } = 3;
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);
    /// <summary>Longest wait for the response headers.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Longest wait for the next bytes of the body: a stalled download fails instead of hanging.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Longest time one attempt may take in all.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>Downloads up to this size stay in memory; larger ones go to a private temporary file deleted on close.</summary>
    public long InMemoryBytes { get; init; } = 64L * 1024 * 1024;
}

/// <summary>A download of a deployment package that failed; the message names the host and path, never the presigned query.</summary>
public sealed class BundleDownloadException(string errorId, FailureCategory category, string message, HttpStatusCode? statusCode = null, Exception? inner = null)
    : TroubleshooterException(errorId, category, message, inner)
{
    public HttpStatusCode? StatusCode { get; } = statusCode;
}

/// <summary>
/// Streams a presigned S3 URL (unsigned GET), capped in size and time, retried on transient faults. Only over https
/// (http only to a loopback address, which no network between here and there can see), and redirects are followed only
/// to the same host: the URL comes from an AWS answer, and whoever could change it in flight must not point the download
/// anywhere else (docs/reference/safety.md, "Downloads"). The HTTP client must not follow redirects itself (the
/// pipeline's does not).
/// </summary>
internal sealed class BundleDownloader(HttpClient http, BundleDownloadOptions options)
{
    private const int ChunkBytes = 81920;
    private const int ErrorBodyBytes = 4096;
    private const int MaxRedirects = 5;

    /// <summary>The downloaded bytes at position 0 (memory or a self-deleting temporary file); the caller disposes it.</summary>
    /// <param name="what">What is downloaded, for messages, e.g. "the deployment package of 'f'".</param>
    public async Task<Stream> DownloadAsync(string url, string what, long maxBytes, CancellationToken cancellation)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            throw new BundleDownloadException(ErrorIds.BundleDownloadFailed, FailureCategory.InvalidData, $"Lambda gave no usable download URL for {what}.");
        // The query of a presigned URL carries a signature and possibly a session token: never show it.
        var shown = UntrustedText.Line(uri.GetLeftPart(UriPartial.Path));
        if (!IsSafeScheme(uri))
            throw new BundleDownloadException(ErrorIds.BundleDownloadFailed, FailureCategory.InvalidData,
                $"Lambda's download URL for {what} ({shown}) is not https; it was not downloaded (anyone on the network could change what comes back).");
        for (var attempt = 1; ; attempt++)
        {
            string reason;
            try
            {
                return await AttemptAsync(uri, shown, what, maxBytes, cancellation).ConfigureAwait(false);
            }
            catch (TransientDownloadException e)
            {
                reason = e.Message;
                if (attempt >= options.MaxAttempts)
                    throw new BundleDownloadException(ErrorIds.BundleDownloadFailed, FailureCategory.Unavailable,
                        $"Could not download {what} from {shown} after {attempt} attempts: {reason}", e.StatusCode, e.InnerException);
            }
            var ceiling = options.BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
            await Task.Delay(TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2), cancellation).ConfigureAwait(false);
        }
    }

    private async Task<Stream> AttemptAsync(Uri uri, string shown, string what, long maxBytes, CancellationToken cancellation)
    {
        using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        attemptTimeout.CancelAfter(options.AttemptTimeout);
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(attemptTimeout.Token);
        stall.CancelAfter(options.ResponseTimeout);
        Stream? result = null;
        try
        {
            using var response = await SendFollowingSameHostAsync(uri, shown, what, stall.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw await StatusFailureAsync(response, shown, what, stall.Token).ConfigureAwait(false);
            if (response.Content.Headers.ContentLength > maxBytes)
                throw TooLarge(what, maxBytes, response.Content.Headers.ContentLength);

            await using var body = await response.Content.ReadAsStreamAsync(stall.Token).ConfigureAwait(false);
            result = new MemoryStream();
            var chunk = new byte[ChunkBytes];
            long total = 0;
            while (true)
            {
                stall.CancelAfter(options.StallTimeout);
                var read = await body.ReadAsync(chunk, stall.Token).ConfigureAwait(false);
                if (read == 0) break;
                total += read;
                if (total > maxBytes)
                    throw TooLarge(what, maxBytes, null);
                if (result is MemoryStream memory && total > options.InMemoryBytes)
                    result = await SpillToFileAsync(memory, stall.Token).ConfigureAwait(false);
                await result.WriteAsync(chunk.AsMemory(0, read), stall.Token).ConfigureAwait(false);
            }
            result.Position = 0;
            return result;
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            await DisposeAsync(result).ConfigureAwait(false);
            throw new TransientDownloadException(attemptTimeout.IsCancellationRequested
                ? $"it took longer than {options.AttemptTimeout.TotalMinutes:0} minutes"
                : $"no data for {Math.Max(options.ResponseTimeout.TotalSeconds, options.StallTimeout.TotalSeconds):0} s", null, null);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            await DisposeAsync(result).ConfigureAwait(false);
            throw new TransientDownloadException(e.Message, null, e);
        }
        catch
        {
            await DisposeAsync(result).ConfigureAwait(false);
            throw;
        }
    }

    private static bool IsSafeScheme(Uri uri) => uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback);

    /// <summary>GET, following up to <see cref="MaxRedirects"/> redirects that stay on the same host and scheme rule.</summary>
    private async Task<HttpResponseMessage> SendFollowingSameHostAsync(Uri uri, string shown, string what, CancellationToken cancellation)
    {
        for (var redirects = 0; ; redirects++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
            if ((int)response.StatusCode is < 300 or >= 400 || response.StatusCode == HttpStatusCode.NotModified)
                return response;
            var location = response.Headers.Location;
            response.Dispose();
            var next = location is null ? null : location.IsAbsoluteUri ? location : new Uri(uri, location);
            if (next is null || redirects >= MaxRedirects)
                throw new BundleDownloadException(ErrorIds.BundleDownloadFailed, FailureCategory.InvalidData,
                    $"The download of {what} from {shown} was redirected {(next is null ? "without a location" : $"more than {MaxRedirects} times")}; it was not followed.");
            if (!string.Equals(next.Host, uri.Host, StringComparison.OrdinalIgnoreCase) || !IsSafeScheme(next))
                throw new BundleDownloadException(ErrorIds.BundleDownloadFailed, FailureCategory.InvalidData,
                    $"The download of {what} from {shown} was redirected to {UntrustedText.Line(next.GetLeftPart(UriPartial.Authority))}, " +
                    "another host or not https; it was not followed.");
            uri = next;
        }
    }

    private static async Task DisposeAsync(Stream? stream)
    {
        if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task<Stream> SpillToFileAsync(MemoryStream memory, CancellationToken cancellation)
    {
        var fileOptions = new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.None,
            Options = FileOptions.DeleteOnClose | FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows())
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // readable by this user only
        var file = new FileStream(Path.Combine(Path.GetTempPath(), $"rt-bundle-{Guid.NewGuid():N}.zip"), fileOptions);
        memory.Position = 0;
        await memory.CopyToAsync(file, cancellation).ConfigureAwait(false);
        await memory.DisposeAsync().ConfigureAwait(false);
        return file;
    }

    private static BundleDownloadException TooLarge(string what, long maxBytes, long? declared) =>
        new(ErrorIds.BundleTooLarge, FailureCategory.LimitsExceeded,
            $"{char.ToUpperInvariant(what[0])}{what[1..]} is {(declared is { } d ? $"{d:N0} bytes" : "larger than that")}, over the {maxBytes:N0} bytes allowed " +
            $"(Lambda's unzipped limit is {ZipLimits.LambdaUnzippedLimitBytes:N0}); it was not downloaded.");

    private static async Task<Exception> StatusFailureAsync(HttpResponseMessage response, string shown, string what, CancellationToken cancellation)
    {
        var (code, message) = await ReadS3ErrorAsync(response, cancellation).ConfigureAwait(false);
        var status = response.StatusCode;
        var said = code is null ? $"HTTP {(int)status}" : $"HTTP {(int)status} {code}{(message is null ? "" : $": {message}")}";
        if ((int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout)
            return new TransientDownloadException(said, status, null);
        return status switch
        {
            HttpStatusCode.Forbidden => new BundleDownloadException(ErrorIds.BundleDownloadDenied, FailureCategory.PermissionDenied,
                $"S3 refused the download of {what} from {shown} ({said}). The presigned URL Lambda gives is valid for 10 minutes; " +
                "if it had not expired, a bucket or VPC endpoint policy, or a proxy, is blocking the download.", status),
            HttpStatusCode.NotFound => new BundleDownloadException(ErrorIds.BundleDownloadNotFound, FailureCategory.NotFound,
                $"S3 has no object for {what} at {shown} ({said}).", status),
            _ => new BundleDownloadException(ErrorIds.BundleDownloadFailed, FailureCategory.Other,
                $"The download of {what} from {shown} failed ({said}).", status),
        };
    }

    /// <summary>S3's XML error (Code, Message), read from at most a few KB of the body.</summary>
    private static async Task<(string? Code, string? Message)> ReadS3ErrorAsync(HttpResponseMessage response, CancellationToken cancellation)
    {
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellation).ConfigureAwait(false);
            var buffer = new byte[ErrorBodyBytes];
            var length = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellation).ConfigureAwait(false);
            var error = Aws.AwsProtocols.ParseXml(buffer, length).Root;
            return (error?.Element("Code")?.Value, error?.Element("Message")?.Value);
        }
        catch (Exception e) when (e is System.Xml.XmlException or IOException or HttpRequestException)
        {
            return (null, null);
        }
    }

    private sealed class TransientDownloadException(string message, HttpStatusCode? statusCode, Exception? inner)
        : TroubleshooterException(ErrorIds.BundleDownloadFailed, FailureCategory.Unavailable, message, inner)
    {
        public HttpStatusCode? StatusCode { get; } = statusCode;
    }
}
