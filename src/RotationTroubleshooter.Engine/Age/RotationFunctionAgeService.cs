using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Age;

/// <summary>Dates the rotation function the way AWS's guide does: its stack's creation time, else LastModified.</summary>
public sealed class RotationFunctionAgeService(AwsSession session) : IRunService<RotationFunctionAgeService>
{
    public static RotationFunctionAgeService Create(AwsSession session) => new(session);

    public static readonly DateTime TlsTemplateDate = new(2021, 12, 20, 0, 0, 0, DateTimeKind.Utc);
    public static readonly DateTime ScramTemplateDate = new(2021, 12, 30, 0, 0, 0, DateTimeKind.Utc);

    public const string StackNameTag = "aws:cloudformation:stack-name";
    public const string ApplicationIdTag = "serverlessrepo:applicationId";
    public const string SemanticVersionTag = "serverlessrepo:semanticVersion";

    public async Task<RotationFunctionAge> ForSecretAsync(string secretId, CancellationToken cancellation)
    {
        var (secret, functionArn) = await session.RotationFunctionOfAsync(secretId, "ask about a function with -FunctionName", cancellation).ConfigureAwait(false);
        var age = await ForFunctionAsync(functionArn, cancellation).ConfigureAwait(false);
        return new RotationFunctionAge
        {
            FunctionName = age.FunctionName, FunctionArn = age.FunctionArn, SecretArn = secret.ARN, CreatedDate = age.CreatedDate,
            CreatedDateSource = age.CreatedDateSource, StackName = age.StackName, TemplateApplicationId = age.TemplateApplicationId,
            TemplateVersion = age.TemplateVersion, PredatesTlsSupport = age.PredatesTlsSupport,
            PredatesScramSupport = age.PredatesScramSupport, Evidence = age.Evidence,
        };
    }

    public async Task<RotationFunctionAge> ForFunctionAsync(string functionName, CancellationToken cancellation) =>
        await DateAsync(await session.GetFunctionAsync(functionName, cancellation).ConfigureAwait(false), session.DescribeStackAsync, cancellation)
            .ConfigureAwait(false);

    /// <summary>
    /// Dates a function from its tags and the stack its tag names (read with <paramref name="describeStack"/>; a denied
    /// read is said in the evidence, the date then comes from LastModified).
    /// </summary>
    internal static async Task<RotationFunctionAge> DateAsync(LambdaFunction function, Func<string, CancellationToken, Task<StackSummary?>> describeStack,
        CancellationToken cancellation)
    {
        var config = function.Configuration;
        var evidence = new List<string>();
        function.Tags.TryGetValue(StackNameTag, out var stackName);
        function.Tags.TryGetValue(ApplicationIdTag, out var applicationId);
        function.Tags.TryGetValue(SemanticVersionTag, out var templateVersion);
        if (applicationId != null) evidence.Add($"Deployed from the Serverless Application Repository: {applicationId} {templateVersion}".TrimEnd());

        if (stackName != null)
        {
            StackSummary? stack = null;
            try
            {
                stack = await describeStack(stackName, cancellation).ConfigureAwait(false);
                if (stack?.CreationTime is null)
                    evidence.Add($"Tag {StackNameTag}={stackName}, but that stack no longer exists.");
            }
            catch (Exception e) when (Denied(e) is { } denied)
            {
                evidence.Add($"Tag {StackNameTag}={stackName}, but {denied.IamAction} was denied, so its creation time is unknown.");
            }
            if (stack?.CreationTime is { } created)
            {
                evidence.Add($"Stack {stack.StackName} was created {created:yyyy-MM-dd HH:mm:ss}Z.");
                return Build(config, stackName, applicationId, templateVersion, created, "CloudFormationStack",
                    created < TlsTemplateDate, created < ScramTemplateDate, evidence);
            }
        }
        else
        {
            evidence.Add($"No {StackNameTag} tag: the function was not deployed by CloudFormation, or its tags were removed.");
        }

        var modified = config.LastModifiedUtc;
        if (modified is null)
        {
            evidence.Add("Lambda returned no readable LastModified; the age is unknown.");
            return Build(config, stackName, applicationId, templateVersion, null, "Unknown", null, null, evidence);
        }
        evidence.Add($"Lambda LastModified is {modified:yyyy-MM-dd HH:mm:ss}Z; the function was created then or earlier.");
        // LastModified only bounds the creation from above: a later date can hide an older function, so never say "no".
        return Build(config, stackName, applicationId, templateVersion, modified, "LambdaLastModified",
            modified < TlsTemplateDate ? true : null, modified < ScramTemplateDate ? true : null, evidence);
    }

    private static AwsServiceException? Denied(Exception e) =>
        (e is Evidence.EvidenceUnavailableException unavailable ? unavailable.Failure : e) as AwsServiceException is { Kind: AwsErrorKind.AccessDenied } denied ? denied : null;

    private static RotationFunctionAge Build(FunctionConfiguration config, string? stackName, string? applicationId, string? version,
        DateTime? created, string source, bool? predatesTls, bool? predatesScram, List<string> evidence) => new()
    {
        FunctionName = config.FunctionName ?? "",
        FunctionArn = config.FunctionArn,
        CreatedDate = created,
        CreatedDateSource = source,
        StackName = stackName,
        TemplateApplicationId = applicationId,
        TemplateVersion = version,
        PredatesTlsSupport = predatesTls,
        PredatesScramSupport = predatesScram,
        Evidence = evidence,
    };
}
