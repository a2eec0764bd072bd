using System.Net;
using System.Text;
using Amazon.EC2;
using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Tests.Aws;
using RotationTroubleshooter.Network;

namespace RotationTroubleshooter.Tests.Network;

/// <summary>The AWS side of the network check: the RDS listing, the secret's host, and the EC2 client's configuration.</summary>
public sealed class NetworkServiceTests
{
    private static HttpResponseMessage Ok(string body, string type) => ScriptedHandler.Ok(body, type);

    private static AwsPipeline Pipeline(ScriptedHandler handler) =>
        new(TestConnections.Create(endpoint: "https://aws.test/"), new AwsPipelineOptions { MaxAttempts = 1 }, handler);

    private const string Ns = "xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"";

    private static string Instance(string id, string group, string vpc, string zone, params (string Subnet, string Zone)[] subnets) => $"""
        <DBInstance><DBInstanceIdentifier>{id}</DBInstanceIdentifier><AvailabilityZone>{zone}</AvailabilityZone>
          <Endpoint><Address>{id}.abc.us-east-1.rds.amazonaws.com</Address><Port>5432</Port></Endpoint>
          <DBSubnetGroup><DBSubnetGroupName>{group}</DBSubnetGroupName><VpcId>{vpc}</VpcId><Subnets>
            {string.Concat(subnets.Select(s => $"<Subnet><SubnetIdentifier>{s.Subnet}</SubnetIdentifier><SubnetAvailabilityZone><Name>{s.Zone}</Name></SubnetAvailabilityZone></Subnet>"))}
          </Subnets></DBSubnetGroup>
          <VpcSecurityGroups><VpcSecurityGroupMembership><VpcSecurityGroupId>sg-{id}</VpcSecurityGroupId><Status>active</Status></VpcSecurityGroupMembership></VpcSecurityGroups>
        </DBInstance>
        """;

    private static string Cluster(string id, string group) => $"""
        <DBCluster><DBClusterIdentifier>{id}</DBClusterIdentifier><DBSubnetGroup>{group}</DBSubnetGroup><Port>3306</Port>
          <Endpoint>{id}.cluster-abc.us-east-1.rds.amazonaws.com</Endpoint><ReaderEndpoint>{id}.cluster-ro-abc.us-east-1.rds.amazonaws.com</ReaderEndpoint>
          <CustomEndpoints><member>{id}-analytics.cluster-custom-abc.us-east-1.rds.amazonaws.com</member></CustomEndpoints>
          <VpcSecurityGroups><VpcSecurityGroupMembership><VpcSecurityGroupId>sg-{id}</VpcSecurityGroupId></VpcSecurityGroupMembership></VpcSecurityGroups>
        </DBCluster>
        """;

    [Fact]
    public async Task Rds_lists_every_page_of_instances_and_clusters_with_their_endpoints_and_networks()
    {
        var handler = new ScriptedHandler((_, body) =>
        {
            if (body.StartsWith("Action=DescribeDBInstances") && !body.Contains("Marker="))
                return Ok($"<DescribeDBInstancesResponse {Ns}><DescribeDBInstancesResult><Marker>page-2</Marker><DBInstances>{Instance("one", "shared", "vpc-1", "us-east-1a", ("subnet-a", "us-east-1a"), ("subnet-b", "us-east-1b"))}</DBInstances></DescribeDBInstancesResult></DescribeDBInstancesResponse>", "text/xml");
            if (body.StartsWith("Action=DescribeDBInstances"))
                return Ok($"<DescribeDBInstancesResponse {Ns}><DescribeDBInstancesResult><DBInstances>{Instance("two", "other", "vpc-2", "us-east-1b", ("subnet-c", "us-east-1b"))}</DBInstances></DescribeDBInstancesResult></DescribeDBInstancesResponse>", "text/xml");
            if (body.StartsWith("Action=DescribeDBClusters"))
                return Ok($"<DescribeDBClustersResponse {Ns}><DescribeDBClustersResult><DBClusters>{Cluster("aurora", "shared")}{Cluster("lonely", "lonely-group")}</DBClusters></DescribeDBClustersResult></DescribeDBClustersResponse>", "text/xml");
            if (body.StartsWith("Action=DescribeDBSubnetGroups") && body.Contains("DBSubnetGroupName=lonely-group"))
                return Ok($"<DescribeDBSubnetGroupsResponse {Ns}><DescribeDBSubnetGroupsResult><DBSubnetGroups><DBSubnetGroup><DBSubnetGroupName>lonely-group</DBSubnetGroupName><VpcId>vpc-3</VpcId><Subnets><Subnet><SubnetIdentifier>subnet-z</SubnetIdentifier><SubnetAvailabilityZone><Name>us-east-1c</Name></SubnetAvailabilityZone></Subnet></Subnets></DBSubnetGroup></DBSubnetGroups></DescribeDBSubnetGroupsResult></DescribeDBSubnetGroupsResponse>", "text/xml");
            return new HttpResponseMessage(HttpStatusCode.BadRequest);
        });

        var databases = await new RdsClient(Pipeline(handler)).DescribeDatabasesAsync(CancellationToken.None);

        Assert.Equal(["one", "two", "aurora", "lonely"], databases.Select(d => d.Identifier));
        Assert.Contains(handler.Bodies, b => b.StartsWith("Action=DescribeDBInstances") && b.Contains("Marker=page-2"));
        var one = databases[0];
        Assert.Equal(["one.abc.us-east-1.rds.amazonaws.com"], one.Endpoints);
        Assert.Equal((5432, "vpc-1", "us-east-1a"), (one.Port!.Value, one.VpcId, one.AvailabilityZone));
        Assert.Equal([new RdsSubnet("subnet-a", "us-east-1a"), new RdsSubnet("subnet-b", "us-east-1b")], one.Subnets);
        Assert.Equal(["sg-one"], one.SecurityGroupIds);

        var aurora = databases[2];
        Assert.Equal(3, aurora.Endpoints.Count);
        Assert.Contains("aurora.cluster-ro-abc.us-east-1.rds.amazonaws.com", aurora.Endpoints);
        Assert.Contains("aurora-analytics.cluster-custom-abc.us-east-1.rds.amazonaws.com", aurora.Endpoints);
        Assert.Equal(("vpc-1", 3306), (aurora.VpcId, aurora.Port!.Value));
        Assert.Equal(one.Subnets, aurora.Subnets);
        Assert.Equal(("vpc-3", "subnet-z"), (databases[3].VpcId, databases[3].Subnets.Single().SubnetId));
        // The group shared with instance 'one' needed no DescribeDBSubnetGroups call.
        Assert.Single(handler.Bodies, b => b.StartsWith("Action=DescribeDBSubnetGroups"));

        var reader = DatabaseTargets.Resolve("AURORA.cluster-ro-abc.us-east-1.rds.amazonaws.com.", null, 5432, databases);
        Assert.Equal(("aurora", 3306, "vpc-1"), (reader.ResourceId, reader.Port, reader.VpcId));
    }

    [Fact]
    public async Task Rds_lists_a_cluster_whose_subnet_group_is_gone_with_its_vpc_unknown_and_the_others_whole()
    {
        var handler = new ScriptedHandler((_, body) =>
        {
            if (body.StartsWith("Action=DescribeDBInstances"))
                return Ok($"<DescribeDBInstancesResponse {Ns}><DescribeDBInstancesResult><DBInstances>{Instance("one", "shared", "vpc-1", "us-east-1a", ("subnet-a", "us-east-1a"))}</DBInstances></DescribeDBInstancesResult></DescribeDBInstancesResponse>", "text/xml");
            if (body.StartsWith("Action=DescribeDBClusters"))
                return Ok($"<DescribeDBClustersResponse {Ns}><DescribeDBClustersResult><DBClusters>{Cluster("orphan", "deleted-group")}</DBClusters></DescribeDBClustersResult></DescribeDBClustersResponse>", "text/xml");
            return new HttpResponseMessage(HttpStatusCode.NotFound)
            {
                Content = new StringContent($"<ErrorResponse {Ns}><Error><Type>Sender</Type><Code>DBSubnetGroupNotFoundFault</Code><Message>DB subnet group deleted-group not found.</Message></Error></ErrorResponse>"),
            };
        });

        var databases = await new RdsClient(Pipeline(handler)).DescribeDatabasesAsync(CancellationToken.None);

        Assert.Equal(["one", "orphan"], databases.Select(d => d.Identifier));
        Assert.Equal("vpc-1", databases[0].VpcId);
        Assert.Null(databases[1].VpcId);
        Assert.Empty(databases[1].Subnets);
    }

    [Fact]
    public async Task Rds_stops_after_the_page_cap_when_markers_never_end()
    {
        var handler = new ScriptedHandler((_, body) => Ok(
            $"<DescribeDBInstancesResponse {Ns}><DescribeDBInstancesResult><Marker>m{Guid.NewGuid()}</Marker><DBInstances/></DescribeDBInstancesResult></DescribeDBInstancesResponse>", "text/xml"));

        var error = await Assert.ThrowsAnyAsync<TroubleshooterException>(() => new RdsClient(Pipeline(handler)).DescribeDatabasesAsync(CancellationToken.None));

        Assert.Equal("TooManyResults", error.ErrorId);
        Assert.Equal(RdsClient.MaxPages, handler.Bodies.Count(b => b.StartsWith("Action=DescribeDBInstances")));
    }

    private const string Password = "Sup3r-Secret-Value";

    private static Task<SecretDatabaseAddress> ReadSecretAsync(string secretString) =>
        new SecretHostReader(new AwsSession(TestConnections.Create(endpoint: "http://127.0.0.1:1"), null, new ScriptedHandler((target, _) =>
        {
            Assert.Equal("secretsmanager.GetSecretValue", target);
            return Ok(System.Text.Json.JsonSerializer.Serialize(new { ARN = "arn", SecretString = secretString }), "application/x-amz-json-1.1");
        }))).ReadAsync("prod/db", CancellationToken.None);

    [Fact]
    public async Task Secret_reader_keeps_only_engine_host_port_and_key_names()
    {
        var address = await ReadSecretAsync($$"""{"engine":"mysql","host":" db.example ","port":"3307","username":"app","password":"{{Password}}"}""");

        Assert.Equal(new SecretDatabaseAddress("mysql", "db.example", 3307, address.KeyNames), address);
        Assert.Equal(["engine", "host", "port", "username", "password"], address.KeyNames);
        Assert.DoesNotContain(Password, address.ToString());
    }

    [Theory]
    [InlineData("{\"host\":\"db\",\"password\":\"" + Password + "\"")]
    [InlineData("[\"" + Password + "\"]")]
    [InlineData(Password)]
    public async Task Secret_reader_refuses_a_value_that_is_not_a_json_object_without_quoting_it(string secretString)
    {
        var error = await Assert.ThrowsAnyAsync<TroubleshooterException>(() => ReadSecretAsync(secretString));

        Assert.Equal("SecretNotJson", error.ErrorId);
        Assert.DoesNotContain(Password, error.ToString());
    }

    [Theory]
    [InlineData("{\"host\":\"db\",\"port\":70000}", null)]
    [InlineData("{\"host\":\"db\",\"port\":\"abc\"}", null)]
    [InlineData("{\"host\":\"db\",\"port\":5439}", 5439)]
    [InlineData("{\"port\":5432}", 5432)]
    public async Task Secret_reader_accepts_only_valid_ports(string secretString, int? port)
    {
        var address = await ReadSecretAsync(secretString);

        Assert.Equal(port, address.Port);
    }

    [Fact]
    public void Ec2_client_follows_the_connection_endpoint_override_and_signs_for_its_region()
    {
        var overridden = TestConnections.Create(region: "eu-west-1", environment: name => name == "AWS_ENDPOINT_URL_EC2" ? "http://127.0.0.1:5000" : null);
        using var client = Ec2ClientFactory.Create(new AwsPipeline(overridden));

        var config = (AmazonEC2Config)client.Config;
        Assert.Equal("http://127.0.0.1:5000/", config.ServiceURL);
        Assert.Equal("eu-west-1", config.AuthenticationRegion);

        using var regional = Ec2ClientFactory.Create(new AwsPipeline(TestConnections.Create(region: "ap-southeast-2")));
        Assert.Null(regional.Config.ServiceURL);
        Assert.Equal("ap-southeast-2", regional.Config.RegionEndpoint.SystemName);
    }

    private static HttpResponseMessage Ec2Error(HttpStatusCode status, string code) => new(status)
    {
        Content = new StringContent($"<Response><Errors><Error><Code>{code}</Code><Message>{code} for the test</Message></Error></Errors><RequestID>r-1</RequestID></Response>",
            Encoding.UTF8, "text/xml"),
    };

    private const string OneSubnet = """
        <DescribeSubnetsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-2</requestId>
          <subnetSet><item><subnetId>subnet-1</subnetId><vpcId>vpc-1</vpcId></item></subnetSet></DescribeSubnetsResponse>
        """;

    /// <summary>An EC2 client over a pipeline of its own (limiters are shared per endpoint in the process, hence the port).</summary>
    private static (AmazonEC2Client Client, AwsPipeline Pipeline) Ec2(ScriptedHandler handler, int port, int maxAttempts = 6)
    {
        var pipeline = new AwsPipeline(TestConnections.Create(endpoint: $"http://127.0.0.1:{port}"),
            new AwsPipelineOptions { MaxAttempts = maxAttempts, BaseDelay = TimeSpan.FromMilliseconds(1) }, handler);
        return (Ec2ClientFactory.Create(pipeline), pipeline);
    }

    [Fact]
    public async Task Ec2_throttling_is_retried_by_the_pipeline_which_slows_ec2_down_and_says_so()
    {
        var calls = 0;
        var handler = new ScriptedHandler((_, _) => Interlocked.Increment(ref calls) == 1
            ? Ec2Error(HttpStatusCode.ServiceUnavailable, "RequestLimitExceeded") : Ok(OneSubnet, "text/xml"));
        var (client, pipeline) = Ec2(handler, port: 11);
        using var ec2 = client;
        var sent = new List<string>();
        var retries = new List<string>();
        var lowered = new List<string>();
        pipeline.RequestSent += (service, operation) => sent.Add($"{service.SigningName}:{operation}");
        pipeline.Retrying += (service, operation, reason, _) => retries.Add($"{service.SigningName}:{operation} {reason}");
        pipeline.RateLowered += (service, operation, _) => lowered.Add($"{service.SigningName}:{operation}");

        var vpcs = await new Ec2NetworkSnapshot(ec2).ResolveVpcIdsAsync(["subnet-1"]);

        Assert.Equal("vpc-1", vpcs["subnet-1"]);
        Assert.Equal(["ec2:DescribeSubnets", "ec2:DescribeSubnets"], sent);
        Assert.Equal(["ec2:DescribeSubnets RequestLimitExceeded"], retries);
        Assert.Equal(["ec2:DescribeSubnets"], lowered);
        Assert.True(pipeline.RateLimiter.CurrentRate("ec2", "DescribeRouteTables") < 20, "EC2's shared bucket is slowed");
        Assert.All(handler.Bodies, body => Assert.Contains("Action=DescribeSubnets", body));
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, "RequestLimitExceeded", AwsErrorKind.Throttled, 3)]
    [InlineData(HttpStatusCode.InternalServerError, "InternalError", AwsErrorKind.ServiceFault, 3)]
    [InlineData(HttpStatusCode.Forbidden, "UnauthorizedOperation", AwsErrorKind.AccessDenied, 1)]
    public async Task Ec2_failures_get_the_pipelines_attempt_bound_and_error_mapping(HttpStatusCode status, string code, AwsErrorKind kind, int attempts)
    {
        var handler = new ScriptedHandler((_, _) => Ec2Error(status, code));
        var (client, _) = Ec2(handler, port: 12 + (int)kind, maxAttempts: 3);
        using var ec2 = client;

        var error = await Assert.ThrowsAsync<AwsServiceException>(() => new Ec2NetworkSnapshot(ec2).ResolveVpcIdsAsync(["subnet-1"]));

        Assert.Equal(kind, error.Kind);
        Assert.Equal(code, error.ErrorCode);
        Assert.Equal("ec2:DescribeSubnets", error.IamAction);
        Assert.Equal(attempts, handler.Bodies.Count);
    }

    private static NetworkPathService Service(ScriptedHandler handler) =>
        new AwsSession(TestConnections.Create(endpoint: "https://aws.test/"), new AwsPipelineOptions { MaxAttempts = 1 }, handler).Get<NetworkPathService>();

    private static HttpResponseMessage SecretValue(string secretString) =>
        Ok(System.Text.Json.JsonSerializer.Serialize(new { SecretString = secretString }), "application/x-amz-json-1.1");

    [Fact]
    public async Task Database_lookup_matches_the_host_to_rds_and_lists_rds_once_per_run()
    {
        var handler = new ScriptedHandler((target, body) => target == "secretsmanager.GetSecretValue"
            ? SecretValue("""{"engine":"postgres","host":"one.abc.us-east-1.rds.amazonaws.com","password":"x"}""")
            : body.StartsWith("Action=DescribeDBInstances")
                ? Ok($"<DescribeDBInstancesResponse {Ns}><DescribeDBInstancesResult><DBInstances>{Instance("one", "g", "vpc-1", "us-east-1b", ("subnet-a", "us-east-1a"), ("subnet-b", "us-east-1b"))}</DBInstances></DescribeDBInstancesResult></DescribeDBInstancesResponse>", "text/xml")
                : Ok($"<DescribeDBClustersResponse {Ns}><DescribeDBClustersResult><DBClusters/></DescribeDBClustersResult></DescribeDBClustersResponse>", "text/xml"));
        var service = Service(handler);

        var first = await service.DatabaseForSecretAsync("arn:1", CancellationToken.None);
        await service.DatabaseForSecretAsync("arn:2", CancellationToken.None);

        Assert.Null(first.NotCheckedReason);
        Assert.Equal(("one.abc.us-east-1.rds.amazonaws.com", 5432, "one", "vpc-1"), (first.Target!.Host, first.Target.Port, first.Target.ResourceId, first.Target.VpcId));
        Assert.Equal(["subnet-b"], first.Target.SubnetIds);
        Assert.Equal(["sg-one"], first.Target.SecurityGroupIds);
        Assert.Single(handler.Bodies, b => b.StartsWith("Action=DescribeDBInstances"));
        Assert.Equal(2, handler.Bodies.Count(b => b.Contains("SecretId")));
    }

    [Fact]
    public async Task Database_lookup_explains_a_refusal_and_retries_a_throttled_listing_later()
    {
        var throttle = true;
        var handler = new ScriptedHandler((target, body) =>
        {
            if (target == "secretsmanager.GetSecretValue")
                return body.Contains("denied")
                    ? new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StringContent("""{"__type":"AccessDeniedException","Message":"no"}""") }
                    : SecretValue("""{"host":"db.example","port":5432}""");
            if (throttle)
                return new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StringContent($"<ErrorResponse {Ns}><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>") };
            return body.StartsWith("Action=DescribeDBInstances")
                ? Ok($"<DescribeDBInstancesResponse {Ns}><DescribeDBInstancesResult><DBInstances/></DescribeDBInstancesResult></DescribeDBInstancesResponse>", "text/xml")
                : Ok($"<DescribeDBClustersResponse {Ns}><DescribeDBClustersResult><DBClusters/></DescribeDBClustersResult></DescribeDBClustersResponse>", "text/xml");
        });
        var service = Service(handler);

        var denied = await service.DatabaseForSecretAsync("prod/denied", CancellationToken.None);
        Assert.Null(denied.Target);
        Assert.Equal("secretsmanager:GetSecretValue was denied, so the secret's database host is unknown.", denied.NotCheckedReason);

        var throttled = await Assert.ThrowsAsync<AwsServiceException>(() => service.DatabaseForSecretAsync("prod/ok", CancellationToken.None));
        Assert.Equal(AwsErrorKind.Throttled, throttled.Kind);
        throttle = false;
        var later = await service.DatabaseForSecretAsync("prod/ok", CancellationToken.None);
        Assert.Equal(("db.example", 5432, null), (later.Target!.Host, later.Target.Port, later.Target.ResourceId));
    }

    [Theory]
    [InlineData("postgres", 5432)]
    [InlineData("aurora-mysql", 3306)]
    [InlineData("MariaDB", 3306)]
    [InlineData("sqlserver", 1433)]
    [InlineData("oracle", 1521)]
    [InlineData("redshift", 5439)]
    [InlineData("mongo", 27017)]
    [InlineData("db2", 50000)]
    [InlineData("cassandra", null)]
    [InlineData(null, null)]
    public void Default_ports_follow_the_rotation_templates(string? engine, int? port) =>
        Assert.Equal(port, NetworkPathService.DefaultPort(engine));
}
