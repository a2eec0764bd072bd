using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Records;

namespace RotationTroubleshooter.Tests.Records;

/// <summary>From a secret's host to the resource whose recorded endpoint it is, and what the name says when none is.</summary>
public sealed class DatabaseEndpointsTests
{
    [Theory]
    [InlineData("orders.c9akciq32.us-east-1.rds.amazonaws.com", DatabaseHostKind.RdsInstance, "orders", "us-east-1")]
    [InlineData("Reports.cluster-abc.eu-west-1.rds.amazonaws.com.", DatabaseHostKind.ClusterWriter, "reports", "eu-west-1")]
    [InlineData("reports.cluster-ro-abc.eu-west-1.rds.amazonaws.com", DatabaseHostKind.ClusterReader, "reports", "eu-west-1")]
    [InlineData("analytics.cluster-custom-abc.eu-west-1.rds.amazonaws.com", DatabaseHostKind.ClusterCustom, "analytics", "eu-west-1")]
    [InlineData("orders-proxy.proxy-abc.us-east-1.rds.amazonaws.com", DatabaseHostKind.Proxy, "orders-proxy", "us-east-1")]
    [InlineData("orders-ro.endpoint.proxy-abc.us-east-1.rds.amazonaws.com", DatabaseHostKind.ProxyEndpoint, "orders-ro", "us-east-1")]
    [InlineData("docs.cluster-abc.us-east-1.docdb.amazonaws.com", DatabaseHostKind.DocumentDbCluster, "docs", "us-east-1")]
    [InlineData("docs.cluster-ro-abc.us-east-1.docdb.amazonaws.com", DatabaseHostKind.DocumentDbReader, "docs", "us-east-1")]
    [InlineData("warehouse.abc123.us-east-1.redshift.amazonaws.com", DatabaseHostKind.RedshiftCluster, "warehouse", "us-east-1")]
    [InlineData("sales.123456789012.us-east-1.redshift-serverless.amazonaws.com", DatabaseHostKind.RedshiftServerless, "sales", "us-east-1")]
    [InlineData("orders.abc.cn-north-1.rds.amazonaws.com.cn", DatabaseHostKind.RdsInstance, "orders", "cn-north-1")]
    [InlineData("db.internal.example.com", DatabaseHostKind.NotAws, null, null)]
    [InlineData("10.0.3.17", DatabaseHostKind.NotAws, null, null)]
    [InlineData("rds.amazonaws.com", DatabaseHostKind.NotAws, null, null)]
    public void A_hosts_shape_names_the_kind_identifier_and_region(string host, DatabaseHostKind kind, string? identifier, string? region)
    {
        var name = DatabaseHostName.Parse(host);

        Assert.Equal((kind, identifier, region), (name.Kind, name.Identifier, name.Region));
    }

    private static RdsInstanceRecord Instance(string id, string address, int port = 5432, string? cluster = null, string engine = "postgres") =>
        new(id, engine, "15.4", "available", address, port, [new ParameterGroupUse("default.postgres15", "in-sync")], [], cluster, "app", null);

    private static readonly RdsClusterRecord Reports = new("reports", "aurora-postgresql", "16.3", "available",
        "reports.cluster-abc.us-east-1.rds.amazonaws.com", "reports.cluster-ro-abc.us-east-1.rds.amazonaws.com",
        ["analytics.cluster-custom-abc.us-east-1.rds.amazonaws.com"], 5432, "reports-tls", "in-sync", "app", null);

    private static readonly RdsProxyRecord Proxy = new("orders-proxy", "available", "POSTGRESQL", "orders-proxy.proxy-abc.us-east-1.rds.amazonaws.com",
        true, "vpc-1", []);

    private static readonly DatabaseRecordSet Records = DatabaseRecordSet.Empty with
    {
        Instances = [Instance("orders", "orders.c9akciq32.us-east-1.rds.amazonaws.com"), Instance("reports-1", "reports-1.c9akciq32.us-east-1.rds.amazonaws.com", cluster: "reports", engine: "aurora-postgresql")],
        Clusters = [Reports],
        Proxies = [Proxy],
        ProxyEndpoints = [new RdsProxyEndpointRecord("orders-ro", "orders-proxy", "orders-ro.endpoint.proxy-abc.us-east-1.rds.amazonaws.com", "available", "READ_ONLY", false)],
        RedshiftClusters = [new RedshiftClusterRecord("warehouse", "paused", "warehouse.abc123.us-east-1.redshift.amazonaws.com", 5439, [], "dev", "admin")],
    };

    [Theory]
    [InlineData("ORDERS.c9akciq32.us-east-1.rds.amazonaws.com.", DatabaseHostKind.RdsInstance, "DB instance orders", 5432)]
    [InlineData("reports.cluster-ro-abc.us-east-1.rds.amazonaws.com", DatabaseHostKind.ClusterReader, "DB cluster reports (its reader endpoint)", 5432)]
    [InlineData("analytics.cluster-custom-abc.us-east-1.rds.amazonaws.com", DatabaseHostKind.ClusterCustom, "DB cluster reports (its custom endpoint analytics)", 5432)]
    [InlineData("orders-ro.endpoint.proxy-abc.us-east-1.rds.amazonaws.com", DatabaseHostKind.ProxyEndpoint, "RDS Proxy orders-proxy (its endpoint orders-ro)", null)]
    [InlineData("warehouse.abc123.us-east-1.redshift.amazonaws.com", DatabaseHostKind.RedshiftCluster, "Redshift cluster warehouse", 5439)]
    public void A_host_matches_the_resource_whose_recorded_endpoint_it_is(string host, DatabaseHostKind kind, string noun, int? port)
    {
        var match = DatabaseEndpoints.Match(host, Records);

        Assert.Equal(EndpointMatchOutcome.Matched, match.Outcome);
        Assert.Equal((kind, noun, port), (match.Database!.Kind, match.Database.Noun, match.Database.Port));
    }

    [Fact]
    public void An_aurora_members_endpoint_carries_its_cluster_and_a_proxy_endpoint_its_proxy()
    {
        var member = DatabaseEndpoints.Match("reports-1.c9akciq32.us-east-1.rds.amazonaws.com", Records).Database!;
        var proxyEndpoint = DatabaseEndpoints.Match("orders-ro.endpoint.proxy-abc.us-east-1.rds.amazonaws.com", Records).Database!;

        Assert.Same(Reports, member.Cluster);
        Assert.Same(Proxy, proxyEndpoint.Proxy);
        Assert.True(proxyEndpoint.Proxy!.RequireTls);
    }

    [Fact]
    public void A_name_whose_resource_lives_under_another_endpoint_is_a_changed_endpoint()
    {
        // The instance was recreated: same identifier, a new hash in its endpoint.
        var match = DatabaseEndpoints.Match("orders.oldhash99.us-east-1.rds.amazonaws.com", Records);

        Assert.Equal(EndpointMatchOutcome.EndpointChanged, match.Outcome);
        Assert.Equal("orders.c9akciq32.us-east-1.rds.amazonaws.com", match.Database!.Endpoint);
    }

    [Theory]
    [InlineData("billing.c9akciq32.us-east-1.rds.amazonaws.com", EndpointMatchOutcome.NoSuchResource)]
    [InlineData("old-proxy.proxy-abc.us-east-1.rds.amazonaws.com", EndpointMatchOutcome.NoSuchResource)]
    [InlineData("db.internal.example.com", EndpointMatchOutcome.NotAnAwsEndpoint)]
    public void A_host_no_record_answers_for_says_whether_its_service_has_no_such_resource(string host, EndpointMatchOutcome outcome)
    {
        var match = DatabaseEndpoints.Match(host, Records);

        Assert.Equal(outcome, match.Outcome);
        Assert.Null(match.Database);
    }

    [Fact]
    public void A_stopped_resource_is_not_available_and_one_without_a_status_is_unknown()
    {
        var stopped = DatabaseEndpoints.Match("orders.c9akciq32.us-east-1.rds.amazonaws.com",
            Records with { Instances = [Instance("orders", "orders.c9akciq32.us-east-1.rds.amazonaws.com") with { Status = "stopped" }] }).Database!;
        var unknown = stopped with { Status = null };

        Assert.False(stopped.IsAvailable);
        Assert.Null(unknown.IsAvailable);
    }
}
