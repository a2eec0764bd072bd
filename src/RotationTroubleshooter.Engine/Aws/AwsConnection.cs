using System.Reflection;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;

namespace RotationTroubleshooter.Aws;

/// <summary>Resolved credentials, region and endpoints, plus where each came from (never the values).</summary>
public sealed class AwsConnection
{
    internal AwsConnection(AWSCredentials credentials, string credentialSource, RegionEndpoint region, string regionSource,
        string? endpointUrl, Func<string, string?> environment)
    {
        Credentials = credentials;
        CredentialSource = credentialSource;
        Region = region;
        RegionSource = regionSource;
        _endpointUrl = endpointUrl;
        _environment = environment;
    }

    private readonly string? _endpointUrl;
    private readonly Func<string, string?> _environment;

    public AWSCredentials Credentials { get; }

    /// <summary>The account these credentials act in, when the run knows it (a fleet's shards); keys the rate limiter.</summary>
    public string? AccountId { get; private init; }
    public string CredentialSource { get; }
    public RegionEndpoint Region { get; }
    public string RegionName => Region.SystemName;
    public string RegionSource { get; }

    /// <summary>
    /// The same credentials and endpoints in another region (an ARN's region wins over the run's for that item, as in
    /// AWS.Tools).
    /// </summary>
    public AwsConnection ForRegion(string regionName, string regionSource) =>
        string.Equals(regionName, RegionName, StringComparison.Ordinal)
            ? this
            : new AwsConnection(Credentials, CredentialSource, AwsConnectionResolver.ParseRegion(regionName, regionSource), regionSource, _endpointUrl, _environment) { AccountId = AccountId };

    /// <summary>The same region and endpoints with other credentials, acting in <paramref name="accountId"/> (a shard of a fleet).</summary>
    public AwsConnection As(AWSCredentials credentials, string credentialSource, string accountId) =>
        new(credentials, credentialSource, Region, RegionSource, _endpointUrl, _environment) { AccountId = accountId };

    /// <summary>Each service whose endpoint is not the public one, with where the override comes from.</summary>
    public IEnumerable<(AwsService Service, Uri Uri, string Source)> EndpointOverrides() =>
        from service in AwsServices.All
        let endpoint = ResolveEndpoint(service)
        where endpoint.Source != PublicEndpoint
        select (service, endpoint.Uri, endpoint.Source);

    private const string PublicEndpoint = "public endpoint";

    /// <summary>-EndpointUrl, then AWS_ENDPOINT_URL_&lt;SERVICE&gt;, then AWS_ENDPOINT_URL, then the public endpoint.</summary>
    public Uri EndpointFor(AwsService service) => ResolveEndpoint(service).Uri;

    public (Uri Uri, string Source) ResolveEndpoint(AwsService service)
    {
        if (_endpointUrl != null) return (ParseEndpoint(_endpointUrl, "-EndpointUrl"), "-EndpointUrl");
        if (!string.Equals(_environment("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true", StringComparison.OrdinalIgnoreCase))
        {
            var serviceVariable = "AWS_ENDPOINT_URL_" + service.EnvironmentKey;
            foreach (var name in new[] { serviceVariable, "AWS_ENDPOINT_URL" })
            {
                var value = _environment(name);
                if (!string.IsNullOrWhiteSpace(value)) return (ParseEndpoint(value, name), name);
            }
        }
        var suffix = Region.PartitionDnsSuffix ?? "amazonaws.com";
        if (service.Global && Region.PartitionName == "aws")
            return (new Uri($"https://{service.GlobalHost ?? $"{service.EndpointPrefix}.{suffix}"}/"), PublicEndpoint);
        return (new Uri($"https://{service.EndpointPrefix}.{Region.SystemName}.{suffix}/"), PublicEndpoint);
    }

    private static Uri ParseEndpoint(string value, string origin)
    {
        if (Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
            return uri;
        throw new TroubleshooterException(ErrorIds.InvalidEndpointUrl, FailureCategory.InvalidArgument, $"The endpoint '{value}' from {origin} is not an absolute http(s) URL, such as https://secretsmanager.us-east-1.amazonaws.com.");
    }
}

/// <summary>Resolves credentials and region in AWS.Tools' order, using AWSSDK.Core's own profile and default chains.</summary>
public static class AwsConnectionResolver
{
    public static AwsConnection Resolve(AwsConnectionOptions options)
    {
        var env = options.Environment;
        FollowSharedFileVariables(env);
        var profiles = new CredentialProfileStoreChain(options.ProfileLocation ?? env("AWS_SHARED_CREDENTIALS_FILE"));
        var (credentials, credentialSource, profileName) = ResolveCredentials(options, profiles);
        var (region, regionSource) = ResolveRegion(options, profiles, profileName);
        return new AwsConnection(credentials, credentialSource, region, regionSource, options.EndpointUrl, env);
    }

    // AWSSDK.Core reads AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE once per process and has no public way to change
    // them (docs/reference/powershell-output.md); its own non-public default-path setters make a later change count.
    private static readonly MethodInfo? SetCredentialsFilePath =
        typeof(SharedCredentialsFile).GetProperty(nameof(SharedCredentialsFile.DefaultFilePath))?.GetSetMethod(nonPublic: true);
    private static readonly MethodInfo? SetConfigFilePath =
        typeof(SharedCredentialsFile).GetProperty(nameof(SharedCredentialsFile.DefaultConfigFilePath))?.GetSetMethod(nonPublic: true);

    private static void FollowSharedFileVariables(Func<string, string?> env)
    {
        var credentials = env("AWS_SHARED_CREDENTIALS_FILE") is { Length: > 0 } c ? c : Path.Combine(SharedCredentialsFile.DefaultDirectory, "credentials");
        var config = env("AWS_CONFIG_FILE") is { Length: > 0 } f ? f : Path.Combine(SharedCredentialsFile.DefaultConfigDirectory, "config");
        SetCredentialsFilePath?.Invoke(null, [credentials]);
        SetConfigFilePath?.Invoke(null, [config]);
    }

    private static (AWSCredentials, string, string?) ResolveCredentials(AwsConnectionOptions o, CredentialProfileStoreChain profiles)
    {
        if (!string.IsNullOrEmpty(o.AccessKey) || !string.IsNullOrEmpty(o.SecretKey))
        {
            if (string.IsNullOrEmpty(o.AccessKey) || string.IsNullOrEmpty(o.SecretKey))
                throw new AwsCredentialsNotFoundException("-AccessKey and -SecretKey must be given together.");
            AWSCredentials keys = string.IsNullOrEmpty(o.SessionToken)
                ? new BasicAWSCredentials(o.AccessKey, o.SecretKey)
                : new SessionAWSCredentials(o.AccessKey, o.SecretKey, o.SessionToken);
            return (keys, "the -AccessKey/-SecretKey parameters", null);
        }
        if (!string.IsNullOrEmpty(o.ProfileName))
            return (FromProfile(profiles, o.ProfileName, o.ProfileLocation), $"profile '{o.ProfileName}' (-ProfileName)", o.ProfileName);
        if (ForeignCredentials.TryWrap(o.Credential) is { } fromParameter)
            return (fromParameter, "the -Credential parameter", null);
        if (o.StoredCredentials is string storedProfile && storedProfile.Length > 0)
            return (FromProfile(profiles, storedProfile, o.ProfileLocation), $"profile '{storedProfile}' ($StoredAWSCredentials)", storedProfile);
        if (ForeignCredentials.TryWrap(o.StoredCredentials) is { } stored)
            return (stored, "$StoredAWSCredentials (Set-AWSCredential)", null);

        try
        {
            using var chain = new DefaultAWSCredentialsIdentityResolver();
            var resolved = chain.ResolveIdentity(null);
            var source = !string.IsNullOrEmpty(o.Environment("AWS_ACCESS_KEY_ID")) ? "environment variables (AWS_ACCESS_KEY_ID)"
                : o.Environment("AWS_PROFILE") is { Length: > 0 } profile ? $"profile '{profile}' (AWS_PROFILE)"
                : $"the SDK default chain ({resolved.GetType().Name})";
            return (resolved, source, null);
        }
        catch (Exception e) when (e is AmazonClientException or InvalidOperationException)
        {
            throw new AwsCredentialsNotFoundException(
                "No AWS credentials found. Looked in: -AccessKey/-SecretKey, -ProfileName, -Credential, $StoredAWSCredentials " +
                "(Set-AWSCredential), environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the profile named by " +
                "AWS_PROFILE or 'default' in ~/.aws/credentials and ~/.aws/config, container and instance credentials. " +
                "Run Set-AWSCredential -ProfileName <name>, pass -ProfileName, or set AWS_PROFILE.", e);
        }
    }

    private static AWSCredentials FromProfile(CredentialProfileStoreChain profiles, string name, string? location)
    {
        if (profiles.TryGetAWSCredentials(name, out var credentials)) return credentials;
        var where = location ?? "~/.aws/credentials and ~/.aws/config";
        throw new AwsCredentialsNotFoundException(
            $"Profile '{name}' was not found in {where}, or it holds no usable credentials. List profiles with " +
            "Get-AWSCredential -ListProfileDetail, or check the name.");
    }

    private static (RegionEndpoint, string) ResolveRegion(AwsConnectionOptions o, CredentialProfileStoreChain profiles, string? profileName)
    {
        if (!string.IsNullOrWhiteSpace(o.Region)) return (ParseRegion(o.Region, "-Region"), "the -Region parameter");
        if (!string.IsNullOrWhiteSpace(o.StoredRegion)) return (ParseRegion(o.StoredRegion, "$StoredAWSRegion"), "$StoredAWSRegion (Set-DefaultAWSRegion)");
        var profileForRegion = profileName ?? o.Environment("AWS_PROFILE") ?? "default";
        if (profiles.TryGetProfile(profileForRegion, out var profile) && profile.Region != null)
            return (profile.Region, $"profile '{profileForRegion}'");
        foreach (var variable in new[] { "AWS_REGION", "AWS_DEFAULT_REGION" })
        {
            var value = o.Environment(variable);
            if (!string.IsNullOrWhiteSpace(value)) return (ParseRegion(value, variable), $"environment variable {variable}");
        }
        if (!string.Equals(o.Environment("AWS_EC2_METADATA_DISABLED"), "true", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var fromMetadata = FallbackRegionFactory.GetRegionEndpoint(includeInstanceMetadata: true);
                if (fromMetadata != null) return (fromMetadata, "instance metadata");
            }
            catch (AmazonClientException)
            {
                // Falls through to the clear error below.
            }
        }
        throw new AwsRegionNotFoundException(
            "No AWS region found. Looked in: -Region, $StoredAWSRegion (Set-DefaultAWSRegion), the profile's region, " +
            "environment variables AWS_REGION/AWS_DEFAULT_REGION and instance metadata. Pass -Region, e.g. -Region us-east-1.");
    }

    internal static RegionEndpoint ParseRegion(string value, string origin)
    {
        var name = value.Trim();
        if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z]{2}(-[a-z]+)+-\\d+$"))
            throw new TroubleshooterException(ErrorIds.InvalidRegion, FailureCategory.InvalidArgument, $"'{value}' from {origin} is not an AWS region name such as us-east-1.");
        return RegionEndpoint.GetBySystemName(name);
    }
}
