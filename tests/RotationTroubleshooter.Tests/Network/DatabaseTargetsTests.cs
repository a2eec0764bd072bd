using RotationTroubleshooter.Network;
namespace RotationTroubleshooter.Tests.Network;

public sealed class DatabaseTargetsTests
{
    private static readonly RdsDatabase Instance = new("orders-db", ["orders-db.abc123.us-east-1.rds.amazonaws.com"], 5432, "vpc-1",
        [new RdsSubnet("subnet-a", "us-east-1a"), new RdsSubnet("subnet-b", "us-east-1b")], ["sg-db"], "us-east-1b");

    private static readonly RdsDatabase Cluster = new("billing", ["billing.cluster-abc123.us-east-1.rds.amazonaws.com", "billing.cluster-ro-abc123.us-east-1.rds.amazonaws.com"],
        3306, "vpc-2", [new RdsSubnet("subnet-c", "us-east-1a"), new RdsSubnet("subnet-d", "us-east-1c")], ["sg-billing"]);

    [Fact]
    public void An_instance_endpoint_maps_to_the_subnets_of_its_zone()
    {
        var target = DatabaseTargets.Resolve("Orders-DB.abc123.us-east-1.rds.amazonaws.com.", null, 5432, [Cluster, Instance]);

        Assert.Equal("orders-db", target.ResourceId);
        Assert.Equal("vpc-1", target.VpcId);
        Assert.Equal(["subnet-b"], target.SubnetIds);
        Assert.Equal(["sg-db"], target.SecurityGroupIds);
        Assert.True(target.IsRdsEndpoint);
    }

    [Fact]
    public void A_cluster_reader_endpoint_maps_to_all_cluster_subnets_and_the_secret_port_wins()
    {
        var target = DatabaseTargets.Resolve("billing.cluster-ro-abc123.us-east-1.rds.amazonaws.com", 3307, 3306, [Instance, Cluster]);

        Assert.Equal("billing", target.ResourceId);
        Assert.Equal(["subnet-c", "subnet-d"], target.SubnetIds);
        Assert.Equal(3307, target.Port);
    }

    [Fact]
    public void A_host_no_rds_endpoint_matches_is_not_an_rds_target()
    {
        var target = DatabaseTargets.Resolve("db.internal.example.com", null, 5432, [Instance, Cluster]);

        Assert.False(target.IsRdsEndpoint);
        Assert.Equal(5432, target.Port);
        Assert.Empty(target.SubnetIds);
    }
}
