namespace RotationTroubleshooter.Aws;

/// <summary>The services the engine calls: signing name, endpoint prefix, and the SDK's endpoint variable name.</summary>
/// <remarks>A global service is signed for us-east-1 and reached at <paramref name="GlobalHost"/> (default: prefix.amazonaws.com).</remarks>
public sealed record AwsService(string SigningName, string EndpointPrefix, string EnvironmentKey, bool Global = false, string? GlobalHost = null);

public static class AwsServices
{
    public static readonly AwsService SecretsManager = new("secretsmanager", "secretsmanager", "SECRETS_MANAGER");
    public static readonly AwsService Lambda = new("lambda", "lambda", "LAMBDA");
    public static readonly AwsService CloudWatchLogs = new("logs", "logs", "CLOUDWATCH_LOGS");
    public static readonly AwsService CloudFormation = new("cloudformation", "cloudformation", "CLOUDFORMATION");
    public static readonly AwsService Rds = new("rds", "rds", "RDS");
    public static readonly AwsService Redshift = new("redshift", "redshift", "REDSHIFT");
    public static readonly AwsService RedshiftServerless = new("redshift-serverless", "redshift-serverless", "REDSHIFT_SERVERLESS");
    public static readonly AwsService Ec2 = new("ec2", "ec2", "EC2");
    public static readonly AwsService Iam = new("iam", "iam", "IAM", Global: true);
    public static readonly AwsService Kms = new("kms", "kms", "KMS");
    public static readonly AwsService CloudTrail = new("cloudtrail", "cloudtrail", "CLOUDTRAIL");
    public static readonly AwsService Sts = new("sts", "sts", "STS");
    // Organizations has one endpoint, in us-east-1 (docs/reference/organisation.md).
    public static readonly AwsService Organizations = new("organizations", "organizations", "ORGANIZATIONS", Global: true, GlobalHost: "organizations.us-east-1.amazonaws.com");

    public static IReadOnlyList<AwsService> All { get; } = [SecretsManager, Lambda, CloudWatchLogs, CloudFormation, Rds, Redshift, RedshiftServerless, Ec2, Iam, Kms, CloudTrail, Sts, Organizations];
}
