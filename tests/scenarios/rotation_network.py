"""Rotation functions, RDS databases and secrets on top of the network scenarios, for Test-RotationNetwork.

For each scenario of tests/scenarios/network/network_scenarios.py (each in its own VPC) this seeds:
- a Lambda function '<scenario>' in the scenario's function subnets and security group, with the role
  'rotation-function-role' (the principal the endpoint policies name) and SECRETS_MANAGER_ENDPOINT set to the public name;
- an RDS PostgreSQL instance '<scenario>-db' in the scenario's database subnet and security group;
- a secret 'prod/<scenario>' whose JSON host is that instance's endpoint, rotating with the function.
Plus: 'cluster-reader' (a secret naming an Aurora cluster's reader endpoint in the endpoint-healthy layout),
'not-rds' (a host that is no RDS endpoint), 'shared-1' and 'shared-2' (two functions in one VPC) and 'no-vpc'
(a function outside any VPC). Prints {scenario: {function, secret, dbHost, ...the network ids}}.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "network"))
import network_scenarios as ns  # noqa: E402
from aws import ACCOUNT, REGION, client, emit, handler_zip  # noqa: E402

# Every blocked variant and its fixed twin; all of them unless RT_NETWORK_SCENARIOS names some.
SCENARIOS = os.environ.get("RT_NETWORK_SCENARIOS", "").split() or list(ns.SCENARIOS)
DB_PASSWORD = "seed-only-password-1"

ec2, rds, lam, sm, iam = (client(s) for s in ("ec2", "rds", "lambda", "secretsmanager", "iam"))


def role():
    name = ns.ROLE_ARN.rsplit("/", 1)[1]
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    try:
        return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        return iam.get_role(RoleName=name)["Role"]["Arn"]


def function(name, role_arn, subnets=None, groups=None):
    extra = {"VpcConfig": {"SubnetIds": subnets, "SecurityGroupIds": groups}} if subnets else {}
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=role_arn, Handler="lambda_function.lambda_handler",
                        Code={"ZipFile": handler_zip()}, Timeout=30,
                        Environment={"Variables": {"SECRETS_MANAGER_ENDPOINT": f"https://secretsmanager.{REGION}.amazonaws.com"}}, **extra)
    lam.add_permission(FunctionName=name, StatementId="SecretsManagerAccess", Action="lambda:InvokeFunction",
                       Principal="secretsmanager.amazonaws.com")
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def database(name, db):
    rds.create_db_subnet_group(DBSubnetGroupName=f"{name}-subnets", DBSubnetGroupDescription=name, SubnetIds=db["subnets"])
    instance = rds.create_db_instance(DBInstanceIdentifier=f"{name}-db", Engine="postgres", DBInstanceClass="db.t3.micro",
                                      MasterUsername="postgres", MasterUserPassword=DB_PASSWORD, AllocatedStorage=20,
                                      DBSubnetGroupName=f"{name}-subnets", VpcSecurityGroupIds=db["groups"], Port=db["port"])["DBInstance"]
    return instance["Endpoint"]["Address"]


def secret(name, function_arn, host, port=5432):
    value = {"engine": "postgres", "host": host, "port": port, "username": "app", "password": DB_PASSWORD, "dbname": "orders"}
    arn = sm.create_secret(Name=f"prod/{name}", SecretString=json.dumps(value))["ARN"]
    sm.rotate_secret(SecretId=arn, RotationLambdaARN=function_arn, RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
    # moto's Lambda runs no steps: take away the AWSPENDING label it leaves, as a finished rotation would.
    for version, stages in sm.describe_secret(SecretId=arn)["VersionIdsToStages"].items():
        if "AWSPENDING" in stages and "AWSCURRENT" not in stages:
            sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=version)
    return arn


def main():
    role_arn = role()
    seeded = {}
    for name in SCENARIOS:
        net = ns.SCENARIOS[name](ec2)
        host = database(name, net["database"])
        function_arn = function(name, role_arn, net["functionSubnets"], net["functionGroups"])
        seeded[name] = dict(net, function=name, secret=secret(name, function_arn, host), dbHost=host, dbInstance=f"{name}-db")

    # An Aurora cluster named by its reader endpoint, reachable like endpoint-healthy.
    net = ns.healthy(ec2).result()
    rds.create_db_subnet_group(DBSubnetGroupName="cluster-reader-subnets", DBSubnetGroupDescription="cluster", SubnetIds=net["database"]["subnets"])
    cluster = rds.create_db_cluster(DBClusterIdentifier="orders-cluster", Engine="aurora-postgresql", MasterUsername="postgres",
                                    MasterUserPassword=DB_PASSWORD, DBSubnetGroupName="cluster-reader-subnets",
                                    VpcSecurityGroupIds=net["database"]["groups"], Port=5432)["DBCluster"]
    arn = function("cluster-reader", role_arn, net["functionSubnets"], net["functionGroups"])
    seeded["cluster-reader"] = dict(net, function="cluster-reader", secret=secret("cluster-reader", arn, cluster["ReaderEndpoint"]),
                                    dbHost=cluster["ReaderEndpoint"], dbCluster="orders-cluster")

    # A host no RDS endpoint names: only the function's side is checked.
    net = ns.healthy(ec2).result()
    arn = function("not-rds", role_arn, net["functionSubnets"], net["functionGroups"])
    seeded["not-rds"] = dict(net, function="not-rds", secret=secret("not-rds", arn, "db.internal.example", 5432), dbHost="db.internal.example")

    # Two functions sharing one VPC: its EC2 description is fetched once.
    net = ns.healthy(ec2).result()
    host = database("shared", net["database"])
    for name in ("shared-1", "shared-2"):
        arn = function(name, role_arn, net["functionSubnets"], net["functionGroups"])
        seeded[name] = dict(net, function=name, secret=secret(name, arn, host), dbHost=host)

    arn = function("no-vpc", role_arn)
    seeded["no-vpc"] = {"function": "no-vpc", "secret": secret("no-vpc", arn, "db.public.example")}
    seeded["unrotated"] = sm.create_secret(Name="prod/unrotated", SecretString="{}")["ARN"]
    emit(seeded)


main()
