using System.Text.Json;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Network;
using RotationTroubleshooter.Tests.Aws;

namespace RotationTroubleshooter.Tests.Network;

/// <summary>Each blocked network variant seeded into moto names its blocking rule; each fixed twin stays quiet.</summary>
[Collection(MotoEc2Collection.Name)]
public sealed class NetworkPathScenarioTests(MotoEc2Fixture moto)
{
    internal const string RoleArn = "arn:aws:iam::123456789012:role/rotation-function-role";
    internal const string SecretArn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/db-AbCdEf";
    private const string PublicEndpoint = "https://secretsmanager.us-east-1.amazonaws.com";

    [Theory]
    [InlineData("endpoint-healthy")]
    [InlineData("nat-healthy")]
    [InlineData("endpoint-sg-cidr")]
    [InlineData("endpoint-sg-prefix-list")]
    [InlineData("nacl-deny-after-allow")]
    [InlineData("endpoint-policy-deny-other-role")]
    [InlineData("db-other-vpc-peered")]
    public async Task Fixed_twins_are_reachable_and_quiet(string scenario)
    {
        var report = await AnalyzeAsync(scenario);

        Assert.Empty(report.Findings);
        Assert.Equal(PathVerdict.Reachable, report.SecretsManagerPath.Verdict);
        Assert.Equal(PathVerdict.Reachable, report.DatabasePath!.Verdict);
        Assert.All(report.SecretsManagerPath.Hops.Concat(report.DatabasePath.Hops), hop => Assert.True(hop.Allowed));
    }

    [Fact]
    public async Task No_route_names_the_main_route_table()
    {
        var report = await AnalyzeAsync("no-route");

        var finding = AssertOnlyFindings(report, NetworkFindings.NoRouteToSecretsManager.Id);
        Assert.Equal(PathVerdict.Blocked, report.SecretsManagerPath.Verdict);
        Assert.Contains(finding.Evidence, e => e.StartsWith("main route table rtb-") && e.Contains("has no 0.0.0.0/0 route"));
        Assert.Equal(PathVerdict.Reachable, report.DatabasePath!.Verdict);
    }

    [Fact]
    public async Task Nat_gateway_in_a_private_subnet_is_named_with_its_route_table()
    {
        var seeded = moto.Scenario("nat-in-private-subnet");
        var report = await AnalyzeAsync("nat-in-private-subnet");

        var finding = AssertOnlyFindings(report, NetworkFindings.NoRouteToSecretsManager.Id);
        var nat = seeded.GetProperty("natGatewayId").GetString()!;
        Assert.Contains(finding.Evidence, e => e.StartsWith(nat) && e.Contains("no 0.0.0.0/0 route to an internet gateway"));
        Assert.Equal(PathVerdict.Blocked, report.SecretsManagerPath.Verdict);
    }

    [Fact]
    public async Task Function_in_a_public_subnet_is_told_it_needs_a_nat_gateway()
    {
        var seeded = moto.Scenario("function-in-public-subnet");
        var report = await AnalyzeAsync("function-in-public-subnet");

        var finding = AssertOnlyFindings(report, NetworkFindings.NoRouteToSecretsManager.Id);
        Assert.Contains(finding.Evidence, e => e.Contains($"routes 0.0.0.0/0 to {seeded.GetProperty("internetGatewayId").GetString()}")
            && e.Contains("no public IP address"));
    }

    [Fact]
    public async Task A_host_that_is_not_an_rds_endpoint_checks_only_the_function_side()
    {
        var request = Request(moto.Scenario("endpoint-healthy")) with { Database = new DatabaseTarget("10.0.21.10", 5432, null, null, [], []) };
        using var ec2 = moto.CreateClient();

        var report = await new NetworkPathAnalyzer(new Ec2NetworkSnapshot(ec2)).AnalyzeAsync(request);

        Assert.Empty(report.Findings);
        Assert.Equal(PathVerdict.Unknown, report.DatabasePath!.Verdict);
        Assert.Contains("not an RDS endpoint", report.DatabasePath.Reason);
        Assert.Contains(report.DatabasePath.Hops, h => h.Allowed == true && h.Name == "Function security groups outbound 5432");
    }

    [Fact]
    public async Task A_host_that_is_not_an_rds_endpoint_still_reports_a_blocking_function_security_group()
    {
        var request = Request(moto.Scenario("function-sg-https-only")) with { Database = new DatabaseTarget("10.0.21.10", 5432, null, null, [], []) };
        using var ec2 = moto.CreateClient();

        var report = await new NetworkPathAnalyzer(new Ec2NetworkSnapshot(ec2)).AnalyzeAsync(request);

        Assert.Equal(NetworkFindings.FunctionSecurityGroupBlocksDatabase.Id, Assert.Single(report.Findings).CheckId);
        Assert.Equal(PathVerdict.Blocked, report.DatabasePath!.Verdict);
    }

    [Fact]
    public async Task Private_dns_off_without_a_named_endpoint_is_reported_with_the_endpoint_id()
    {
        var seeded = moto.Scenario("private-dns-off");
        var report = await AnalyzeAsync("private-dns-off");

        AssertOnlyFindings(report, NetworkFindings.EndpointPrivateDnsDisabled.Id, NetworkFindings.NoRouteToSecretsManager.Id);
        var finding = report.Findings.Single(f => f.CheckId == NetworkFindings.EndpointPrivateDnsDisabled.Id);
        Assert.Equal(FindingSeverity.Error, finding.Severity);
        Assert.Contains(finding.Evidence, e => e.StartsWith(seeded.GetProperty("endpointId").GetString()!));
    }

    [Fact]
    public async Task Private_dns_off_is_fine_when_SECRETS_MANAGER_ENDPOINT_names_the_endpoint()
    {
        var seeded = moto.Scenario("private-dns-off");
        var dnsName = seeded.GetProperty("endpointDns")[0].GetString()!;

        var report = await AnalyzeAsync("private-dns-off", secretsManagerEndpoint: $"https://{dnsName}");

        Assert.Empty(report.Findings);
        Assert.Equal(PathVerdict.Reachable, report.SecretsManagerPath.Verdict);
        Assert.Contains(seeded.GetProperty("endpointId").GetString()!, report.SecretsManagerPath.Reason);
    }

    [Fact]
    public async Task Endpoint_in_another_zone_is_a_warning_naming_both_zones()
    {
        var report = await AnalyzeAsync("endpoint-other-az");

        var finding = AssertOnlyFindings(report, NetworkFindings.EndpointNotInFunctionAvailabilityZone.Id);
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.Contains(finding.Evidence, e => e.Contains("us-east-1c") && e.Contains("is in us-east-1a"));
        Assert.Contains(finding.Evidence, e => e.Contains("is in us-east-1b"));
        // Cross-zone traffic to an interface endpoint still works, so the path is not blocked.
        Assert.Equal(PathVerdict.Reachable, report.SecretsManagerPath.Verdict);
    }

    [Fact]
    public async Task Endpoint_security_group_referencing_another_group_blocks_the_function()
    {
        var seeded = moto.Scenario("endpoint-sg-other-source");
        var report = await AnalyzeAsync("endpoint-sg-other-source");

        var finding = AssertOnlyFindings(report, NetworkFindings.EndpointSecurityGroupBlocksFunction.Id);
        var endpointGroup = seeded.GetProperty("endpointGroup").GetString()!;
        var functionGroup = seeded.GetProperty("functionGroups")[0].GetString()!;
        Assert.Contains(finding.Evidence, e => e.StartsWith($"{endpointGroup}: no ingress rule allows tcp 443 from") && e.Contains(functionGroup));
        Assert.Equal(PathVerdict.Blocked, report.SecretsManagerPath.Verdict);
    }

    [Fact]
    public async Task Endpoint_security_group_allowing_through_a_prefix_list_names_the_entry()
    {
        var seeded = moto.Scenario("endpoint-sg-prefix-list");
        var report = await AnalyzeAsync("endpoint-sg-prefix-list");

        var prefixList = seeded.GetProperty("prefixListId").GetString()!;
        Assert.Contains(report.SecretsManagerPath.Hops, h => h.Allowed == true && h.Rule.Contains($"from {prefixList} (entry 10.0.1.0/24)"));
        Assert.Contains(report.SecretsManagerPath.Hops, h => h.Allowed == true && h.Rule.Contains($"from {prefixList} (entry 10.0.2.0/24)"));
    }

    [Fact]
    public async Task Function_security_group_without_https_egress_is_named()
    {
        var seeded = moto.Scenario("function-sg-no-https");
        var report = await AnalyzeAsync("function-sg-no-https");

        var finding = AssertOnlyFindings(report, NetworkFindings.FunctionSecurityGroupBlocksHttps.Id);
        Assert.Contains(finding.Evidence, e => e.StartsWith($"{seeded.GetProperty("functionGroups")[0].GetString()}: no egress rule allows tcp 443"));
        Assert.Equal(PathVerdict.Blocked, report.SecretsManagerPath.Verdict);
        Assert.Equal(PathVerdict.Reachable, report.DatabasePath!.Verdict);
    }

    [Fact]
    public async Task Function_security_group_without_database_egress_is_named()
    {
        var seeded = moto.Scenario("function-sg-https-only");
        var report = await AnalyzeAsync("function-sg-https-only");

        var finding = AssertOnlyFindings(report, NetworkFindings.FunctionSecurityGroupBlocksDatabase.Id);
        Assert.Contains(finding.Evidence, e => e.StartsWith($"{seeded.GetProperty("functionGroups")[0].GetString()}: no egress rule allows tcp 5432"));
        Assert.Equal(PathVerdict.Reachable, report.SecretsManagerPath.Verdict);
        Assert.Equal(PathVerdict.Blocked, report.DatabasePath!.Verdict);
    }

    [Fact]
    public async Task Network_acl_deny_that_shadows_an_allow_is_named_by_rule_number()
    {
        var seeded = moto.Scenario("nacl-deny-shadows-allow");
        var report = await AnalyzeAsync("nacl-deny-shadows-allow");

        var finding = AssertOnlyFindings(report, NetworkFindings.NetworkAclBlocksHttps.Id);
        Assert.Contains(finding.Evidence, e => e.StartsWith($"{seeded.GetProperty("networkAclId").GetString()} outbound rule 90 denies tcp 443"));
        Assert.Equal(PathVerdict.Blocked, report.SecretsManagerPath.Verdict);
    }

    [Fact]
    public async Task Network_acl_without_ephemeral_replies_on_the_endpoint_subnet_is_named()
    {
        var seeded = moto.Scenario("endpoint-nacl-blocks-replies");
        var report = await AnalyzeAsync("endpoint-nacl-blocks-replies");

        var finding = AssertOnlyFindings(report, NetworkFindings.NetworkAclBlocksHttps.Id);
        Assert.Contains(finding.Evidence, e => e.StartsWith($"{seeded.GetProperty("networkAclId").GetString()} outbound: no rule allows tcp 1024-65535"));
    }

    [Fact]
    public async Task Endpoint_policy_explicit_deny_names_the_statement()
    {
        var seeded = moto.Scenario("endpoint-policy-deny");
        var report = await AnalyzeAsync("endpoint-policy-deny");

        var finding = AssertOnlyFindings(report, NetworkFindings.EndpointPolicyDeniesFunction.Id);
        Assert.Contains(finding.Evidence, e => e.StartsWith($"{seeded.GetProperty("endpointId").GetString()} policy: statement 2 (Sid NoWrites) denies secretsmanager:PutSecretValue"));
        Assert.Equal(PathVerdict.Blocked, report.SecretsManagerPath.Verdict);
    }

    [Fact]
    public async Task Endpoint_policy_allowing_only_under_a_condition_is_unknown_not_reachable()
    {
        var report = await AnalyzeAsync("endpoint-policy-condition");

        Assert.Empty(report.Findings);
        Assert.Equal(PathVerdict.Unknown, report.SecretsManagerPath.Verdict);
        Assert.Contains("Condition", report.SecretsManagerPath.Reason);
        Assert.Contains(report.SecretsManagerPath.Hops, h => h.Allowed is null && h.Rule.Contains("statement 1"));
    }

    [Fact]
    public async Task Database_security_group_without_the_function_is_named()
    {
        var seeded = moto.Scenario("db-sg-blocks");
        var report = await AnalyzeAsync("db-sg-blocks");

        var finding = AssertOnlyFindings(report, NetworkFindings.DatabaseSecurityGroupBlocksFunction.Id);
        var databaseGroup = seeded.GetProperty("database").GetProperty("groups")[0].GetString()!;
        Assert.Contains(finding.Evidence, e => e.StartsWith($"{databaseGroup}: no ingress rule allows tcp 5432 from"));
        Assert.Equal(PathVerdict.Reachable, report.SecretsManagerPath.Verdict);
        Assert.Equal(PathVerdict.Blocked, report.DatabasePath!.Verdict);
    }

    [Fact]
    public async Task Database_subnet_network_acl_deny_is_named_by_rule_number()
    {
        var seeded = moto.Scenario("db-nacl-blocks");
        var report = await AnalyzeAsync("db-nacl-blocks");

        var finding = AssertOnlyFindings(report, NetworkFindings.NetworkAclBlocksDatabase.Id);
        Assert.Contains(finding.Evidence, e => e.StartsWith($"{seeded.GetProperty("networkAclId").GetString()} inbound rule 50 denies tcp 5432"));
    }

    [Fact]
    public async Task Database_in_another_vpc_without_peering_names_the_route_tables()
    {
        var seeded = moto.Scenario("db-other-vpc");
        var report = await AnalyzeAsync("db-other-vpc");

        var finding = AssertOnlyFindings(report, NetworkFindings.DatabaseInOtherVpc.Id);
        var databaseVpc = seeded.GetProperty("database").GetProperty("vpcId").GetString()!;
        Assert.Contains(finding.Evidence, e => e.StartsWith("main route table rtb-") && e.Contains($"has no route to") && e.Contains(databaseVpc));
        Assert.Contains(finding.Evidence, e => e.Contains(seeded.GetProperty("vpcId").GetString()!));
        Assert.Equal(PathVerdict.Blocked, report.DatabasePath!.Verdict);
    }

    [Fact]
    public async Task Peered_database_route_names_the_peering_connection()
    {
        var seeded = moto.Scenario("db-other-vpc-peered");
        var report = await AnalyzeAsync("db-other-vpc-peered");

        Assert.Contains(report.DatabasePath!.Hops, h => h.Allowed == true && h.Rule.Contains($"to {seeded.GetProperty("peeringId").GetString()} (active"));
    }

    [Fact]
    public async Task Unknown_subnet_is_reported_as_not_checked_instead_of_throwing()
    {
        using var ec2 = moto.CreateClient();
        var analyzer = new NetworkPathAnalyzer(new Ec2NetworkSnapshot(ec2));

        var report = await analyzer.AnalyzeAsync(new NetworkPathRequest("fn", ["subnet-0000000000000dead"], ["sg-1"], RoleArn, null, "us-east-1", SecretArn));

        Assert.Equal(PathVerdict.Unknown, report.SecretsManagerPath.Verdict);
        Assert.Equal(NetworkFindings.NetworkPathNotChecked.Id, Assert.Single(report.Findings).CheckId);
    }

    [Fact]
    public async Task Unreachable_ec2_is_reported_as_not_checked_instead_of_throwing()
    {
        using var ec2 = Ec2ClientFactory.Create(new AwsPipeline(TestConnections.Create(endpoint: "http://127.0.0.1:1"), new AwsPipelineOptions { MaxAttempts = 1 }));
        var analyzer = new NetworkPathAnalyzer(new Ec2NetworkSnapshot(ec2));

        var report = await analyzer.AnalyzeAsync(Request(moto.Scenario("endpoint-healthy")));

        Assert.Equal(PathVerdict.Unknown, report.SecretsManagerPath.Verdict);
        Assert.Equal(PathVerdict.Unknown, report.DatabasePath!.Verdict);
        Assert.Equal(NetworkFindings.NetworkPathNotChecked.Id, Assert.Single(report.Findings).CheckId);
    }

    private async Task<NetworkPathReport> AnalyzeAsync(string scenario, string? secretsManagerEndpoint = PublicEndpoint)
    {
        using var ec2 = moto.CreateClient();
        var analyzer = new NetworkPathAnalyzer(new Ec2NetworkSnapshot(ec2));
        return await analyzer.AnalyzeAsync(Request(moto.Scenario(scenario), secretsManagerEndpoint));
    }

    internal static NetworkPathRequest Request(JsonElement seeded, string? secretsManagerEndpoint = PublicEndpoint, string functionName = "rotation-fn")
    {
        var database = seeded.GetProperty("database");
        return new NetworkPathRequest(functionName, Strings(seeded.GetProperty("functionSubnets")), Strings(seeded.GetProperty("functionGroups")),
            RoleArn, secretsManagerEndpoint, "us-east-1", SecretArn,
            new DatabaseTarget("orders.cluster-abc.us-east-1.rds.amazonaws.com", database.GetProperty("port").GetInt32(), "orders",
                database.GetProperty("vpcId").GetString(), Strings(database.GetProperty("subnets")), Strings(database.GetProperty("groups"))));
    }

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    private static Finding AssertOnlyFindings(NetworkPathReport report, params string[] checkIds)
    {
        Assert.Equal(checkIds.Order(), report.Findings.Select(f => f.CheckId).Order());
        var finding = report.Findings.First(f => f.CheckId == checkIds[0]);
        Assert.All(report.Findings, f =>
        {
            Assert.NotEmpty(f.Evidence);
            Assert.False(string.IsNullOrEmpty(f.Remediation));
            Assert.StartsWith("https://docs.aws.amazon.com/", f.HelpUri);
        });
        return finding;
    }
}
