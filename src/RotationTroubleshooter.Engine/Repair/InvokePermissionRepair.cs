using System.Text.Json;
using System.Text.RegularExpressions;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Diagnosis;
using RotationTroubleshooter.Diagnosis.Checks;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Repair;

/// <summary>
/// InvokePermissionMissing: adds a statement letting secretsmanager.amazonaws.com invoke the function, scoped to the
/// secret with AWS:SourceArn, or to the secret's account with AWS:SourceAccount when the function rotates other secrets
/// too (one statement then serves them all). A Deny, or a condition that cannot be evaluated, is left to a person.
/// </summary>
internal sealed partial class InvokePermissionRepair : MechanicalRepair
{
    private const string Principal = "secretsmanager.amazonaws.com";
    private const string Action = "lambda:InvokeFunction";
    /// <summary>Lambda's limit on a statement id.</summary>
    private const int MaxStatementId = 100;

    public override IReadOnlyList<string> FindingIds => [InvokePermissionCheck.InvokePermissionMissing.Id];

    public override async Task<Proposal?> ProposeAsync(RepairSubject subject, CancellationToken cancellation)
    {
        var function = subject.Function;
        var lambda = subject.Session.Lambda;
        var policy = await lambda.GetPolicyAsync(function, cancellation).ConfigureAwait(false);
        var verdict = InvokePermission.Evaluate(policy?.Policy, subject.SecretArn);
        switch (verdict.Decision)
        {
            case InvokeDecision.Allowed:
                return null;
            case InvokeDecision.Denied:
                throw new NotRepairableException($"{verdict.Detail}: a Deny may be on purpose, so removing it is left to you " +
                                                 $"(Remove-LMPermission -FunctionName {function} -StatementId <its Sid>).");
            case InvokeDecision.Unknown:
                throw new NotRepairableException($"{verdict.Detail}; whether Secrets Manager may invoke the function cannot be told here.");
        }
        var account = AwsArn.LocationOf(subject.SecretArn).AccountId ?? "";
        var sharers = await subject.Repairer.OtherSecretsRotatedByAsync(function, subject.SecretArn, cancellation).ConfigureAwait(false);
        var byAccount = sharers > 0 && account.Length > 0;
        var statementId = UniqueStatementId(policy?.Policy, byAccount ? "SecretsManagerAccess" : "SecretsManagerRotation-" + subject.SecretName);
        var scope = byAccount
            ? $"for every secret of account {account} (AWS:SourceAccount; the function rotates {sharers} other secret{(sharers == 1 ? "" : "s")} too)"
            : $"for secret {subject.SecretName} only (AWS:SourceArn)";
        var after = byAccount
            ? $"{statementId}: Allow {Principal} {Action} when AWS:SourceAccount is {account}"
            : $"{statementId}: Allow {Principal} {Action} when AWS:SourceArn is {subject.SecretArn}";
        return new Proposal(function,
            $"Add statement {statementId} to the resource policy of function {RotationLogService.NameOf(function)}, letting {Principal} invoke it {scope}.",
            verdict.Detail, after,
            async stop =>
            {
                await lambda.AddPermissionAsync(function, new AddPermissionRequest
                {
                    StatementId = statementId, Action = Action, Principal = Principal,
                    SourceArn = byAccount ? null : subject.SecretArn, SourceAccount = byAccount ? account : null,
                    RevisionId = policy?.RevisionId,
                }, stop).ConfigureAwait(false);
                return after;
            });
    }

    /// <summary>A statement id Lambda accepts ([A-Za-z0-9-_.], at most 100) that the policy does not use yet.</summary>
    internal static string UniqueStatementId(string? policy, string wanted)
    {
        var stem = InvalidIdCharacters().Replace(wanted, "-");
        if (stem.Length > MaxStatementId - 4) stem = stem[..(MaxStatementId - 4)];
        var taken = new HashSet<string>(StringComparer.Ordinal);
        if (!string.IsNullOrWhiteSpace(policy))
        {
            try
            {
                using var document = JsonDocument.Parse(policy);
                if (document.RootElement.TryGetProperty("Statement", out var statements) && statements.ValueKind == JsonValueKind.Array)
                    foreach (var statement in statements.EnumerateArray())
                        if (statement.TryGetProperty("Sid", out var sid) && sid.GetString() is { } id) taken.Add(id);
            }
            catch (JsonException)
            {
                // Evaluate has already judged the document; an unreadable one names no ids to avoid.
            }
        }
        var candidate = stem;
        for (var n = 2; taken.Contains(candidate); n++) candidate = $"{stem}-{n}";
        return candidate;
    }

    [GeneratedRegex("[^A-Za-z0-9_.-]")]
    private static partial Regex InvalidIdCharacters();
}
