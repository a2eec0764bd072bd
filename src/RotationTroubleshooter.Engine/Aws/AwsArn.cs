using System.Text.RegularExpressions;
using Amazon;

namespace RotationTroubleshooter.Aws;

/// <summary>Checks the ARNs users type, so a typo gets a clear answer instead of an AWS validation error.</summary>
public static partial class AwsArn
{
    [GeneratedRegex(@"^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:secret:[^\s]+$")]
    private static partial Regex SecretArn();

    [GeneratedRegex(@"^arn:aws[a-z-]*:lambda:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$")]
    private static partial Regex FunctionArn();

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex FunctionName();

    // Secrets Manager appends a hyphen and six random characters to the name in every secret ARN.
    [GeneratedRegex(@"^arn:aws[a-z-]*:secretsmanager:[^:]+:\d{12}:secret:(?<name>.+)-[A-Za-z0-9]{6}$")]
    private static partial Regex SecretArnName();

    /// <summary>A secret name or ARN, checked; throws <see cref="TroubleshooterException"/> InvalidArn on a malformed ARN.</summary>
    public static string CheckSecretId(string value)
    {
        var id = value.Trim();
        if (id.Length == 0)
            throw new TroubleshooterException(ErrorIds.InvalidSecretId, FailureCategory.InvalidArgument, "The secret id is empty. Give a secret name or ARN.");
        if (id.StartsWith("arn:", StringComparison.Ordinal) && !SecretArn().IsMatch(id))
            throw new TroubleshooterException(ErrorIds.InvalidArn, FailureCategory.InvalidArgument,
                $"'{id}' is not a Secrets Manager secret ARN. Expected arn:aws:secretsmanager:<region>:<account>:secret:<name>, or give the secret's name.");
        return id;
    }

    /// <summary>A function name or ARN, checked; throws InvalidArn / InvalidFunctionName.</summary>
    public static string CheckFunctionName(string value)
    {
        var id = value.Trim();
        if (id.StartsWith("arn:", StringComparison.Ordinal))
        {
            if (!FunctionArn().IsMatch(id))
                throw new TroubleshooterException(ErrorIds.InvalidArn, FailureCategory.InvalidArgument,
                    $"'{id}' is not a Lambda function ARN. Expected arn:aws:lambda:<region>:<account>:function:<name>, or give the function's name.");
            return id;
        }
        if (!FunctionName().IsMatch(id))
            throw new TroubleshooterException(ErrorIds.InvalidFunctionName, FailureCategory.InvalidArgument,
                $"'{id}' is not a Lambda function name (1-64 letters, digits, '-' or '_') or ARN.");
        return id;
    }

    /// <summary>Whether the text is a Lambda function ARN (with or without a version or alias).</summary>
    public static bool IsFunctionArn(string value) => FunctionArn().IsMatch(value.Trim());

    /// <summary>Whether the text could be a Lambda function's name.</summary>
    public static bool IsFunctionName(string value) => FunctionName().IsMatch(value.Trim());

    /// <summary>The secret's name in a secret ARN; null for anything else.</summary>
    public static string? SecretNameOf(string? arn) =>
        arn is not null && SecretArnName().Match(arn) is { Success: true } m ? m.Groups["name"].Value : null;

    /// <summary>The function's name in a Lambda function ARN (without a version or alias); anything else as it is.</summary>
    public static string FunctionNameOf(string functionId) =>
        IsFunctionArn(functionId) && Amazon.Arn.TryParse(functionId.Trim(), out var arn) ? arn.Resource.Split(':')[1] : functionId;

    /// <summary>The region part of an ARN, or null.</summary>
    public static string? RegionOf(string? arn) => LocationOf(arn).Region;

    /// <summary>The account and region an ARN names, as AWSSDK.Core parses it; null for a part it leaves empty or for text that is no ARN.</summary>
    public static (string? AccountId, string? Region) LocationOf(string? arn) =>
        arn is not null && Arn.TryParse(arn.Trim(), out var parsed)
            ? (NullIfEmpty(parsed.AccountId), NullIfEmpty(parsed.Region))
            : (null, null);

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
