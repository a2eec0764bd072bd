"""What Repair-SecretRotation fixes, one secret per finding, seeded as a real account would have them; and the state its
specs assert afterwards.

    python3 repairs.py                 seeds the secrets below, prints their ARNs and functions
    python3 repairs.py state NAME...   prints each secret's labels and rotation settings, and its function's timeout,
                                       environment and resource policy statements (never a secret value)

Every function is configured otherwise as AWS's template deploys it, so that each secret has only its own finding.
"""
import json
import sys

from aws import ACCOUNT, REGION, client, create_function, emit

sm = client("secretsmanager")
lam = client("lambda")
ENDPOINT = f"https://secretsmanager.{REGION}.amazonaws.com"
VALUE = {"engine": "postgres", "host": "db.repair.internal", "port": 5432, "username": "app", "password": "Repair-Not-Real", "dbname": "app"}


def function(name, permission=True, timeout=30, environment=None):
    create_function(name, runtime="python3.12", timeout=timeout,
                    environment=environment if environment is not None else {"SECRETS_MANAGER_ENDPOINT": ENDPOINT})
    if permission:
        lam.add_permission(FunctionName=name, StatementId="SecretsManagerAccess", Action="lambda:InvokeFunction",
                           Principal="secretsmanager.amazonaws.com")
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def secret(name, function_arn, keep_pending=False, rules=None):
    """A secret with rotation configured; moto's Lambda runs no steps, so the AWSPENDING label RotateSecret leaves is removed unless kept."""
    arn = sm.create_secret(Name=name, SecretString=json.dumps(VALUE))["ARN"]
    sm.rotate_secret(SecretId=arn, RotationLambdaARN=function_arn, RotationRules=rules or {"AutomaticallyAfterDays": 30})
    for version, stages in sm.describe_secret(SecretId=arn)["VersionIdsToStages"].items():
        if "AWSPENDING" in stages and "AWSCURRENT" not in stages and not keep_pending:
            sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=version)
    return arn


def seed():
    s = {}
    s["repair/pending"] = secret("repair/pending", function("repair-pending"), keep_pending=True)
    s["repair/permission"] = secret("repair/permission", function("repair-permission", permission=False))
    shared = function("repair-shared", permission=False)
    s["repair/shared-a"] = secret("repair/shared-a", shared)
    s["repair/shared-b"] = secret("repair/shared-b", shared)
    # Two findings on one function: both changes go through, one after the other, each keeping the other's.
    s["repair/function-config"] = secret("repair/function-config", function(
        "repair-function-config", timeout=5, environment={"EXCLUDE_CHARACTERS": "/@\"'\\", "PASSWORD_LENGTH": "32"}))
    s["repair/endpoint-wrong-region"] = secret("repair/endpoint-wrong-region", function(
        "repair-endpoint-wrong-region", environment={"SECRETS_MANAGER_ENDPOINT": "https://secretsmanager.eu-west-1.amazonaws.com",
                                                     "EXCLUDE_PUNCTUATION": "true"}))
    # Someone changes this function between the repair's read and its write (tests/fakes/recorded/repair-concurrent-change.json).
    s["repair/concurrent"] = secret("repair/concurrent", function("repair-concurrent", timeout=5))
    s["repair/disabled"] = secret("repair/disabled", function("repair-disabled"), rules={"AutomaticallyAfterDays": 14})
    sm.cancel_rotate_secret(SecretId=s["repair/disabled"])
    # Nothing mechanical to do: the secret's JSON lacks the host.
    broken = dict(VALUE)
    del broken["host"]
    arn = sm.create_secret(Name="repair/no-host", SecretString=json.dumps(broken))["ARN"]
    sm.rotate_secret(SecretId=arn, RotationLambdaARN=function("repair-no-host"), RotationRules={"AutomaticallyAfterDays": 30})
    for version, stages in sm.describe_secret(SecretId=arn)["VersionIdsToStages"].items():
        if "AWSPENDING" in stages and "AWSCURRENT" not in stages:
            sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=version)
    s["repair/no-host"] = arn
    emit({"secrets": s})


def state(names):
    result = {}
    for name in names:
        d = sm.describe_secret(SecretId=name)
        fn = d.get("RotationLambdaARN")
        entry = {"stages": {k: sorted(v) for k, v in d.get("VersionIdsToStages", {}).items()},
                 "rotationEnabled": d.get("RotationEnabled"), "rotationLambdaArn": fn, "rotationRules": d.get("RotationRules")}
        if fn:
            config = lam.get_function_configuration(FunctionName=fn)
            try:
                statements = json.loads(lam.get_policy(FunctionName=fn)["Policy"])["Statement"]
            except lam.exceptions.ResourceNotFoundException:
                statements = []
            entry["function"] = {"timeout": config["Timeout"], "environment": config.get("Environment", {}).get("Variables", {}),
                                 "memorySize": config["MemorySize"], "handler": config["Handler"], "runtime": config["Runtime"],
                                 "statements": statements}
        result[name] = entry
    emit(result)


if __name__ == "__main__":
    if sys.argv[1:2] == ["state"]:
        state(sys.argv[2:])
    else:
        seed()
