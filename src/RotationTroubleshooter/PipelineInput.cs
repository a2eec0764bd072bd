using System.Management.Automation;

namespace RotationTroubleshooter.Commands;

/// <summary>What a pipeline object names: a secret, a rotation function, or a local file.</summary>
public enum TargetKind { Secret, Function, File }

/// <summary>One pipeline object, read: what it names and the id (name, ARN or path) to ask about.</summary>
public readonly record struct Target(TargetKind Kind, string Id);

/// <summary>
/// Reads pipeline objects by shape, since most are foreign types (AWS.Tools' SecretListEntry, Lambda's
/// FunctionConfiguration, the module's own outputs, plain objects); a string parameter would bind their text instead
/// (docs/reference/powershell-output.md). A secret property wins over a function property, so a diagnosis or a
/// SecretListEntry means its secret; an object that names neither is refused.
/// </summary>
public static class PipelineInput
{
    /// <summary>Properties that name a secret, most specific first (a plain <c>Name</c> counts only without a function property).</summary>
    public static readonly IReadOnlyList<string> SecretProperties = ["SecretArn", "ARN", "SecretId", "SecretName"];

    /// <summary>Properties that name a rotation function, ARNs first.</summary>
    public static readonly IReadOnlyList<string> FunctionProperties = ["FunctionArn", "RotationFunctionArn", "RotationLambdaARN", "FunctionName"];

    /// <summary>What the object names: a secret before a function, then a file, then a plain <c>Name</c> (a secret).</summary>
    /// <exception cref="TroubleshooterException">UnrecognizedInput: the object names none of these.</exception>
    public static Target Read(object input)
    {
        var item = PSObject.AsPSObject(input);
        switch (item.BaseObject)
        {
            case string text:
                return new Target(TargetKind.Secret, text);
            case FileSystemInfo file:
                return new Target(TargetKind.File, file.FullName);
        }
        if (First(item, SecretProperties) is { } secret) return new Target(TargetKind.Secret, secret);
        if (First(item, FunctionProperties) is { } function) return new Target(TargetKind.Function, function);
        if (First(item, ["PSPath"]) is { } path) return new Target(TargetKind.File, path);
        if (First(item, ["Name"]) is { } name) return new Target(TargetKind.Secret, name);
        throw Unrecognized(item, SecretProperties.Append("Name").Concat(FunctionProperties));
    }

    /// <summary>The rotation function the object names (a secret's object names its rotation function).</summary>
    /// <exception cref="TroubleshooterException">UnrecognizedInput: the object names no function.</exception>
    public static string ReadFunction(object input)
    {
        var item = PSObject.AsPSObject(input);
        return item.BaseObject as string ?? First(item, FunctionProperties) ?? throw Unrecognized(item, FunctionProperties);
    }

    private static TroubleshooterException Unrecognized(PSObject item, IEnumerable<string> properties) =>
        new(ErrorIds.UnrecognizedInput, FailureCategory.InvalidArgument,
            $"The input ({item.TypeNames.FirstOrDefault() ?? item.BaseObject.GetType().FullName}) names no secret or rotation function: " +
            $"give a name or ARN, or an object with one of {string.Join(", ", properties)} (such as Get-SECSecretList output or this module's results).");

    private static string? First(PSObject item, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            var value = item.Properties[name]?.Value;
            if ((value is PSObject wrapped ? wrapped.BaseObject : value) is string { Length: > 0 } text && !string.IsNullOrWhiteSpace(text))
                return text;
        }
        return null;
    }
}

/// <summary>
/// Lets -SecretId and -FunctionName take the same objects the pipeline does (e.g. <c>-SecretId $diagnosis</c>,
/// <c>-FunctionName $diagnosis</c> for its rotation function), instead of PowerShell's text of them.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class TargetIdTransformationAttribute(TargetKind kind) : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var items = LanguagePrimitives.GetEnumerable(inputData)?.Cast<object>() ?? [inputData];
        try
        {
            return items.Select(item => kind == TargetKind.Function ? PipelineInput.ReadFunction(item)
                : PipelineInput.Read(item) is { Kind: not TargetKind.File } target ? target.Id
                : throw new TroubleshooterException(ErrorIds.UnrecognizedInput, FailureCategory.InvalidArgument, $"'{item}' is a file, not a secret.")).ToArray();
        }
        catch (TroubleshooterException e)
        {
            throw new ArgumentTransformationMetadataException(e.Message, e);
        }
    }
}
