using RotationTroubleshooter.Text;

namespace RotationTroubleshooter.Aws;

/// <summary>IAM (query protocol, global endpoint): reads a role's policy documents.</summary>
public sealed class IamClient(AwsPipeline pipeline) : IRunService<IamClient>
{
    public static IamClient Create(AwsSession session) => new(session.Pipeline);

    private const string Version = "2010-05-08";

    /// <summary>Every policy document attached to or embedded in the role, decoded, with where it came from.</summary>
    public async Task<IReadOnlyList<(string Source, string Document)>> GetRolePolicyDocumentsAsync(string roleName, CancellationToken cancellation)
    {
        var documents = new List<(string, string)>();
        var attached = await pipeline.QueryAsync(AwsServices.Iam, "ListAttachedRolePolicies", Version, [new("RoleName", roleName)], cancellation).ConfigureAwait(false);
        foreach (var arn in attached.Descendants().Where(e => e.Name.LocalName == "PolicyArn").Select(e => e.Value))
        {
            var policy = await pipeline.QueryAsync(AwsServices.Iam, "GetPolicy", Version, [new("PolicyArn", arn)], cancellation).ConfigureAwait(false);
            var version = policy.Descendants().FirstOrDefault(e => e.Name.LocalName == "DefaultVersionId")?.Value ?? "v1";
            var document = await pipeline.QueryAsync(AwsServices.Iam, "GetPolicyVersion", Version,
                [new("PolicyArn", arn), new("VersionId", version)], cancellation).ConfigureAwait(false);
            if (document.Descendants().FirstOrDefault(e => e.Name.LocalName == "Document")?.Value is { } text)
                documents.Add((arn, UntrustedJsonDocument.Clean(Uri.UnescapeDataString(text))));
        }
        var inline = await pipeline.QueryAsync(AwsServices.Iam, "ListRolePolicies", Version, [new("RoleName", roleName)], cancellation).ConfigureAwait(false);
        foreach (var name in inline.Descendants().Where(e => e.Name.LocalName == "member").Select(e => e.Value))
        {
            var policy = await pipeline.QueryAsync(AwsServices.Iam, "GetRolePolicy", Version,
                [new("RoleName", roleName), new("PolicyName", name)], cancellation).ConfigureAwait(false);
            if (policy.Descendants().FirstOrDefault(e => e.Name.LocalName == "PolicyDocument")?.Value is { } text)
                documents.Add(($"inline policy {name}", UntrustedJsonDocument.Clean(Uri.UnescapeDataString(text))));
        }
        return documents;
    }
}
