using System.Text.Json;
using System.Text.RegularExpressions;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.History;

/// <summary>userIdentity as CloudTrail writes it (docs/reference/cloudtrail.md, "Who made a change"), only the fields read.</summary>
public sealed record TrailIdentity(string? Type, string? Arn, string? PrincipalId, string? AccountId, string? UserName, string? InvokedBy,
    string? IssuerArn, string? IssuerType, string? IssuerName, string? OnBehalfOfUserId)
{
    /// <summary>The last part of a session ARN: Lambda names its role's sessions after the function, CloudFormation's <c>AWSCloudFormation</c>.</summary>
    public string? SessionName => Type is "AssumedRole" && Arn?.LastIndexOf('/') is int slash and >= 0 ? Arn[(slash + 1)..] : null;
}

/// <summary>
/// One CloudTrail record, parsed from an Event history envelope (docs/reference/cloudtrail.md, "The record fields the
/// module reads"): what happened, when, by whom, and the request and answer as the service logged them. Every string
/// read from it is cleaned of control characters. Shared by every secret of a run whose history names its resource.
/// </summary>
public sealed partial class TrailRecord
{
    private TrailRecord() { }

    public required string EventId { get; init; }
    public required DateTime Time { get; init; }
    public required string EventSource { get; init; }
    /// <summary>The action without Lambda's version suffix (<c>UpdateFunctionConfiguration20150331v2</c> is <c>UpdateFunctionConfiguration</c>).</summary>
    public required string EventName { get; init; }
    public required bool ReadOnly { get; init; }
    public string? EventType { get; init; }
    public required TrailIdentity Identity { get; init; }
    public string? SourceIpAddress { get; init; }
    public string? UserAgent { get; init; }
    public string? ErrorCode { get; init; }
    public string? ErrorMessage { get; init; }
    /// <summary>The service's request id; Secrets Manager's rotation events write <c>Rotation-&lt;secret ARN&gt;-&lt;version id&gt;</c>.</summary>
    public string? RequestId { get; init; }
    /// <summary><c>requestParameters</c>; <see cref="JsonValueKind.Undefined"/> when absent or null.</summary>
    public JsonElement Request { get; init; }
    public JsonElement Response { get; init; }
    public JsonElement Additional { get; init; }
    /// <summary>The resource whose lookup returned the record.</summary>
    public required TrackedResource Resource { get; init; }

    /// <summary>A call that failed changed nothing; a service event's message (RotationFailed) is not an error code.</summary>
    public bool Failed => ErrorCode is not null;

    [GeneratedRegex(@"^(?<name>[A-Za-z]+?)\d{8}(v\d+)?$")]
    private static partial Regex VersionedName();

    /// <summary>The action's name without a trailing API date and version.</summary>
    public static string BaseName(string eventName) =>
        VersionedName().Match(eventName) is { Success: true } m ? m.Groups["name"].Value : eventName;

    /// <summary>Reads the envelope's record; null when it holds none that can be read (the envelope alone cannot say who or what).</summary>
    public static TrailRecord? From(LookedUpEvent envelope, TrackedResource resource)
    {
        if (string.IsNullOrEmpty(envelope.Record)) return null;
        try
        {
            using var document = JsonDocument.Parse(envelope.Record, new JsonDocumentOptions { MaxDepth = 64 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            var name = Text(root, "eventName") ?? envelope.EventName;
            var source = Text(root, "eventSource") ?? envelope.EventSource;
            var time = EventTimeOf(root) ?? envelope.EventTime;
            var id = Text(root, "eventID") ?? envelope.EventId;
            if (name is null || source is null || time is null || id is null) return null;
            return new TrailRecord
            {
                EventId = id,
                Time = time.Value,
                EventSource = source,
                EventName = BaseName(name),
                ReadOnly = root.TryGetProperty("readOnly", out var readOnly) && readOnly.ValueKind == JsonValueKind.True
                           || string.Equals(envelope.ReadOnly, "true", StringComparison.OrdinalIgnoreCase),
                EventType = Text(root, "eventType"),
                Identity = IdentityOf(root.TryGetProperty("userIdentity", out var identity) ? identity : default),
                SourceIpAddress = Text(root, "sourceIPAddress"),
                UserAgent = Text(root, "userAgent"),
                ErrorCode = Text(root, "errorCode"),
                ErrorMessage = Text(root, "errorMessage"),
                RequestId = Text(root, "requestID"),
                Request = Element(root, "requestParameters"),
                Response = Element(root, "responseElements"),
                Additional = Element(root, "additionalEventData"),
                Resource = resource,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static TrailIdentity IdentityOf(JsonElement identity)
    {
        var issuer = identity.ValueKind == JsonValueKind.Object && identity.TryGetProperty("sessionContext", out var context)
                     && context.ValueKind == JsonValueKind.Object && context.TryGetProperty("sessionIssuer", out var i) ? i : default;
        var onBehalfOf = identity.ValueKind == JsonValueKind.Object && identity.TryGetProperty("onBehalfOf", out var o) ? o : default;
        return new TrailIdentity(Text(identity, "type"), Text(identity, "arn"), Text(identity, "principalId"), Text(identity, "accountId"),
            Text(identity, "userName"), Text(identity, "invokedBy"), Text(issuer, "arn"), Text(issuer, "type"), Text(issuer, "userName"),
            Text(onBehalfOf, "userId"));
    }

    private static DateTime? EventTimeOf(JsonElement root) =>
        Text(root, "eventTime") is { } text && DateTime.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var time)
            ? DateTime.SpecifyKind(time, DateTimeKind.Utc)
            : null;

    private static JsonElement Element(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.Object or JsonValueKind.Array ? value.Clone() : default;

    /// <summary>Text read from a record (a property name, an array's string), cleaned of control characters.</summary>
    public static string Clean(string text) => UntrustedText.Line(text);

    /// <summary>A string member of an object, cleaned; null when absent or not a string.</summary>
    public static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? UntrustedText.Line(value.GetString()!)
            : null;
}
