"""The sharded benchmark's fleet, seeded through boto3 against moto (RT_MOTO_URL): ACCOUNTS (comma-separated; the
default account, 123456789012, with its own keys, the others through their RotationAuditor role) times REGIONS, each
shard with PER_SHARD secrets rotated by two functions of its own. Prints {"shards": {"ACCOUNT/REGION": count}}.
"""
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

os.environ.setdefault("AWS_MAX_ATTEMPTS", "10")  # moto races under concurrent writes now and then (seed_fleet.py)
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "scenarios"))
from aws import ACCOUNT, client, create_function, emit, ensure_role  # noqa: E402

ACCOUNTS = os.environ["ACCOUNTS"].split(",")
REGIONS = os.environ["REGIONS"].split(",")
PER_SHARD = int(os.environ.get("PER_SHARD", "200"))


def seed(account, region):
    credentials = None if account == ACCOUNT else client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/RotationAuditor", RoleSessionName="bench-seed")["Credentials"]
    role = ensure_role("bench-rotation-role", credentials=credentials)
    lam = client("lambda", region=region, credentials=credentials)
    functions = []
    for i in range(2):
        name = f"SecretsManagerRDSPostgreSQLRotationSingleUser-{i}"
        functions.append(create_function(name, runtime="python3.12", role=role, region=region, credentials=credentials)["FunctionArn"])
        lam.add_permission(FunctionName=name, StatementId="SecretsManagerAccess", Action="lambda:InvokeFunction", Principal="secretsmanager.amazonaws.com")
    sm = client("secretsmanager", region=region, credentials=credentials)
    value = json.dumps({"engine": "postgres", "host": "db.example.internal", "port": 5432, "username": "app", "password": "Bench-Not-Real", "dbname": "app"})
    for i in range(PER_SHARD):
        arn = sm.create_secret(Name=f"bench/{region}/{i:04d}", SecretString=value)["ARN"]
        sm.rotate_secret(SecretId=arn, RotationLambdaARN=functions[i % 2], RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
        for version, stages in sm.describe_secret(SecretId=arn)["VersionIdsToStages"].items():
            if "AWSPENDING" in stages and "AWSCURRENT" not in stages:
                sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=version)
    return f"{account}/{region}", PER_SHARD


with ThreadPoolExecutor(4) as pool:
    shards = dict(pool.map(lambda shard: seed(*shard), [(a, r) for a in ACCOUNTS for r in REGIONS]))
emit({"shards": shards})
