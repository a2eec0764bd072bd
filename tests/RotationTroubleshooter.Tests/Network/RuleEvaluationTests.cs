using Amazon.EC2.Model;
using RotationTroubleshooter.Network;

namespace RotationTroubleshooter.Tests.Network;

public sealed class RuleEvaluationTests
{
    private static readonly Peer Endpoints = new(System.Net.IPNetwork.Parse("10.0.11.0/24"), [], "endpoint subnet");

    private static NetworkAclEntry Entry(int rule, bool egress, string action, string cidr, int? from = null, int? to = null) => new()
    {
        RuleNumber = rule, Egress = egress, RuleAction = action, CidrBlock = cidr,
        Protocol = from is null ? "-1" : "6", PortRange = from is null ? null : new PortRange { From = from, To = to },
    };

    private static NetworkAcl Acl(params NetworkAclEntry[] entries) => new() { NetworkAclId = "acl-1", Entries = [.. entries] };

    [Fact]
    public void Ephemeral_replies_need_the_whole_range_and_the_gap_is_named()
    {
        var decision = NetworkAclRules.Evaluate(Acl(Entry(100, false, "allow", "10.0.0.0/16", 1024, 32767)), egress: false, 1024, 65535, Endpoints);
        Assert.False(decision.Allowed);
        Assert.Contains("no rule allows tcp 32768-65535", decision.Rule);
    }

    [Fact]
    public void Two_allow_rules_together_cover_the_range()
    {
        var decision = NetworkAclRules.Evaluate(Acl(Entry(100, false, "allow", "10.0.0.0/16", 1024, 32767), Entry(110, false, "allow", "0.0.0.0/0", 32768, 65535)),
            egress: false, 1024, 65535, Endpoints);
        Assert.True(decision.Allowed);
        Assert.Contains("rule 100, 110", decision.Rule);
    }

    [Fact]
    public void Rules_apply_in_rule_number_order_not_list_order()
    {
        var decision = NetworkAclRules.Evaluate(Acl(Entry(200, true, "allow", "0.0.0.0/0"), Entry(150, true, "deny", "10.0.11.0/26", 443, 443)),
            egress: true, 443, 443, Endpoints);
        Assert.False(decision.Allowed);
        Assert.StartsWith("acl-1 outbound rule 150 denies tcp 443", decision.Rule);
    }

    [Fact]
    public void Deny_for_another_network_or_port_does_not_block()
    {
        var decision = NetworkAclRules.Evaluate(Acl(Entry(50, true, "deny", "192.168.0.0/16", 443, 443), Entry(60, true, "deny", "0.0.0.0/0", 22, 22),
            Entry(100, true, "allow", "0.0.0.0/0")), egress: true, 443, 443, Endpoints);
        Assert.True(decision.Allowed);
    }

    [Fact]
    public void Allow_rule_covering_only_part_of_the_subnet_is_not_enough()
    {
        var decision = NetworkAclRules.Evaluate(Acl(Entry(100, true, "allow", "10.0.11.0/25", 443, 443)), egress: true, 443, 443, Endpoints);
        Assert.False(decision.Allowed);
    }

    [Fact]
    public void A_deny_for_a_private_range_cannot_hit_the_public_endpoint()
    {
        var decision = NetworkAclRules.Evaluate(Acl(Entry(50, true, "deny", "10.0.0.0/8", 443, 443), Entry(100, true, "allow", "0.0.0.0/0")),
            egress: true, 443, 443, Peer.Internet);
        Assert.True(decision.Allowed);
    }

    [Fact]
    public void A_deny_for_a_public_range_may_hit_the_public_endpoint()
    {
        var decision = NetworkAclRules.Evaluate(Acl(Entry(50, true, "deny", "52.0.0.0/8", 443, 443), Entry(100, true, "allow", "0.0.0.0/0")),
            egress: true, 443, 443, Peer.Internet);
        Assert.Null(decision.Allowed);
        Assert.StartsWith("acl-1 outbound rule 50 denies tcp 443 to 52.0.0.0/8", decision.Rule);
    }

    [Fact]
    public void An_allow_for_a_range_that_may_hold_an_unresolved_host_is_undecided()
    {
        var host = new Peer(null, [], "db.example.com (address not resolved)");
        var decision = NetworkAclRules.Evaluate(Acl(Entry(100, true, "allow", "10.0.0.0/8", 5432, 5432)), egress: true, 5432, 5432, host);
        Assert.Null(decision.Allowed);
    }

    [Fact]
    public void Security_group_egress_only_to_private_ranges_blocks_internet_traffic()
    {
        var network = NetworkWith(new SecurityGroup
        {
            GroupId = "sg-fn",
            IpPermissionsEgress = [new IpPermission { IpProtocol = "tcp", FromPort = 443, ToPort = 443, Ipv4Ranges = [new IpRange { CidrIp = "10.0.0.0/16" }] }],
        });
        var decision = SecurityGroupRules.Evaluate(network, ["sg-fn"], egress: true, 443, Peer.Internet);
        Assert.False(decision.Allowed);
    }

    [Fact]
    public void Security_group_egress_to_a_public_range_leaves_internet_traffic_undecided()
    {
        var network = NetworkWith(new SecurityGroup
        {
            GroupId = "sg-fn",
            IpPermissionsEgress = [new IpPermission { IpProtocol = "tcp", FromPort = 443, ToPort = 443, Ipv4Ranges = [new IpRange { CidrIp = "52.0.0.0/8" }] }],
        });
        var decision = SecurityGroupRules.Evaluate(network, ["sg-fn"], egress: true, 443, Peer.Internet);
        Assert.Null(decision.Allowed);
        Assert.Contains("sg-fn egress tcp 443 to 52.0.0.0/8", decision.Rule);
    }

    [Fact]
    public void Security_group_rule_on_another_port_blocks_and_names_the_groups()
    {
        var network = NetworkWith(new SecurityGroup
        {
            GroupId = "sg-fn",
            IpPermissionsEgress = [new IpPermission { IpProtocol = "tcp", FromPort = 5432, ToPort = 5432, Ipv4Ranges = [new IpRange { CidrIp = "0.0.0.0/0" }] }],
        });
        var decision = SecurityGroupRules.Evaluate(network, ["sg-fn"], egress: true, 443, Endpoints);
        Assert.False(decision.Allowed);
        Assert.StartsWith("sg-fn: no egress rule allows tcp 443 to endpoint subnet", decision.Rule);
    }

    private static VpcNetwork NetworkWith(SecurityGroup group) => new("vpc-1", [], [], [], [], [],
        new Dictionary<string, SecurityGroup> { [group.GroupId] = group }, [], new Dictionary<string, IReadOnlyList<string>>(), []);
}
