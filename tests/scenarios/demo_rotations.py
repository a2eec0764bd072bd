"""The demo's world: seven broken rotations, one for each problem in AWS's troubleshooting guide, and a healthy one,
with the databases RDS records for them.

Each secret has its own PostgreSQL rotation function (named like AWS's template) and that function's CloudWatch log
group holds the last rotation attempt, written from the exact strings the templates log (docs/reference/rotation.md).
"""
import json
import time
import uuid

from aws import ACCOUNT, REGION, client, create_function, emit

sm = client("secretsmanager")
lam = client("lambda")
logs = client("logs")
rds = client("rds")
ec2 = client("ec2")

# The databases as RDS records them: an Aurora PostgreSQL 15 cluster on its default group (AWS documents that 14 and
# later store passwords as scram-sha-256) and a stopped RDS for PostgreSQL instance.
VPC = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
rds.create_db_subnet_group(DBSubnetGroupName="demo-databases", DBSubnetGroupDescription="demo databases", SubnetIds=[
    ec2.create_subnet(VpcId=VPC, CidrBlock=f"10.60.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")["Subnet"]["SubnetId"] for i, zone in ((1, "a"), (2, "b"))])
ORDERS = rds.create_db_cluster(DBClusterIdentifier="orders", Engine="aurora-postgresql", EngineVersion="15.4", MasterUsername="app",
                               MasterUserPassword="Demo-Password-Not-Real", DatabaseName="app",
                               DBSubnetGroupName="demo-databases")["DBCluster"]
rds.create_db_instance(DBInstanceIdentifier="orders-1", Engine="aurora-postgresql", DBInstanceClass="db.r6g.large", DBClusterIdentifier="orders",
                       DBSubnetGroupName="demo-databases")
PAYMENTS = rds.create_db_instance(DBInstanceIdentifier="payments", Engine="postgres", EngineVersion="15.4", DBInstanceClass="db.t3.micro",
                                  MasterUsername="app", MasterUserPassword="Demo-Password-Not-Real", AllocatedStorage=20,
                                  DBSubnetGroupName="demo-databases")["DBInstance"]
rds.stop_db_instance(DBInstanceIdentifier="payments")

# demo/orders-db's function runs in the databases' VPC, in private subnets whose route table has only the local route and
# no Secrets Manager endpoint: it cannot reach Secrets Manager (AWS's guide: "No activity after Found credentials").
PRIVATE_FUNCTION = {"SubnetIds": [ec2.create_subnet(VpcId=VPC, CidrBlock=f"10.60.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")["Subnet"]["SubnetId"]
                                  for i, zone in ((11, "a"), (12, "b"))],
                    "SecurityGroupIds": [ec2.create_security_group(GroupName="orders-rotation", Description="orders-db rotation function",
                                                                   VpcId=VPC)["GroupId"]]}

GOOD = {"engine": "postgres", "host": ORDERS["Endpoint"], "port": 5432,
        "username": "app", "password": "Demo-Password-Not-Real", "dbname": "app"}
STOPPED = {**GOOD, "host": PAYMENTS["Endpoint"]["Address"]}


class Transcript:
    """Lambda's text log format, one invocation per step, as Secrets Manager drives them."""

    def __init__(self, start):
        self.t = start
        self.lines = []

    def at(self, ms):
        self.t += ms
        return self.t

    def invoke(self, messages, duration_ms, timed_out=False):
        rid = str(uuid.uuid4())
        self.lines.append((self.at(5), f"START RequestId: {rid} Version: $LATEST"))
        self.lines.append((self.at(40), f"[INFO]\t{iso(self.t)}\t{rid}\tFound credentials in environment variables."))
        for level, message in messages:
            self.lines.append((self.at(150), f"[{level}]\t{iso(self.t)}\t{rid}\t{message}"))
        end = self.t + int(duration_ms) - 200
        if timed_out:
            self.lines.append((end, f"{iso(end)} {rid} Task timed out after {duration_ms / 1000:.2f} seconds"))
        self.lines.append((end + 1, f"END RequestId: {rid}"))
        status = "\tStatus: timeout" if timed_out else ""
        self.lines.append((end + 2, f"REPORT RequestId: {rid}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {int(duration_ms) + 1} ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB{status}"))
        self.t = end + 60_000


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{int(ms % 1000):03d}Z"


def world(name, value, steps, permission=True, keep_pending=False, function_name=None, vpc=None):
    function_name = function_name or "SecretsManagerRDSPostgreSQLRotation-" + name.split("/")[-1]
    create_function(function_name, runtime="python3.12", **({"VpcConfig": vpc} if vpc else {}))
    if permission:
        lam.add_permission(FunctionName=function_name, StatementId="SecretsManagerAccess", Action="lambda:InvokeFunction",
                           Principal="secretsmanager.amazonaws.com")
    function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"
    arn = sm.create_secret(Name=name, SecretString=json.dumps(value))["ARN"]
    sm.rotate_secret(SecretId=arn, RotationLambdaARN=function_arn, RotationRules={"AutomaticallyAfterDays": 30})
    pending = [v for v, s in sm.describe_secret(SecretId=arn)["VersionIdsToStages"].items() if "AWSPENDING" in s and "AWSCURRENT" not in s]
    if not keep_pending:
        for version in pending:
            sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=version)
    version = pending[0] if pending else str(uuid.uuid4())
    write_logs(function_name, arn, version, steps)
    return arn


def write_logs(function_name, arn, version, steps):
    """The function's log group with one attempt, three hours ago."""
    transcript = Transcript(int(time.time() * 1000) - 3 * 3600 * 1000)
    steps(transcript, arn, version)
    group = f"/aws/lambda/{function_name}"
    logs.create_log_group(logGroupName=group)
    stream = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": t, "message": m} for t, m in transcript.lines])


def created(t, arn, ver):
    t.invoke([("INFO", f"createSecret: Successfully retrieved secret for {arn}."),
              ("INFO", f"createSecret: Successfully put secret for ARN {arn} and version {ver}.")], 812.4)


def healthy(t, arn, ver):
    created(t, arn, ver)
    t.invoke([("INFO", f"setSecret: Successfully set password for user app in PostgreSQL DB for secret arn {arn}.")], 1432.1)
    t.invoke([("INFO", f"testSecret: Successfully signed into PostgreSQL DB with AWSPENDING secret in {arn}.")], 905.7)
    t.invoke([("INFO", f"finishSecret: Successfully set AWSCURRENT stage to version {ver} for secret {arn}.")], 611.0)


def timeout_reaching_secrets_manager(t, arn, ver):
    t.invoke([], 30000.0, timed_out=True)


def stalled_after_create(t, arn, ver):
    created(t, arn, ver)


def key_missing(t, arn, ver):
    t.invoke([("ERROR", "[ERROR] KeyError: 'host key is missing from secret JSON'"),
              ("ERROR", "Traceback (most recent call last):")], 402.8)


def database_unreachable(t, arn, ver):
    created(t, arn, ver)
    t.invoke([("ERROR", f"setSecret: Unable to log into database with previous, current, or pending secret of secret arn {arn}"),
              ("ERROR", f"[ERROR] ValueError: Unable to log into database with previous, current, or pending secret of secret arn {arn}")], 15046.3)


def login_rejected(t, arn, ver):
    created(t, arn, ver)
    t.invoke([("ERROR", f"setSecret: Unable to log into database with previous, current, or pending secret of secret arn {arn}"),
              ("ERROR", f"[ERROR] ValueError: Unable to log into database with previous, current, or pending secret of secret arn {arn}")], 1187.9)


secrets = {
    "demo/healthy-db": world("demo/healthy-db", GOOD, healthy),
    "demo/orders-db": world("demo/orders-db", GOOD, timeout_reaching_secrets_manager, vpc=PRIVATE_FUNCTION),
    "demo/billing-db": world("demo/billing-db", GOOD, stalled_after_create, keep_pending=True),
    "demo/inventory-db": world("demo/inventory-db", {k: v for k, v in GOOD.items() if k != "host"}, key_missing),
    "demo/payments-db": world("demo/payments-db", STOPPED, database_unreachable),
    "demo/reports-db": world("demo/reports-db", GOOD, login_rejected),
    "demo/analytics-db": world("demo/analytics-db", GOOD, healthy, permission=False),
    "demo/crm-db": world("demo/crm-db", GOOD, stalled_after_create, keep_pending=True),
}
# The network layouts of rotation_network.py, when seeded first, get the attempt their network makes them fail with.
for secret_name, steps in [("prod/no-route", timeout_reaching_secrets_manager), ("prod/db-sg-blocks", database_unreachable)]:
    try:
        described = sm.describe_secret(SecretId=secret_name)
    except sm.exceptions.ResourceNotFoundException:
        continue
    write_logs(described["RotationLambdaARN"].split(":")[-1], described["ARN"], str(uuid.uuid4()), steps)
    secrets[secret_name] = described["ARN"]
emit({"secrets": secrets})
