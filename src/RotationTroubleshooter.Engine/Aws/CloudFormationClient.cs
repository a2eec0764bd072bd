using System.Globalization;

namespace RotationTroubleshooter.Aws;

public sealed record StackSummary(string StackName, string? StackId, DateTime? CreationTime, string? StackStatus);

/// <summary>CloudFormation (query protocol), the operations the engine reads.</summary>
public sealed class CloudFormationClient(AwsPipeline pipeline) : IRunService<CloudFormationClient>
{
    public static CloudFormationClient Create(AwsSession session) => new(session.Pipeline);

    /// <summary>The stack, or null when CloudFormation says it does not exist (deleted stacks are not listed by name).</summary>
    public async Task<StackSummary?> DescribeStackAsync(string stackName, CancellationToken cancellation)
    {
        try
        {
            var root = await pipeline.QueryAsync(AwsServices.CloudFormation, "DescribeStacks", "2010-05-15",
                [new("StackName", stackName)], cancellation).ConfigureAwait(false);
            var member = root.Child("DescribeStacksResult").Child("Stacks").Children("member").FirstOrDefault();
            if (member is null) return null;
            DateTime? created = DateTime.TryParse(member.Child("CreationTime")?.Value, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t) ? t : null;
            return new StackSummary(member.Child("StackName")?.Value ?? stackName, member.Child("StackId")?.Value, created,
                member.Child("StackStatus")?.Value);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "ValidationError" && e.Message.Contains("does not exist", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
    }
}
