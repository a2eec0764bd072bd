"""Secrets for Start-SecretRotation's specs and the demo; the rotations it starts are played by the harness
(tests/harness), which runs AWS's real PostgreSQL rotation function against the test run's PostgreSQL, or the project's
rotation player (tests/harness/rotation_player) for a database that cannot be reached.

    python3 start_rotation.py configured        moto only: start/configured, start/waits and start/cancelled (rotation
                                                configured, nothing running the function), start/pending (an
                                                unfinished rotation's AWSPENDING version),
                                                start/not-configured, start/function-gone (its function was deleted)
    python3 start_rotation.py real              start/succeeds (the secret's password is its database user's) and
                                                start/fails-in-setsecret (it is not: setSecret cannot log in), each with
                                                its own function deployed from AWS's template; needs RT_TEST_SERVERS
    python3 start_rotation.py unreachable       moto only: the demo's case, start/player and start/template-twin, whose
                                                database host does not resolve, each with its own function
    python3 start_rotation.py run SECRET FUNCTION [template|player]
                                                plays Secrets Manager for the rotation Start-SecretRotation started: waits
                                                for the version labelled AWSPENDING, then invokes the function for its
                                                four steps, stopping at the first that fails; prints the harness's result.
                                                The function's code is AWS's PostgreSQL template (the default) or the
                                                project's rotation player, which needs no database driver
    python3 start_rotation.py transcript FUNCTION
                                                the function's log events in order, with what differs between two runs
                                                (request and version ids, times, secret ARNs, durations, traceback
                                                frames) replaced by placeholders

Secret values are never printed.
"""
import json
import os
import re
import sys
import time
import uuid

from aws import ACCOUNT, REGION, client, configure_rotation, create_function, emit

HARNESS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness")
VALUE = {"engine": "postgres", "host": "db.start.internal", "port": 5432, "username": "app", "password": "Start-Not-Real", "dbname": "app"}


def rotating_secret(name, value):
    """A secret with rotation configured (not started) through a function of its own, which Secrets Manager may invoke."""
    function = "rotation-" + name.replace("/", "-")
    create_function(function, runtime="python3.12")
    client("lambda").add_permission(FunctionName=function, StatementId="SecretsManagerAccess", Action="lambda:InvokeFunction",
                                    Principal="secretsmanager.amazonaws.com")
    arn = client("secretsmanager").create_secret(Name=name, SecretString=json.dumps(value))["ARN"]
    configure_rotation(arn, f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}")
    return {"secretArn": arn, "functionName": function}


def configured():
    sm, lam = client("secretsmanager"), client("lambda")
    out = {name: rotating_secret(name, VALUE)["secretArn"]
           for name in ("start/configured", "start/waits", "start/cancelled", "start/pending", "start/function-gone")}
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
        configure_rotation(arn, function.arn)
        out[name] = {"secretArn": arn, "functionName": function.name}
    emit(out)


def unreachable():
    """The demo's rotation: a database host that does not resolve (".invalid" never does), so setSecret fails at once."""
    emit({name: rotating_secret(name, dict(VALUE, host="db.unreachable.invalid")) for name in ("start/player", "start/template-twin")})


def run(secret_arn, function_name, code="template", wait_seconds=120):
    sys.path.insert(0, HARNESS)
    import rotation_harness
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
    player = code == "player"
    function = rotation_harness.Function(function_name, config["FunctionArn"], rotation_harness.PLAYER if player else rotation_harness.PG_SINGLE, "Text")
    emit(rotation_harness.rotate(secret_arn, function, token=pending[0], drivers=not player))


PLACEHOLDERS = [
    (re.compile(r"arn:aws:secretsmanager:[^:]+:\d+:secret:\S+?-[A-Za-z0-9]{6}\b"), "<secret arn>"),
    (re.compile(r"arn:aws:lambda:[^:]*::runtime:[0-9a-f]+"), "<runtime arn>"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<id>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"), "<time>"),
    (re.compile(r"\d+(\.\d+)? (ms|MB)\b"), r"<n> \2"),
]


def transcript(function_name):
    logs, events, token = client("logs"), [], None
    while True:
        page = logs.filter_log_events(logGroupName=f"/aws/lambda/{function_name}", **({"nextToken": token} if token else {}))
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            break
    lines = []
    for event in sorted(events, key=lambda e: e["timestamp"]):
        message = event["message"].rstrip("\n")
        # A traceback's frames name the code's own lines, which differ between two functions saying the same.
        head, traceback, _ = message.partition("Traceback (most recent call last):")
        message = head + traceback + ("\n<frames>" if traceback else "")
        for pattern, placeholder in PLACEHOLDERS:
            message = pattern.sub(placeholder, message)
        lines.append(message)
    emit(lines)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "configured":
        configured()
    elif command == "real":
        real()
    elif command == "unreachable":
        unreachable()
    elif command == "run" and len(sys.argv) in (4, 5) and sys.argv[4:] in ([], ["template"], ["player"]):
        run(*sys.argv[2:])
    elif command == "transcript" and len(sys.argv) == 3:
        transcript(sys.argv[2])
    else:
        sys.exit(__doc__)
