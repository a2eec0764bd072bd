namespace RotationTroubleshooter.History;

/// <summary>
/// Who made a change, to a secret's rotation: its rotation function, Secrets Manager, CloudFormation, another AWS
/// service, or someone else (docs/reference/cloudtrail.md, "Who made a change", the order of the rules there).
/// </summary>
public static class PrincipalClassifier
{
    private const string SecretsManagerService = "secretsmanager.amazonaws.com";
    private const string CloudFormationService = "cloudformation.amazonaws.com";
    private const string CloudFormationSession = "AWSCloudFormation";

    /// <param name="identity">The record's userIdentity.</param>
    /// <param name="sourceIpAddress">A service's DNS name when a service made the call.</param>
    /// <param name="functionRoleArn">The secret's rotation function's execution role, when known.</param>
    public static Principal Classify(TrailIdentity identity, string? sourceIpAddress, string? functionRoleArn)
    {
        var invokedBy = identity.InvokedBy ?? (IsServiceName(sourceIpAddress) && identity.Type is null or "AWSService" ? sourceIpAddress : null);
        if (string.Equals(invokedBy, SecretsManagerService, StringComparison.OrdinalIgnoreCase))
            return new Principal(PrincipalKind.SecretsManager, "Secrets Manager", identity.Arn, identity.IssuerArn, identity.Type, invokedBy);
        if (string.Equals(invokedBy, CloudFormationService, StringComparison.OrdinalIgnoreCase)
            || string.Equals(sourceIpAddress, CloudFormationService, StringComparison.OrdinalIgnoreCase))
        {
            var name = identity.SessionName == CloudFormationSession
                ? $"CloudFormation (stack role {identity.IssuerName ?? identity.IssuerArn})"
                : $"CloudFormation as {PersonName(identity)}";
            return new Principal(PrincipalKind.CloudFormation, name, identity.Arn, identity.IssuerArn, identity.Type, CloudFormationService);
        }
        if (identity.Type == "AssumedRole" && functionRoleArn is not null
            && string.Equals(identity.IssuerArn, functionRoleArn, StringComparison.OrdinalIgnoreCase))
        {
            var role = identity.IssuerName ?? functionRoleArn;
            return new Principal(PrincipalKind.RotationFunction, $"the rotation function ({identity.SessionName ?? role}, role {role})",
                identity.Arn, identity.IssuerArn, identity.Type, invokedBy);
        }
        if (invokedBy is not null || identity.Type == "AWSService")
            return new Principal(PrincipalKind.AwsService, invokedBy ?? "an AWS service", identity.Arn, identity.IssuerArn, identity.Type, invokedBy);
        return new Principal(PrincipalKind.Other, PersonName(identity), identity.Arn ?? IdentityStoreUser(identity), identity.IssuerArn, identity.Type);
    }

    /// <summary>A name a reader recognises: the IAM user, the role session and its role, the account, ...</summary>
    private static string PersonName(TrailIdentity identity) => identity.Type switch
    {
        "IAMUser" => identity.UserName ?? Last(identity.Arn) ?? "an IAM user",
        "Root" => "the root user" + (identity.AccountId is null ? "" : $" of {identity.AccountId}"),
        "AssumedRole" => identity.SessionName is { } session
            ? $"{session} (role {identity.IssuerName ?? Last(identity.IssuerArn) ?? "unknown"})"
            : identity.Arn ?? "a role session",
        "FederatedUser" => Last(identity.Arn) ?? "a federated user",
        "IdentityCenterUser" => $"Identity Center user {identity.OnBehalfOfUserId ?? "unknown"}",
        "AWSAccount" => $"account {identity.AccountId ?? "unknown"}",
        "SAMLUser" or "WebIdentityUser" or "Directory" => identity.UserName ?? identity.PrincipalId ?? identity.Type,
        _ => identity.Arn ?? identity.UserName ?? identity.PrincipalId ?? (identity.AccountId is null ? "an unknown principal" : $"account {identity.AccountId}"),
    };

    private static string? IdentityStoreUser(TrailIdentity identity) =>
        identity.OnBehalfOfUserId is null ? null : $"identitystore-user/{identity.OnBehalfOfUserId}";

    private static string? Last(string? arn) => arn?.LastIndexOf('/') is int slash and >= 0 ? arn[(slash + 1)..] : null;

    private static bool IsServiceName(string? address) => address?.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase) == true;
}
