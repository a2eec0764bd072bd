"""Secrets for Start-SecretRotation's specs; the rotations it starts are played by the harness (tests/harness), which
runs AWS's real PostgreSQL rotation function against the test run's PostgreSQL.

    python3 start_rotation.py configured        moto only: start/configured, start/waits and start/cancelled (rotation
                                                configured, nothing running the function), start/pending (an
                                                unfinished rotation's AWSPENDING version),
                                                start/not-configured, start/function-gone (its function was deleted)
    python3 start_rotation.py real              start/succeeds (the secret's password is its database user's) and
                                                start/fails-in-setsecret (it is not: setSecret cannot log in), each with
                                                its own function deployed from AWS's template; needs RT_TEST_SERVERS
    python3 start_rotation.py run SECRET FUNCTION
                                                plays Secrets Manager for the rotation Start-SecretRotation started: waits
                                                for the version labelled AWSPENDING, then invokes the template for its
                                                four steps, stopping at the first that fails; prints the harness's result

Secret values are never printed.
"""
import json
import os
import sys
import time
import uuid

from aws import ACCOUNT, REGION, client, create_function, emit

HARNESS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness")
VALUE = {"engine": "postgres", "host": "db.start.internal", "port": 5432, "username": "app", "password": "Start-Not-Real", "dbname": "app"}


def configure(sm, arn, function_arn):
    """Rotation configured without rotating; moto's Lambda stub runs no step, so the AWSPENDING label it leaves is removed."""
    sm.rotate_secret(SecretId=arn, RotationLambdaARN=function_arn, RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
    for version, stages in sm.describe_secret(SecretId=arn)["VersionIdsToStages"].items():
        if "AWSPENDING" in stages and "AWSCURRENT" not in stages:
            sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=version)


def configured():
    sm, lam = client("secretsmanager"), client("lambda")
    out = {}
    for name in ("start/configured", "start/waits", "start/cancelled", "start/pending", "start/function-gone"):
        function = "rotation-" + name.replace("/", "-")
        create_function(function, runtime="python3.12")
        lam.add_permission(FunctionName=function, StatementId="SecretsManagerAccess", Action="lambda:InvokeFunction",
                           Principal="secretsmanager.amazonaws.com")
        arn = sm.create_secret(Name=name, SecretString=json.dumps(VALUE))["ARN"]
        configure(sm, arn, f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}")
        out[name] = arn
    # An unfinished rotation: a version left labelled AWSPENDING.
    sm.put_secret_value(SecretId=out["start/pending"], SecretString=json.dumps(VALUE), VersionStages=["AWSPENDING"],
                        ClientRequestToken=str(uuid.uuid4()))
    lam.delete_function(FunctionName="rotation-start-function-gone")
    out["start/not-configured"] = sm.create_secret(Name="start/not-configured", SecretString=json.dumps(VALUE))["ARN"]
    emit(out)


def harness():
    sys.path.insert(0, HARNESS)
    import rotation_harness
    import scenarios
    return rotation_harness, scenarios


def real():
    rotation_harness, seeds = harness()
    pg = seeds.servers()["postgresMd5"]
    sm = rotation_harness.client("secretsmanager")
    out = {}
    for name, right_password in (("start/succeeds", True), ("start/fails-in-setsecret", False)):
        slug = name.split("/")[1]
        user = f"rt_start_{slug.replace('-', '_')}_{uuid.uuid4().hex[:6]}"
        password = seeds.password()
        seeds.postgres_user(pg, user, password)
        function = rotation_harness.deploy_function(seeds.PG_SINGLE, f"rotation-start-{slug}", log_format="Text")
        arn = rotation_harness.create_secret(name, seeds.pg_secret(pg, user, password if right_password else seeds.password()))
        configure(sm, arn, function.arn)
        out[name] = {"secretArn": arn, "functionName": function.name}
    emit(out)


def run(secret_arn, function_name, wait_seconds=120):
    rotation_harness, seeds = harness()
    sm = rotation_harness.client("secretsmanager")
    deadline = time.time() + wait_seconds
    while True:
        stages = sm.describe_secret(SecretId=secret_arn).get("VersionIdsToStages", {})
        pending = [v for v, s in stages.items() if "AWSPENDING" in s and "AWSCURRENT" not in s]
        if pending:
            break
        if time.time() > deadline:
            sys.exit(f"No rotation of {secret_arn} started within {wait_seconds} s.")
        time.sleep(0.2)
    config = rotation_harness.client("lambda").get_function_configuration(FunctionName=function_name)
    function = rotation_harness.Function(function_name, config["FunctionArn"], seeds.PG_SINGLE, "Text")
    emit(rotation_harness.rotate(secret_arn, function, token=pending[0]))


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "configured":
        configured()
    elif command == "real":
        real()
    elif command == "run" and len(sys.argv) == 4:
        run(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
