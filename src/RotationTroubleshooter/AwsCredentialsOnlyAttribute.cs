using System.Management.Automation;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Commands;

/// <summary>
/// -Credential binds AWS credentials and nothing else: a profile name or a PSCredential would otherwise be ignored and
/// the environment's credentials used instead, against the wrong account and without a word.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class AwsCredentialsOnlyAttribute : ValidateArgumentsAttribute
{
    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        var value = arguments is PSObject wrapped ? wrapped.BaseObject : arguments;
        if (CredentialObjects.AreCredentials(value)) return;
        // The value itself is never repeated: a key pasted here by mistake must not end up in an error message.
        var hint = value switch
        {
            string => "For a profile, use -ProfileName <name>; for keys, -AccessKey and -SecretKey.",
            PSCredential => "A PSCredential is not AWS credentials: pass the keys with -AccessKey and -SecretKey, or make credentials with New-AWSCredential.",
            _ => "Use -ProfileName, -AccessKey/-SecretKey, or an object from Get-AWSCredential or New-AWSCredential.",
        };
        throw new ValidationMetadataException(
            $"-Credential takes AWS credentials (an AWSCredentials object, such as Get-AWSCredential returns); a {value?.GetType().Name ?? "null"} was given. {hint}");
    }
}
