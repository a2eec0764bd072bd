namespace RotationTroubleshooter.Aws;

/// <summary>
/// What the caller said about credentials, region and endpoint, in AWS.Tools' terms. The cmdlets fill it from their
/// parameters and from the session variables AWS.Tools sets (<c>$StoredAWSCredentials</c>, <c>$StoredAWSRegion</c>).
/// </summary>
public sealed record AwsConnectionOptions
{
    public string? ProfileName { get; init; }
    public string? ProfileLocation { get; init; }
    public string? Region { get; init; }
    public string? AccessKey { get; init; }
    public string? SecretKey { get; init; }
    public string? SessionToken { get; init; }
    /// <summary>The <c>-Credential</c> object (an AWS.Tools <c>AWSCredentials</c> from any SDK version).</summary>
    public object? Credential { get; init; }
    /// <summary>The value of <c>$StoredAWSCredentials</c>: a profile name or a credentials object.</summary>
    public object? StoredCredentials { get; init; }
    /// <summary>The value of <c>$StoredAWSRegion</c>.</summary>
    public string? StoredRegion { get; init; }
    public string? EndpointUrl { get; init; }
    /// <summary>Environment lookup, replaceable in tests.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;
}
