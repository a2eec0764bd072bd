namespace RotationTroubleshooter.Network;

/// <summary>The stable check ids of the network checks, and the AWS pages that explain each fix.</summary>
public static class NetworkCheckIds
{
    public const string NoRouteToSecretsManager = nameof(NoRouteToSecretsManager);
    public const string EndpointPrivateDnsDisabled = nameof(EndpointPrivateDnsDisabled);
    public const string EndpointNotInFunctionAvailabilityZone = nameof(EndpointNotInFunctionAvailabilityZone);
    public const string EndpointSecurityGroupBlocksFunction = nameof(EndpointSecurityGroupBlocksFunction);
    public const string FunctionSecurityGroupBlocksHttps = nameof(FunctionSecurityGroupBlocksHttps);
    public const string NetworkAclBlocksHttps = nameof(NetworkAclBlocksHttps);
    public const string EndpointPolicyDeniesFunction = nameof(EndpointPolicyDeniesFunction);
    public const string DatabaseSecurityGroupBlocksFunction = nameof(DatabaseSecurityGroupBlocksFunction);
    public const string FunctionSecurityGroupBlocksDatabase = nameof(FunctionSecurityGroupBlocksDatabase);
    public const string NetworkAclBlocksDatabase = nameof(NetworkAclBlocksDatabase);
    public const string DatabaseInOtherVpc = nameof(DatabaseInOtherVpc);
    /// <summary>The network could not be described (permission, missing subnet): the paths are Unknown.</summary>
    public const string NetworkPathNotChecked = nameof(NetworkPathNotChecked);
    /// <summary>The secret's database could not be located (GetSecretValue or RDS refused, no port): the database path is Unknown.</summary>
    public const string DatabasePathNotChecked = nameof(DatabasePathNotChecked);
}

/// <summary>Collects findings so that the same problem seen from several subnets becomes one finding with all the evidence.</summary>
internal sealed class FindingCollector
{
    private sealed record Entry(FindingSeverity Severity, string Message, string Remediation, string HelpUri, List<string> Evidence);

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public void Add(string checkId, string evidence)
    {
        var (severity, message, remediation, helpUri) = Describe(checkId);
        Add(checkId, severity, message, remediation, helpUri, evidence);
    }

    public void Add(string checkId, FindingSeverity severity, string message, string remediation, string helpUri, string evidence)
    {
        if (!_entries.TryGetValue(checkId, out var entry))
            _entries[checkId] = entry = new Entry(severity, message, remediation, helpUri, []);
        if (!entry.Evidence.Contains(evidence))
            entry.Evidence.Add(evidence);
    }

    public IReadOnlyList<Finding> ToList() =>
        _entries.Select(e => new Finding(e.Key, e.Value.Severity, e.Value.Message, e.Value.Evidence.ToArray(), e.Value.Remediation, e.Value.HelpUri)).ToList();

    private static (FindingSeverity, string, string, string) Describe(string checkId) => checkId switch
    {
        NetworkCheckIds.NoRouteToSecretsManager => (FindingSeverity.Error,
            "The rotation function has no network path to Secrets Manager; rotation times out after \"Found credentials in environment variables\".",
            "Add a 0.0.0.0/0 route from the function's subnets to a NAT gateway that sits in a public subnet (one routed to an internet gateway), or create an interface VPC endpoint for Secrets Manager in the function's VPC with private DNS enabled.",
            "https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotation-network-rqmts.html"),
        NetworkCheckIds.EndpointPrivateDnsDisabled => (FindingSeverity.Error,
            "The Secrets Manager VPC endpoint has private DNS disabled and SECRETS_MANAGER_ENDPOINT does not name it, so the function resolves the public endpoint instead.",
            "Enable private DNS on the endpoint (modify-vpc-endpoint --private-dns-enabled), or set the function's SECRETS_MANAGER_ENDPOINT to https://<the endpoint's DNS name>.",
            "https://docs.aws.amazon.com/secretsmanager/latest/userguide/vpc-endpoint-overview.html"),
        NetworkCheckIds.EndpointNotInFunctionAvailabilityZone => (FindingSeverity.Warning,
            "The Secrets Manager VPC endpoint has no subnet in some of the function's Availability Zones; those invocations cross zones and fail when the endpoint's zone is impaired.",
            "Add a subnet in each of the function's Availability Zones to the endpoint (modify-vpc-endpoint --add-subnet-ids).",
            "https://docs.aws.amazon.com/vpc/latest/privatelink/interface-endpoints.html"),
        NetworkCheckIds.EndpointSecurityGroupBlocksFunction => (FindingSeverity.Error,
            "The Secrets Manager endpoint's security groups do not allow inbound HTTPS (TCP 443) from the rotation function.",
            "Add an inbound rule for TCP 443 to an endpoint security group with the function's security group or subnet CIDRs as source.",
            "https://docs.aws.amazon.com/vpc/latest/privatelink/interface-endpoints.html"),
        NetworkCheckIds.FunctionSecurityGroupBlocksHttps => (FindingSeverity.Error,
            "The rotation function's security groups do not allow outbound HTTPS (TCP 443) towards Secrets Manager.",
            "Add an outbound rule for TCP 443 to one of the function's security groups (destination the endpoint's security group or subnets, or 0.0.0.0/0 through a NAT gateway).",
            "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html"),
        NetworkCheckIds.NetworkAclBlocksHttps => (FindingSeverity.Error,
            "A network ACL blocks HTTPS to Secrets Manager or the ephemeral-port replies (TCP 1024-65535).",
            "Change the named network ACL rule, or add an allow rule with a lower rule number: TCP 443 outbound and 1024-65535 inbound in the function's subnets, the reverse in the endpoint's or NAT gateway's subnets.",
            "https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html"),
        NetworkCheckIds.EndpointPolicyDeniesFunction => (FindingSeverity.Error,
            "The Secrets Manager VPC endpoint policy does not allow the rotation function's role the rotation actions on this secret.",
            "Allow the function's role secretsmanager:GetSecretValue, DescribeSecret, PutSecretValue and UpdateSecretVersionStage on the secret in the endpoint policy, and remove Deny statements that match it.",
            "https://docs.aws.amazon.com/secretsmanager/latest/userguide/vpc-endpoint-overview.html"),
        NetworkCheckIds.DatabaseSecurityGroupBlocksFunction => (FindingSeverity.Error,
            "The database's security groups do not allow inbound connections on its port from the rotation function.",
            "Add an inbound rule on the database port to a database security group with the function's security group (or subnet CIDRs) as source.",
            "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.RDSSecurityGroups.html"),
        NetworkCheckIds.FunctionSecurityGroupBlocksDatabase => (FindingSeverity.Error,
            "The rotation function's security groups do not allow outbound connections to the database port.",
            "Add an outbound rule on the database port to one of the function's security groups, with the database's security group or subnet CIDRs as destination.",
            "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html"),
        NetworkCheckIds.NetworkAclBlocksDatabase => (FindingSeverity.Error,
            "A network ACL blocks the database connection or its ephemeral-port replies.",
            "Change the named network ACL rule, or add an allow rule with a lower rule number for the database port one way and TCP 1024-65535 back.",
            "https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html"),
        NetworkCheckIds.DatabaseInOtherVpc => (FindingSeverity.Error,
            "The database is in another VPC and the function's subnets have no active peering or transit gateway route to it (or back).",
            "Peer the VPCs (or attach both to a transit gateway) and add routes for the database subnets in the function's route tables and for the function subnets in the database's route tables, or move the function into the database's VPC.",
            "https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html"),
        _ => throw new ArgumentOutOfRangeException(nameof(checkId), checkId, "not a network check id"),
    };
}
