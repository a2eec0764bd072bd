using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Tests.Aws;

/// <summary>
/// Our pipeline's signing against AWS's published SigV4 test suite (as shipped by @smithy/signature-v4). AWSSDK.Core's
/// signer always adds and signs x-amz-content-sha256, which the suite's requests lack, so the suite first validates a
/// small reference signer written from the specification, and that reference then checks what the pipeline sent.
/// </summary>
public class SigV4SuiteTests
{
    private static readonly JsonElement Suite = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Aws", "sigv4-suite.json"))).RootElement;
    private static readonly DateTime SignedAt = new(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc);
    private const string AccessKey = "AKIDEXAMPLE";
    private const string SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    public static IEnumerable<object[]> Cases() =>
        Suite.GetProperty("requests").EnumerateArray().Select(r => new object[] { r.GetProperty("name").GetString()! });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reference_signer_reproduces_the_published_vector(string name)
    {
        var (request, expected) = Vector(name);
        var headers = request.GetProperty("headers").EnumerateObject().Select(h => (h.Name, h.Value.GetString()!)).ToList();
        var signedHeaders = string.Join(";", headers.Select(h => h.Item1.ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal));
        var signature = ReferenceSignature(request.GetProperty("method").GetString()!, request.GetProperty("path").GetString()!,
            QueryPairs(request), headers, signedHeaders, Body(request));
        Assert.Equal(expected, $"AWS4-HMAC-SHA256 Credential={AccessKey}/20150830/us-east-1/service/aws4_request, SignedHeaders={signedHeaders}, Signature={signature}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Pipeline_signature_verifies_against_the_reference(string name)
    {
        var (request, _) = Vector(name);
        var pipeline = new AwsPipeline(TestConnections.Create(new BasicAWSCredentials(AccessKey, SecretKey), "us-east-1"));
        var headers = request.GetProperty("headers").EnumerateObject().ToDictionary(h => h.Name, h => h.Value.GetString()!);
        var query = string.Join("&", QueryPairs(request).Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value)}"));
        var awsRequest = new AwsRequest
        {
            Service = new AwsService("service", "example", "EXAMPLE"),
            Operation = name,
            Protocol = AwsProtocol.Json,
            Method = new HttpMethod(request.GetProperty("method").GetString()!),
            PathAndQuery = request.GetProperty("path").GetString() + (query.Length > 0 ? "?" + query : ""),
            Body = Body(request),
            ContentType = headers.GetValueOrDefault("content-type"),
        };
        foreach (var (header, value) in headers.Where(h => h.Key is not ("host" or "x-amz-date" or "content-type")))
            awsRequest.Headers[header] = value;
        var uri = new Uri($"https://example.amazonaws.com{awsRequest.PathAndQuery}");

        using var sent = pipeline.Sign(awsRequest, uri, SignedAt);

        var authorization = string.Join(",", sent.Headers.GetValues("Authorization"));
        var parts = authorization.Split(", ");
        Assert.StartsWith($"AWS4-HMAC-SHA256 Credential={AccessKey}/20150830/us-east-1/service/aws4_request", parts[0]);
        var signedHeaders = parts[1]["SignedHeaders=".Length..];
        var sentHeaders = sent.Headers.Where(h => h.Key != "Authorization")
            .SelectMany(h => h.Value.Select(v => (h.Key, v)))
            .Concat(sent.Content?.Headers.SelectMany(h => h.Value.Select(v => (h.Key, v))) ?? [])
            .Append(("host", "example.amazonaws.com"))
            .Where(h => signedHeaders.Split(';').Contains(h.Item1.ToLowerInvariant()))
            .ToList();
        Assert.Equal(ReferenceSignature(awsRequest.Method.Method, request.GetProperty("path").GetString()!, QueryPairs(request), sentHeaders,
            signedHeaders, Body(request), wirePath: true), parts[2]["Signature=".Length..]);
    }

    private static (JsonElement Request, string Authorization) Vector(string name)
    {
        var vector = Suite.GetProperty("requests").EnumerateArray().Single(r => r.GetProperty("name").GetString() == name);
        return (vector.GetProperty("request"), vector.GetProperty("authorization").GetString()!);
    }

    private static byte[] Body(JsonElement request) =>
        request.TryGetProperty("body", out var body) ? Encoding.UTF8.GetBytes(body.GetString()!) : [];

    private static List<KeyValuePair<string, string>> QueryPairs(JsonElement request) =>
        request.GetProperty("query").EnumerateObject().SelectMany(q => q.Value.ValueKind == JsonValueKind.Array
            ? q.Value.EnumerateArray().Select(v => KeyValuePair.Create(q.Name, v.GetString()!))
            : [KeyValuePair.Create(q.Name, q.Value.GetString()!)]).ToList();

    /// <summary>
    /// SigV4 from the specification, for checking only. The suite's paths are raw and encoded once; services other
    /// than S3 encode the already-encoded wire path again (<paramref name="wirePath"/>).
    /// </summary>
    private static string ReferenceSignature(string method, string path, List<KeyValuePair<string, string>> query,
        IEnumerable<(string Name, string Value)> headers, string signedHeaders, byte[] body, bool wirePath = false)
    {
        static string Encode(string s) => Uri.EscapeDataString(s);
        var canonicalPath = string.Join("/", path.Split('/').Select(segment => wirePath ? Encode(Encode(segment)) : Encode(segment)));
        var canonicalQuery = string.Join("&", query.Select(q => (Key: Encode(q.Key), Value: Encode(q.Value)))
            .OrderBy(q => q.Key, StringComparer.Ordinal).ThenBy(q => q.Value, StringComparer.Ordinal).Select(q => $"{q.Key}={q.Value}"));
        var canonicalHeaders = string.Concat(headers
            .GroupBy(h => h.Name.ToLowerInvariant())
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key}:{string.Join(",", g.Select(h => string.Join(" ", h.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))))}\n"));
        var canonical = $"{method}\n{canonicalPath}\n{canonicalQuery}\n{canonicalHeaders}\n{signedHeaders}\n{Convert.ToHexStringLower(SHA256.HashData(body))}";
        var toSign = $"AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Encoding.UTF8.GetBytes("AWS4" + SecretKey);
        foreach (var part in new[] { "20150830", "us-east-1", "service", "aws4_request" }) key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(toSign)));
    }
}
