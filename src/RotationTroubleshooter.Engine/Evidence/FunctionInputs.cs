using RotationTroubleshooter.Age;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Bundles;
using RotationTroubleshooter.Diagnosis;
using RotationTroubleshooter.Logs;

namespace RotationTroubleshooter.Evidence;

/// <summary>What Lambda, CloudWatch Logs, CloudFormation, IAM and KMS say about a secret's rotation function.</summary>
public static class FunctionInputs
{
    /// <summary>
    /// GetFunction (configuration, tags, code location), once per function per run. Without lambda:GetFunction the
    /// configuration and tags are read on their own; a deleted function is FunctionNotFound, which RotationFunction reports.
    /// </summary>
    public static readonly SharedInput<string, LambdaFunction> Function = new()
    {
        Id = "Function",
        Description = "the rotation function's configuration and tags",
        Permissions = ["lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:ListTags"],
        SharedBy = InputScope.Function,
        ReadAhead = true,
        MissingErrorId = ErrorIds.FunctionNotFound,
        Decisive = true,
        Key = reader => NullIfEmpty(reader.Secret.RotationLambdaARN),
        Fetch = ReadFunctionAsync,
    };

    /// <summary>The resource policy of the function Secrets Manager invokes (GetPolicy); null when it has none.</summary>
    public static readonly SharedInput<string, string?> Policy = new()
    {
        Id = "FunctionPolicy",
        Description = "the rotation function's resource policy",
        Permissions = ["lambda:GetPolicy"],
        SharedBy = InputScope.Function,
        ReadAhead = true,
        // The secret's RotationLambdaARN names the function as GetFunction's FunctionArn does: asked at once, not after it.
        Key = reader => NullIfEmpty(reader.Secret.RotationLambdaARN),
        Fetch = async (session, function, cancellation) => (await session.Lambda.GetPolicyAsync(function, cancellation).ConfigureAwait(false))?.Policy,
    };

    /// <summary>The CloudFormation stack the function's tag names (DescribeStacks); null when the stack no longer exists.</summary>
    public static readonly SharedInput<string, StackSummary?> Stack = new()
    {
        Id = "FunctionStack",
        Description = "the rotation function's CloudFormation stack",
        Permissions = ["cloudformation:DescribeStacks"],
        SharedBy = InputScope.Stack,
        ReadAhead = true,
        DependsOn = [Function],
        KeyAsync = async (reader, cancellation) =>
            (await reader.GetAsync(Function, cancellation).ConfigureAwait(false))?.Tags.GetValueOrDefault(RotationFunctionAgeService.StackNameTag),
        Fetch = (session, stack, cancellation) => session.CloudFormation.DescribeStackAsync(stack, cancellation),
    };

    /// <summary>The function's age as Get-RotationFunctionAge dates it: its stack's creation, else LastModified.</summary>
    public static readonly DerivedInput<RotationFunctionAge> Age = new()
    {
        Id = "FunctionAge",
        Description = "the rotation function's age (its stack's creation time, else LastModified)",
        DependsOn = [Function, Stack],
        Derive = async (reader, cancellation) =>
            await reader.GetAsync(Function, cancellation).ConfigureAwait(false) is { } function
                ? await RotationFunctionAgeService.DateAsync(function, (_, ct) => reader.GetAsync(Stack, ct), cancellation).ConfigureAwait(false)
                : null,
    };

    /// <summary>The function's template from its tags or name, else from the secret's engine key (unless values may not be read).</summary>
    public static readonly DerivedInput<RotationTemplate> Template = new()
    {
        Id = "Template",
        Description = "the rotation function's template",
        DependsOn = [Function, SecretInputs.CurrentValue],
        Derive = async (reader, cancellation) =>
        {
            if (RotationTemplates.Identify(await reader.TryGetAsync(Function, cancellation).ConfigureAwait(false), null) is { } byFunction)
                return byFunction;
            var value = await reader.TryGetAsync(SecretInputs.CurrentValue, cancellation).ConfigureAwait(false);
            return value?.NotJsonReason is null ? RotationTemplates.Identify(null, null, value?.GetPublicValue("engine")) : null;
        },
    };

    /// <summary>What the AWSCURRENT value has of the keys and engine the function's template needs; null when it is not JSON or no template is known.</summary>
    public static readonly DerivedInput<TemplateFit> TemplateFit = new()
    {
        Id = "TemplateFit",
        Description = "the AWSCURRENT value's keys against those the function's template needs",
        DependsOn = [SecretInputs.CurrentValue, Template],
        Derive = async (reader, cancellation) =>
            await reader.GetAsync(SecretInputs.CurrentValue, cancellation).ConfigureAwait(false) is { NotJsonReason: null, KeyNames: { } keys } value
            && await reader.GetAsync(Template, cancellation).ConfigureAwait(false) is { } template
                ? new TemplateFit(template, keys, [.. template.RequiredKeys.Where(k => !keys.Contains(k, StringComparer.Ordinal))], value.GetPublicValue("engine"))
                : null,
    };

    /// <summary>Whether the function's role may use the secret's customer managed key (role policies, then the key policy).</summary>
    public static readonly SharedInput<KmsQuestion, KmsRolePermission.Verdict?> KmsVerdict = new()
    {
        Id = "KmsVerdict",
        Description = "the function's role's and the secret's KMS key's policies",
        Permissions = ["iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:GetPolicy", "iam:GetPolicyVersion",
            "kms:DescribeKey", "kms:GetKeyPolicy"],
        SharedBy = InputScope.KmsKey,
        DependsOn = [Function],
        KeyAsync = async (reader, cancellation) =>
            !string.IsNullOrEmpty(reader.Secret.KmsKeyId)
            && await reader.GetAsync(Function, cancellation).ConfigureAwait(false) is { Configuration: { Role: { } role, FunctionName: { } name } }
                ? new KmsQuestion(reader.Secret.KmsKeyId, role, name) : null,
        Fetch = (session, question, cancellation) =>
            session.Get<KmsRolePermission>().EvaluateAsync(question.KeyId, question.RoleArn, question.FunctionName, cancellation),
    };

    /// <summary>
    /// The function's logs over a window, read once per function and window per run (Lambda's default group is read
    /// while GetFunction says whether LoggingConfig names another), with the rotation attempts rebuilt from them.
    /// </summary>
    public static readonly SharedInput<LogWindow, FunctionLogs> Logs = new()
    {
        Id = "FunctionLogs",
        Description = "the rotation function's CloudWatch logs of the last 7 days",
        Permissions = ["logs:FilterLogEvents"],
        SharedBy = InputScope.Function,
        ReadAhead = true,
        // Its log configuration (LoggingConfig): read at the same time, not first.
        DependsOn = [Function],
        Key = reader => NullIfEmpty(reader.Secret.RotationLambdaARN) is { } function ? new LogWindow(function) : null,
        Fetch = (session, window, cancellation) => session.Get<RotationLogService>().ReadWindowAsync(window, cancellation),
    };

    /// <summary>The newest rotation attempt in the function's logs that may be this secret's; null when none.</summary>
    public static readonly DerivedInput<RotationAttempt> LatestAttempt = new()
    {
        Id = "LatestAttempt",
        Description = "the newest rotation attempt in the function's logs",
        DependsOn = [Logs],
        Derive = async (reader, cancellation) => await reader.GetAsync(Logs, cancellation).ConfigureAwait(false) is { } logs
            ? RotationLogService.OfSecret(logs.Attempts, reader.SecretArn).LastOrDefault()
            : null,
    };

    /// <summary>Every libpq, native module or pure-Python driver in a PostgreSQL function's bundle and layers; null for other templates.</summary>
    public static readonly SharedInput<string, IReadOnlyList<LibpqReport>> Bundle = new()
    {
        Id = "FunctionBundle",
        Description = "the libpq builds the rotation function's bundle and layers carry",
        Permissions = ["lambda:GetFunction", "lambda:GetLayerVersion"],
        SharedBy = InputScope.Function,
        ReadAhead = true,
        DependsOn = [Function, Template],
        // By the function's ARN, as Test-LibpqScramSupport keys it.
        KeyAsync = async (reader, cancellation) =>
            await reader.GetAsync(Function, cancellation).ConfigureAwait(false) is { } function
            && (await reader.GetAsync(Template, cancellation).ConfigureAwait(false))?.IsPostgres == true
                ? function.Configuration.FunctionArn ?? reader.Secret.RotationLambdaARN : null,
        Fetch = (session, function, cancellation) => session.Get<FunctionBundleService>().InspectFunctionAsync(function, cancellation),
    };

    /// <summary>The oldest libpq major version a bundle carries; null when none says (not PostgreSQL, unreadable).</summary>
    public static int? OldestLibpq(IReadOnlyList<LibpqReport>? bundle) =>
        bundle?.Where(r => r.LibpqMajorVersion != null).Select(r => r.LibpqMajorVersion).Min();

    /// <summary>GetFunction with its tags; when the caller may not read code locations, the configuration and tags on their own.</summary>
    private static async Task<LambdaFunction> ReadFunctionAsync(AwsSession session, string name, CancellationToken cancellation)
    {
        try
        {
            GetFunctionResponse response;
            try
            {
                response = await session.Lambda.GetFunctionAsync(name, cancellation).ConfigureAwait(false);
            }
            catch (AwsServiceException e) when (e.Kind == AwsErrorKind.AccessDenied)
            {
                var configuration = await session.Lambda.GetFunctionConfigurationAsync(name, cancellation).ConfigureAwait(false);
                return new LambdaFunction(configuration, await ListTagsAsync(session, configuration, cancellation).ConfigureAwait(false), null);
            }
            var config = response.Configuration ?? throw new TroubleshooterException(ErrorIds.MalformedResponse, FailureCategory.InvalidData,
                $"lambda:GetFunction for '{name}' returned no configuration.");
            // GetFunction leaves Tags out when the caller lacks lambda:ListTags; ask for them once more.
            var tags = response.Tags ?? await ListTagsAsync(session, config, cancellation).ConfigureAwait(false);
            return new LambdaFunction(config, tags, response.Code);
        }
        catch (AwsServiceException e) when (e.Kind == AwsErrorKind.NotFound)
        {
            throw new TroubleshooterException(ErrorIds.FunctionNotFound, FailureCategory.NotFound,
                $"Lambda function '{name}' was not found in {session.Connection.RegionName}. Check the name or ARN, and -Region.", e);
        }
    }

    private static async Task<IReadOnlyDictionary<string, string>> ListTagsAsync(AwsSession session, FunctionConfiguration configuration, CancellationToken cancellation) =>
        configuration.FunctionArn is { } arn ? await session.Lambda.ListTagsAsync(arn, cancellation).ConfigureAwait(false) : new Dictionary<string, string>();

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}

/// <summary>The KMS question of one secret: may this function's role use this key.</summary>
public sealed record KmsQuestion(string KeyId, string RoleArn, string FunctionName);

/// <summary>
/// Which of a function's logs to read: the function as the caller names it (ARN or name), and a window (null: the run's
/// default, the last 7 days up to when the run began reading logs) and an event cap.
/// </summary>
public sealed record LogWindow(string FunctionId, DateTime? Start = null, DateTime? End = null, int MaxEvents = RotationLogService.DefaultMaxEvents);
