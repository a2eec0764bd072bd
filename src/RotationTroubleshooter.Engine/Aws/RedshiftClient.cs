using System.Xml.Linq;

namespace RotationTroubleshooter.Aws;

/// <summary>Redshift (query protocol, API 2012-12-01): the provisioned cluster that owns a managed admin secret.</summary>
public sealed partial class RedshiftClient(AwsPipeline pipeline) : IRunService<RedshiftClient>
{
    public static RedshiftClient Create(AwsSession session) => new(session.Pipeline);

    private const string ApiVersion = "2012-12-01";

    /// <summary>The cluster with its MasterPasswordSecretArn; null when it does not exist.</summary>
    public async Task<OwnerDescription?> DescribeOwnerAsync(OwningResource resource, CancellationToken cancellation)
    {
        XElement root;
        try
        {
            root = await pipeline.QueryAsync(AwsServices.Redshift, "DescribeClusters", ApiVersion, [new("ClusterIdentifier", resource.Identifier)], cancellation)
                .ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.Kind == AwsErrorKind.NotFound)
        {
            return null;
        }
        if (root.Child("DescribeClustersResult").Child("Clusters")?.Elements().FirstOrDefault() is not { } cluster) return null;
        return new OwnerDescription(resource, Text(cluster.Child("ClusterStatus")), Text(cluster.Child("MasterPasswordSecretArn")), null,
            Text(cluster.Child("MasterPasswordSecretKmsKeyId")));
    }

    private static string? Text(XElement? element) => string.IsNullOrWhiteSpace(element?.Value) ? null : element.Value;
}
