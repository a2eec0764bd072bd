"""Two rotations broken by a change, for the rotation-history specs: the secrets and functions in moto (boto3), their
CloudTrail Event history seeded into the proxy's fake (tests/fakes/cloudtrail_fake.py) with the real ARNs.

Usage: rotation_history.py <proxy URL>, with RT_FIXTURES and RT_CODE_DIR as for bundle_fit.py. Times are relative to now:
- prod/orders/db, rotated by orders-rotation (role orders-rotation-role; its bundle's PyGreSQL has _pg built for
  CPython 3.9, served from RT_CODE_DIR; Secrets Manager may invoke it): rotated fine 10 days ago; alice (IAM user)
  changed the function's runtime to python3.11 (and an environment variable whose value is a canary) at 14:03 9 days
  ago; the first failed rotation (setSecret) followed at 14:30, and again a day later.
- prod/billing/db, rotated by billing-rotation: rotated 6 days ago, then the terraform-apply session of role deployer
  wrote the secret (PutSecretValue) 5 days ago and set a description holding the canary; the next rotation failed 4
  days ago.
- prod/ledger/db, rotated by ledger-rotation in two private subnets of its own VPC (one route table, one network ACL),
  for RDS instance ledger (in the same subnets, its own security group), a Secrets Manager endpoint, every path open:
  carol replaced the subnets' network ACL's egress rule 14 days ago, added a route 13 days ago and opened the
  database's group to the function's 12 days ago;
  rotated fine 7 days ago; bob reset the instance's master password (ModifyDBInstance) at 16:20 3 days ago; the next
  rotation failed 2 days ago.
- the secret RDS manages for instance payments-db (in ledger's subnets): dave turned the management off and set a
  master password of his own (ModifyDBInstance) 3 days ago.
- prod/archive/db and prod/reports/db: rotated fine, then rotation turned off (CancelRotateSecret), the first by
  CloudFormation's service role 6 days ago, the second by dave (IAM user) 4 days ago.
The functions' logs (within the diagnosis's 7 days) hold the newest failed attempt of each: orders-rotation cannot import
its driver on the new runtime (FunctionImportError), billing-rotation's and ledger-rotation's setSecret cannot log in
(DatabaseLoginRejected).
"""
import datetime
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fakes"))
import cloudtrail_records as ct  # noqa: E402

from aws import ACCOUNT, client, configure_rotation, create_function, emit, ensure_role, write_log  # noqa: E402
from bundles import pygresql_for_python39, served_function  # noqa: E402

URL = sys.argv[1]
NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
CANARY = "canary-S3cr3t-Value-7f41"


def day(days_ago, hour=0, minute=0):
    return (NOW - datetime.timedelta(days=days_ago)).replace(hour=hour, minute=minute, second=0)


sm = client("secretsmanager")
world = {}


def rotated(name, function, value='{"engine":"postgres","host":"db.example","username":"app","password":"%s"}' % CANARY):
    """prod/<name>/db, rotated by the function, which Secrets Manager may invoke."""
    client("lambda").add_permission(FunctionName=function, StatementId="secrets-manager-rotation", Action="lambda:InvokeFunction",
                                    Principal="secretsmanager.amazonaws.com")
    secret = sm.create_secret(Name=f"prod/{name}/db", SecretString=value)["ARN"]
    configure_rotation(secret, function)
    return secret


for name in ("orders", "billing"):
    role = ensure_role(f"{name}-rotation-role")
    # orders-rotation: now on alice's python3.11, with the PyGreSQL its python3.9 build bundled.
    function = (served_function("orders-rotation", "python3.11", pygresql_for_python39(), role=role) if name == "orders"
                else create_function(f"{name}-rotation", runtime="python3.12", role=role))["FunctionArn"]
    world[name] = {"secret": rotated(name, function), "function": function, "role": role}

# prod/ledger/db: the function in private subnets of its own VPC, the secret's host an RDS instance in the same subnets.
ec2 = client("ec2")
vpc = ec2.create_vpc(CidrBlock="10.70.0.0/16")["Vpc"]["VpcId"]
subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.70.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")["Subnet"]["SubnetId"]
           for i, zone in ((1, "a"), (2, "b"))]
function_group = ec2.create_security_group(GroupName="ledger-rotation", Description="ledger rotation function", VpcId=vpc)["GroupId"]
database_group = ec2.create_security_group(GroupName="ledger-db", Description="ledger database", VpcId=vpc)["GroupId"]
endpoint_group = ec2.create_security_group(GroupName="ledger-endpoint", Description="Secrets Manager endpoint", VpcId=vpc)["GroupId"]
for group, port in ((database_group, 5432), (endpoint_group, 443)):
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "UserIdGroupPairs": [{"GroupId": function_group}]}])
# The way to Secrets Manager is an interface endpoint with private DNS; the subnets' own route table and network ACL.
ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.secretsmanager", VpcEndpointType="Interface", SubnetIds=subnets,
                        SecurityGroupIds=[endpoint_group], PrivateDnsEnabled=True)
table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
for egress in (False, True):
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow", Egress=egress, CidrBlock="0.0.0.0/0")
for subnet in subnets:
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    association = next(a["NetworkAclAssociationId"] for n in ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])["NetworkAcls"]
                       for a in n["Associations"] if a["SubnetId"] == subnet)
    ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl)
rds = client("rds")
rds.create_db_subnet_group(DBSubnetGroupName="ledger", DBSubnetGroupDescription="ledger", SubnetIds=subnets)
rds.create_db_instance(DBInstanceIdentifier="ledger", Engine="postgres", DBInstanceClass="db.t3.micro", AllocatedStorage=20,
                       MasterUsername="ledger_admin", MasterUserPassword="not-the-secret-1", DBSubnetGroupName="ledger",
                       VpcSecurityGroupIds=[database_group], AvailabilityZone="us-east-1a")
host = rds.describe_db_instances(DBInstanceIdentifier="ledger")["DBInstances"][0]["Endpoint"]["Address"]
role = ensure_role("ledger-rotation-role")
function = create_function("ledger-rotation", runtime="python3.12", role=role, VpcConfig={"SubnetIds": subnets, "SecurityGroupIds": [function_group]})["FunctionArn"]
secret = rotated("ledger", function, json.dumps(
    {"engine": "postgres", "host": host, "port": 5432, "username": "ledger_admin", "password": CANARY, "dbname": "ledger"}))
world["ledger"] = {"secret": secret, "function": function, "role": role, "vpc": vpc, "subnets": subnets, "route_table": table,
                   "network_acl": acl, "function_group": function_group, "database_group": database_group, "instance": "ledger", "host": host}

# Rotated fine, then turned off: prod/archive/db by CloudFormation's service role, prod/reports/db by dave.
for name in ("archive", "reports"):
    role = ensure_role(f"{name}-rotation-role")
    function = create_function(f"{name}-rotation", runtime="python3.12", role=role)["FunctionArn"]
    secret = rotated(name, function)
    sm.cancel_rotate_secret(SecretId=secret)
    world[name] = {"secret": secret, "function": function, "role": role}

# A secret RDS manages (ManageMasterUserPassword): its owner, instance payments-db, is named by the secret's tags.
payments = rds.create_db_instance(DBInstanceIdentifier="payments-db", Engine="postgres", DBInstanceClass="db.t3.micro", AllocatedStorage=20,
                                  MasterUsername="dbadmin", ManageMasterUserPassword=True, DBSubnetGroupName="ledger",
                                  VpcSecurityGroupIds=[database_group])["DBInstance"]
world["payments"] = {"secret": payments["MasterUserSecret"]["SecretArn"], "instance": "payments-db"}

orders, billing, ledger, archive, reports = (world[k] for k in ("orders", "billing", "ledger", "archive", "reports"))
alice = ct.iam_user("alice", ACCOUNT)
terraform = ct.assumed_role(f"arn:aws:iam::{ACCOUNT}:role/deployer", "terraform-apply")
orders_function = ct.assumed_role(orders["role"], "orders-rotation")
billing_function = ct.assumed_role(billing["role"], "billing-rotation")
app = ct.assumed_role(f"arn:aws:iam::{ACCOUNT}:role/orders-app", "i-0123456789abcdef0")
carol = ct.iam_user("carol", ACCOUNT)
bob = ct.iam_user("bob", ACCOUNT)
dave = ct.iam_user("dave", ACCOUNT)
stack_role = ct.cloudformation_service_role(f"arn:aws:iam::{ACCOUNT}:role/cfn-deployer")
ledger_function = ct.assumed_role(ledger["role"], "ledger-rotation")
V = {k: f"{i:08d}-aaaa-4bbb-8ccc-{i:012d}" for i, k in enumerate(
    ["orders-ok", "orders-fail", "billing-ok", "billing-outside", "billing-fail", "ledger-ok", "ledger-fail", "archive-ok", "reports-ok"], 1)}
times = {"orders-ok": day(10, 9, 0), "runtime-change": day(9, 14, 3), "orders-first-failure": day(9, 14, 30),
         "orders-second-failure": day(8, 14, 30), "billing-ok": day(6, 2, 0), "billing-outside-write": day(5, 11, 15),
         "billing-failure": day(4, 2, 0), "ledger-acl": day(14, 10, 0), "ledger-route": day(13, 10, 0), "ledger-group": day(12, 10, 0),
         "ledger-ok": day(7, 3, 0), "ledger-password-reset": day(3, 16, 20), "ledger-failure": day(2, 3, 0),
         "archive-ok": day(20, 1, 0), "archive-off": day(6, 9, 30), "reports-ok": day(20, 1, 30), "reports-off": day(4, 11, 0), "payments-unmanaged": day(3, 9, 45)}
s = datetime.timedelta(seconds=1)
events = [
    ct.rotation_event("RotationStarted", orders["secret"], times["orders-ok"], V["orders-ok"]),
    ct.put_secret_value(orders_function, orders["secret"], times["orders-ok"] + 2 * s, V["orders-ok"], ["AWSPENDING"]),
    ct.update_secret_version_stage(orders_function, orders["secret"], times["orders-ok"] + 9 * s, "AWSCURRENT", move_to=V["orders-ok"]),
    ct.rotation_event("RotationSucceeded", orders["secret"], times["orders-ok"] + 10 * s, V["orders-ok"]),
    ct.update_function_configuration(alice, orders["function"], times["runtime-change"], runtime="python3.11",
                                     environment={"variables": {"DB_PASSWORD": CANARY}}),
    ct.rotation_event("RotationStarted", orders["secret"], times["orders-first-failure"], V["orders-fail"]),
    ct.rotation_event("RotationFailed", orders["secret"], times["orders-first-failure"] + 12 * s, V["orders-fail"], orders["function"], "setSecret"),
    ct.rotation_event("RotationFailed", orders["secret"], times["orders-second-failure"], V["orders-fail"], orders["function"], "setSecret"),
    ct.get_secret_value(app, orders["secret"], day(2, 8, 0)),
    ct.rotation_event("RotationStarted", billing["secret"], times["billing-ok"], V["billing-ok"]),
    ct.put_secret_value(billing_function, billing["secret"], times["billing-ok"] + 2 * s, V["billing-ok"], ["AWSPENDING"]),
    ct.update_secret_version_stage(billing_function, billing["secret"], times["billing-ok"] + 8 * s, "AWSCURRENT", move_to=V["billing-ok"]),
    ct.rotation_event("RotationSucceeded", billing["secret"], times["billing-ok"] + 9 * s, V["billing-ok"]),
    ct.put_secret_value(terraform, billing["secret"], times["billing-outside-write"], V["billing-outside"]),
    ct.update_secret(terraform, billing["secret"], times["billing-outside-write"] + s, description=f"owner {CANARY}"),
    ct.rotation_event("RotationFailed", billing["secret"], times["billing-failure"], V["billing-fail"], billing["function"], "setSecret"),
    ct.network_acl_entry("ReplaceNetworkAclEntry", carol, acl, times["ledger-acl"], ACCOUNT, 100, True, protocol="-1"),
    ct.route("CreateRoute", carol, table, times["ledger-route"], ACCOUNT, destination="10.80.0.0/16", transitGatewayId="tgw-0a1b2c3d4e5f60718"),
    ct.security_group_rule("AuthorizeSecurityGroupIngress", carol, database_group, times["ledger-group"], ACCOUNT, from_port=5432, to_port=5432,
                           group=function_group),
    ct.rotation_event("RotationStarted", ledger["secret"], times["ledger-ok"], V["ledger-ok"]),
    ct.put_secret_value(ledger_function, ledger["secret"], times["ledger-ok"] + 2 * s, V["ledger-ok"], ["AWSPENDING"]),
    ct.update_secret_version_stage(ledger_function, ledger["secret"], times["ledger-ok"] + 8 * s, "AWSCURRENT", move_to=V["ledger-ok"]),
    ct.rotation_event("RotationSucceeded", ledger["secret"], times["ledger-ok"] + 9 * s, V["ledger-ok"]),
    ct.modify_db_instance(bob, "ledger", times["ledger-password-reset"], ACCOUNT, master_password=True),
    ct.rotation_event("RotationFailed", ledger["secret"], times["ledger-failure"], V["ledger-fail"], ledger["function"], "setSecret"),
    ct.rotation_event("RotationSucceeded", archive["secret"], times["archive-ok"], V["archive-ok"]),
    ct.cancel_rotate_secret(stack_role, archive["secret"], times["archive-off"]),
    ct.rotation_event("RotationSucceeded", reports["secret"], times["reports-ok"], V["reports-ok"]),
    ct.cancel_rotate_secret(dave, reports["secret"], times["reports-off"]),
    ct.modify_db_instance(dave, "payments-db", times["payments-unmanaged"], ACCOUNT, manageMasterUserPassword=False, masterUserPassword="****"),
]


def ms(at):
    return int(at.timestamp() * 1000)


def stamp(at):
    return at.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def invocation(rid, at, lines, duration=400):
    """One invocation as Lambda's text log format writes it: START, the template's lines, END and REPORT."""
    end = at + datetime.timedelta(milliseconds=duration)
    return ([(ms(at), f"START RequestId: {rid} Version: $LATEST\n")] + [(ms(at) + 10 + i, line) for i, line in enumerate(lines)] +
            [(ms(end), f"END RequestId: {rid}\n"),
             (ms(end), f"REPORT RequestId: {rid}\tDuration: {duration:.2f} ms\tBilled Duration: {duration} ms\tMemory Size: 128 MB\tMax Memory Used: 76 MB\t\n")])


# The import error Lambda writes when the handler's module cannot load (docs/reference/template-log-strings.md).
import_error = "Runtime.ImportModuleError: Unable to import module 'lambda_function': No module named '_pg'"
failed_at = day(1, 14, 30)
write_log("orders-rotation",
          [(ms(failed_at) - 60, "INIT_START Runtime Version: python:3.11.v40\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:0f1e2d3c\n"),
           (ms(failed_at) - 40, f"[ERROR] {import_error}\nTraceback (most recent call last):\n")] +
          invocation("5d1a0c2e-0001-4222-8333-000000000001", failed_at, [f"[ERROR] {import_error}\nTraceback (most recent call last):\n"], 120))
put_line = f"createSecret: Successfully put secret for ARN {billing['secret']} and version {V['billing-fail']}."
set_failed = f"setSecret: Unable to log into database with previous, current, or pending secret of secret arn {billing['secret']}"
billing_at = day(1, 2, 0)
write_log("billing-rotation",
          invocation("6e2b1d3f-0001-4222-8333-000000000002", billing_at, [f"[INFO]\t{stamp(billing_at)}\t6e2b1d3f-0001-4222-8333-000000000002\t{put_line}\n"], 900) +
          invocation("6e2b1d3f-0002-4222-8333-000000000003", billing_at + datetime.timedelta(seconds=2),
                     [f"[ERROR]\t{stamp(billing_at)}\t6e2b1d3f-0002-4222-8333-000000000003\t{set_failed}\n",
                      f"[ERROR] ValueError: {set_failed.split(': ', 1)[1]}\nTraceback (most recent call last):\n"], 640))

ledger_at = day(1, 3, 0)
ledger_failed = f"setSecret: Unable to log into database with previous, current, or pending secret of secret arn {ledger['secret']}"
write_log("ledger-rotation",
          invocation("7f3c2e4a-0001-4222-8333-000000000004", ledger_at,
                     [f"[ERROR]\t{stamp(ledger_at)}\t7f3c2e4a-0001-4222-8333-000000000004\t{ledger_failed}\n",
                      f"[ERROR] ValueError: {ledger_failed.split(': ', 1)[1]}\nTraceback (most recent call last):\n"], 640))

ct.reset(URL)
seeded = ct.seed(URL, events)
emit({"canary": CANARY, "world": world, "versions": V, "seeded": seeded,
      "times": {k: v.isoformat().replace("+00:00", "Z") for k, v in times.items()}})
