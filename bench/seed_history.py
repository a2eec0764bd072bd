"""The rotation-history benchmark's fleet (bench/Invoke-HistoryBenchmark.ps1): SECRETS secrets rotated by FUNCTIONS
functions in moto (boto3), and in the proxy's CloudTrail Event history for each secret its last rotation (RotationStarted,
the function's PutSecretValue, RotationSucceeded) and for each function a configuration change by a user.

Usage: seed_history.py <proxy URL> <secrets> <functions>.
"""
import concurrent.futures
import datetime
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "scenarios"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fakes"))
import cloudtrail_records as ct  # noqa: E402
from aws import ACCOUNT, client, create_function, emit, ensure_role  # noqa: E402

URL, SECRETS, FUNCTIONS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
role = ensure_role("history-bench-role")
functions = [create_function(f"history-rotation-{i:03d}", role=role)["FunctionArn"] for i in range(FUNCTIONS)]
sm = client("secretsmanager")


def secret(i):
    arn = sm.create_secret(Name=f"bench/history/{i:04d}", SecretString='{"engine":"postgres","username":"app","password":"not-a-real-one"}')["ARN"]
    sm.rotate_secret(SecretId=arn, RotationLambdaARN=functions[i % FUNCTIONS], RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
    return arn


with concurrent.futures.ThreadPoolExecutor(8) as pool:
    secrets = list(pool.map(secret, range(SECRETS)))

function_role = ct.assumed_role(role, "history-rotation")
alice = ct.iam_user("alice", ACCOUNT)
events = []
for i, arn in enumerate(secrets):
    at = NOW - datetime.timedelta(days=3, minutes=i)
    version = f"{i:08d}-aaaa-4bbb-8ccc-000000000000"
    events += [ct.rotation_event("RotationStarted", arn, at, version),
               ct.put_secret_value(function_role, arn, at + datetime.timedelta(seconds=2), version, ["AWSPENDING"]),
               ct.rotation_event("RotationSucceeded", arn, at + datetime.timedelta(seconds=9), version)]
for i, function in enumerate(functions):
    events.append(ct.update_function_configuration(alice, function, NOW - datetime.timedelta(days=2, minutes=i), timeout=60))
ct.reset(URL)
for i in range(0, len(events), 2000):
    ct.seed(URL, events[i:i + 2000])
emit({"secrets": len(secrets), "functions": len(functions), "events": len(events)})
