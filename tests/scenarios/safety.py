"""The world the safety suites run every cmdlet against: every kind of secret version holds a unique canary value.

- safety/rotated: AWSPREVIOUS, AWSCURRENT and a stuck AWSPENDING version, each with its own canary password and
  api_key; rotated by a function named like AWS's single-user PostgreSQL template, deployed by stack safety-rotation;
- safety/multi-user: multi-user secret whose masterarn names safety/master (current and previous canaries);
- safety/not-json (a canary as plain text), safety/broken-json (JSON cut short around a canary),
  safety/binary (SecretBinary canary bytes), safety/key-missing (no host), all rotated by the same function;
- safety/managed: the secret RDS manages for DB instance safety-db (ManageMasterUserPassword, rotation on, no
  function), its value replaced by a canary: the managed-rotation checks read RDS, never the value;
- safety/redshift-admin: a secret Redshift owns for cluster safety-warehouse (tagged as Redshift tags it; moto's Redshift
  cannot manage one itself), rotation on, a canary value;
- a log group per function with a few rotation lines, so that log readers have something to read.
The secrets name a PostgreSQL on 127.0.0.1: the test server in RT_TEST_SERVERS's servers.json when it runs (the
canary passwords are then rejected logins), else a closed port (an unreachable database).
Prints {"secrets": {...}, "functions": [...], "canaries": [...]} (canaries also as base64, as a binary leaks).
"""
import base64
import json
import os
import socket
import time
import uuid

from aws import ACCOUNT, REGION, client, create_function, create_stack, emit, ensure_role, handler_zip

sm = client("secretsmanager")
lam = client("lambda")
logs = client("logs")
RUN = uuid.uuid4().hex[:8]


def database_port():
    servers = os.environ.get("RT_TEST_SERVERS")
    if servers and os.path.exists(servers):
        return json.load(open(servers))["postgresScram"]["port"]
    with socket.socket() as s:  # bound, then closed: nothing listens there
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


DB_PORT = database_port()
canaries = []


def canary(label):
    value = f"RtCanary{label}{RUN}"
    canaries.append(value)
    return value


def postgres(label, **extra):
    return json.dumps(dict({"engine": "postgres", "host": "127.0.0.1", "port": DB_PORT,
                            "username": "app", "password": canary(label), "api_key": canary(label + "Key"), "dbname": "orders"}, **extra))


def function(name, **extra):
    code = handler_zip()
    create_function(name, runtime="python3.12", tags={"aws:cloudformation:stack-name": "safety-rotation"}, code=code, **extra)
    # The proxy serves the bundle from here (Code.Location names a host moto does not serve).
    if os.environ.get("RT_SAFETY_CODE_DIR"):
        os.makedirs(os.path.join(os.environ["RT_SAFETY_CODE_DIR"], "functions"), exist_ok=True)
        with open(os.path.join(os.environ["RT_SAFETY_CODE_DIR"], "functions", f"{name}.zip"), "wb") as f:
            f.write(code)
    lam.add_permission(FunctionName=name, StatementId="SecretsManagerAccess", Action="lambda:InvokeFunction",
                       Principal="secretsmanager.amazonaws.com")
    group = f"/aws/lambda/{name}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="2026/01/01/[$LATEST]safety")
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName="2026/01/01/[$LATEST]safety", logEvents=[
        {"timestamp": now - 3000, "message": "START RequestId: 6f1c0d2e-0000-4000-8000-000000000001 Version: $LATEST"},
        {"timestamp": now - 2000, "message": "[INFO]\t2026-01-01T00:00:00.000Z\t6f1c0d2e-0000-4000-8000-000000000001\tFound credentials in environment variables."},
        {"timestamp": now - 1000, "message": "END RequestId: 6f1c0d2e-0000-4000-8000-000000000001"},
    ])
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def configure_rotation(arn, function_arn):
    # RotateImmediately=False leaves a pending copy of the current value; the seeds place their own pending versions.
    sm.rotate_secret(SecretId=arn, RotationLambdaARN=function_arn, RotationRules={"AutomaticallyAfterDays": 30},
                     RotateImmediately=False)
    for version, stages in sm.describe_secret(SecretId=arn)["VersionIdsToStages"].items():
        if "AWSPENDING" in stages and "AWSCURRENT" not in stages:
            sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=version)


create_stack("safety-rotation")
# The multi-user function runs in a VPC (network checks read it) under a role with inline and managed policies, and its secret uses a customer managed key (the KMS
# permission check reads the role's policies and the key policy).
ec2 = client("ec2")
vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.1.0/24", AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]
group = ec2.create_security_group(GroupName="safety-rotation", Description="safety", VpcId=vpc)["GroupId"]
iam = client("iam")
role = ensure_role()
# Neither grants kms:Decrypt, so the check goes on to read the key policy.
describe = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["kms:DescribeKey"], "Resource": "*"}]})
iam.put_role_policy(RoleName="rotation-lambda-role", PolicyName="safety-inline", PolicyDocument=describe)
managed = iam.create_policy(PolicyName="safety-managed", PolicyDocument=describe)["Policy"]["Arn"]
iam.attach_role_policy(RoleName="rotation-lambda-role", PolicyArn=managed)
key = client("kms").create_key(Description="safety")["KeyMetadata"]["Arn"]
single = function("SecretsManagerRDSPostgreSQLRotationSingleUser")
# RT_SAFETY_VPC ({"subnet", "group"}) names another moto's subnet and group instead: the least-privilege suite reads
# Lambda from one moto and EC2 from another, so the function must name the EC2 moto's ids.
if os.environ.get("RT_SAFETY_VPC"):
    given = json.loads(os.environ["RT_SAFETY_VPC"])
    subnet, group = given["subnet"], given["group"]
multi = function("SecretsManagerRDSPostgreSQLRotationMultiUser", VpcConfig={"SubnetIds": [subnet], "SecurityGroupIds": [group]})
secrets = {}

rotated = sm.create_secret(Name="safety/rotated", SecretString=postgres("Previous"))["ARN"]
configure_rotation(rotated, single)
sm.put_secret_value(SecretId=rotated, SecretString=postgres("Current"))
sm.put_secret_value(SecretId=rotated, SecretString=postgres("Pending"), VersionStages=["AWSPENDING"])
secrets["rotated"] = rotated

master = sm.create_secret(Name="safety/master", SecretString=postgres("MasterPrevious", username="postgres"))["ARN"]
sm.put_secret_value(SecretId=master, SecretString=postgres("MasterCurrent", username="postgres"))
secrets["master"] = master
secrets["multi-user"] = sm.create_secret(Name="safety/multi-user", SecretString=postgres("MultiUser", masterarn=master), KmsKeyId=key)["ARN"]
configure_rotation(secrets["multi-user"], multi)

for key, value in [("not-json", canary("PlainText")),
                   ("broken-json", '{"engine":"postgres","password":"' + canary("BrokenJson") + '",'),
                   ("key-missing", json.dumps({"engine": "postgres", "username": "app", "password": canary("KeyMissing")}))]:
    secrets[key] = sm.create_secret(Name=f"safety/{key}", SecretString=value)["ARN"]
    configure_rotation(secrets[key], single)

binary = canary("Binary").encode()
secrets["binary"] = sm.create_secret(Name="safety/binary", SecretBinary=binary)["ARN"]
configure_rotation(secrets["binary"], single)
canaries.append(base64.b64encode(binary).decode())

rds = client("rds")
managed = rds.create_db_instance(DBInstanceIdentifier="safety-db", Engine="postgres", DBInstanceClass="db.t3.micro", MasterUsername="dbadmin",
                                 ManageMasterUserPassword=True, AllocatedStorage=20)["DBInstance"]["MasterUserSecret"]["SecretArn"]
sm.rotate_secret(SecretId=managed, RotationRules={"AutomaticallyAfterDays": 7}, RotateImmediately=False)
sm.put_secret_value(SecretId=managed, SecretString=json.dumps({"username": "dbadmin", "password": canary("Managed")}))
secrets["managed"] = managed
client("redshift").create_cluster(ClusterIdentifier="safety-warehouse", NodeType="ra3.xlplus", MasterUsername="dbadmin",
                                  MasterUserPassword="NotASecret1", ClusterType="single-node")
secrets["redshift-admin"] = sm.create_secret(
    Name="safety/redshift-admin", SecretString=json.dumps({"username": "dbadmin", "password": canary("Redshift")}),
    Tags=[{"Key": "aws:redshift:primaryclusterarn", "Value": f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:safety-warehouse"},
          {"Key": "aws:secretsmanager:owningService", "Value": "redshift"}])["ARN"]
sm.rotate_secret(SecretId=secrets["redshift-admin"], RotationRules={"AutomaticallyAfterDays": 7}, RotateImmediately=False)

emit({"secrets": secrets, "functions": ["SecretsManagerRDSPostgreSQLRotationSingleUser", "SecretsManagerRDSPostgreSQLRotationMultiUser"],
      "vpc": {"subnet": subnet, "group": group},
      "canaries": canaries})
