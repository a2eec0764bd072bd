using System.Reflection;
using Amazon.Runtime;

namespace RotationTroubleshooter.Aws;

/// <summary>What -Credential accepts, asked without handing AWSSDK.Core types to the cmdlet layer.</summary>
public static class CredentialObjects
{
    /// <summary>Whether the value is AWS credentials: an AWSCredentials of any SDK version, or AWS.Tools' wrapper of one.</summary>
    public static bool AreCredentials(object? value) => ForeignCredentials.TryWrap(value) is not null;
}

/// <summary>
/// Reads credentials from objects made by another copy of AWSSDK.Core (AWS.Tools loads its own), which are foreign
/// types here: by shape, not by type. Keys are read at signing time, so refreshing credentials keep refreshing.
/// </summary>
internal sealed class ForeignCredentials : AWSCredentials
{
    private readonly object _source;
    private readonly MethodInfo _getCredentials;

    private ForeignCredentials(object source, MethodInfo getCredentials)
    {
        _source = source;
        _getCredentials = getCredentials;
    }

    /// <summary>An <c>AWSCredentials</c> of any SDK version, or AWS.Tools' <c>AWSPSCredentials</c> wrapper around one.</summary>
    public static AWSCredentials? TryWrap(object? value)
    {
        if (value is null) return null;
        if (value is AWSCredentials own) return own;
        var method = value.GetType().GetMethod("GetCredentials", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes);
        if (method != null) return new ForeignCredentials(value, method);
        var inner = value.GetType().GetProperty("Credentials", BindingFlags.Public | BindingFlags.Instance)?.GetValue(value);
        return inner is null || ReferenceEquals(inner, value) ? null : TryWrap(inner);
    }

    public override ImmutableCredentials GetCredentials()
    {
        object? immutable;
        try
        {
            immutable = _getCredentials.Invoke(_source, null);
        }
        catch (TargetInvocationException e)
        {
            throw new AwsCredentialsNotFoundException(
                $"The credentials object ({_source.GetType().Name}) could not produce keys: {e.InnerException?.Message}");
        }
        if (immutable is ImmutableCredentials own) return own;
        string? Read(string name) => immutable?.GetType().GetProperty(name)?.GetValue(immutable) as string;
        var accessKey = Read("AccessKey");
        var secretKey = Read("SecretKey");
        if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secretKey))
            throw new AwsCredentialsNotFoundException(
                $"The credentials object ({_source.GetType().Name}) has no AccessKey and SecretKey.");
        return new ImmutableCredentials(accessKey, secretKey, Read("Token"));
    }
}
