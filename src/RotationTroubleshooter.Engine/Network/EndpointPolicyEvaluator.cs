using System.IO.Enumeration;
using System.Text.Json;

namespace RotationTroubleshooter.Network;

internal enum PolicyDecision { Allowed, ExplicitDeny, ImplicitDeny, Unknown }

internal sealed record PolicyResult(PolicyDecision Decision, string Detail);

/// <summary>
/// Evaluates a VPC endpoint policy for one principal, action and resource. No served library evaluates IAM policies
/// offline, and the endpoint case is small: Effect, (Not)Principal, (Not)Action, (Not)Resource with wildcards; explicit
/// Deny wins; a Condition cannot be evaluated without the request context, so a statement with one makes the answer
/// Unknown rather than Allowed.
/// </summary>
internal static class EndpointPolicyEvaluator
{
    private const int MaxPolicyLength = 20_480;

    /// <param name="roleArn">arn:aws:iam::ACCOUNT:role/[path/]NAME, or null when not known.</param>
    /// <param name="sessionName">Lambda names the role session after the function.</param>
    public static PolicyResult Evaluate(string? policyDocument, string? roleArn, string sessionName, string action, string resource)
    {
        if (string.IsNullOrWhiteSpace(policyDocument))
            return new(PolicyDecision.Allowed, "no endpoint policy (the default allows full access)");
        if (policyDocument.Length > MaxPolicyLength)
            return new(PolicyDecision.Unknown, $"endpoint policy longer than {MaxPolicyLength} characters was not evaluated");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(policyDocument);
        }
        catch (JsonException e)
        {
            return new(PolicyDecision.Unknown, $"endpoint policy is not valid JSON ({e.Message})");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("Statement", out var statementsElement))
                return new(PolicyDecision.Unknown, "endpoint policy has no Statement");
            var statements = statementsElement.ValueKind == JsonValueKind.Array ? statementsElement.EnumerateArray().ToList() : [statementsElement];
            var principals = PrincipalNames(roleArn, sessionName);
            string? allowedBy = null, conditionalAllow = null, conditionalDeny = null, unknownPrincipal = null;
            for (var index = 0; index < statements.Count; index++)
            {
                var statement = statements[index];
                if (statement.ValueKind != JsonValueKind.Object)
                    return new(PolicyDecision.Unknown, $"statement {index + 1} is not an object");
                var label = statement.TryGetProperty("Sid", out var sid) && sid.ValueKind == JsonValueKind.String && sid.GetString() is { Length: > 0 } s
                    ? $"statement {index + 1} (Sid {s})" : $"statement {index + 1}";
                var effect = statement.TryGetProperty("Effect", out var e) ? e.GetString() : null;
                if (effect is not ("Allow" or "Deny"))
                    return new(PolicyDecision.Unknown, $"{label} has no Effect Allow or Deny");

                var principalMatch = MatchesPrincipal(statement, principals);
                if (principalMatch == false
                    || !MatchesList(statement, "Action", "NotAction", action, ignoreCase: true)
                    || !MatchesList(statement, "Resource", "NotResource", resource, ignoreCase: false))
                    continue;
                var conditional = statement.TryGetProperty("Condition", out var condition)
                    && condition.ValueKind == JsonValueKind.Object && condition.EnumerateObject().Any();
                if (principalMatch is null)
                    unknownPrincipal ??= label;
                else if (effect == "Deny" && !conditional)
                    return new(PolicyDecision.ExplicitDeny, $"{label} denies {action} on {resource}");
                else if (effect == "Deny")
                    conditionalDeny ??= label;
                else if (!conditional)
                    allowedBy ??= label;
                else
                    conditionalAllow ??= label;
            }
            if (conditionalDeny is not null)
                return new(PolicyDecision.Unknown, $"{conditionalDeny} may deny {action}: its Condition cannot be evaluated here");
            if (unknownPrincipal is not null)
                return new(PolicyDecision.Unknown, $"{unknownPrincipal} names principals and the function's role is not known");
            if (allowedBy is not null)
                return new(PolicyDecision.Allowed, $"{allowedBy} allows {action}");
            if (conditionalAllow is not null)
                return new(PolicyDecision.Unknown, $"only {conditionalAllow} allows {action}, under a Condition that cannot be evaluated here");
            return new(PolicyDecision.ImplicitDeny, $"no statement allows {action} on {resource} for {roleArn ?? "the function's role"}");
        }
    }

    /// <summary>
    /// The decision when the secret is not known (a function checked on its own): Allowed only when a statement allows
    /// every resource and no Deny statement could match some secret; a policy that depends on the secret is Unknown.
    /// </summary>
    public static PolicyResult EvaluateForAnySecret(string? policyDocument, string? roleArn, string sessionName, string action)
    {
        var result = Evaluate(policyDocument, roleArn, sessionName, action, "*");
        if (result.Decision == PolicyDecision.ImplicitDeny)
            return new(PolicyDecision.Unknown, $"no statement allows {action} on every secret; whether it allows this one depends on the secret, which is not known");
        if (result.Decision != PolicyDecision.Allowed || string.IsNullOrWhiteSpace(policyDocument))
            return result;
        using var document = JsonDocument.Parse(policyDocument);
        var statements = document.RootElement.GetProperty("Statement");
        var principals = PrincipalNames(roleArn, sessionName);
        var index = 0;
        foreach (var statement in statements.ValueKind == JsonValueKind.Array ? statements.EnumerateArray().ToList() : [statements])
        {
            index++;
            if (statement.TryGetProperty("Effect", out var effect) && effect.GetString() == "Deny"
                && MatchesPrincipal(statement, principals) != false && MatchesList(statement, "Action", "NotAction", action, ignoreCase: true))
                return new(PolicyDecision.Unknown, $"statement {index} denies {action} on some resources; whether it matches depends on the secret, which is not known");
        }
        return result;
    }

    private sealed record Principals(string RoleArn, string SessionArn, string Account, string Partition);

    private static Principals? PrincipalNames(string? roleArn, string sessionName)
    {
        // arn:aws:iam::123456789012:role/path/name -> arn:aws:sts::123456789012:assumed-role/name/<session>
        if (roleArn is null || !Amazon.Arn.TryParse(roleArn, out var arn) || arn.Service != "iam" || !arn.Resource.StartsWith("role/", StringComparison.Ordinal))
            return null;
        var roleName = arn.Resource[(arn.Resource.LastIndexOf('/') + 1)..];
        return new Principals(roleArn, $"arn:{arn.Partition}:sts::{arn.AccountId}:assumed-role/{roleName}/{sessionName}", arn.AccountId, arn.Partition);
    }

    /// <returns>true or false, or null when the statement names principals and the role is unknown.</returns>
    private static bool? MatchesPrincipal(JsonElement statement, Principals? principals)
    {
        if (statement.TryGetProperty("Principal", out var principal))
            return MatchesPrincipalValue(principal, principals);
        if (statement.TryGetProperty("NotPrincipal", out var notPrincipal))
            return !MatchesPrincipalValue(notPrincipal, principals);
        return true; // Endpoint policies without a Principal apply to every principal.
    }

    private static bool? MatchesPrincipalValue(JsonElement value, Principals? principals)
    {
        if (value.ValueKind == JsonValueKind.String)
            return value.GetString() == "*" ? true : null;
        if (value.ValueKind != JsonValueKind.Object)
            return false;
        if (!value.TryGetProperty("AWS", out var aws))
            return false; // Service, Federated and CanonicalUser principals are never the function's role.
        var names = Strings(aws);
        if (names.Contains("*"))
            return true;
        if (principals is null)
            return null;
        return names.Any(name =>
            name == principals.Account
            || name == $"arn:{principals.Partition}:iam::{principals.Account}:root"
            || Glob(name, principals.RoleArn, ignoreCase: false)
            || Glob(name, principals.SessionArn, ignoreCase: false));
    }

    private static bool MatchesList(JsonElement statement, string include, string exclude, string value, bool ignoreCase)
    {
        if (statement.TryGetProperty(include, out var listed))
            return Strings(listed).Any(p => Glob(p, value, ignoreCase));
        if (statement.TryGetProperty(exclude, out var excluded))
            return !Strings(excluded).Any(p => Glob(p, value, ignoreCase));
        return false;
    }

    private static List<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Array => element.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList(),
        _ => [],
    };

    // IAM wildcards are * and ?, the same as the runtime's simple file-name expressions.
    private static bool Glob(string pattern, string value, bool ignoreCase) =>
        !pattern.Contains('\\') && FileSystemName.MatchesSimpleExpression(pattern, value, ignoreCase);
}
