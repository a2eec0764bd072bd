using RotationTroubleshooter.Text;
using RotationTroubleshooter.Network;
namespace RotationTroubleshooter;

/// <summary>Whether a network path works, as far as the AWS configuration shows.</summary>
public enum PathVerdict : long { Reachable, Blocked, Unknown } // long: ConvertTo-Json writes it by name (see FindingSeverity)

/// <summary>One step on a path: the resource that carries or filters the traffic and the rule that decided.</summary>
public sealed class NetworkHop
{
    public NetworkHop(string name, bool? allowed, string rule)
    {
        Name = OutputText.Of(name);
        Allowed = allowed;
        Rule = OutputText.Of(rule);
    }

    /// <summary>What this hop checks, e.g. "Function subnet subnet-1 route to Secrets Manager".</summary>
    public string Name { get; }
    /// <summary>True when the hop lets the traffic through, false when it blocks it, null when it cannot be told.</summary>
    public bool? Allowed { get; }
    /// <summary>The exact resource and rule: security group id and rule, NACL id and rule number, route table id, endpoint id.</summary>
    public string Rule { get; }

    public override string ToString() => $"{Name}: {(Allowed is null ? "unknown" : Allowed.Value ? "allowed" : "blocked")} ({Rule})";
}

/// <summary>The verdict on one path (to Secrets Manager or to the database) and the hops it rests on.</summary>
public sealed class NetworkPath
{
    public NetworkPath(PathVerdict verdict, string reason, IReadOnlyList<NetworkHop> hops)
    {
        Verdict = verdict;
        Reason = OutputText.Of(reason);
        Hops = Readable.Lines(hops);
    }

    public PathVerdict Verdict { get; }
    public string Reason { get; }
    public IReadOnlyList<NetworkHop> Hops { get; }

    public override string ToString() => $"{Verdict}: {Reason}";
}

/// <summary>
/// Output of Test-RotationNetwork: can the rotation function reach Secrets Manager and its database, and which rule
/// decides. Its text, and its paths', hops' and target's, is cleaned as given (OutputText).
/// </summary>
public sealed class NetworkPathReport
{
    public NetworkPathReport(string functionName, string? vpcId, IReadOnlyList<string> subnetIds, IReadOnlyList<string> securityGroupIds,
        NetworkPath secretsManagerPath, NetworkPath? databasePath, IReadOnlyList<Finding> findings)
    {
        FunctionName = OutputText.Of(functionName);
        VpcId = OutputText.OfOrNull(vpcId);
        SubnetIds = Readable.Ids(OutputText.Lines(subnetIds));
        SecurityGroupIds = Readable.Ids(OutputText.Lines(securityGroupIds));
        SecretsManagerPath = secretsManagerPath;
        DatabasePath = databasePath;
        Findings = Readable.Findings(findings.Select(f => f.Masked()));
    }

    public string FunctionName { get; }
    /// <summary>The secret the paths were checked for (its endpoint policy resource and database host); null for a function alone.</summary>
    public string? SecretArn { get; init => field = OutputText.OfOrNull(value); }
    /// <summary>The database the secret's host names: the RDS instance or cluster, its port, VPC, subnets and security groups.</summary>
    public DatabaseTarget? Database { get; init => field = value is null ? null : Cleaned(value); }
    /// <summary>The function's VPC, derived from its subnets; null when the function is not in a VPC.</summary>
    public string? VpcId { get; }
    public IReadOnlyList<string> SubnetIds { get; }
    public IReadOnlyList<string> SecurityGroupIds { get; }
    public NetworkPath SecretsManagerPath { get; }
    /// <summary>Null when no database target was given (e.g. the secret has no host).</summary>
    public NetworkPath? DatabasePath { get; }
    public IReadOnlyList<Finding> Findings { get; }

    /// <summary>The target with its text cleaned (OutputText): the record is the network model's, shown here as it is.</summary>
    private static DatabaseTarget Cleaned(DatabaseTarget target) => target with
    {
        Host = OutputText.Of(target.Host),
        ResourceId = OutputText.OfOrNull(target.ResourceId),
        VpcId = OutputText.OfOrNull(target.VpcId),
        SubnetIds = [.. OutputText.Lines(target.SubnetIds)],
        SecurityGroupIds = [.. OutputText.Lines(target.SecurityGroupIds)],
    };
}
