using Amazon.Runtime;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Tests.Aws;

public class AwsConnectionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("rt-profiles-").FullName;
    private readonly Dictionary<string, string?> _environment = new() { ["AWS_EC2_METADATA_DISABLED"] = "true" };

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string CredentialsFile(string text)
    {
        var path = Path.Combine(_folder, "credentials");
        File.WriteAllText(path, text);
        return path;
    }

    private AwsConnectionOptions Options(string? profileLocation = null) => new()
    {
        ProfileLocation = profileLocation ?? CredentialsFile(""),
        Environment = name => _environment.GetValueOrDefault(name),
    };

    private sealed class ForeignImmutable(string accessKey, string secretKey, string? token)
    {
        public string AccessKey { get; } = accessKey;
        public string SecretKey { get; } = secretKey;
        public string? Token { get; } = token;
    }

    /// <summary>Shaped like AWS.Tools' AWSCredentials from another AWSSDK.Core: only the method's shape matches.</summary>
    private sealed class ForeignCredentialsObject(string accessKey)
    {
        public ForeignImmutable GetCredentials() => new(accessKey, "foreign-secret", "foreign-token");
    }

    /// <summary>Shaped like AWS.Tools' AWSPSCredentials, which $StoredAWSCredentials holds.</summary>
    private sealed class StoredCredentialsObject(object credentials)
    {
        public object Credentials { get; } = credentials;
        public string Name => "stored";
    }

    [Fact]
    public void Explicit_keys_win_over_everything_else()
    {
        var profiles = CredentialsFile("[team]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = s\nregion = eu-west-1\n");
        var connection = AwsConnectionResolver.Resolve(Options(profiles) with
        {
            AccessKey = "AKIAEXPLICIT", SecretKey = "s", SessionToken = "t", ProfileName = "team",
            StoredCredentials = "team", Region = "us-west-2",
        });

        var keys = connection.Credentials.GetCredentials();
        Assert.Equal("AKIAEXPLICIT", keys.AccessKey);
        Assert.Equal("t", keys.Token);
        Assert.Equal("us-west-2", connection.RegionName);
        Assert.Contains("-AccessKey", connection.CredentialSource);
        Assert.DoesNotContain("AKIAEXPLICIT", connection.CredentialSource);
    }

    [Fact]
    public void A_profile_gives_credentials_and_its_region()
    {
        var profiles = CredentialsFile("[team]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = s\nregion = eu-west-1\n");

        var connection = AwsConnectionResolver.Resolve(Options(profiles) with { ProfileName = "team" });

        Assert.Equal("AKIAPROFILE", connection.Credentials.GetCredentials().AccessKey);
        Assert.Equal("eu-west-1", connection.RegionName);
        Assert.Equal("profile 'team'", connection.RegionSource);
    }

    [Fact]
    public void A_missing_profile_says_so()
    {
        var error = Assert.Throws<AwsCredentialsNotFoundException>(() => AwsConnectionResolver.Resolve(Options() with { ProfileName = "nope", Region = "us-east-1" }));

        Assert.Contains("'nope' was not found", error.Message);
        Assert.Equal("CredentialsNotFound", error.ErrorId);
    }

    [Fact]
    public void Credential_objects_from_another_sdk_copy_are_read_by_shape()
    {
        var connection = AwsConnectionResolver.Resolve(Options() with { Credential = new ForeignCredentialsObject("AKIAFOREIGN"), Region = "us-east-1" });

        var keys = connection.Credentials.GetCredentials();
        Assert.Equal("AKIAFOREIGN", keys.AccessKey);
        Assert.Equal("foreign-token", keys.Token);
    }

    [Fact]
    public void Stored_credentials_come_after_the_parameters_and_may_name_a_profile_or_hold_an_object()
    {
        var profiles = CredentialsFile("[stored]\naws_access_key_id = AKIASTOREDPROFILE\naws_secret_access_key = s\n");

        var byName = AwsConnectionResolver.Resolve(Options(profiles) with { StoredCredentials = "stored", StoredRegion = "ap-south-1" });
        var byObject = AwsConnectionResolver.Resolve(Options(profiles) with
        {
            StoredCredentials = new StoredCredentialsObject(new ForeignCredentialsObject("AKIASTOREDOBJECT")), StoredRegion = "ap-south-1",
        });
        var parameterWins = AwsConnectionResolver.Resolve(Options(profiles) with
        {
            Credential = new ForeignCredentialsObject("AKIAPARAMETER"), StoredCredentials = "stored", StoredRegion = "ap-south-1",
        });

        Assert.Equal("AKIASTOREDPROFILE", byName.Credentials.GetCredentials().AccessKey);
        Assert.Equal("AKIASTOREDOBJECT", byObject.Credentials.GetCredentials().AccessKey);
        Assert.Equal("AKIAPARAMETER", parameterWins.Credentials.GetCredentials().AccessKey);
        Assert.Equal("ap-south-1", byName.RegionName);
        Assert.Contains("$StoredAWSRegion", byName.RegionSource);
    }

    [Fact]
    public void Region_order_is_parameter_then_stored_then_profile_then_environment()
    {
        var profiles = CredentialsFile("[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s\nregion = eu-central-1\n");
        _environment["AWS_REGION"] = "sa-east-1";

        var keys = Options(profiles) with { AccessKey = "a", SecretKey = "b" };

        Assert.Equal("us-west-1", AwsConnectionResolver.Resolve(keys with { Region = "us-west-1", StoredRegion = "ap-south-1" }).RegionName);
        Assert.Equal("ap-south-1", AwsConnectionResolver.Resolve(keys with { StoredRegion = "ap-south-1" }).RegionName);
        Assert.Equal("eu-central-1", AwsConnectionResolver.Resolve(keys).RegionName);
        Assert.Equal("sa-east-1", AwsConnectionResolver.Resolve(Options() with { AccessKey = "a", SecretKey = "b" }).RegionName);
    }

    [Fact]
    public void No_region_anywhere_is_a_clear_error()
    {
        var error = Assert.Throws<AwsRegionNotFoundException>(() => AwsConnectionResolver.Resolve(Options() with { AccessKey = "a", SecretKey = "b" }));

        Assert.Contains("-Region", error.Message);
        Assert.Contains("AWS_REGION", error.Message);
    }

    [Fact]
    public void A_malformed_region_is_rejected()
    {
        var error = Assert.ThrowsAny<TroubleshooterException>(() => AwsConnectionResolver.Resolve(Options() with { AccessKey = "a", SecretKey = "b", Region = "Frankfurt" }));

        Assert.Equal("InvalidRegion", error.ErrorId);
    }

    [Fact]
    public void Endpoints_come_from_the_parameter_then_service_variable_then_global_variable()
    {
        _environment["AWS_ENDPOINT_URL"] = "http://127.0.0.1:5000";
        _environment["AWS_ENDPOINT_URL_LAMBDA"] = "http://127.0.0.1:6000";
        var connection = AwsConnectionResolver.Resolve(Options() with { AccessKey = "a", SecretKey = "b", Region = "eu-west-1" });
        var explicitEndpoint = AwsConnectionResolver.Resolve(Options() with { AccessKey = "a", SecretKey = "b", Region = "eu-west-1", EndpointUrl = "http://127.0.0.1:7000" });

        Assert.Equal(6000, connection.EndpointFor(AwsServices.Lambda).Port);
        Assert.Equal(5000, connection.EndpointFor(AwsServices.SecretsManager).Port);
        Assert.Equal(7000, explicitEndpoint.EndpointFor(AwsServices.Lambda).Port);
        _environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
        Assert.Equal("https://secretsmanager.eu-west-1.amazonaws.com/", connection.EndpointFor(AwsServices.SecretsManager).ToString());
        Assert.Equal("https://iam.amazonaws.com/", connection.EndpointFor(AwsServices.Iam).ToString());
    }

    [Fact]
    public void China_regions_use_their_partition_suffix()
    {
        var connection = AwsConnectionResolver.Resolve(Options() with { AccessKey = "a", SecretKey = "b", Region = "cn-north-1" });

        Assert.Equal("https://lambda.cn-north-1.amazonaws.com.cn/", connection.EndpointFor(AwsServices.Lambda).ToString());
    }

    [Fact]
    public void A_bad_endpoint_url_is_rejected_clearly()
    {
        var connection = AwsConnectionResolver.Resolve(Options() with { AccessKey = "a", SecretKey = "b", Region = "us-east-1", EndpointUrl = "localhost:4566" });

        var error = Assert.ThrowsAny<TroubleshooterException>(() => connection.EndpointFor(AwsServices.Lambda));
        Assert.Equal("InvalidEndpointUrl", error.ErrorId);
    }

    [Theory]
    [InlineData("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf", true)]
    [InlineData("prod/db", true)]
    [InlineData("arn:aws:secretsmanager:us-east-1:12345:secret:x", false)]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:x", false)]
    public void Secret_ids_are_checked(string id, bool valid)
    {
        if (valid) Assert.Equal(id, AwsArn.CheckSecretId(id));
        else Assert.Equal("InvalidArn", Assert.ThrowsAny<TroubleshooterException>(() => AwsArn.CheckSecretId(id)).ErrorId);
    }

    [Theory]
    [InlineData("SecretsManagerRDSPostgreSQLRotationSingleUser", true)]
    [InlineData("arn:aws:lambda:eu-west-1:123456789012:function:rotate:$LATEST", true)]
    [InlineData("arn:aws:lambda:eu-west-1:123456789012:layer:x", false)]
    [InlineData("has space", false)]
    public void Function_names_are_checked(string name, bool valid)
    {
        if (valid) Assert.Equal(name, AwsArn.CheckFunctionName(name));
        else Assert.ThrowsAny<TroubleshooterException>(() => AwsArn.CheckFunctionName(name));
    }
}
