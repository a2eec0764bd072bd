using System.Text.Json;
using Amazon.Runtime;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Records;
using RotationTroubleshooter.Tests.Aws;

namespace RotationTroubleshooter.Tests.Records;

/// <summary>moto with database records seeded through boto3 (tests/scenarios/rds_records.py), started once for these tests.</summary>
public sealed class MotoRecordsFixture : IAsyncLifetime
{
    private MotoServer? _moto;

    public JsonDocument Seeded { get; private set; } = null!;

    public AwsPipeline Pipeline() =>
        new(TestConnections.Create(new BasicAWSCredentials("test", "test"), endpoint: _moto!.Url), new AwsPipelineOptions { MaxAttempts = 1 });

    /// <summary>A run's session against this moto, as the module makes one.</summary>
    public AwsSession Session() =>
        new(TestConnections.Create(new BasicAWSCredentials("test", "test"), endpoint: _moto!.Url), new AwsPipelineOptions { MaxAttempts = 1 });

    public async Task InitializeAsync()
    {
        _moto = await MotoServer.StartAsync();
        Seeded = await _moto.SeedAsync("rds_records.py");
    }

    public Task DisposeAsync()
    {
        Seeded?.Dispose();
        _moto?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>The database-record clients read what moto serves as AWS writes it, seeded through a real AWS client.</summary>
public sealed class MotoRecordsTests(MotoRecordsFixture moto) : IClassFixture<MotoRecordsFixture>
{
    private string Seeded(string resource, string field) => moto.Seeded.RootElement.GetProperty(resource).GetProperty(field).GetString()!;

    [Fact]
    public async Task A_stopped_instance_and_its_custom_groups_tls_and_scram_values_are_read()
    {
        var rds = new RdsClient(moto.Pipeline());

        var instance = Assert.Single(await rds.DescribeInstancesAsync("orders", CancellationToken.None));
        var group = Assert.Single(instance.ParameterGroups);
        var parameters = await rds.DescribeParametersAsync(group.Name, [EngineParameters.ForceSsl, EngineParameters.PasswordEncryption], CancellationToken.None);

        Assert.Equal(("postgres", "15.4", "stopped", Seeded("orders", "endpoint"), 5432), (instance.Engine, instance.EngineVersion, instance.Status, instance.Address, instance.Port));
        Assert.Equal("orders-tls", group.Name);
        Assert.Equal(["1", "scram-sha-256"], parameters!.OrderBy(p => p.Name).Reverse().Select(p => p.Value));
    }

    [Fact]
    public async Task A_default_group_gives_no_value_in_moto_and_a_group_nobody_names_none_at_all()
    {
        var rds = new RdsClient(moto.Pipeline());

        var ledger = Assert.Single(await rds.DescribeInstancesAsync("ledger", CancellationToken.None));

        // moto creates the default group an instance names, empty; one no instance names does not exist.
        Assert.Empty((await rds.DescribeParametersAsync(ledger.ParameterGroups[0].Name, [EngineParameters.ForceSsl], CancellationToken.None))!);
        Assert.Null(await rds.DescribeParametersAsync("default.postgres15", [EngineParameters.ForceSsl], CancellationToken.None));
    }

    [Fact]
    public async Task An_option_group_requiring_native_network_encryption_is_read()
    {
        var rds = new RdsClient(moto.Pipeline());

        var ledger = Assert.Single(await rds.DescribeInstancesAsync("ledger", CancellationToken.None));
        var group = await rds.DescribeOptionGroupAsync(Assert.Single(ledger.OptionGroups), CancellationToken.None);

        Assert.Equal("REQUIRED", group!.Options.Single(o => o.Name == "NATIVE_NETWORK_ENCRYPTION").Settings["SQLNET.ENCRYPTION_SERVER"]);
    }

    [Fact]
    public async Task An_aurora_cluster_its_cluster_group_and_its_member_match_their_endpoints()
    {
        var rds = new RdsClient(moto.Pipeline());

        var records = DatabaseRecordSet.Empty with
        {
            Instances = await rds.DescribeInstancesAsync(null, CancellationToken.None),
            Clusters = await rds.DescribeClustersAsync(null, CancellationToken.None),
        };
        var reader = DatabaseEndpoints.Match(Seeded("reports", "reader"), records);
        var parameters = await rds.DescribeClusterParametersAsync(reader.Database!.Cluster!.ParameterGroup!, [EngineParameters.ForceSsl], CancellationToken.None);

        Assert.Equal((EndpointMatchOutcome.Matched, DatabaseHostKind.ClusterReader, "16.3"), (reader.Outcome, reader.Database.Kind, reader.Database.EngineVersion));
        Assert.Equal("1", Assert.Single(parameters!).Value);
    }

    [Fact]
    public async Task A_proxy_demanding_tls_and_its_target_are_read()
    {
        var rds = new RdsClient(moto.Pipeline());

        var proxies = await rds.DescribeProxiesAsync(null, CancellationToken.None);
        var match = DatabaseEndpoints.Match(Seeded("proxy", "endpoint"), DatabaseRecordSet.Empty with { Proxies = proxies });
        var target = Assert.Single(await rds.DescribeProxyTargetsAsync("orders-proxy", CancellationToken.None));

        Assert.Equal((DatabaseHostKind.Proxy, true), (match.Database!.Kind, match.Database.Proxy!.RequireTls));
        Assert.Equal(("orders", 5432, "AVAILABLE"), (target.RdsResourceId, target.Port, target.HealthState));
    }

    [Fact]
    public async Task A_paused_redshift_cluster_is_read_with_its_default_group()
    {
        var redshift = new RedshiftClient(moto.Pipeline());

        var cluster = Assert.Single(await redshift.DescribeClustersAsync("warehouse", CancellationToken.None));

        Assert.Equal(("paused", Seeded("warehouse", "endpoint"), 5439, "default.redshift-1.0"),
            (cluster.Status, cluster.Address, cluster.Port, Assert.Single(cluster.ParameterGroups).Name));
        Assert.Empty(await redshift.DescribeClustersAsync("gone", CancellationToken.None));
    }
}

/// <summary>DatabaseRecordReader against moto seeded through boto3: a secret's host read into what decides its causes.</summary>
public sealed class DatabaseRecordReaderTests(MotoRecordsFixture moto) : IClassFixture<MotoRecordsFixture>
{
    private string Seeded(string resource, string field) => moto.Seeded.RootElement.GetProperty(resource).GetProperty(field).GetString()!;

    private Task<DatabaseRecord> ReadAsync(string host) => DatabaseRecordReader.ReadAsync(moto.Session(), DatabaseHostName.Parse(host), CancellationToken.None);

    [Fact]
    public async Task A_stopped_instance_reads_with_its_groups_tls_and_scram_values()
    {
        var record = await ReadAsync(Seeded("orders", "endpoint"));

        Assert.Equal("DB instance orders is stopped, as RDS records it: it takes no connections.", record.NotAvailable);
        Assert.Equal("rds.force_ssl = 1 (parameter group orders-tls)", record.Tls!.ToString());
        Assert.Equal((true, true), (record.DemandsTls, record.StoresScram));
        Assert.Null(record.PortNotEndpoints(5432));
        Assert.Equal("The secret's port is 5433, but DB instance orders listens on 5432, as RDS records it.", record.PortNotEndpoints(5433));
    }

    [Fact]
    public async Task An_aurora_reader_endpoint_reads_its_clusters_group()
    {
        var record = await ReadAsync(Seeded("reports", "reader"));

        Assert.Equal((DatabaseHostKind.ClusterReader, true), (record.Matched!.Kind, record.DemandsTls));
        Assert.Contains("parameter group reports-tls", record.Tls!.Source);
    }

    [Fact]
    public async Task An_oracle_instance_reads_its_option_groups_native_network_encryption()
    {
        var ledger = Assert.Single(await new RdsClient(moto.Pipeline()).DescribeInstancesAsync("ledger", CancellationToken.None));

        var record = await ReadAsync(ledger.Address!);

        Assert.Equal("ledger-nne", record.NativeEncryptionOptionGroup);
        Assert.Null(record.Tls);
    }

    [Fact]
    public async Task A_proxy_reads_its_tls_demand_and_healthy_target()
    {
        var record = await ReadAsync(Seeded("proxy", "endpoint"));

        Assert.True(record.Proxy!.RequireTls);
        Assert.Empty(record.UnhealthyProxyTargets);
        Assert.Single(record.ProxyTargets!);
    }

    [Fact]
    public async Task A_paused_redshift_cluster_on_its_default_group_accepts_plain_connections()
    {
        var record = await ReadAsync(Seeded("warehouse", "endpoint"));

        Assert.Equal("Redshift cluster warehouse is paused, as Redshift records it: it takes no connections.", record.NotAvailable);
        // moto answers the default group's require_ssl (engine-default false), as AWS does.
        Assert.Equal(("require_ssl", "false", false), (record.Tls!.Parameter, record.Tls.Value, record.DemandsTls));
        Assert.Contains("default.redshift-1.0", record.Tls.Source);
    }

    [Fact]
    public async Task A_host_with_a_stale_hash_or_a_gone_instance_is_no_endpoint()
    {
        var stale = await ReadAsync("orders.stalehash0.us-east-1.rds.amazonaws.com");
        var gone = await ReadAsync("billing.stalehash0.us-east-1.rds.amazonaws.com");
        var alias = await ReadAsync("db.internal.example");

        Assert.Contains($"DB instance orders's recorded endpoint is {Seeded("orders", "endpoint")}", stale.HostNotEndpoint);
        Assert.Contains("rds has no resource named 'billing'", gone.HostNotEndpoint);
        Assert.Equal(EndpointMatchOutcome.NotAnAwsEndpoint, alias.Match.Outcome);
    }

    [Fact]
    public async Task A_managed_secrets_owner_gives_its_endpoint_and_the_templates_engine()
    {
        var instance = new OwningResource(OwningResourceKind.DBInstance, "orders", "arn:aws:rds:us-east-1:123456789012:db:orders", OwningResource.DBInstanceTag);
        var cluster = new OwningResource(OwningResourceKind.DBCluster, "reports", "arn:aws:rds:us-east-1:123456789012:cluster:reports", OwningResource.DBClusterTag);
        var gone = instance with { Identifier = "gone" };

        var ofInstance = await OwnerEndpoint.ReadAsync(moto.Session(), instance, CancellationToken.None);
        var ofCluster = await OwnerEndpoint.ReadAsync(moto.Session(), cluster, CancellationToken.None);

        Assert.Equal(("postgres", Seeded("orders", "endpoint"), 5432), (ofInstance!.EngineName, ofInstance.Host, ofInstance.Port));
        Assert.Equal(("postgres", Seeded("reports", "writer")), (ofCluster!.EngineName, ofCluster.Host));
        Assert.Null(await OwnerEndpoint.ReadAsync(moto.Session(), gone, CancellationToken.None));
    }
}
