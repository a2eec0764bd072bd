using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Xml;
using System.Xml.Linq;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Aws;

/// <summary>Request/response framing for the three wire protocols the engine's small clients use.</summary>
public static class AwsProtocols
{
    /// <summary>awsJson1.1: POST / with X-Amz-Target (Secrets Manager, CloudWatch Logs).</summary>
    public static async Task<TResponse> JsonAsync<TRequest, TResponse>(this AwsPipeline pipeline, AwsService service,
        string targetPrefix, string operation, TRequest body, JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType, CancellationToken cancellation)
    {
        var request = new AwsRequest
        {
            Service = service, Operation = operation, Protocol = AwsProtocol.Json,
            Body = JsonSerializer.SerializeToUtf8Bytes(body, requestType),
            ContentType = "application/x-amz-json-1.1",
        };
        request.Headers["X-Amz-Target"] = $"{targetPrefix}.{operation}";
        var response = await pipeline.SendAsync(request, cancellation).ConfigureAwait(false);
        return Deserialize(response.Body, responseType, service, operation);
    }

    /// <summary>restJson1 GET (Lambda): the path carries the parameters.</summary>
    public static async Task<TResponse> RestGetAsync<TResponse>(this AwsPipeline pipeline, AwsService service, string operation,
        string pathAndQuery, JsonTypeInfo<TResponse> responseType, CancellationToken cancellation)
    {
        var request = new AwsRequest { Service = service, Operation = operation, Protocol = AwsProtocol.RestJson, Method = HttpMethod.Get, PathAndQuery = pathAndQuery };
        var response = await pipeline.SendAsync(request, cancellation).ConfigureAwait(false);
        return Deserialize(response.Body, responseType, service, operation);
    }

    /// <summary>restJson1 with a JSON body (Lambda's POST and PUT operations): the path names the resource.</summary>
    public static async Task<TResponse> RestSendAsync<TRequest, TResponse>(this AwsPipeline pipeline, AwsService service, string operation,
        HttpMethod method, string pathAndQuery, TRequest body, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellation)
    {
        var request = new AwsRequest
        {
            Service = service, Operation = operation, Protocol = AwsProtocol.RestJson, Method = method, PathAndQuery = pathAndQuery,
            Body = JsonSerializer.SerializeToUtf8Bytes(body, requestType), ContentType = "application/json",
        };
        var response = await pipeline.SendAsync(request, cancellation).ConfigureAwait(false);
        return Deserialize(response.Body, responseType, service, operation);
    }

    /// <summary>AWS query protocol (CloudFormation, RDS, IAM): form-encoded POST, XML answer.</summary>
    public static async Task<XElement> QueryAsync(this AwsPipeline pipeline, AwsService service, string operation, string apiVersion,
        IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken cancellation)
    {
        var form = new StringBuilder($"Action={operation}&Version={apiVersion}");
        foreach (var (name, value) in parameters)
            form.Append('&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        var request = new AwsRequest
        {
            Service = service, Operation = operation, Protocol = AwsProtocol.Query,
            Body = Encoding.UTF8.GetBytes(form.ToString()),
            ContentType = "application/x-www-form-urlencoded; charset=utf-8",
        };
        var response = await pipeline.SendAsync(request, cancellation).ConfigureAwait(false);
        try
        {
            return ParseXml(response.Body, response.Body.Length).Root ?? throw new XmlException("empty document");
        }
        catch (XmlException e)
        {
            throw Malformed(service, operation, e);
        }
    }

    /// <summary>
    /// Every XML answer the engine reads (AWS query APIs, S3 errors): DTDs prohibited, so no entity can expand or reach
    /// out; element and attribute text cleaned of control characters (one-line: no field the engine reads spans lines).
    /// docs/reference/safety.md, "Terminals".
    /// </summary>
    /// <exception cref="XmlException">Not well-formed, or it declares a DTD.</exception>
    public static XDocument ParseXml(byte[] body, int length)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreWhitespace = true };
        using var reader = XmlReader.Create(new MemoryStream(body, 0, length, writable: false), settings);
        var document = XDocument.Load(reader);
        foreach (var text in document.DescendantNodes().OfType<XText>()) text.Value = UntrustedText.Line(text.Value);
        foreach (var attribute in document.Descendants().SelectMany(e => e.Attributes())) attribute.Value = UntrustedText.Line(attribute.Value);
        return document;
    }

    private static T Deserialize<T>(byte[] body, JsonTypeInfo<T> type, AwsService service, string operation)
    {
        try
        {
            return (body.Length == 0 ? default : JsonSerializer.Deserialize(body, type))
                   ?? throw new JsonException("empty body");
        }
        catch (JsonException e)
        {
            throw Malformed(service, operation, e);
        }
    }

    private static AwsServiceException Malformed(AwsService service, string operation, Exception e) =>
        new(AwsErrorKind.ServiceFault, service.SigningName, operation, null,
            $"{service.SigningName}:{operation} returned a response that could not be read ({e.Message}). " +
            "A proxy or a truncated answer may be in the way; try again.", null, null, e);

    /// <summary>The child element of <paramref name="parent"/> by local name (AWS XML namespaces vary by API version).</summary>
    public static XElement? Child(this XElement? parent, string name) =>
        parent?.Elements().FirstOrDefault(e => e.Name.LocalName == name);

    public static IEnumerable<XElement> Children(this XElement? parent, string name) =>
        parent?.Elements().Where(e => e.Name.LocalName == name) ?? [];
}

/// <summary>Follows next-tokens until the last page, guarding against a service that repeats a token.</summary>
public static class AwsPaging
{
    public static async IAsyncEnumerable<TItem> PaginateAsync<TPage, TItem>(
        Func<string?, CancellationToken, Task<TPage>> fetchPage, Func<TPage, IEnumerable<TItem>?> items,
        Func<TPage, string?> nextToken, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation = default)
    {
        string? token = null;
        var seen = new HashSet<string>();
        do
        {
            var page = await fetchPage(token, cancellation).ConfigureAwait(false);
            foreach (var item in items(page) ?? []) yield return item;
            token = nextToken(page);
        } while (!string.IsNullOrEmpty(token) && seen.Add(token));
    }
}
