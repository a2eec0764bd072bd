using System.IO.Enumeration;
using System.Text.Json;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Diagnosis;

public enum InvokeDecision { Allowed, Missing, ExcludedByCondition, Denied, Unknown }

public sealed record InvokePermissionResult(InvokeDecision Decision, string Detail);

/// <summary>
/// Reads a Lambda resource policy the way Lambda does for one caller: may secretsmanager.amazonaws.com invoke the
/// function for this secret? No served library evaluates resource policies, and only the keys Secrets Manager sends
/// matter here (AWS:SourceAccount, AWS:SourceArn); any other condition key makes the answer Unknown.
/// </summary>
public static class InvokePermission
{
    private const string Principal = "secretsmanager.amazonaws.com";

    public static InvokePermissionResult Evaluate(string? policyDocument, string secretArn)
    {
        if (string.IsNullOrWhiteSpace(policyDocument))
            return new(InvokeDecision.Missing, "the function has no resource policy");
        var account = AwsArn.LocationOf(secretArn).AccountId ?? "";
        List<JsonElement> statements;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(policyDocument);
            var root = document.RootElement;
            if (!root.TryGetProperty("Statement", out var s)) return new(InvokeDecision.Missing, "the resource policy has no statements");
            statements = s.ValueKind == JsonValueKind.Array ? s.EnumerateArray().ToList() : [s];
        }
        catch (JsonException e)
        {
            return new(InvokeDecision.Unknown, $"the resource policy is not valid JSON ({e.Message})");
        }
        using (document)
        {
            InvokePermissionResult? allow = null, excluded = null, unknown = null;
            foreach (var statement in statements)
            {
                var sid = statement.TryGetProperty("Sid", out var sidElement) ? sidElement.GetString() : null;
                var label = sid is { Length: > 0 } ? $"statement {sid}" : "a statement";
                if (!NamesPrincipal(statement) || !Matches(statement, "Action", "lambda:InvokeFunction")) continue;
                var effect = statement.TryGetProperty("Effect", out var e) ? e.GetString() : null;
                var condition = EvaluateConditions(statement, secretArn, account);
                if (effect == "Deny" && condition != false)
                    return new(InvokeDecision.Denied, $"{label} denies {Principal} lambda:InvokeFunction");
                if (effect != "Allow") continue;
                switch (condition)
                {
                    case true: allow ??= new(InvokeDecision.Allowed, $"{label} allows {Principal} to invoke it"); break;
                    case false: excluded ??= new(InvokeDecision.ExcludedByCondition, $"{label} allows {Principal} only when {ConditionText(statement)}, which excludes {secretArn}"); break;
                    case null: unknown ??= new(InvokeDecision.Unknown, $"{label} allows {Principal} under a condition that cannot be checked here: {ConditionText(statement)}"); break;
                }
            }
            return allow ?? unknown ?? excluded ?? new(InvokeDecision.Missing, $"no statement allows {Principal} lambda:InvokeFunction");
        }
    }

    private static bool NamesPrincipal(JsonElement statement)
    {
        if (!statement.TryGetProperty("Principal", out var principal)) return false;
        if (principal.ValueKind == JsonValueKind.String) return principal.GetString() == "*";
        if (principal.ValueKind != JsonValueKind.Object) return false;
        if (principal.TryGetProperty("AWS", out var aws) && Values(aws).Contains("*")) return true;
        return principal.TryGetProperty("Service", out var service) && Values(service).Contains(Principal, StringComparer.OrdinalIgnoreCase);
    }

    private static bool Matches(JsonElement statement, string name, string value) =>
        statement.TryGetProperty(name, out var element) && Values(element).Any(pattern => Like(pattern, value, ignoreCase: true));

    /// <summary>true: conditions hold for this secret; false: they exclude it; null: a key we cannot evaluate.</summary>
    private static bool? EvaluateConditions(JsonElement statement, string secretArn, string account)
    {
        if (!statement.TryGetProperty("Condition", out var conditions) || conditions.ValueKind != JsonValueKind.Object) return true;
        bool? result = true;
        foreach (var op in conditions.EnumerateObject())
        {
            if (op.Value.ValueKind != JsonValueKind.Object) return null;
            foreach (var key in op.Value.EnumerateObject())
            {
                string? actual = key.Name.ToLowerInvariant() switch
                {
                    "aws:sourcearn" => secretArn,
                    "aws:sourceaccount" => account,
                    _ => null,
                };
                if (actual is null) { result = null; continue; }
                var expected = Values(key.Value).ToList();
                bool? holds = op.Name switch
                {
                    "StringEquals" or "ArnEquals" => expected.Contains(actual, StringComparer.Ordinal),
                    "StringLike" or "ArnLike" => expected.Any(p => Like(p, actual, ignoreCase: false)),
                    "StringNotEquals" or "ArnNotEquals" => !expected.Contains(actual, StringComparer.Ordinal),
                    "StringNotLike" or "ArnNotLike" => !expected.Any(p => Like(p, actual, ignoreCase: false)),
                    _ => null,
                };
                if (holds == false) return false;
                if (holds is null) result = null;
            }
        }
        return result;
    }

    private static string ConditionText(JsonElement statement) =>
        statement.TryGetProperty("Condition", out var c) ? c.GetRawText() : "(no condition)";

    private static IEnumerable<string> Values(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Array => element.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!),
        _ => [],
    };

    private static bool Like(string pattern, string value, bool ignoreCase) =>
        FileSystemName.MatchesSimpleExpression(pattern.Replace("\\", "\\\\"), value, ignoreCase);
}
