using System.Net;
using Amazon.EC2.Model;

namespace RotationTroubleshooter.Network;

/// <summary>The outcome of checking one filter (security groups, network ACL, route, policy): allowed, blocked or unknown, and the exact rule.</summary>
internal sealed record RuleDecision(bool? Allowed, string Rule)
{
    public static RuleDecision Allow(string rule) => new(true, rule);
    public static RuleDecision Block(string rule) => new(false, rule);
    public static RuleDecision Unknown(string rule) => new(null, rule);
}

/// <summary>The other end of a connection as the filters see it. A null <see cref="Cidr"/> means an address we do not know (the internet, a host name).</summary>
internal sealed record Peer(IPNetwork? Cidr, IReadOnlyCollection<string> GroupIds, string Description)
{
    /// <summary>A public address we do not know (Secrets Manager's public endpoint): private ranges cannot contain it.</summary>
    public static Peer Internet { get; } = new(null, [], "the internet (0.0.0.0/0)") { IsPublic = true };

    public bool IsPublic { get; private init; }

    /// <summary>Whether the peer may have an address inside <paramref name="cidr"/> without being wholly inside it.</summary>
    public bool MayBeIn(IPNetwork cidr) => Cidr is { } own ? Cidrs.Overlaps(cidr, own) : !(IsPublic && Cidrs.IsPrivate(cidr));

    public static Peer Subnet(VpcNetwork network, string subnetId, IReadOnlyCollection<string> groupIds)
    {
        var cidr = network.SubnetCidr(subnetId);
        var groups = groupIds.Count == 0 ? "" : " / " + string.Join(", ", groupIds);
        return new Peer(cidr, groupIds, $"{subnetId} ({cidr?.ToString() ?? "CIDR unknown"}){groups}");
    }
}

internal static class Cidrs
{
    public static bool Contains(IPNetwork outer, IPNetwork inner) =>
        outer.BaseAddress.AddressFamily == inner.BaseAddress.AddressFamily
        && outer.PrefixLength <= inner.PrefixLength && outer.Contains(inner.BaseAddress);

    public static bool Overlaps(IPNetwork a, IPNetwork b) => Contains(a, b) || Contains(b, a);

    public static bool IsAll(IPNetwork cidr) => cidr.PrefixLength == 0;

    private static readonly IPNetwork[] PrivateRanges =
        [.. new[] { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8" }.Select(c => IPNetwork.Parse(c))];

    /// <summary>True when the range lies inside the private, shared or link-local space, where no public AWS endpoint lives.</summary>
    public static bool IsPrivate(IPNetwork cidr) => PrivateRanges.Any(p => Contains(p, cidr));

    /// <summary>True when every address of the peer lies in <paramref name="rule"/>; an unknown peer is only covered by 0.0.0.0/0.</summary>
    public static bool Covers(IPNetwork rule, Peer peer) => peer.Cidr is { } cidr ? Contains(rule, cidr) : IsAll(rule);

    public static IPNetwork? Parse(string? text) => IPNetwork.TryParse(text, out var cidr) ? cidr : null;
}

/// <summary>Security groups are stateful allow lists: the connection passes when any rule of any attached group matches.</summary>
internal static class SecurityGroupRules
{
    public static RuleDecision Evaluate(VpcNetwork network, IReadOnlyCollection<string> groupIds, bool egress, int port, Peer peer)
    {
        var direction = egress ? "egress" : "ingress";
        var preposition = egress ? "to" : "from";
        var undecided = new List<string>();
        var missing = new List<string>();
        foreach (var groupId in groupIds)
        {
            if (!network.SecurityGroups.TryGetValue(groupId, out var group))
            {
                missing.Add(groupId);
                continue;
            }
            foreach (var permission in (egress ? group.IpPermissionsEgress : group.IpPermissions).OrEmpty())
            {
                if (!CoversTcpPort(permission, port))
                    continue;
                var what = $"{groupId} {direction} {Describe(permission)}";
                foreach (var pair in permission.UserIdGroupPairs.OrEmpty())
                    if (pair.GroupId is not null && peer.GroupIds.Contains(pair.GroupId))
                        return RuleDecision.Allow($"{what} {preposition} {pair.GroupId}");
                foreach (var range in permission.Ipv4Ranges.OrEmpty())
                    if (Cidrs.Parse(range.CidrIp) is { } cidr)
                    {
                        if (Cidrs.Covers(cidr, peer))
                            return RuleDecision.Allow($"{what} {preposition} {range.CidrIp}");
                        if (peer.Cidr is null && peer.MayBeIn(cidr))
                            undecided.Add($"{what} {preposition} {range.CidrIp}");
                    }
                foreach (var listId in permission.PrefixListIds.OrEmpty().Select(p => p.Id).Where(id => id is not null))
                {
                    if (!network.PrefixListCidrs.TryGetValue(listId, out var entries))
                    {
                        undecided.Add($"{what} {preposition} {listId} (entries could not be read)");
                        continue;
                    }
                    var entry = entries.FirstOrDefault(e => Cidrs.Parse(e) is { } c && Cidrs.Covers(c, peer));
                    if (entry is not null)
                        return RuleDecision.Allow($"{what} {preposition} {listId} (entry {entry})");
                }
            }
        }
        if (missing.Count > 0)
            return RuleDecision.Unknown($"security group {string.Join(", ", missing)} not found in {network.VpcId}");
        if (undecided.Count > 0)
            return RuleDecision.Unknown($"only {string.Join("; ", undecided)} could match {peer.Description}");
        return RuleDecision.Block($"{string.Join(", ", groupIds)}: no {direction} rule allows tcp {port} {preposition} {peer.Description}");
    }

    private static bool CoversTcpPort(IpPermission permission, int port) => permission.IpProtocol switch
    {
        "-1" => true,
        "tcp" or "6" => (permission.FromPort ?? 0) <= port && port <= (permission.ToPort ?? 65535),
        _ => false,
    };

    private static string Describe(IpPermission permission) => permission.IpProtocol == "-1"
        ? "all traffic"
        : permission.FromPort == permission.ToPort ? $"tcp {permission.FromPort}" : $"tcp {permission.FromPort}-{permission.ToPort}";
}

/// <summary>Network ACLs are stateless and ordered: rules apply in rule-number order, the first match decides, a deny shadows later allows.</summary>
internal static class NetworkAclRules
{
    public const int EphemeralFrom = 1024;
    public const int EphemeralTo = 65535;

    public static RuleDecision Evaluate(NetworkAcl? acl, bool egress, int fromPort, int toPort, Peer peer)
    {
        var direction = egress ? "outbound" : "inbound";
        var preposition = egress ? "to" : "from";
        var ports = fromPort == toPort ? $"tcp {fromPort}" : $"tcp {fromPort}-{toPort}";
        if (acl is null)
            return RuleDecision.Unknown($"no network ACL found for the subnet ({direction} {ports} {preposition} {peer.Description})");

        var remaining = new List<(int From, int To)> { (fromPort, toPort) };
        var allowingRules = new List<int>();
        string? possibleDeny = null, possibleAllow = null;
        var entries = acl.Entries.OrEmpty().Where(e => e.Egress == egress && e.CidrBlock is not null).OrderBy(e => e.RuleNumber ?? int.MaxValue);
        foreach (var entry in entries)
        {
            if (entry.Protocol is not ("-1" or "6") || Cidrs.Parse(entry.CidrBlock) is not { } cidr)
                continue;
            var (entryFrom, entryTo) = entry.Protocol == "-1" || entry.PortRange is null
                ? (0, 65535)
                : (entry.PortRange.From ?? 0, entry.PortRange.To ?? 65535);
            var hit = remaining.Where(r => r.From <= entryTo && entryFrom <= r.To).ToList();
            if (hit.Count == 0)
                continue;
            var isDeny = string.Equals(entry.RuleAction, "deny", StringComparison.OrdinalIgnoreCase);
            if (isDeny)
            {
                // The peer's exact address inside its range is unknown, so a deny touching any of the range may hit it.
                if (peer.Cidr is not null ? peer.MayBeIn(cidr) : Cidrs.IsAll(cidr))
                    return RuleDecision.Block($"{acl.NetworkAclId} {direction} rule {entry.RuleNumber} denies {Describe(entry)} {preposition} {entry.CidrBlock} (needed: {ports} {preposition} {peer.Description})");
                if (peer.Cidr is null && peer.MayBeIn(cidr))
                    possibleDeny ??= $"{acl.NetworkAclId} {direction} rule {entry.RuleNumber} denies {Describe(entry)} {preposition} {entry.CidrBlock}, which may include {peer.Description}";
                continue;
            }
            if (!Cidrs.Covers(cidr, peer))
            {
                if (peer.Cidr is null && peer.MayBeIn(cidr))
                    possibleAllow ??= $"{acl.NetworkAclId} {direction} rule {entry.RuleNumber} allows {Describe(entry)} {preposition} {entry.CidrBlock}, which may include {peer.Description}";
                continue;
            }
            allowingRules.Add(entry.RuleNumber ?? 0);
            remaining = remaining.SelectMany(r => Subtract(r, entryFrom, entryTo)).ToList();
            if (remaining.Count == 0)
                return possibleDeny is null
                    ? RuleDecision.Allow($"{acl.NetworkAclId} {direction} rule {string.Join(", ", allowingRules)} allows {ports} {preposition} {peer.Description}")
                    : RuleDecision.Unknown(possibleDeny);
        }
        if (possibleAllow is not null)
            return RuleDecision.Unknown(possibleAllow);
        var open = string.Join(", ", remaining.Select(r => r.From == r.To ? $"{r.From}" : $"{r.From}-{r.To}"));
        return RuleDecision.Block($"{acl.NetworkAclId} {direction}: no rule allows tcp {open} {preposition} {peer.Description}, so the final deny (*) drops it");
    }

    private static IEnumerable<(int From, int To)> Subtract((int From, int To) range, int from, int to)
    {
        if (range.From < from)
            yield return (range.From, Math.Min(range.To, from - 1));
        if (range.To > to)
            yield return (Math.Max(range.From, to + 1), range.To);
    }

    private static string Describe(NetworkAclEntry entry) => entry.Protocol == "-1" || entry.PortRange is null
        ? "all traffic"
        : entry.PortRange.From == entry.PortRange.To ? $"tcp {entry.PortRange.From}" : $"tcp {entry.PortRange.From}-{entry.PortRange.To}";
}
