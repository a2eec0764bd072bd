"""Seeds what RDS and Redshift record about databases into moto through boto3, for the database-record clients' tests.

Usage: python3 rds_records.py <endpoint-url>
Prints one JSON object with the names and endpoints the tests look up. What moto 5.2.1 cannot hold (a proxy target's
unhealthy TargetHealth, proxy and cluster custom endpoints, default groups, Redshift's require_ssl=true, Serverless
workgroups, DocumentDB clusters) is not seeded here: docs/reference/rds-records.md, "What moto 5.2.1 serves".
"""
import json
import sys

import boto3

REGION = "us-east-1"


def main(url):
    session = dict(endpoint_url=url, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
    rds = boto3.client("rds", **session)
    ec2 = boto3.client("ec2", **session)
    redshift = boto3.client("redshift", **session)

    # PostgreSQL 15 with a custom group that demands TLS and SCRAM, stopped.
    rds.create_db_parameter_group(DBParameterGroupName="orders-tls", DBParameterGroupFamily="postgres15", Description="TLS and SCRAM")
    rds.modify_db_parameter_group(DBParameterGroupName="orders-tls", Parameters=[
        {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"},
        {"ParameterName": "password_encryption", "ParameterValue": "scram-sha-256", "ApplyMethod": "immediate"},
        {"ParameterName": "log_connections", "ParameterValue": "1", "ApplyMethod": "immediate"},
    ])
    orders = rds.create_db_instance(DBInstanceIdentifier="orders", Engine="postgres", EngineVersion="15.4", DBInstanceClass="db.t3.micro",
                                    MasterUsername="app", MasterUserPassword="not-a-real-password", AllocatedStorage=20,
                                    DBParameterGroupName="orders-tls")["DBInstance"]
    rds.stop_db_instance(DBInstanceIdentifier="orders")

    # Oracle with an option group that requires native network encryption.
    rds.create_option_group(OptionGroupName="ledger-nne", EngineName="oracle-ee", MajorEngineVersion="19", OptionGroupDescription="NNE")
    rds.modify_option_group(OptionGroupName="ledger-nne", ApplyImmediately=True, OptionsToInclude=[{
        "OptionName": "NATIVE_NETWORK_ENCRYPTION",
        "OptionSettings": [{"Name": "SQLNET.ENCRYPTION_SERVER", "Value": "REQUIRED"},
                           {"Name": "SQLNET.CRYPTO_CHECKSUM_SERVER", "Value": "REQUESTED"}]}])
    rds.create_db_instance(DBInstanceIdentifier="ledger", Engine="oracle-ee", EngineVersion="19.0.0.0.ru-2024-01.rur-2024-01.r1",
                           DBInstanceClass="db.m5.large", MasterUsername="admin", MasterUserPassword="not-a-real-password",
                           AllocatedStorage=20, OptionGroupName="ledger-nne", LicenseModel="bring-your-own-license")

    # Aurora PostgreSQL with a cluster group that demands TLS, and one member.
    rds.create_db_cluster_parameter_group(DBClusterParameterGroupName="reports-tls", DBParameterGroupFamily="aurora-postgresql16",
                                          Description="TLS")
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName="reports-tls", Parameters=[
        {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "pending-reboot"}])
    reports = rds.create_db_cluster(DBClusterIdentifier="reports", Engine="aurora-postgresql", EngineVersion="16.3", MasterUsername="app",
                                    MasterUserPassword="not-a-real-password", DBClusterParameterGroupName="reports-tls")["DBCluster"]
    rds.create_db_instance(DBInstanceIdentifier="reports-1", Engine="aurora-postgresql", DBInstanceClass="db.r6g.large",
                           DBClusterIdentifier="reports")

    # An RDS Proxy that demands TLS, in front of the orders instance.
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.40.{i}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"]
               for i, zone in ((1, "a"), (2, "b"))]
    proxy = rds.create_db_proxy(DBProxyName="orders-proxy", EngineFamily="POSTGRESQL", RequireTLS=True,
                                RoleArn="arn:aws:iam::123456789012:role/orders-proxy", VpcSubnetIds=subnets,
                                Auth=[{"AuthScheme": "SECRETS", "IAMAuth": "DISABLED",
                                       "SecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-AbCdEf"}])["DBProxy"]
    rds.register_db_proxy_targets(DBProxyName="orders-proxy", DBInstanceIdentifiers=["orders"])

    # A paused Redshift cluster on the default parameter group.
    warehouse = redshift.create_cluster(ClusterIdentifier="warehouse", NodeType="ra3.xlplus", ClusterType="single-node",
                                        MasterUsername="admin", MasterUserPassword="Not-a-real-password1")["Cluster"]
    redshift.pause_cluster(ClusterIdentifier="warehouse")

    json.dump({
        "orders": {"endpoint": orders["Endpoint"]["Address"], "port": orders["Endpoint"]["Port"]},
        "reports": {"writer": reports["Endpoint"], "reader": reports["ReaderEndpoint"]},
        "proxy": {"endpoint": proxy["Endpoint"]},
        "warehouse": {"endpoint": warehouse["Endpoint"]["Address"], "port": warehouse["Endpoint"]["Port"]},
    }, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
