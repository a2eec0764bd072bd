using RotationTroubleshooter.Aws;
using RotationTroubleshooter.Records;
using RotationTroubleshooter.Tests.Aws;

namespace RotationTroubleshooter.Tests.Records;

/// <summary>
/// The RDS, Redshift and Redshift Serverless reads of a database's records, against answers in the shapes of AWS's API
/// references (what moto 5.2.1 cannot serve: unhealthy proxy targets, custom endpoints, Serverless, paged parameters).
/// </summary>
public sealed class DatabaseRecordClientsTests
{
    private const string Rds = "xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"";
    private const string Redshift = "xmlns=\"http://redshift.amazonaws.com/doc/2012-12-01/\"";

    private static AwsPipeline Pipeline(ScriptedHandler handler) =>
        new(TestConnections.Create(endpoint: "https://aws.test/"), new AwsPipelineOptions { MaxAttempts = 1 }, handler);

    private static HttpResponseMessage Xml(string operation, string ns, string result) =>
        ScriptedHandler.Ok($"<{operation}Response {ns}><{operation}Result>{result}</{operation}Result></{operation}Response>", "text/xml");

    private static HttpResponseMessage NotFound(string code) => new(System.Net.HttpStatusCode.NotFound)
    {
        Content = new StringContent($"<ErrorResponse {Rds}><Error><Type>Sender</Type><Code>{code}</Code><Message>not found</Message></Error></ErrorResponse>"),
    };

    [Fact]
    public async Task An_instance_reads_with_its_engine_version_status_endpoint_and_groups()
    {
        var handler = new ScriptedHandler((_, body) => Xml("DescribeDBInstances", Rds, """
            <DBInstances><DBInstance>
              <DBInstanceIdentifier>orders</DBInstanceIdentifier><Engine>postgres</Engine><EngineVersion>15.4</EngineVersion>
              <DBInstanceStatus>stopped</DBInstanceStatus><MasterUsername>app</MasterUsername><DBName>orders</DBName>
              <Endpoint><Address>orders.c9akciq32.us-east-1.rds.amazonaws.com</Address><Port>5432</Port><HostedZoneId>Z2R2ITUGPM61AM</HostedZoneId></Endpoint>
              <DBParameterGroups><DBParameterGroup><DBParameterGroupName>orders-tls</DBParameterGroupName><ParameterApplyStatus>pending-reboot</ParameterApplyStatus></DBParameterGroup></DBParameterGroups>
              <OptionGroupMemberships><OptionGroupMembership><OptionGroupName>default:postgres-15</OptionGroupName><Status>in-sync</Status></OptionGroupMembership></OptionGroupMemberships>
            </DBInstance></DBInstances>
            """));

        var instance = Assert.Single(await new RdsClient(Pipeline(handler)).DescribeInstancesAsync("orders", CancellationToken.None));

        Assert.Equal(new RdsInstanceRecord("orders", "postgres", "15.4", "stopped", "orders.c9akciq32.us-east-1.rds.amazonaws.com", 5432,
            instance.ParameterGroups, instance.OptionGroups, null, "app", "orders"), instance);
        Assert.Equal([new ParameterGroupUse("orders-tls", "pending-reboot")], instance.ParameterGroups);
        Assert.Equal(["default:postgres-15"], instance.OptionGroups);
        Assert.Contains("DBInstanceIdentifier=orders", Assert.Single(handler.Bodies));
    }

    [Fact]
    public async Task A_missing_instance_or_group_reads_as_none_not_as_an_error()
    {
        var handler = new ScriptedHandler((_, body) => body.Contains("DescribeDBInstances") ? NotFound("DBInstanceNotFound")
            : body.Contains("DescribeOptionGroups") ? NotFound("OptionGroupNotFoundFault") : NotFound("DBParameterGroupNotFound"));
        var rds = new RdsClient(Pipeline(handler));

        Assert.Empty(await rds.DescribeInstancesAsync("gone", CancellationToken.None));
        Assert.Null(await rds.DescribeOptionGroupAsync("default:oracle-ee-19", CancellationToken.None));
        Assert.Null(await rds.DescribeParametersAsync("default.postgres15", [EngineParameters.ForceSsl], CancellationToken.None));
    }

    [Fact]
    public async Task Parameters_are_read_across_pages_and_only_the_ones_asked_for_are_kept()
    {
        var handler = new ScriptedHandler((_, body) => body.Contains("Marker=page-2")
            ? Xml("DescribeDBParameters", Rds, """
                <Parameters><Parameter><ParameterName>password_encryption</ParameterName><Source>engine-default</Source><ApplyType>dynamic</ApplyType><IsModifiable>true</IsModifiable></Parameter></Parameters>
                """)
            : Xml("DescribeDBParameters", Rds, """
                <Marker>page-2</Marker><Parameters>
                  <Parameter><ParameterName>log_connections</ParameterName><ParameterValue>1</ParameterValue><Source>user</Source></Parameter>
                  <Parameter><ParameterName>rds.force_ssl</ParameterName><ParameterValue>1</ParameterValue><Source>user</Source><ApplyType>dynamic</ApplyType></Parameter>
                </Parameters>
                """));

        var parameters = await new RdsClient(Pipeline(handler))
            .DescribeParametersAsync("orders-tls", [EngineParameters.ForceSsl, EngineParameters.PasswordEncryption], CancellationToken.None);

        Assert.Equal([new DatabaseParameter("rds.force_ssl", "1", "user", "dynamic"), new DatabaseParameter("password_encryption", null, "engine-default", "dynamic")],
            parameters);
        Assert.Equal(2, handler.Bodies.Count);
        Assert.All(handler.Bodies, b => Assert.Contains("DBParameterGroupName=orders-tls", b));
    }

    [Fact]
    public async Task A_cluster_reads_its_endpoints_group_and_the_members_pending_group()
    {
        var handler = new ScriptedHandler((_, body) => body.StartsWith("Action=DescribeDBClusterEndpoints")
            ? Xml("DescribeDBClusterEndpoints", Rds, """
                <DBClusterEndpoints><DBClusterEndpointList>
                  <DBClusterEndpointIdentifier>analytics</DBClusterEndpointIdentifier><DBClusterIdentifier>reports</DBClusterIdentifier>
                  <Endpoint>analytics.cluster-custom-abc.us-east-1.rds.amazonaws.com</Endpoint><EndpointType>CUSTOM</EndpointType><Status>available</Status>
                </DBClusterEndpointList></DBClusterEndpoints>
                """)
            : Xml("DescribeDBClusters", Rds, """
                <DBClusters><DBCluster>
                  <DBClusterIdentifier>reports</DBClusterIdentifier><Engine>aurora-postgresql</Engine><EngineVersion>16.3</EngineVersion><Status>available</Status>
                  <Endpoint>reports.cluster-abc.us-east-1.rds.amazonaws.com</Endpoint><ReaderEndpoint>reports.cluster-ro-abc.us-east-1.rds.amazonaws.com</ReaderEndpoint>
                  <CustomEndpoints><member>analytics.cluster-custom-abc.us-east-1.rds.amazonaws.com</member></CustomEndpoints>
                  <Port>5432</Port><DBClusterParameterGroup>reports-tls</DBClusterParameterGroup><MasterUsername>app</MasterUsername>
                  <DBClusterMembers>
                    <DBClusterMember><DBInstanceIdentifier>reports-1</DBInstanceIdentifier><IsClusterWriter>true</IsClusterWriter><DBClusterParameterGroupStatus>in-sync</DBClusterParameterGroupStatus></DBClusterMember>
                    <DBClusterMember><DBInstanceIdentifier>reports-2</DBInstanceIdentifier><IsClusterWriter>false</IsClusterWriter><DBClusterParameterGroupStatus>pending-reboot</DBClusterParameterGroupStatus></DBClusterMember>
                  </DBClusterMembers>
                </DBCluster></DBClusters>
                """));
        var rds = new RdsClient(Pipeline(handler));

        var cluster = Assert.Single(await rds.DescribeClustersAsync("reports", CancellationToken.None));
        var endpoint = Assert.Single(await rds.DescribeClusterEndpointsAsync("reports", CancellationToken.None));

        Assert.Equal(("aurora-postgresql", "16.3", "reports-tls", "pending-reboot", 5432), (cluster.Engine, cluster.EngineVersion, cluster.ParameterGroup, cluster.ParameterGroupStatus, cluster.Port));
        Assert.Equal(["analytics.cluster-custom-abc.us-east-1.rds.amazonaws.com"], cluster.CustomEndpoints);
        Assert.Equal(new RdsClusterEndpointRecord("analytics", "reports", "analytics.cluster-custom-abc.us-east-1.rds.amazonaws.com", "CUSTOM", "available"), endpoint);
    }

    [Fact]
    public async Task A_proxy_reads_its_tls_demand_auth_endpoints_and_the_targets_health_in_awss_words()
    {
        var handler = new ScriptedHandler((_, body) =>
        {
            if (body.StartsWith("Action=DescribeDBProxyTargets"))
                return Xml("DescribeDBProxyTargets", Rds, """
                    <Targets><member>
                      <Endpoint>orders.c9akciq32.us-east-1.rds.amazonaws.com</Endpoint><RdsResourceId>orders</RdsResourceId><Port>5432</Port><Type>RDS_INSTANCE</Type>
                      <TargetHealth><State>UNAVAILABLE</State><Reason>AUTH_FAILURE</Reason><Description>Proxy does not have any registered credentials&#x9b;31m</Description></TargetHealth>
                    </member></Targets>
                    """);
            if (body.StartsWith("Action=DescribeDBProxyEndpoints"))
                return Xml("DescribeDBProxyEndpoints", Rds, """
                    <DBProxyEndpoints><member>
                      <DBProxyEndpointName>orders-ro</DBProxyEndpointName><DBProxyName>orders-proxy</DBProxyName><Status>available</Status>
                      <Endpoint>orders-ro.endpoint.proxy-abc.us-east-1.rds.amazonaws.com</Endpoint><TargetRole>READ_ONLY</TargetRole><IsDefault>false</IsDefault>
                    </member></DBProxyEndpoints>
                    """);
            return Xml("DescribeDBProxies", Rds, """
                <DBProxies><member>
                  <DBProxyName>orders-proxy</DBProxyName><Status>available</Status><EngineFamily>POSTGRESQL</EngineFamily><VpcId>vpc-1</VpcId>
                  <Endpoint>orders-proxy.proxy-abc.us-east-1.rds.amazonaws.com</Endpoint><RequireTLS>true</RequireTLS>
                  <Auth><member><AuthScheme>SECRETS</AuthScheme><SecretArn>arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-AbCdEf</SecretArn><IAMAuth>DISABLED</IAMAuth><ClientPasswordAuthType>POSTGRES_SCRAM_SHA_256</ClientPasswordAuthType></member></Auth>
                </member></DBProxies>
                """);
        });
        var rds = new RdsClient(Pipeline(handler));

        var proxy = Assert.Single(await rds.DescribeProxiesAsync("orders-proxy", CancellationToken.None));
        var endpoint = Assert.Single(await rds.DescribeProxyEndpointsAsync("orders-proxy", CancellationToken.None));
        var target = Assert.Single(await rds.DescribeProxyTargetsAsync("orders-proxy", CancellationToken.None));

        Assert.True(proxy.RequireTls);
        Assert.Equal(new RdsProxyAuth("SECRETS", "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-AbCdEf", "DISABLED", "POSTGRES_SCRAM_SHA_256"), Assert.Single(proxy.Auth));
        Assert.Equal(new RdsProxyEndpointRecord("orders-ro", "orders-proxy", "orders-ro.endpoint.proxy-abc.us-east-1.rds.amazonaws.com", "available", "READ_ONLY", false), endpoint);
        Assert.Equal(("UNAVAILABLE", "AUTH_FAILURE", 5432), (target.HealthState, target.HealthReason, target.Port));
        // AWS's words are data: the escape character never reaches a terminal.
        Assert.StartsWith("Proxy does not have any registered credentials", target.HealthDescription);
        Assert.DoesNotContain('\u009b', target.HealthDescription!);
    }

    [Fact]
    public async Task An_option_group_reads_its_options_ports_and_settings()
    {
        var handler = new ScriptedHandler((_, _) => Xml("DescribeOptionGroups", Rds, """
            <OptionGroupsList><OptionGroup>
              <OptionGroupName>ledger-nne</OptionGroupName><EngineName>oracle-ee</EngineName><MajorEngineVersion>19</MajorEngineVersion>
              <Options>
                <Option><OptionName>NATIVE_NETWORK_ENCRYPTION</OptionName><OptionSettings>
                  <OptionSetting><Name>SQLNET.ENCRYPTION_SERVER</Name><Value>REQUIRED</Value></OptionSetting>
                  <OptionSetting><Name>SQLNET.CRYPTO_CHECKSUM_SERVER</Name><Value>REQUESTED</Value></OptionSetting>
                </OptionSettings></Option>
                <Option><OptionName>SSL</OptionName><Port>2484</Port><OptionSettings><OptionSetting><Name>SQLNET.SSL_VERSION</Name><Value>1.2</Value></OptionSetting></OptionSettings></Option>
              </Options>
            </OptionGroup></OptionGroupsList>
            """));

        var group = await new RdsClient(Pipeline(handler)).DescribeOptionGroupAsync("ledger-nne", CancellationToken.None);

        Assert.Equal(("ledger-nne", "oracle-ee", "19"), (group!.Name, group.EngineName, group.MajorEngineVersion));
        var nne = group.Options.Single(o => o.Name == "NATIVE_NETWORK_ENCRYPTION");
        Assert.Equal("REQUIRED", nne.Settings["sqlnet.encryption_server"]);
        Assert.Equal(2484, group.Options.Single(o => o.Name == "SSL").Port);
    }

    [Fact]
    public async Task A_redshift_cluster_reads_its_status_endpoint_group_and_require_ssl()
    {
        var handler = new ScriptedHandler((_, body) => body.StartsWith("Action=DescribeClusterParameters")
            ? Xml("DescribeClusterParameters", Redshift, """
                <Parameters>
                  <Parameter><ParameterName>datestyle</ParameterName><ParameterValue>ISO, MDY</ParameterValue><Source>engine-default</Source></Parameter>
                  <Parameter><ParameterName>require_ssl</ParameterName><ParameterValue>true</ParameterValue><Source>user</Source><ApplyType>static</ApplyType></Parameter>
                </Parameters>
                """)
            : Xml("DescribeClusters", Redshift, """
                <Clusters><Cluster>
                  <ClusterIdentifier>warehouse</ClusterIdentifier><ClusterStatus>paused</ClusterStatus><DBName>dev</DBName><MasterUsername>admin</MasterUsername>
                  <Endpoint><Address>warehouse.abc123.us-east-1.redshift.amazonaws.com</Address><Port>5439</Port></Endpoint>
                  <ClusterParameterGroups><ClusterParameterGroup><ParameterGroupName>warehouse-tls</ParameterGroupName><ParameterApplyStatus>in-sync</ParameterApplyStatus></ClusterParameterGroup></ClusterParameterGroups>
                </Cluster></Clusters>
                """));
        var redshift = new RedshiftClient(Pipeline(handler));

        var cluster = Assert.Single(await redshift.DescribeClustersAsync("warehouse", CancellationToken.None));
        var parameters = await redshift.DescribeClusterParametersAsync("warehouse-tls", [EngineParameters.RequireSsl], CancellationToken.None);

        Assert.Equal(new RedshiftClusterRecord("warehouse", "paused", "warehouse.abc123.us-east-1.redshift.amazonaws.com", 5439, cluster.ParameterGroups, "dev", "admin"), cluster);
        Assert.Equal([new ParameterGroupUse("warehouse-tls", "in-sync")], cluster.ParameterGroups);
        Assert.Equal([new DatabaseParameter("require_ssl", "true", "user", "static")], parameters);
        Assert.Contains("Version=2012-12-01", handler.Bodies[0]);
    }

    [Fact]
    public async Task A_serverless_workgroup_reads_its_endpoint_and_config_parameters_over_awsjson()
    {
        var handler = new ScriptedHandler((target, body) => target == "RedshiftServerless.GetWorkgroup" && !body.Contains("gone")
            ? ScriptedHandler.Ok("""
                {"workgroup":{"workgroupName":"sales","namespaceName":"sales-ns","status":"AVAILABLE","port":5439,
                 "endpoint":{"address":"sales.123456789012.us-east-1.redshift-serverless.amazonaws.com","port":5439,"vpcEndpoints":[]},
                 "configParameters":[{"parameterKey":"require_ssl","parameterValue":"true"},{"parameterKey":"search_path","parameterValue":"$user, public"}]}}
                """, "application/x-amz-json-1.1")
            : new HttpResponseMessage(System.Net.HttpStatusCode.BadRequest)
            {
                Content = new StringContent("""{"__type":"ResourceNotFoundException","message":"Workgroup not found"}"""),
            });
        var serverless = new RedshiftServerlessClient(Pipeline(handler));

        var workgroup = await serverless.GetWorkgroupAsync("sales", CancellationToken.None);

        Assert.Equal(("sales", "AVAILABLE", "sales.123456789012.us-east-1.redshift-serverless.amazonaws.com", 5439),
            (workgroup!.Name, workgroup.Status, workgroup.Address, workgroup.Port));
        Assert.Contains(new DatabaseParameter("require_ssl", "true", null, null), workgroup.ConfigParameters);
        Assert.Equal("""{"workgroupName":"sales"}""", handler.Bodies[0]);
        Assert.Null(await serverless.GetWorkgroupAsync("gone", CancellationToken.None));
    }
}
