using Amazon.EC2;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Network;

/// <summary>
/// Builds the run's EC2 client over the run's <see cref="AwsPipeline"/>: the same credentials, region and endpoint
/// override (-EndpointUrl, AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL) as the engine's own clients, and every request sent
/// through the pipeline's rate limits, retries and bounds.
/// </summary>
internal static class Ec2ClientFactory
{
    /// <summary>The source <see cref="AwsConnection.ResolveEndpoint"/> names when no override applies.</summary>
    private const string PublicEndpointSource = "public endpoint";

    public static AmazonEC2Client Create(AwsPipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var connection = pipeline.Connection;
        var config = new AmazonEC2Config
        {
            // The pipeline retries; an SDK retry on top would multiply the attempts and hide them from -Verbose.
            MaxErrorRetry = 0,
            HttpClientFactory = new AwsSdkHttpClientFactory(pipeline, AwsServices.Ec2),
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
