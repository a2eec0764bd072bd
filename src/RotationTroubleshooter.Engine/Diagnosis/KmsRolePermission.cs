using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Network;

namespace RotationTroubleshooter.Diagnosis;

/// <summary>
/// May the rotation function's role use the secret's customer managed key? Reads the role's policies (IAM) and the
/// key policy (KMS) and evaluates kms:Decrypt and kms:GenerateDataKey on the key with the shared policy evaluator.
/// </summary>
public sealed class KmsRolePermission(AwsSession session) : IRunService<KmsRolePermission>
{
    public static KmsRolePermission Create(AwsSession session) => new(session);

    private static readonly string[] Actions = ["kms:Decrypt", "kms:GenerateDataKey"];
    private readonly IamClient _iam = session.Get<IamClient>();
    private readonly KmsClient _kms = session.Get<KmsClient>();

    /// <summary>
    /// A key policy statement for the account root only lets IAM policies decide, it grants nothing by itself:
    /// drop those statements so that what remains is what the key policy grants the role directly.
    /// </summary>
    private static string? WithoutAccountDelegation(string? keyPolicy, string roleArn)
    {
        if (string.IsNullOrEmpty(keyPolicy)) return keyPolicy;
        var account = AwsArn.LocationOf(roleArn).AccountId ?? "";
        try
        {
            var root = System.Text.Json.Nodes.JsonNode.Parse(keyPolicy)?.AsObject();
            if (root?["Statement"] is not System.Text.Json.Nodes.JsonArray statements) return keyPolicy;
            foreach (var statement in statements.ToList())
            {
                var aws = statement?["Principal"]?["AWS"];
                var names = aws is System.Text.Json.Nodes.JsonArray list ? list.Select(n => n?.ToString()) : [aws?.ToString()];
                if (aws != null && names.All(n => n == account || n == $"arn:aws:iam::{account}:root")) statements.Remove(statement);
            }
            return root.ToJsonString();
        }
        catch (System.Text.Json.JsonException)
        {
            return keyPolicy;
        }
    }

    public sealed record Verdict(FindingSeverity? Severity, string Message, IReadOnlyList<string> Evidence);

    public async Task<Verdict?> EvaluateAsync(string kmsKeyId, string roleArn, string functionName, CancellationToken cancellation)
    {
        if (kmsKeyId is "alias/aws/secretsmanager") return null;
        var key = await _kms.DescribeKeyAsync(kmsKeyId, cancellation).ConfigureAwait(false);
        if (key.KeyManager == "AWS" || key.Arn is null) return null;
        var roleName = roleArn[(roleArn.LastIndexOf('/') + 1)..];
        var documents = await _iam.GetRolePolicyDocumentsAsync(roleName, cancellation).ConfigureAwait(false);
        var evidence = new List<string> { $"Key {key.Arn} (customer managed)", $"Role {roleArn}" };
        var missing = new List<string>();
        foreach (var action in Actions)
        {
            var results = documents.Select(d => (d.Source, Result: EndpointPolicyEvaluator.Evaluate(d.Document, roleArn, functionName, action, key.Arn))).ToList();
            if (results.FirstOrDefault(r => r.Result.Decision == PolicyDecision.ExplicitDeny) is { Source: not null } deny)
                return new(FindingSeverity.Error, $"The function's role is denied {action} on the secret's KMS key.", [.. evidence, $"{deny.Source}: {deny.Result.Detail}"]);
            if (results.FirstOrDefault(r => r.Result.Decision == PolicyDecision.Allowed) is { Source: not null } allow)
            {
                evidence.Add($"{action}: {allow.Source}: {allow.Result.Detail}");
                continue;
            }
            if (results.Any(r => r.Result.Decision == PolicyDecision.Unknown))
                return new(FindingSeverity.Info, $"Could not tell whether the function's role may use {action} on the secret's KMS key (a condition applies).",
                    [.. evidence, .. results.Select(r => $"{r.Source}: {r.Result.Detail}")]);
            missing.Add(action);
        }
        if (missing.Count == 0) return new(null, "", evidence);

        var keyPolicy = WithoutAccountDelegation(await _kms.GetKeyPolicyAsync(key.Arn, cancellation).ConfigureAwait(false), roleArn);
        var byKeyPolicy = missing.Select(a => EndpointPolicyEvaluator.Evaluate(keyPolicy, roleArn, functionName, a, key.Arn)).ToList();
        evidence.Add($"The role's policies do not allow {string.Join(" or ", missing)} on the key");
        if (byKeyPolicy.All(r => r.Decision == PolicyDecision.Allowed))
            return new(FindingSeverity.Warning,
                $"The function's role has no IAM permission for {string.Join(" and ", missing)} on the secret's KMS key; only the key policy may grant it.",
                [.. evidence, .. byKeyPolicy.Select(r => $"key policy: {r.Detail}")]);
        return new(FindingSeverity.Error,
            $"The function's role may not use {string.Join(" and ", missing)} on the secret's KMS key; rotation fails with \"Access to KMS is not allowed\".",
            [.. evidence, .. byKeyPolicy.Select(r => $"key policy: {r.Detail}")]);
    }
}
