using Amazon;
using Amazon.Runtime;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Tests.Aws;

internal static class TestConnections
{
    public static AwsConnection Create(AWSCredentials? credentials = null, string region = "us-east-1", string? endpoint = null,
        Func<string, string?>? environment = null) =>
        new(credentials ?? new BasicAWSCredentials("AKIDEXAMPLE", "secret"), "test", RegionEndpoint.GetBySystemName(region), "test",
            endpoint, environment ?? (_ => null));
}
