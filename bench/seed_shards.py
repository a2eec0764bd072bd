"""The sharded benchmark's fleet, seeded through boto3 against moto (RT_MOTO_URL): ACCOUNTS (comma-separated; the
default account, 123456789012, with its own keys, the others through their RotationAuditor role) times REGIONS, each
shard with PER_SHARD secrets rotated by FUNCTIONS_PER_SHARD functions of its own (default 20, as the fleet's: one
FilterLogEvents each at 5 per second is what sets a shard's quota floor), each with a log group holding its last
successful rotation; with CODE_DIR, the functions' deployment package is written there for the proxy to serve
(aws_proxy.py --code-dir: every shard's functions have the same code). Prints {"shards": {"ACCOUNT/REGION": count}}.
"""
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

os.environ.setdefault("AWS_MAX_ATTEMPTS", "10")  # moto races under concurrent writes now and then (seed_fleet.py)
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "scenarios"))
import time  # noqa: E402

from aws import ACCOUNT, client, create_function, emit, ensure_role, handler_zip, write_log  # noqa: E402

ACCOUNTS = os.environ["ACCOUNTS"].split(",")
REGIONS = os.environ["REGIONS"].split(",")
PER_SHARD = int(os.environ.get("PER_SHARD", "200"))
FUNCTIONS_PER_SHARD = int(os.environ.get("FUNCTIONS_PER_SHARD", "20"))
CODE_DIR = os.environ.get("CODE_DIR")


def seed(account, region):
    credentials = None if account == ACCOUNT else client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/RotationAuditor", RoleSessionName="bench-seed")["Credentials"]
    role = ensure_role("bench-rotation-role", credentials=credentials)
    lam = client("lambda", region=region, credentials=credentials)
    functions = []
    start = int(time.time() * 1000) - 3_600_000
    for i in range(FUNCTIONS_PER_SHARD):
        name = f"SecretsManagerRDSPostgreSQLRotationSingleUser-{i}"
        functions.append(create_function(name, runtime="python3.12", role=role, region=region, credentials=credentials)["FunctionArn"])
        lam.add_permission(FunctionName=name, StatementId="SecretsManagerAccess", Action="lambda:InvokeFunction", Principal="secretsmanager.amazonaws.com")
        if CODE_DIR:
            os.makedirs(os.path.join(CODE_DIR, "functions"), exist_ok=True)
            with open(os.path.join(CODE_DIR, "functions", f"{name}.zip"), "wb") as f:
                f.write(handler_zip())
        write_log(name, [(start + n * 200, f"{step}: Successfully {what} for secret arn arn:aws:secretsmanager:{region}:{account}:secret:bench/{region}/{i:04d}.")
                         for n, (step, what) in enumerate([("createSecret", "put secret"), ("setSecret", "set password"),
                                                           ("testSecret", "signed in"), ("finishSecret", "set AWSCURRENT stage")])],
                  region=region, credentials=credentials)
    sm = client("secretsmanager", region=region, credentials=credentials)
    value = json.dumps({"engine": "postgres", "host": "db.example.internal", "port": 5432, "username": "app", "password": "Bench-Not-Real", "dbname": "app"})
    for i in range(PER_SHARD):
        arn = sm.create_secret(Name=f"bench/{region}/{i:04d}", SecretString=value)["ARN"]
        sm.rotate_secret(SecretId=arn, RotationLambdaARN=functions[i % len(functions)], RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
        for version, stages in sm.describe_secret(SecretId=arn)["VersionIdsToStages"].items():
            if "AWSPENDING" in stages and "AWSCURRENT" not in stages:
                sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=version)
    return f"{account}/{region}", PER_SHARD


with ThreadPoolExecutor(4) as pool:
    shards = dict(pool.map(lambda shard: seed(*shard), [(a, r) for a in ACCOUNTS for r in REGIONS]))
emit({"shards": shards})
