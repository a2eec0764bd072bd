"""A CloudTrail Event history for the rotation-history tests, seeded into tests/fakes/cloudtrail_fake.py (behind
aws_proxy.py) over HTTP, then read back with boto3's cloudtrail client: what boto3 parsed is printed beside the world,
so a test sees both that the shapes are an SDK's and what the module makes of them.

Usage: cloudtrail_history.py <proxy URL>. Times are relative to now (within CloudTrail's 90 days). The world:
- prod/orders/db, rotated by orders-rotation (role service-role/orders-rotation-role): rotated fine 10 days ago; alice
  (IAM user) changed the function's runtime to python3.11 (with an environment variable whose value is a canary) at
  14:03 9 days ago; the first failed rotation (setSecret) followed at 14:30, and again a day later. Around it: reads
  (GetSecretValue by the app's role, GetFunction), bob's denied UpdateFunctionConfiguration, CloudFormation's service
  role revoking the function's egress, a pipeline role allowing egress to the database, 60 KMS Decrypts by Secrets
  Manager (more than one page) and a key policy put by CloudFormation as a user, the master password reset by a
  federated user and a reboot by root, a NACL rule and a route replaced by an Identity Center user.
- prod/billing/db, rotated by billing-rotation: rotated 6 days ago (the function's own PutSecretValue and label move),
  then the terraform-apply session of role deployer wrote the secret (PutSecretValue) 5 days ago, with a description
  holding the canary in an UpdateSecret; the next rotation failed 4 days ago.
- prod/legacy/db: rotation turned off by CloudFormation acting as carol 3 days ago.
"""
import concurrent.futures
import datetime
import json
import os
import sys
import time

import boto3
import botocore.config
import botocore.exceptions

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fakes"))
import cloudtrail_records as ct  # noqa: E402

from aws import ACCOUNT, REGION, emit  # noqa: E402

URL = sys.argv[1]
NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
CANARY = "canary-S3cr3t-Value-7f41"


def day(days_ago, hour=0, minute=0):
    at = (NOW - datetime.timedelta(days=days_ago)).replace(hour=hour, minute=minute, second=0)
    return at


def arn(kind, rest):
    return f"arn:aws:{kind}:{REGION}:{ACCOUNT}:{rest}"


SECRETS = {"orders": arn("secretsmanager", "secret:prod/orders/db-AbCdEf"),
           "billing": arn("secretsmanager", "secret:prod/billing/db-GhIjKl"),
           "legacy": arn("secretsmanager", "secret:prod/legacy/db-MnOpQr")}
FUNCTIONS = {"orders": arn("lambda", "function:orders-rotation"), "billing": arn("lambda", "function:billing-rotation")}
ROLES = {"orders": f"arn:aws:iam::{ACCOUNT}:role/service-role/orders-rotation-role",
         "billing": f"arn:aws:iam::{ACCOUNT}:role/billing-rotation-role",
         "app": f"arn:aws:iam::{ACCOUNT}:role/orders-app", "deployer": f"arn:aws:iam::{ACCOUNT}:role/deployer",
         "pipeline": f"arn:aws:iam::{ACCOUNT}:role/network-pipeline", "stack": f"arn:aws:iam::{ACCOUNT}:role/network-stack-role"}
KEY = arn("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab")
GROUPS = {"function": "sg-0f1e2d3c4b5a69788", "database": "sg-0a9b8c7d6e5f40312"}
ACL = "acl-0c4d2e1f3a5b79864"
TABLE = "rtb-0e5f7a9c1b3d24680"
DATABASE = "orders-db"
VERSIONS = {"orders-ok": "11111111-aaaa-4bbb-8ccc-000000000001", "orders-fail": "22222222-aaaa-4bbb-8ccc-000000000002",
            "billing-ok": "33333333-aaaa-4bbb-8ccc-000000000003", "billing-outside": "44444444-aaaa-4bbb-8ccc-000000000004",
            "billing-fail": "55555555-aaaa-4bbb-8ccc-000000000005"}

alice = ct.iam_user("alice", ACCOUNT)
bob = ct.iam_user("bob", ACCOUNT)
orders_function = ct.assumed_role(ROLES["orders"], "orders-rotation")
billing_function = ct.assumed_role(ROLES["billing"], "billing-rotation")
app = ct.assumed_role(ROLES["app"], "i-0123456789abcdef0")
terraform = ct.assumed_role(ROLES["deployer"], "terraform-apply")
pipeline = ct.assumed_role(ROLES["pipeline"], "network-change-42")
stack_role = ct.cloudformation_service_role(ROLES["stack"])
carol_via_stack = ct.via_cloudformation(ct.iam_user("carol", ACCOUNT))
dba = ct.federated_user("dba-on-call", ACCOUNT, "break-glass")
sso = ct.identity_center_user("544894e8-80c1-707f-60e3-3ba6510dfac1", ACCOUNT)
root = ct.root(ACCOUNT)

times = {"orders-ok": day(10, 9, 0), "runtime-change": day(9, 14, 3), "orders-first-failure": day(9, 14, 30),
         "orders-second-failure": day(8, 14, 30), "billing-ok": day(6, 2, 0), "billing-outside-write": day(5, 11, 15),
         "billing-failure": day(4, 2, 0), "legacy-off": day(3, 16, 0)}

events = [
    # prod/orders/db: a good rotation, the runtime change, then failures.
    ct.rotation_event("RotationStarted", SECRETS["orders"], times["orders-ok"], VERSIONS["orders-ok"]),
    ct.put_secret_value(orders_function, SECRETS["orders"], times["orders-ok"] + datetime.timedelta(seconds=2), VERSIONS["orders-ok"], ["AWSPENDING"]),
    ct.update_secret_version_stage(orders_function, SECRETS["orders"], times["orders-ok"] + datetime.timedelta(seconds=9), "AWSCURRENT",
                                   move_to=VERSIONS["orders-ok"], remove_from="00000000-aaaa-4bbb-8ccc-000000000000"),
    ct.rotation_event("RotationSucceeded", SECRETS["orders"], times["orders-ok"] + datetime.timedelta(seconds=10), VERSIONS["orders-ok"]),
    ct.update_function_configuration(alice, FUNCTIONS["orders"], times["runtime-change"], runtime="python3.11",
                                     environment={"variables": {"SECRETS_MANAGER_ENDPOINT": "https://secretsmanager.us-east-1.amazonaws.com",
                                                                "DB_PASSWORD": CANARY}}),
    ct.update_function_configuration(bob, FUNCTIONS["orders"], times["runtime-change"] + datetime.timedelta(minutes=5), timeout=3,
                                     error=("AccessDeniedException", "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: lambda:UpdateFunctionConfiguration")),
    ct.rotation_event("RotationStarted", SECRETS["orders"], times["orders-first-failure"], VERSIONS["orders-fail"]),
    ct.rotation_event("RotationFailed", SECRETS["orders"], times["orders-first-failure"] + datetime.timedelta(seconds=12), VERSIONS["orders-fail"],
                      FUNCTIONS["orders"], "setSecret"),
    ct.rotation_event("RotationFailed", SECRETS["orders"], times["orders-second-failure"], VERSIONS["orders-fail"], FUNCTIONS["orders"], "setSecret"),
    ct.get_function(app, FUNCTIONS["orders"], day(2, 8, 0)),
    # The network path, the key and the database of prod/orders/db.
    ct.security_group_rule("AuthorizeSecurityGroupEgress", pipeline, GROUPS["function"], day(12, 10, 0), ACCOUNT, "tcp", 5432, 5432, group=GROUPS["database"]),
    ct.security_group_rule("RevokeSecurityGroupEgress", stack_role, GROUPS["function"], day(7, 10, 0), ACCOUNT, "tcp", 443, 443, cidr="0.0.0.0/0"),
    ct.network_acl_entry("ReplaceNetworkAclEntry", sso, ACL, day(6, 12, 0), ACCOUNT, 100, True, "allow", "6", 1024, 65535, "10.0.0.0/16"),
    ct.route("ReplaceRoute", sso, TABLE, day(6, 12, 5), ACCOUNT, "0.0.0.0/0", natGatewayId="nat-0a1b2c3d4e5f60718"),
    ct.put_key_policy(carol_via_stack, KEY, day(7, 9, 0), {"Version": "2012-10-17", "Statement": [
        {"Sid": "Enable IAM policies", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}]}),
    ct.modify_db_instance(dba, DATABASE, day(8, 20, 0), ACCOUNT, master_password=True),
    ct.reboot_db_instance(root, DATABASE, day(8, 20, 10), ACCOUNT),
    # prod/billing/db: rotated, then written outside rotation, then failed.
    ct.rotation_event("RotationStarted", SECRETS["billing"], times["billing-ok"], VERSIONS["billing-ok"]),
    ct.put_secret_value(billing_function, SECRETS["billing"], times["billing-ok"] + datetime.timedelta(seconds=2), VERSIONS["billing-ok"], ["AWSPENDING"]),
    ct.update_secret_version_stage(billing_function, SECRETS["billing"], times["billing-ok"] + datetime.timedelta(seconds=8), "AWSCURRENT",
                                   move_to=VERSIONS["billing-ok"]),
    ct.rotation_event("RotationSucceeded", SECRETS["billing"], times["billing-ok"] + datetime.timedelta(seconds=9), VERSIONS["billing-ok"]),
    ct.put_secret_value(terraform, SECRETS["billing"], times["billing-outside-write"], VERSIONS["billing-outside"]),
    ct.update_secret(terraform, SECRETS["billing"], times["billing-outside-write"] + datetime.timedelta(seconds=1), description=f"owner {CANARY}"),
    ct.rotation_event("RotationFailed", SECRETS["billing"], times["billing-failure"], VERSIONS["billing-fail"], FUNCTIONS["billing"], "setSecret"),
    # prod/legacy/db: rotation turned off by a stack.
    ct.cancel_rotate_secret(carol_via_stack, SECRETS["legacy"], times["legacy-off"]),
]
events += [ct.get_secret_value(app, SECRETS["orders"], day(1, 0, 0) + datetime.timedelta(minutes=i)) for i in range(3)]
events += [ct.decrypt(KEY, SECRETS["orders"], day(1, 1, 0) + datetime.timedelta(minutes=i)) for i in range(60)]

ct.reset(URL)
seeded = ct.seed(URL, events)

client = boto3.client("cloudtrail", endpoint_url=URL, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing",
                      config=botocore.config.Config(retries={"max_attempts": 1}))


def read_back(name):
    """Every event naming the resource, through boto3's paginator, one page per half second (the quota)."""
    pages, names, ids = 0, [], []
    for page in client.get_paginator("lookup_events").paginate(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": name}]):
        pages += 1
        for event in page["Events"]:
            record = json.loads(event["CloudTrailEvent"])
            assert record["eventID"] == event["EventId"] and isinstance(event["EventTime"], datetime.datetime)
            names.append(event["EventName"])
            ids.append(event["EventId"])
        time.sleep(0.55)
    return {"pages": pages, "events": names, "ids": ids}


resources = {"secret:orders": SECRETS["orders"], "secret:billing": SECRETS["billing"], "secret:legacy": SECRETS["legacy"],
             "function:orders": "orders-rotation", "function:billing": "billing-rotation", "sg:function": GROUPS["function"],
             "acl": ACL, "rtb": TABLE, "key": KEY, "db": DATABASE}
boto3_read = {label: read_back(name) for label, name in resources.items()}



def one_lookup(_):
    try:
        client.lookup_events(MaxResults=1)
        return "ok"
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]


# Above 2 requests per second CloudTrail answers ThrottlingException, in a shape boto3 reads: 8 at once.
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    codes = list(pool.map(one_lookup, range(8)))
time.sleep(1.5)

emit({"now": NOW.isoformat(), "account": ACCOUNT, "canary": CANARY, "seeded": seeded["events"], "secrets": SECRETS,
      "functions": FUNCTIONS, "roles": ROLES, "key": KEY, "groups": GROUPS, "acl": ACL, "table": TABLE, "database": DATABASE,
      "versions": VERSIONS, "times": {k: v.isoformat().replace("+00:00", "Z") for k, v in times.items()},
      "resources": resources, "boto3": boto3_read, "burst": codes})
