using Amazon.EC2;
using Amazon.EC2.Model;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Evidence;

namespace RotationTroubleshooter.Network;

/// <summary>
/// Loads the EC2 network description of VPCs for one run, into the run's cache: every function (and database) in a VPC
/// shares one fetch (<see cref="NetworkInputs.Vpc"/>), concurrent callers wait on the same fetch in flight, and each kind
/// of resource is one paginated call filtered by VPC or by a batch of ids.
/// </summary>
public sealed class Ec2NetworkSnapshot
{
    /// <summary>Pages per describe call before giving up; 50 pages of EC2's default page size is far beyond a real VPC.</summary>
    internal const int MaxPagesPerKind = 50;
    /// <summary>GetManagedPrefixListEntries takes one list per call, so the lists resolved per VPC are capped.</summary>
    internal const int MaxPrefixLists = 50;

    /// <summary>A subnet's VPC (null: no such subnet), from one batched DescribeSubnets or from a described VPC.</summary>
    private static readonly object SubnetVpcs = new();

    private readonly IAmazonEC2 _ec2;
    private readonly RunCache _cache;

    /// <param name="cache">The run's cache; a snapshot of its own when none is given.</param>
    public Ec2NetworkSnapshot(IAmazonEC2 ec2, RunCache? cache = null)
    {
        _ec2 = ec2 ?? throw new ArgumentNullException(nameof(ec2));
        _cache = cache ?? new RunCache();
    }

    /// <summary>
    /// Maps subnet ids to their VPC ids. Subnets of VPCs already loaded cost no request; the rest are one batched call,
    /// and a subnet another caller is already looking up is awaited, not asked again. Unknown subnets are left out.
    /// </summary>
    /// <exception cref="AwsServiceException">EC2 refused the call (e.g. a subnet id that does not exist), or it failed after the pipeline's retries.</exception>
    public async Task<IReadOnlyDictionary<string, string>> ResolveVpcIdsAsync(IEnumerable<string> subnetIds, CancellationToken cancellationToken = default)
    {
        var wanted = subnetIds.Distinct(StringComparer.Ordinal).ToList();
        var batch = new TaskCompletionSource<Dictionary<string, string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Claimed together: a concurrent caller with the same subnets waits for this one batch instead of asking for the
        // half it claimed first.
        var mine = _cache.Claim<string, string?>(SubnetVpcs, wanted, async id => (await batch.Task.ConfigureAwait(false)).GetValueOrDefault(id));
        if (mine.Count > 0)
        {
            try
            {
                var subnets = await CollectAsync(
                    _ec2.Paginators.DescribeSubnets(new DescribeSubnetsRequest { SubnetIds = mine }).Responses,
                    r => r.Subnets, "subnets", cancellationToken).ConfigureAwait(false);
                batch.SetResult(subnets.ToDictionary(s => s.SubnetId, s => s.VpcId, StringComparer.Ordinal));
            }
            catch (Exception e)
            {
                // Every subnet of the batch fails with it (and is asked again later unless EC2 refused it for good).
                batch.SetException(e);
            }
        }
        var resolved = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var id in wanted)
            if (await _cache.GetAsync<string?>(SubnetVpcs, id, ct => DescribeSubnetVpcAsync(id, ct), cancellationToken).ConfigureAwait(false) is { } vpcId)
                resolved[id] = vpcId;
        return resolved;
    }

    /// <summary>One subnet's VPC, for a subnet whose batch failed in a way that may pass: asked again on its own.</summary>
    private async Task<string?> DescribeSubnetVpcAsync(string subnetId, CancellationToken ct) =>
        (await CollectAsync(_ec2.Paginators.DescribeSubnets(new DescribeSubnetsRequest { SubnetIds = [subnetId] }).Responses,
            r => r.Subnets, "subnets", ct).ConfigureAwait(false)).FirstOrDefault()?.VpcId;

    /// <summary>The VPC's network description, fetched on first use and shared by every later and concurrent caller of the run.</summary>
    /// <exception cref="AwsServiceException">EC2 refused one of the describe calls (e.g. missing permission), or it failed after the pipeline's retries.</exception>
    public Task<VpcNetwork> GetVpcAsync(string vpcId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(vpcId);
        return _cache.GetAsync(NetworkInputs.Vpc, vpcId, ct => FetchVpcAsync(vpcId, ct), cancellationToken);
    }

    /// <summary>Describes the VPC now; the run's shared read is <see cref="GetVpcAsync"/>.</summary>
    internal async Task<VpcNetwork> FetchVpcAsync(string vpcId, CancellationToken ct)
    {
        var byVpc = new List<Filter> { new() { Name = "vpc-id", Values = [vpcId] } };
        var subnetsTask = CollectAsync(_ec2.Paginators.DescribeSubnets(new DescribeSubnetsRequest { Filters = byVpc }).Responses,
            r => r.Subnets, "subnets", ct);
        var routeTablesTask = CollectAsync(_ec2.Paginators.DescribeRouteTables(new DescribeRouteTablesRequest { Filters = byVpc }).Responses,
            r => r.RouteTables, "route tables", ct);
        var natTask = CollectAsync(_ec2.Paginators.DescribeNatGateways(new DescribeNatGatewaysRequest { Filter = byVpc }).Responses,
            r => r.NatGateways, "NAT gateways", ct);
        var igwTask = CollectAsync(_ec2.Paginators.DescribeInternetGateways(new DescribeInternetGatewaysRequest
        {
            Filters = [new Filter { Name = "attachment.vpc-id", Values = [vpcId] }],
        }).Responses, r => r.InternetGateways, "internet gateways", ct);
        var endpointsTask = CollectAsync(_ec2.Paginators.DescribeVpcEndpoints(new DescribeVpcEndpointsRequest { Filters = byVpc }).Responses,
            r => r.VpcEndpoints, "VPC endpoints", ct);
        var groupsTask = CollectAsync(_ec2.Paginators.DescribeSecurityGroups(new DescribeSecurityGroupsRequest { Filters = byVpc }).Responses,
            r => r.SecurityGroups, "security groups", ct);
        var aclsTask = CollectAsync(_ec2.Paginators.DescribeNetworkAcls(new DescribeNetworkAclsRequest { Filters = byVpc }).Responses,
            r => r.NetworkAcls, "network ACLs", ct);
        await Task.WhenAll(subnetsTask, routeTablesTask, natTask, igwTask, endpointsTask, groupsTask, aclsTask).ConfigureAwait(false);

        var groups = groupsTask.Result.ToDictionary(g => g.GroupId, StringComparer.Ordinal);
        var rules = groups.Values.SelectMany(g => g.IpPermissions.OrEmpty().Concat(g.IpPermissionsEgress.OrEmpty())).ToList();
        var foreignGroupIds = rules.SelectMany(p => p.UserIdGroupPairs.OrEmpty()).Select(p => p.GroupId)
            .Where(id => id is not null && !groups.ContainsKey(id)).Distinct(StringComparer.Ordinal).ToList();
        var prefixListIds = rules.SelectMany(p => p.PrefixListIds.OrEmpty()).Select(p => p.Id)
            .Where(id => id is not null).Distinct(StringComparer.Ordinal).Take(MaxPrefixLists).ToList();
        var peeringIds = routeTablesTask.Result.SelectMany(t => t.Routes.OrEmpty()).Select(r => r.VpcPeeringConnectionId)
            .Where(id => id is not null).Distinct(StringComparer.Ordinal).ToList();

        var foreignTask = DescribeForeignGroupsAsync(foreignGroupIds, ct);
        var prefixTask = Task.WhenAll(prefixListIds.Select(id => PrefixListEntriesAsync(id, ct)));
        var peeringTask = peeringIds.Count == 0
            ? Task.FromResult(new List<VpcPeeringConnection>())
            : CollectAsync(_ec2.Paginators.DescribeVpcPeeringConnections(new DescribeVpcPeeringConnectionsRequest { VpcPeeringConnectionIds = peeringIds }).Responses,
                r => r.VpcPeeringConnections, "VPC peering connections", ct);
        await Task.WhenAll(foreignTask, prefixTask, peeringTask).ConfigureAwait(false);

        foreach (var group in foreignTask.Result)
            groups.TryAdd(group.GroupId, group);
        var prefixLists = prefixTask.Result.Where(p => p.Cidrs is not null)
            .ToDictionary(p => p.Id, p => (IReadOnlyList<string>)p.Cidrs!, StringComparer.Ordinal);
        foreach (var subnet in subnetsTask.Result)
            _cache.Remember<string?>(SubnetVpcs, subnet.SubnetId, subnet.VpcId);

        return new VpcNetwork(vpcId, subnetsTask.Result, routeTablesTask.Result, natTask.Result, igwTask.Result, endpointsTask.Result,
            groups, aclsTask.Result, prefixLists, peeringTask.Result);
    }

    private async Task<List<SecurityGroup>> DescribeForeignGroupsAsync(List<string> groupIds, CancellationToken ct)
    {
        if (groupIds.Count == 0)
            return [];
        try
        {
            return await CollectAsync(_ec2.Paginators.DescribeSecurityGroups(new DescribeSecurityGroupsRequest { GroupIds = groupIds }).Responses,
                r => r.SecurityGroups, "referenced security groups", ct).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.Kind is not (AwsErrorKind.Throttled or AwsErrorKind.ServiceFault or AwsErrorKind.Transport))
        {
            // Groups of another account or a deleted peer cannot be described; rules referencing them still match by id.
            return [];
        }
    }

    private async Task<(string Id, List<string>? Cidrs)> PrefixListEntriesAsync(string prefixListId, CancellationToken ct)
    {
        try
        {
            var entries = await CollectAsync(_ec2.Paginators.GetManagedPrefixListEntries(new GetManagedPrefixListEntriesRequest { PrefixListId = prefixListId }).Responses,
                r => r.Entries, "prefix list entries", ct).ConfigureAwait(false);
            return (prefixListId, entries.Select(e => e.Cidr).Where(c => c is not null).ToList());
        }
        catch (AwsServiceException e) when (e.Kind is not (AwsErrorKind.Throttled or AwsErrorKind.ServiceFault or AwsErrorKind.Transport))
        {
            // An unreadable prefix list leaves rules that use it undecided (Unknown), which is what the analyzer reports.
            return (prefixListId, null);
        }
    }

    private static async Task<List<TItem>> CollectAsync<TResponse, TItem>(IAsyncEnumerable<TResponse> pages, Func<TResponse, IEnumerable<TItem>?> items,
        string kind, CancellationToken ct)
    {
        var all = new List<TItem>();
        var count = 0;
        await foreach (var page in pages.WithCancellation(ct).ConfigureAwait(false))
        {
            if (++count > MaxPagesPerKind)
                throw new InvalidOperationException($"EC2 returned more than {MaxPagesPerKind} pages of {kind}; stopped reading.");
            all.AddRange(items(page).OrEmpty());
        }
        return all;
    }
}
