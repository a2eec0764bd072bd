using Amazon.EC2;
using Amazon.Runtime;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Network;

/// <summary>
/// Builds the run's EC2 client from the run's <see cref="AwsConnection"/>, so EC2 uses the same credentials, region and
/// endpoint override (-EndpointUrl, AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL) as the engine's own clients.
/// </summary>
internal static class Ec2ClientFactory
{
    /// <summary>Attempts after the first; the SDK's standard mode backs off with jitter on RequestLimitExceeded and 5xx.</summary>
    internal const int MaxErrorRetry = 5;
    internal static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(30);
    /// <summary>The source <see cref="AwsConnection.ResolveEndpoint"/> names when no override applies.</summary>
    private const string PublicEndpointSource = "public endpoint";

    public static AmazonEC2Client Create(AwsConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var config = new AmazonEC2Config
        {
            MaxErrorRetry = MaxErrorRetry,
            RetryMode = RequestRetryMode.Standard,
            Timeout = AttemptTimeout,
        };
        var (endpoint, source) = connection.ResolveEndpoint(AwsServices.Ec2);
        if (source == PublicEndpointSource)
        {
            config.RegionEndpoint = connection.Region;
        }
        else
        {
            // An override URL says nothing about the region, so the signature's region is set explicitly.
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = connection.RegionName;
        }
        return new AmazonEC2Client(connection.Credentials, config);
    }
}
