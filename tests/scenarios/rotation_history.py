"""Two rotations broken by a change, for the rotation-history specs: the secrets and functions in moto (boto3), their
CloudTrail Event history seeded into the proxy's fake (tests/fakes/cloudtrail_fake.py) with the real ARNs.

Usage: rotation_history.py <proxy URL>. Times are relative to now:
- prod/orders/db, rotated by orders-rotation (role orders-rotation-role): rotated fine 10 days ago; alice (IAM user)
  changed the function's runtime to python3.11 (and an environment variable whose value is a canary) at 14:03 9 days
  ago; the first failed rotation (setSecret) followed at 14:30, and again a day later.
- prod/billing/db, rotated by billing-rotation: rotated 6 days ago, then the terraform-apply session of role deployer
  wrote the secret (PutSecretValue) 5 days ago and set a description holding the canary; the next rotation failed 4
  days ago.
"""
import datetime
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fakes"))
import cloudtrail_records as ct  # noqa: E402

from aws import ACCOUNT, client, configure_rotation, create_function, emit, ensure_role  # noqa: E402

URL = sys.argv[1]
NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
CANARY = "canary-S3cr3t-Value-7f41"


def day(days_ago, hour=0, minute=0):
    return (NOW - datetime.timedelta(days=days_ago)).replace(hour=hour, minute=minute, second=0)


sm = client("secretsmanager")
world = {}
for name in ("orders", "billing"):
    role = ensure_role(f"{name}-rotation-role")
    function = create_function(f"{name}-rotation", role=role)["FunctionArn"]
    secret = sm.create_secret(Name=f"prod/{name}/db",
                              SecretString='{"engine":"postgres","host":"db.example","username":"app","password":"%s"}' % CANARY)["ARN"]
    configure_rotation(secret, function)
    world[name] = {"secret": secret, "function": function, "role": role}

orders, billing = world["orders"], world["billing"]
alice = ct.iam_user("alice", ACCOUNT)
terraform = ct.assumed_role(f"arn:aws:iam::{ACCOUNT}:role/deployer", "terraform-apply")
orders_function = ct.assumed_role(orders["role"], "orders-rotation")
billing_function = ct.assumed_role(billing["role"], "billing-rotation")
app = ct.assumed_role(f"arn:aws:iam::{ACCOUNT}:role/orders-app", "i-0123456789abcdef0")
V = {k: f"{i:08d}-aaaa-4bbb-8ccc-00000000000{i}" for i, k in enumerate(["orders-ok", "orders-fail", "billing-ok", "billing-outside", "billing-fail"], 1)}
times = {"orders-ok": day(10, 9, 0), "runtime-change": day(9, 14, 3), "orders-first-failure": day(9, 14, 30),
         "orders-second-failure": day(8, 14, 30), "billing-ok": day(6, 2, 0), "billing-outside-write": day(5, 11, 15),
         "billing-failure": day(4, 2, 0)}
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
]
ct.reset(URL)
seeded = ct.seed(URL, events)
emit({"canary": CANARY, "world": world, "versions": V, "seeded": seeded,
      "times": {k: v.isoformat().replace("+00:00", "Z") for k, v in times.items()}})
