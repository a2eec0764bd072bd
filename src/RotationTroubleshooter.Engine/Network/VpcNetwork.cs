using System.Net;
using Amazon.EC2.Model;

namespace RotationTroubleshooter.Network;

/// <summary>Everything EC2 says about one VPC that decides whether traffic leaves a subnet: fetched once, then read-only.</summary>
public sealed class VpcNetwork
{
    internal VpcNetwork(string vpcId, IReadOnlyList<Subnet> subnets, IReadOnlyList<RouteTable> routeTables,
        IReadOnlyList<NatGateway> natGateways, IReadOnlyList<InternetGateway> internetGateways, IReadOnlyList<VpcEndpoint> endpoints,
        IReadOnlyDictionary<string, SecurityGroup> securityGroups, IReadOnlyList<NetworkAcl> networkAcls,
        IReadOnlyDictionary<string, IReadOnlyList<string>> prefixListCidrs, IReadOnlyList<VpcPeeringConnection> peeringConnections)
    {
        VpcId = vpcId;
        Subnets = subnets.ToDictionary(s => s.SubnetId, StringComparer.Ordinal);
        RouteTables = routeTables;
        NatGateways = natGateways.ToDictionary(n => n.NatGatewayId, StringComparer.Ordinal);
        InternetGateways = internetGateways;
        Endpoints = endpoints;
        SecurityGroups = securityGroups;
        NetworkAcls = networkAcls;
        PrefixListCidrs = prefixListCidrs;
        PeeringConnections = peeringConnections;
    }

    public string VpcId { get; }
    public IReadOnlyDictionary<string, Subnet> Subnets { get; }
    public IReadOnlyList<RouteTable> RouteTables { get; }
    public IReadOnlyDictionary<string, NatGateway> NatGateways { get; }
    public IReadOnlyList<InternetGateway> InternetGateways { get; }
    public IReadOnlyList<VpcEndpoint> Endpoints { get; }
    /// <summary>The VPC's security groups plus groups in other VPCs that their rules reference (when EC2 would describe them).</summary>
    public IReadOnlyDictionary<string, SecurityGroup> SecurityGroups { get; }
    public IReadOnlyList<NetworkAcl> NetworkAcls { get; }
    /// <summary>Entries of the managed prefix lists the security group rules reference.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> PrefixListCidrs { get; }
    /// <summary>Peering connections where this VPC is requester or accepter.</summary>
    public IReadOnlyList<VpcPeeringConnection> PeeringConnections { get; }

    /// <summary>The subnet's explicitly associated route table, else the VPC's main one.</summary>
    public RouteTable? RouteTableFor(string subnetId) =>
        RouteTables.FirstOrDefault(t => t.Associations.OrEmpty().Any(a => a.SubnetId == subnetId))
        ?? RouteTables.FirstOrDefault(t => t.Associations.OrEmpty().Any(a => a.Main == true));

    public NetworkAcl? NetworkAclFor(string subnetId) =>
        NetworkAcls.FirstOrDefault(a => a.Associations.OrEmpty().Any(x => x.SubnetId == subnetId))
        ?? NetworkAcls.FirstOrDefault(a => a.IsDefault == true);

    public IPNetwork? SubnetCidr(string subnetId) =>
        Subnets.TryGetValue(subnetId, out var subnet) && IPNetwork.TryParse(subnet.CidrBlock, out var cidr) ? cidr : null;
}

internal static class CollectionExtensions
{
    // AWSSDK v4 leaves empty response lists null.
    public static IEnumerable<T> OrEmpty<T>(this IEnumerable<T>? items) => items ?? [];
}
