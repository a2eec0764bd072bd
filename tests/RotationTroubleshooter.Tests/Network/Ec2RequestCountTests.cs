using System.Collections.Concurrent;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Network;

namespace RotationTroubleshooter.Tests.Network;

/// <summary>Counts the EC2 requests that reach moto to show that describes are batched per VPC and shared by every function in it.</summary>
[Collection(MotoEc2Collection.Name)]
public sealed class Ec2RequestCountTests(MotoEc2Fixture moto)
{
    private static readonly Dictionary<string, int> OneVpcWithPrefixList = new()
    {
        ["DescribeSubnets"] = 2, // the function's subnets to find the VPC, then all of the VPC's subnets
        ["DescribeRouteTables"] = 1,
        ["DescribeNatGateways"] = 1,
        ["DescribeInternetGateways"] = 1,
        ["DescribeVpcEndpoints"] = 1,
        ["DescribeSecurityGroups"] = 1,
        ["DescribeNetworkAcls"] = 1,
        ["GetManagedPrefixListEntries"] = 1,
    };

    [Fact]
    public async Task Functions_sharing_a_vpc_fetch_it_once()
    {
        var counter = new RequestCounter(moto.Pipeline());
        using var ec2 = moto.CreateClient(counter.Pipeline);
        var analyzer = new NetworkPathAnalyzer(new Ec2NetworkSnapshot(ec2));
        var seeded = moto.Scenario("endpoint-sg-prefix-list");

        await analyzer.AnalyzeAsync(NetworkPathScenarioTests.Request(seeded, functionName: "first"));
        Assert.Equal(OneVpcWithPrefixList, counter.Snapshot());

        var second = NetworkPathScenarioTests.Request(seeded, functionName: "second") with { SubnetIds = [seeded.GetProperty("functionSubnets")[1].GetString()!] };
        var report = await analyzer.AnalyzeAsync(second);
        Assert.Equal(OneVpcWithPrefixList, counter.Snapshot());
        Assert.Equal(PathVerdict.Reachable, report.SecretsManagerPath.Verdict);
    }

    [Fact]
    public async Task Concurrent_functions_share_one_in_flight_fetch()
    {
        var counter = new RequestCounter(moto.Pipeline());
        using var ec2 = moto.CreateClient(counter.Pipeline);
        var analyzer = new NetworkPathAnalyzer(new Ec2NetworkSnapshot(ec2));
        var seeded = moto.Scenario("endpoint-sg-prefix-list");

        var reports = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => analyzer.AnalyzeAsync(NetworkPathScenarioTests.Request(seeded, functionName: $"fn-{i}")))));

        Assert.Equal(OneVpcWithPrefixList, counter.Snapshot());
        Assert.All(reports, r => Assert.Equal(PathVerdict.Reachable, r.SecretsManagerPath.Verdict));
    }

    [Fact]
    public async Task A_database_in_a_peered_vpc_loads_that_vpc_once_more_and_the_peering_in_one_batch_each()
    {
        var counter = new RequestCounter(moto.Pipeline());
        using var ec2 = moto.CreateClient(counter.Pipeline);
        var analyzer = new NetworkPathAnalyzer(new Ec2NetworkSnapshot(ec2));
        var seeded = moto.Scenario("db-other-vpc-peered");

        await analyzer.AnalyzeAsync(NetworkPathScenarioTests.Request(seeded, functionName: "first"));
        await analyzer.AnalyzeAsync(NetworkPathScenarioTests.Request(seeded, functionName: "second"));

        var counts = counter.Snapshot();
        Assert.Equal(3, counts["DescribeSubnets"]);
        Assert.Equal(2, counts["DescribeRouteTables"]);
        Assert.Equal(2, counts["DescribeSecurityGroups"]);
        Assert.Equal(2, counts["DescribeVpcPeeringConnections"]);
    }

    [Fact]
    public async Task The_vpc_Lambda_names_is_described_at_once_without_looking_up_the_subnets_first()
    {
        var counter = new RequestCounter(moto.Pipeline());
        using var ec2 = moto.CreateClient(counter.Pipeline);
        var analyzer = new NetworkPathAnalyzer(new Ec2NetworkSnapshot(ec2));
        var seeded = moto.Scenario("endpoint-sg-prefix-list");

        var report = await analyzer.AnalyzeAsync(NetworkPathScenarioTests.Request(seeded) with { VpcId = seeded.GetProperty("vpcId").GetString() });

        Assert.Equal(new Dictionary<string, int>(OneVpcWithPrefixList) { ["DescribeSubnets"] = 1 }, counter.Snapshot());
        Assert.Equal(seeded.GetProperty("vpcId").GetString(), report.VpcId);
        Assert.Equal(PathVerdict.Reachable, report.SecretsManagerPath.Verdict);
    }

    [Fact]
    public async Task A_vpc_id_that_does_not_hold_the_functions_subnets_is_not_trusted()
    {
        var counter = new RequestCounter(moto.Pipeline());
        using var ec2 = moto.CreateClient(counter.Pipeline);
        var analyzer = new NetworkPathAnalyzer(new Ec2NetworkSnapshot(ec2));
        var seeded = moto.Scenario("endpoint-sg-prefix-list");

        // moto's Lambda answers this placeholder whatever the subnets.
        var report = await analyzer.AnalyzeAsync(NetworkPathScenarioTests.Request(seeded) with { VpcId = "vpc-123abc" });

        Assert.Equal(seeded.GetProperty("vpcId").GetString(), report.VpcId);
        Assert.Equal(PathVerdict.Reachable, report.SecretsManagerPath.Verdict);
        Assert.Empty(report.Findings);
    }

    [Fact]
    public async Task A_function_outside_any_vpc_needs_no_ec2_request()
    {
        var counter = new RequestCounter(moto.Pipeline());
        using var ec2 = moto.CreateClient(counter.Pipeline);
        var analyzer = new NetworkPathAnalyzer(new Ec2NetworkSnapshot(ec2));

        var report = await analyzer.AnalyzeAsync(new NetworkPathRequest("public-fn", [], [], NetworkPathScenarioTests.RoleArn, null, "us-east-1",
            NetworkPathScenarioTests.SecretArn));

        Assert.Empty(counter.Snapshot());
        Assert.Null(report.VpcId);
        Assert.Equal(PathVerdict.Reachable, report.SecretsManagerPath.Verdict);
        Assert.Empty(report.Findings);
    }
}

/// <summary>Counts the requests a pipeline sends, by operation.</summary>
internal sealed class RequestCounter
{
    private readonly ConcurrentDictionary<string, int> _counts = new();

    public RequestCounter(AwsPipeline pipeline)
    {
        Pipeline = pipeline;
        pipeline.RequestSent += (_, operation) => _counts.AddOrUpdate(operation, 1, (_, n) => n + 1);
    }

    public AwsPipeline Pipeline { get; }

    public Dictionary<string, int> Snapshot() => new(_counts);
}
