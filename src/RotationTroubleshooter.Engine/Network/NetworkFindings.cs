namespace RotationTroubleshooter.Network;

/// <summary>The findings of the network checks (Test-RotationNetwork, and Test-SecretRotation's NetworkPath check).</summary>
public static class NetworkFindings
{
    public static readonly FindingDefinition NoRouteToSecretsManager = new(nameof(NoRouteToSecretsManager), FindingSeverity.Error,
        "The rotation function has no network path to Secrets Manager; rotation times out after \"Found credentials in environment variables\".",
        "Add a 0.0.0.0/0 route from the function's subnets to a NAT gateway that sits in a public subnet (one routed to an internet gateway), or create an interface VPC endpoint for Secrets Manager in the function's VPC with private DNS enabled.",
        AwsDocs.RotationNetwork);

    public static readonly FindingDefinition EndpointPrivateDnsDisabled = new(nameof(EndpointPrivateDnsDisabled), FindingSeverity.Error,
        "The Secrets Manager VPC endpoint has private DNS disabled and SECRETS_MANAGER_ENDPOINT does not name it, so the function resolves the public endpoint instead.",
        "Enable private DNS on the endpoint (modify-vpc-endpoint --private-dns-enabled), or set the function's SECRETS_MANAGER_ENDPOINT to https://<the endpoint's DNS name>.",
        AwsDocs.VpcEndpoint);

    public static readonly FindingDefinition EndpointNotInFunctionAvailabilityZone = new(nameof(EndpointNotInFunctionAvailabilityZone), FindingSeverity.Warning,
        "The Secrets Manager VPC endpoint has no subnet in some of the function's Availability Zones; those invocations cross zones and fail when the endpoint's zone is impaired.",
        "Add a subnet in each of the function's Availability Zones to the endpoint (modify-vpc-endpoint --add-subnet-ids).",
        AwsDocs.InterfaceEndpoints);

    public static readonly FindingDefinition EndpointSecurityGroupBlocksFunction = new(nameof(EndpointSecurityGroupBlocksFunction), FindingSeverity.Error,
        "The Secrets Manager endpoint's security groups do not allow inbound HTTPS (TCP 443) from the rotation function.",
        "Add an inbound rule for TCP 443 to an endpoint security group with the function's security group or subnet CIDRs as source.",
        AwsDocs.InterfaceEndpoints);

    public static readonly FindingDefinition FunctionSecurityGroupBlocksHttps = new(nameof(FunctionSecurityGroupBlocksHttps), FindingSeverity.Error,
        "The rotation function's security groups do not allow outbound HTTPS (TCP 443) towards Secrets Manager.",
        "Add an outbound rule for TCP 443 to one of the function's security groups (destination the endpoint's security group or subnets, or 0.0.0.0/0 through a NAT gateway).",
        AwsDocs.SecurityGroupRules);

    public static readonly FindingDefinition NetworkAclBlocksHttps = new(nameof(NetworkAclBlocksHttps), FindingSeverity.Error,
        "A network ACL blocks HTTPS to Secrets Manager or the ephemeral-port replies (TCP 1024-65535).",
        "Change the named network ACL rule, or add an allow rule with a lower rule number: TCP 443 outbound and 1024-65535 inbound in the function's subnets, the reverse in the endpoint's or NAT gateway's subnets.",
        AwsDocs.NetworkAclRules);

    public static readonly FindingDefinition EndpointPolicyDeniesFunction = new(nameof(EndpointPolicyDeniesFunction), FindingSeverity.Error,
        "The Secrets Manager VPC endpoint policy does not allow the rotation function's role the rotation actions on this secret.",
        "Allow the function's role secretsmanager:GetSecretValue, DescribeSecret, PutSecretValue and UpdateSecretVersionStage on the secret in the endpoint policy, and remove Deny statements that match it.",
        AwsDocs.VpcEndpoint);

    public static readonly FindingDefinition DatabaseSecurityGroupBlocksFunction = new(nameof(DatabaseSecurityGroupBlocksFunction), FindingSeverity.Error,
        "The database's security groups do not allow inbound connections on its port from the rotation function.",
        "Add an inbound rule on the database port to a database security group with the function's security group (or subnet CIDRs) as source.",
        AwsDocs.RdsSecurityGroups);

    public static readonly FindingDefinition FunctionSecurityGroupBlocksDatabase = new(nameof(FunctionSecurityGroupBlocksDatabase), FindingSeverity.Error,
        "The rotation function's security groups do not allow outbound connections to the database port.",
        "Add an outbound rule on the database port to one of the function's security groups, with the database's security group or subnet CIDRs as destination.",
        AwsDocs.SecurityGroupRules);

    public static readonly FindingDefinition NetworkAclBlocksDatabase = new(nameof(NetworkAclBlocksDatabase), FindingSeverity.Error,
        "A network ACL blocks the database connection or its ephemeral-port replies.",
        "Change the named network ACL rule, or add an allow rule with a lower rule number for the database port one way and TCP 1024-65535 back.",
        AwsDocs.NetworkAclRules);

    public static readonly FindingDefinition DatabaseInOtherVpc = new(nameof(DatabaseInOtherVpc), FindingSeverity.Error,
        "The database is in another VPC and the function's subnets have no active peering or transit gateway route to it (or back).",
        "Peer the VPCs (or attach both to a transit gateway) and add routes for the database subnets in the function's route tables and for the function subnets in the database's route tables, or move the function into the database's VPC.",
        AwsDocs.PeeringRouting);

    /// <summary>The network could not be described (permission, missing subnet): the paths are Unknown.</summary>
    public static readonly FindingDefinition NetworkPathNotChecked = new(nameof(NetworkPathNotChecked), FindingSeverity.Info,
        "The network path could not be checked.",
        "Grant ec2:DescribeSubnets, DescribeRouteTables, DescribeNatGateways, DescribeInternetGateways, DescribeVpcEndpoints, DescribeSecurityGroups, DescribeNetworkAcls, DescribeVpcPeeringConnections and GetManagedPrefixListEntries, and check the function's subnets exist.",
        "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html");

    /// <summary>The secret's database could not be located (GetSecretValue or RDS refused, no port): the database path is Unknown.</summary>
    public static readonly FindingDefinition DatabasePathNotChecked = new(nameof(DatabasePathNotChecked), FindingSeverity.Info,
        "The network path to the database was not checked.",
        "Grant secretsmanager:GetSecretValue on the secret and rds:DescribeDBInstances, rds:DescribeDBClusters and rds:DescribeDBSubnetGroups, and make the secret a JSON object with host (and port).",
        AwsDocs.SecretJsonStructure);

    public static IReadOnlyList<FindingDefinition> All { get; } =
    [
        NoRouteToSecretsManager, EndpointPrivateDnsDisabled, EndpointNotInFunctionAvailabilityZone, EndpointSecurityGroupBlocksFunction,
        FunctionSecurityGroupBlocksHttps, NetworkAclBlocksHttps, EndpointPolicyDeniesFunction, DatabaseSecurityGroupBlocksFunction,
        FunctionSecurityGroupBlocksDatabase, NetworkAclBlocksDatabase, DatabaseInOtherVpc, NetworkPathNotChecked, DatabasePathNotChecked,
    ];
}

/// <summary>Collects findings so that the same problem seen from several subnets becomes one finding with all the evidence.</summary>
internal sealed class FindingCollector
{
    private sealed record Entry(FindingSeverity Severity, string Message, string Remediation, string HelpUri, List<string> Evidence);

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public void Add(FindingDefinition definition, string evidence) =>
        Add(definition.Id, definition.Severity, definition.Summary, definition.Remediation, definition.HelpUri, evidence);

    public void Add(string checkId, FindingSeverity severity, string message, string remediation, string helpUri, string evidence)
    {
        if (!_entries.TryGetValue(checkId, out var entry))
            _entries[checkId] = entry = new Entry(severity, message, remediation, helpUri, []);
        if (!entry.Evidence.Contains(evidence))
            entry.Evidence.Add(evidence);
    }

    public IReadOnlyList<Finding> ToList() =>
        _entries.Select(e => new Finding(e.Key, e.Value.Severity, e.Value.Message, e.Value.Evidence.ToArray(), e.Value.Remediation, e.Value.HelpUri)).ToList();
}
