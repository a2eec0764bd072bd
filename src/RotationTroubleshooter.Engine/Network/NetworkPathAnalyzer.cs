using System.Net;
using Amazon.EC2.Model;
using Amazon.Runtime;
using RotationTroubleshooter.Aws;

namespace RotationTroubleshooter.Network;

/// <summary>
/// Follows a rotation function's traffic to Secrets Manager and to its database, rule by rule, over the network that
/// <see cref="Ec2NetworkSnapshot"/> describes. One analyzer (and one snapshot) serves every function of a run.
/// </summary>
public sealed class NetworkPathAnalyzer
{
    internal static readonly string[] RotationActions =
    [
        "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage",
    ];

    private const int HttpsPort = 443;
    private readonly Ec2NetworkSnapshot _snapshot;

    public NetworkPathAnalyzer(Ec2NetworkSnapshot snapshot) => _snapshot = snapshot ?? throw new ArgumentNullException(nameof(snapshot));

    /// <summary>Evaluates both paths. AWS errors (missing permission, unknown subnet) come back as Unknown paths with a finding, not as exceptions.</summary>
    public Task<NetworkPathReport> AnalyzeAsync(NetworkPathRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return AnalyzeAsync(request, Task.FromResult(request.Database), cancellationToken);
    }

    /// <summary>
    /// Evaluates both paths for a database still being looked up: the function's network is described meanwhile (it does
    /// not depend on the database), and <paramref name="database"/> is awaited before the database path, in place of
    /// <see cref="NetworkPathRequest.Database"/>. Its failure is this call's.
    /// </summary>
    public async Task<NetworkPathReport> AnalyzeAsync(NetworkPathRequest request, Task<DatabaseTarget?> database, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(database);
        var subnetIds = request.SubnetIds.Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal).ToList();
        var groupIds = request.SecurityGroupIds.Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal).ToList();
        if (subnetIds.Count == 0)
            return NotInVpc(request with { Database = await database.ConfigureAwait(false) }, groupIds);

        VpcNetwork? network = null;
        string? notChecked = null;
        try
        {
            network = await VpcHoldingAsync(request.VpcId, subnetIds, cancellationToken).ConfigureAwait(false);
            if (network is null)
            {
                var vpcIds = await _snapshot.ResolveVpcIdsAsync(subnetIds, cancellationToken).ConfigureAwait(false);
                var vpcId = subnetIds.Select(s => vpcIds.GetValueOrDefault(s)).FirstOrDefault(v => v is not null);
                if (vpcId is null)
                    notChecked = $"EC2 does not know the function's subnets {string.Join(", ", subnetIds)}.";
                else
                    network = await _snapshot.GetVpcAsync(vpcId, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (WhyNotChecked(e) is { } why)
        {
            notChecked = why;
        }

        request = request with { Database = await database.ConfigureAwait(false) };
        VpcNetwork? databaseNetwork = null;
        if (network is not null && request.Database is { IsRdsEndpoint: true } target)
        {
            try
            {
                databaseNetwork = target.VpcId == network.VpcId ? network : await _snapshot.GetVpcAsync(target.VpcId!, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (WhyNotChecked(e) is { } why)
            {
                notChecked = why;
            }
        }
        if (network is null || notChecked is not null)
            return NotChecked(request, null, subnetIds, groupIds, notChecked!);

        var check = new FunctionCheck(request, network, subnetIds, groupIds);
        var secretsManagerPath = check.SecretsManagerPath();
        var databasePath = request.Database is null ? null : check.DatabasePath(request.Database, databaseNetwork);
        return new NetworkPathReport(request.FunctionName, network.VpcId, subnetIds, groupIds, secretsManagerPath, databasePath, check.Findings.ToList())
            { SecretArn = request.SecretArn, Database = request.Database };
    }

    /// <summary>The VPC Lambda names, when it holds the function's subnets; null when none is named or it does not hold them.</summary>
    private async Task<VpcNetwork?> VpcHoldingAsync(string? vpcId, List<string> subnetIds, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(vpcId)) return null;
        var network = await _snapshot.GetVpcAsync(vpcId, cancellationToken).ConfigureAwait(false);
        return subnetIds.All(network.Subnets.ContainsKey) ? network : null;
    }

    /// <summary>Why an EC2 failure leaves the paths unchecked; null for anything else (it propagates).</summary>
    private static string? WhyNotChecked(Exception e) => e switch
    {
        AwsServiceException { Kind: AwsErrorKind.Transport } aws => $"EC2 could not be reached: {aws.Message}",
        AwsServiceException aws => $"EC2 refused {aws.ErrorCode ?? aws.Kind.ToString()}: {aws.Message}",
        AmazonServiceException sdk => $"EC2 refused {sdk.ErrorCode ?? sdk.GetType().Name}: {sdk.Message}",
        AmazonClientException sdk => $"EC2 could not be called: {sdk.Message}",
        HttpRequestException http => $"EC2 could not be reached: {http.Message}",
        InvalidOperationException invalid => invalid.Message,
        _ => null,
    };

    private static NetworkPathReport NotInVpc(NetworkPathRequest request, List<string> groupIds)
    {
        var secretsManager = new NetworkPath(PathVerdict.Reachable, "The function is not in a VPC: Lambda reaches the public Secrets Manager endpoint.",
            [new NetworkHop("Function network", true, "no VpcConfig subnets: Lambda-managed network with internet access")]);
        var database = request.Database is null ? null : new NetworkPath(PathVerdict.Unknown,
            "The function is not in a VPC: it reaches the database only if the database is publicly accessible from the internet.",
            [new NetworkHop("Function network", null, $"no VpcConfig subnets; {request.Database.Host} must accept connections from Lambda's public addresses")]);
        return new NetworkPathReport(request.FunctionName, null, [], groupIds, secretsManager, database, [])
            { SecretArn = request.SecretArn, Database = request.Database };
    }

    private static NetworkPathReport NotChecked(NetworkPathRequest request, string? vpcId, List<string> subnetIds, List<string> groupIds, string why)
    {
        var findings = new FindingCollector();
        findings.Add(NetworkFindings.NetworkPathNotChecked, why);
        var unknown = new NetworkPath(PathVerdict.Unknown, why, []);
        return new NetworkPathReport(request.FunctionName, vpcId, subnetIds, groupIds, unknown, request.Database is null ? null : unknown, findings.ToList())
            { SecretArn = request.SecretArn, Database = request.Database };
    }

    /// <summary>The evaluation of one function; holds the findings both paths add to.</summary>
    private sealed class FunctionCheck(NetworkPathRequest request, VpcNetwork network, List<string> subnetIds, List<string> groupIds)
    {
        public FindingCollector Findings { get; } = new();

        public NetworkPath SecretsManagerPath()
        {
            var path = new PathBuilder();
            var publicHost = $"secretsmanager.{request.Region}.amazonaws.com";
            var serviceName = $"com.amazonaws.{request.Region}.secretsmanager";
            var endpoints = network.Endpoints
                .Where(e => string.Equals(e.VpcEndpointType?.Value, "Interface", StringComparison.OrdinalIgnoreCase) && e.ServiceName == serviceName)
                .ToList();
            var configured = request.SecretsManagerEndpoint;
            var host = HostOf(configured);
            var named = host is null ? null : endpoints.FirstOrDefault(e =>
                e.DnsEntries.OrEmpty().Any(d => string.Equals(d.DnsName?.TrimEnd('.'), host, StringComparison.OrdinalIgnoreCase)));

            if (named is not null)
            {
                path.Add("SECRETS_MANAGER_ENDPOINT", RuleDecision.Allow($"{configured} is a DNS name of {named.VpcEndpointId}"));
                CheckEndpoint(path, named);
                return path.Build($"The function reaches Secrets Manager through {named.VpcEndpointId}, named by SECRETS_MANAGER_ENDPOINT.");
            }
            if (host is not null && host != publicHost && host != $"secretsmanager-fips.{request.Region}.amazonaws.com")
            {
                path.Add("SECRETS_MANAGER_ENDPOINT", RuleDecision.Unknown(
                    $"{configured} is neither a DNS name of a Secrets Manager endpoint in {network.VpcId} nor {publicHost}; where it resolves is not checked"));
                return path.Build("");
            }

            var hostText = host ?? $"{publicHost} (SECRETS_MANAGER_ENDPOINT not set)";
            var privateDns = endpoints.FirstOrDefault(e => e.PrivateDnsEnabled == true);
            if (privateDns is not null)
            {
                path.Add("DNS", RuleDecision.Allow($"{privateDns.VpcEndpointId} has private DNS enabled: {hostText} resolves to the endpoint"));
                CheckEndpoint(path, privateDns);
                return path.Build($"The function reaches Secrets Manager through {privateDns.VpcEndpointId} (private DNS).");
            }

            path.Add("DNS", RuleDecision.Allow(endpoints.Count == 0
                ? $"{hostText} resolves to the public endpoint: {network.VpcId} has no Secrets Manager interface endpoint"
                : $"{hostText} resolves to the public endpoint: private DNS is disabled on {string.Join(", ", endpoints.Select(e => e.VpcEndpointId))}"));
            var reachable = CheckInternet(path);
            foreach (var endpoint in endpoints)
            {
                var evidence = $"{endpoint.VpcEndpointId} PrivateDnsEnabled=false; SECRETS_MANAGER_ENDPOINT is {configured ?? "not set"}";
                if (reachable)
                    Findings.Add(NetworkFindings.EndpointPrivateDnsDisabled.Id, FindingSeverity.Warning,
                        "The Secrets Manager VPC endpoint has private DNS disabled, so the function bypasses it and leaves through its internet route.",
                        "Enable private DNS on the endpoint, set SECRETS_MANAGER_ENDPOINT to its DNS name, or delete the unused endpoint.",
                        AwsDocs.VpcEndpoint, evidence);
                else
                    Findings.Add(NetworkFindings.EndpointPrivateDnsDisabled, evidence);
            }
            return path.Build("The function reaches the public Secrets Manager endpoint through a NAT gateway.");
        }

        private void CheckEndpoint(PathBuilder path, VpcEndpoint endpoint)
        {
            var id = endpoint.VpcEndpointId;
            var state = endpoint.State?.Value ?? "unknown";
            Check(path, NetworkFindings.NoRouteToSecretsManager, $"Endpoint {id}",
                string.Equals(state, "available", StringComparison.OrdinalIgnoreCase)
                    ? RuleDecision.Allow($"{id} is available") : RuleDecision.Block($"{id} is {state}, not available"));

            var endpointSubnets = endpoint.SubnetIds.OrEmpty().Where(network.Subnets.ContainsKey).ToList();
            if (endpointSubnets.Count == 0)
            {
                Check(path, NetworkFindings.NoRouteToSecretsManager, $"Endpoint {id} subnets", RuleDecision.Block($"{id} has no subnet (no network interface) in {network.VpcId}"));
                return;
            }
            var endpointZones = endpointSubnets.Select(s => network.Subnets[s].AvailabilityZone).Distinct().Order().ToList();
            foreach (var subnetId in subnetIds.Where(network.Subnets.ContainsKey))
            {
                var zone = network.Subnets[subnetId].AvailabilityZone;
                if (endpointZones.Contains(zone))
                {
                    path.Add($"Endpoint {id} in {zone}", RuleDecision.Allow($"{id} has a network interface in {zone}"));
                    continue;
                }
                path.Add($"Endpoint {id} in {zone}", RuleDecision.Allow($"{id} has no subnet in {zone} (only {string.Join(", ", endpointZones)}); {subnetId} reaches it across zones"));
                Findings.Add(NetworkFindings.EndpointNotInFunctionAvailabilityZone,
                    $"{id} subnets are in {string.Join(", ", endpointZones)}; function subnet {subnetId} is in {zone}");
            }

            var endpointGroups = endpoint.Groups.OrEmpty().Select(g => g.GroupId).Where(g => g is not null).ToList();
            foreach (var subnetId in subnetIds)
                Check(path, NetworkFindings.EndpointSecurityGroupBlocksFunction, $"Endpoint {id} security groups inbound 443",
                    SecurityGroupRules.Evaluate(network, endpointGroups, egress: false, HttpsPort, Peer.Subnet(network, subnetId, groupIds)));
            foreach (var endpointSubnet in endpointSubnets)
                Check(path, NetworkFindings.FunctionSecurityGroupBlocksHttps, "Function security groups outbound 443",
                    SecurityGroupRules.Evaluate(network, groupIds, egress: true, HttpsPort, Peer.Subnet(network, endpointSubnet, endpointGroups)));
            foreach (var subnetId in subnetIds)
                foreach (var endpointSubnet in endpointSubnets.Where(s => s != subnetId))
                    CheckAclPair(path, NetworkFindings.NetworkAclBlocksHttps, network, subnetId, network, endpointSubnet, HttpsPort);

            Check(path, NetworkFindings.EndpointPolicyDeniesFunction, $"Endpoint {id} policy", EvaluatePolicy(endpoint));
        }

        private RuleDecision EvaluatePolicy(VpcEndpoint endpoint)
        {
            var resource = request.SecretArn;
            var results = RotationActions
                .Select(action => resource is null
                    ? EndpointPolicyEvaluator.EvaluateForAnySecret(endpoint.PolicyDocument, request.RoleArn, request.FunctionName, action)
                    : EndpointPolicyEvaluator.Evaluate(endpoint.PolicyDocument, request.RoleArn, request.FunctionName, action, resource))
                .ToList();
            var who = request.RoleArn ?? "the function's role";
            var refused = results.Where(r => r.Decision is PolicyDecision.ExplicitDeny or PolicyDecision.ImplicitDeny).ToList();
            if (refused.Count > 0)
                return RuleDecision.Block($"{endpoint.VpcEndpointId} policy: {string.Join("; ", refused.Select(r => r.Detail))} (principal {who})");
            var unknown = results.FirstOrDefault(r => r.Decision == PolicyDecision.Unknown);
            if (unknown is not null)
                return RuleDecision.Unknown($"{endpoint.VpcEndpointId} policy: {unknown.Detail}");
            return RuleDecision.Allow($"{endpoint.VpcEndpointId} policy allows {who} the rotation actions on {(resource is null ? "every secret" : "the secret")} ({string.Join("; ", results.Select(r => r.Detail).Distinct())})");
        }

        /// <returns>True when no hop of the internet path is blocked.</returns>
        private bool CheckInternet(PathBuilder path)
        {
            var blocked = false;
            foreach (var subnetId in subnetIds)
            {
                var table = network.RouteTableFor(subnetId);
                if (table is null)
                {
                    blocked |= !Check(path, NetworkFindings.NoRouteToSecretsManager, $"Route from {subnetId}", RuleDecision.Block($"{subnetId} has no route table"));
                    continue;
                }
                var tableName = TableName(table, subnetId);
                var route = DefaultRoute(table);
                if (route is null)
                {
                    blocked |= !Check(path, NetworkFindings.NoRouteToSecretsManager, $"Route from {subnetId}",
                        RuleDecision.Block($"{tableName} has no 0.0.0.0/0 route (routes: {string.Join(", ", table.Routes.OrEmpty().Select(r => $"{Destination(r)} -> {Target(r)}"))})"));
                    continue;
                }
                if (string.Equals(route.State?.Value, "blackhole", StringComparison.OrdinalIgnoreCase))
                {
                    blocked |= !Check(path, NetworkFindings.NoRouteToSecretsManager, $"Route from {subnetId}",
                        RuleDecision.Block($"{tableName} route 0.0.0.0/0 -> {Target(route)} is a blackhole"));
                    continue;
                }
                if (route.NatGatewayId is { } natId)
                {
                    blocked |= !CheckNatGateway(path, subnetId, tableName, natId);
                    continue;
                }
                if (route.GatewayId?.StartsWith("igw-", StringComparison.Ordinal) == true)
                {
                    blocked |= !Check(path, NetworkFindings.NoRouteToSecretsManager, $"Route from {subnetId}", RuleDecision.Block(
                        $"{tableName} routes 0.0.0.0/0 to {route.GatewayId}, but Lambda network interfaces have no public IP address; route through a NAT gateway"));
                    continue;
                }
                path.Add($"Route from {subnetId}", RuleDecision.Unknown($"{tableName} routes 0.0.0.0/0 to {Target(route)}; traffic beyond it is not analyzed"));
            }
            blocked |= !Check(path, NetworkFindings.FunctionSecurityGroupBlocksHttps, "Function security groups outbound 443",
                SecurityGroupRules.Evaluate(network, groupIds, egress: true, HttpsPort, Peer.Internet));
            return !blocked;
        }

        private bool CheckNatGateway(PathBuilder path, string subnetId, string tableName, string natId)
        {
            var hop = $"Route from {subnetId}";
            if (!network.NatGateways.TryGetValue(natId, out var nat))
                return Check(path, NetworkFindings.NoRouteToSecretsManager, hop, RuleDecision.Block($"{tableName} routes 0.0.0.0/0 to {natId}, which is not in {network.VpcId}"));
            if (!string.Equals(nat.State?.Value, "available", StringComparison.OrdinalIgnoreCase))
                return Check(path, NetworkFindings.NoRouteToSecretsManager, hop, RuleDecision.Block($"{tableName} routes 0.0.0.0/0 to {natId}, which is {nat.State?.Value ?? "in an unknown state"}"));
            if (string.Equals(nat.ConnectivityType?.Value, "private", StringComparison.OrdinalIgnoreCase))
                return Check(path, NetworkFindings.NoRouteToSecretsManager, hop, RuleDecision.Block($"{tableName} routes 0.0.0.0/0 to {natId}, a private NAT gateway that cannot reach the internet"));
            path.Add(hop, RuleDecision.Allow($"{tableName} routes 0.0.0.0/0 to {natId} (available)"));

            var natTable = network.RouteTableFor(nat.SubnetId);
            var natRoute = natTable is null ? null : DefaultRoute(natTable);
            var natTableName = natTable is null ? "no route table" : TableName(natTable, nat.SubnetId);
            var igw = natRoute?.GatewayId is { } gatewayId && network.InternetGateways.Any(g => g.InternetGatewayId == gatewayId) ? gatewayId : null;
            var reachesInternet = Check(path, NetworkFindings.NoRouteToSecretsManager, $"Route from {natId}", igw is not null && !IsBlackhole(natRoute!)
                ? RuleDecision.Allow($"{natId} is in {nat.SubnetId}, whose {natTableName} routes 0.0.0.0/0 to {igw}")
                : RuleDecision.Block($"{natId} is in {nat.SubnetId}, whose {natTableName} has no 0.0.0.0/0 route to an internet gateway of {network.VpcId}"
                    + (natRoute is null ? "" : $" (0.0.0.0/0 -> {Target(natRoute)})")));
            if (!reachesInternet)
                return false;

            var ok = true;
            if (nat.SubnetId != subnetId)
            {
                var functionAcl = network.NetworkAclFor(subnetId);
                var natAcl = network.NetworkAclFor(nat.SubnetId);
                var function = Peer.Subnet(network, subnetId, []);
                ok &= CheckAcl(path, NetworkFindings.NetworkAclBlocksHttps, $"Network ACL of {subnetId} outbound 443", functionAcl, true, HttpsPort, HttpsPort, Peer.Internet);
                ok &= CheckAcl(path, NetworkFindings.NetworkAclBlocksHttps, $"Network ACL of {subnetId} inbound replies", functionAcl, false, NetworkAclRules.EphemeralFrom, NetworkAclRules.EphemeralTo, Peer.Internet);
                ok &= CheckAcl(path, NetworkFindings.NetworkAclBlocksHttps, $"Network ACL of {nat.SubnetId} (NAT) inbound 443", natAcl, false, HttpsPort, HttpsPort, function);
                ok &= CheckAcl(path, NetworkFindings.NetworkAclBlocksHttps, $"Network ACL of {nat.SubnetId} (NAT) outbound 443", natAcl, true, HttpsPort, HttpsPort, Peer.Internet);
                ok &= CheckAcl(path, NetworkFindings.NetworkAclBlocksHttps, $"Network ACL of {nat.SubnetId} (NAT) inbound replies", natAcl, false, NetworkAclRules.EphemeralFrom, NetworkAclRules.EphemeralTo, Peer.Internet);
                ok &= CheckAcl(path, NetworkFindings.NetworkAclBlocksHttps, $"Network ACL of {nat.SubnetId} (NAT) outbound replies", natAcl, true, NetworkAclRules.EphemeralFrom, NetworkAclRules.EphemeralTo, function);
            }
            return ok;
        }

        public NetworkPath DatabasePath(DatabaseTarget database, VpcNetwork? databaseNetwork)
        {
            var path = new PathBuilder();
            var port = database.Port;
            if (databaseNetwork is null)
            {
                path.Add("Database", RuleDecision.Unknown($"{database.Host} is not an RDS endpoint; only the function's side is checked"));
                var peer = IPAddress.TryParse(database.Host, out var address)
                    ? new Peer(new IPNetwork(address, address.GetAddressBytes().Length * 8), [], database.Host)
                    : new Peer(null, [], $"{database.Host} (address not resolved)");
                Check(path, NetworkFindings.FunctionSecurityGroupBlocksDatabase, $"Function security groups outbound {port}",
                    SecurityGroupRules.Evaluate(network, groupIds, egress: true, port, peer));
                foreach (var subnetId in subnetIds)
                {
                    var acl = network.NetworkAclFor(subnetId);
                    CheckAcl(path, NetworkFindings.NetworkAclBlocksDatabase, $"Network ACL of {subnetId} outbound {port}", acl, true, port, port, peer);
                    CheckAcl(path, NetworkFindings.NetworkAclBlocksDatabase, $"Network ACL of {subnetId} inbound replies", acl, false, NetworkAclRules.EphemeralFrom, NetworkAclRules.EphemeralTo, peer);
                }
                return path.Build("");
            }

            var databaseSubnets = database.SubnetIds.Where(databaseNetwork.Subnets.ContainsKey).ToList();
            var missing = database.SubnetIds.Except(databaseSubnets).ToList();
            if (missing.Count > 0 || databaseSubnets.Count == 0)
                path.Add("Database subnets", RuleDecision.Unknown(databaseSubnets.Count == 0
                    ? $"{database.ResourceId} has no known subnet in {databaseNetwork.VpcId}"
                    : $"{string.Join(", ", missing)} of {database.ResourceId} not found in {databaseNetwork.VpcId}"));
            var databaseGroups = database.SecurityGroupIds.ToList();
            var sameVpc = databaseNetwork.VpcId == network.VpcId;
            if (sameVpc)
                path.Add("Route", RuleDecision.Allow($"{database.ResourceId} is in the function's VPC {network.VpcId} (local route)"));
            else
                foreach (var subnetId in subnetIds)
                    foreach (var databaseSubnet in databaseSubnets)
                    {
                        Check(path, NetworkFindings.DatabaseInOtherVpc, $"Route from {subnetId} to {databaseNetwork.VpcId}", RouteBetween(network, subnetId, databaseNetwork, databaseSubnet));
                        Check(path, NetworkFindings.DatabaseInOtherVpc, $"Route from {databaseSubnet} back to {network.VpcId}", RouteBetween(databaseNetwork, databaseSubnet, network, subnetId));
                    }

            foreach (var databaseSubnet in databaseSubnets)
                Check(path, NetworkFindings.FunctionSecurityGroupBlocksDatabase, $"Function security groups outbound {port}",
                    SecurityGroupRules.Evaluate(network, groupIds, egress: true, port, Peer.Subnet(databaseNetwork, databaseSubnet, databaseGroups)));
            foreach (var subnetId in subnetIds)
                Check(path, NetworkFindings.DatabaseSecurityGroupBlocksFunction, $"Database security groups inbound {port}",
                    SecurityGroupRules.Evaluate(databaseNetwork, databaseGroups, egress: false, port, Peer.Subnet(network, subnetId, groupIds)));
            foreach (var subnetId in subnetIds)
                foreach (var databaseSubnet in databaseSubnets.Where(s => !(sameVpc && s == subnetId)))
                    CheckAclPair(path, NetworkFindings.NetworkAclBlocksDatabase, network, subnetId, databaseNetwork, databaseSubnet, port);
            return path.Build($"The function can connect to {database.ResourceId} on port {port}.");
        }

        private static RuleDecision RouteBetween(VpcNetwork from, string fromSubnet, VpcNetwork to, string toSubnet)
        {
            var table = from.RouteTableFor(fromSubnet);
            var target = to.SubnetCidr(toSubnet);
            if (table is null || target is null)
                return RuleDecision.Unknown($"no route table for {fromSubnet} or no CIDR for {toSubnet}");
            var tableName = TableName(table, fromSubnet);
            var route = table.Routes.OrEmpty()
                .Select(r => (Route: r, Cidr: Cidrs.Parse(r.DestinationCidrBlock)))
                .Where(r => r.Cidr is { } cidr && Cidrs.Contains(cidr, target.Value))
                .OrderByDescending(r => r.Cidr!.Value.PrefixLength)
                .Select(r => r.Route)
                .FirstOrDefault();
            if (route is null)
                return RuleDecision.Block($"{tableName} has no route to {toSubnet} ({target}) in {to.VpcId}");
            if (IsBlackhole(route))
                return RuleDecision.Block($"{tableName} route {Destination(route)} -> {Target(route)} is a blackhole");
            if (route.VpcPeeringConnectionId is { } peeringId)
            {
                var peering = from.PeeringConnections.FirstOrDefault(p => p.VpcPeeringConnectionId == peeringId);
                var joins = peering is not null
                    && new[] { peering.RequesterVpcInfo?.VpcId, peering.AccepterVpcInfo?.VpcId }.Order().SequenceEqual(new[] { from.VpcId, to.VpcId }.Order());
                var active = string.Equals(peering?.Status?.Code?.Value, "active", StringComparison.OrdinalIgnoreCase);
                return joins && active
                    ? RuleDecision.Allow($"{tableName} routes {Destination(route)} to {peeringId} (active, {from.VpcId} <-> {to.VpcId})")
                    : RuleDecision.Block($"{tableName} routes {Destination(route)} to {peeringId}, which is {(peering is null ? "not found" : !joins ? $"not between {from.VpcId} and {to.VpcId}" : peering.Status?.Code?.Value)}");
            }
            if (route.TransitGatewayId is { } transitGatewayId)
                return RuleDecision.Allow($"{tableName} routes {Destination(route)} to {transitGatewayId} (the transit gateway's own route tables are not checked)");
            return RuleDecision.Block($"{tableName} sends {target} to {Target(route)} via {Destination(route)}, not to a peering connection or transit gateway");
        }

        private void CheckAclPair(PathBuilder path, FindingDefinition finding, VpcNetwork clientNetwork, string clientSubnet, VpcNetwork serverNetwork, string serverSubnet, int port)
        {
            var client = Peer.Subnet(clientNetwork, clientSubnet, []);
            var server = Peer.Subnet(serverNetwork, serverSubnet, []);
            var clientAcl = clientNetwork.NetworkAclFor(clientSubnet);
            var serverAcl = serverNetwork.NetworkAclFor(serverSubnet);
            CheckAcl(path, finding, $"Network ACL of {clientSubnet} outbound {port}", clientAcl, true, port, port, server);
            CheckAcl(path, finding, $"Network ACL of {clientSubnet} inbound replies", clientAcl, false, NetworkAclRules.EphemeralFrom, NetworkAclRules.EphemeralTo, server);
            CheckAcl(path, finding, $"Network ACL of {serverSubnet} inbound {port}", serverAcl, false, port, port, client);
            CheckAcl(path, finding, $"Network ACL of {serverSubnet} outbound replies", serverAcl, true, NetworkAclRules.EphemeralFrom, NetworkAclRules.EphemeralTo, client);
        }

        private bool CheckAcl(PathBuilder path, FindingDefinition finding, string hop, NetworkAcl? acl, bool egress, int fromPort, int toPort, Peer peer) =>
            Check(path, finding, hop, NetworkAclRules.Evaluate(acl, egress, fromPort, toPort, peer));

        /// <returns>False only when the hop is blocked; a blocked hop adds evidence to the finding <paramref name="finding"/>.</returns>
        private bool Check(PathBuilder path, FindingDefinition finding, string hop, RuleDecision decision)
        {
            path.Add(hop, decision);
            if (decision.Allowed == false)
                Findings.Add(finding, decision.Rule);
            return decision.Allowed != false;
        }

        private static string? HostOf(string? endpoint)
        {
            if (string.IsNullOrWhiteSpace(endpoint))
                return null;
            var text = endpoint.Trim();
            var uri = Uri.TryCreate(text.Contains("://", StringComparison.Ordinal) ? text : "https://" + text, UriKind.Absolute, out var parsed) ? parsed : null;
            return uri?.Host.TrimEnd('.').ToLowerInvariant();
        }

        private static Route? DefaultRoute(RouteTable table) => table.Routes.OrEmpty().FirstOrDefault(r => r.DestinationCidrBlock == "0.0.0.0/0");

        private static bool IsBlackhole(Route route) => string.Equals(route.State?.Value, "blackhole", StringComparison.OrdinalIgnoreCase);

        private static string TableName(RouteTable table, string subnetId) =>
            table.Associations.OrEmpty().Any(a => a.SubnetId == subnetId) ? $"route table {table.RouteTableId}" : $"main route table {table.RouteTableId}";

        private static string Destination(Route route) => route.DestinationCidrBlock ?? route.DestinationPrefixListId ?? route.DestinationIpv6CidrBlock ?? "?";

        private static string Target(Route route) =>
            route.NatGatewayId ?? route.GatewayId ?? route.TransitGatewayId ?? route.VpcPeeringConnectionId ?? route.NetworkInterfaceId
            ?? route.InstanceId ?? route.EgressOnlyInternetGatewayId ?? route.LocalGatewayId ?? route.CarrierGatewayId ?? route.CoreNetworkArn ?? "?";
    }

    /// <summary>Hops in the order they were checked; the first blocked hop (else the first unknown one) gives the verdict.</summary>
    private sealed class PathBuilder
    {
        private readonly List<NetworkHop> _hops = [];
        private readonly HashSet<(string, string)> _seen = [];

        public void Add(string name, RuleDecision decision)
        {
            if (_seen.Add((name, decision.Rule)))
                _hops.Add(new NetworkHop(name, decision.Allowed, decision.Rule));
        }

        public NetworkPath Build(string reachableReason)
        {
            var blocked = _hops.FirstOrDefault(h => h.Allowed == false);
            if (blocked is not null)
                return new NetworkPath(PathVerdict.Blocked, blocked.Rule, _hops.ToArray());
            var unknown = _hops.FirstOrDefault(h => h.Allowed is null);
            if (unknown is not null)
                return new NetworkPath(PathVerdict.Unknown, unknown.Rule, _hops.ToArray());
            return new NetworkPath(PathVerdict.Reachable, reachableReason, _hops.ToArray());
        }
    }
}
