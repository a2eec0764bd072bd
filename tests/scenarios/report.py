"""The report's worlds, seeded through boto3: log lines an attacker wrote, and the shards of a fleet.

Usage: report.py hostile | report.py shard ACCOUNT REGION
- hostile (the default account, us-east-1): report/hostile-log rotates with report-hostile-rotation, whose newest attempt
  failed in setSecret with an error line no symptom matches (so the diagnosis quotes it), full of markup (a <script> element, an <img onerror=> attribute), escape
  sequences, a bidirectional override and the secret's own password: the secret's username is its password, so the
  value the run read shows where the user name would. Prints {"secret", "canary", "markers"}.
- shard ACCOUNT REGION: in that account, reached through an assumed role as a fan-out reaches a member account, and that
  region: shard/REGION/ok-db rotates with a function whose last rotation succeeded; shard/REGION/stuck-db has an
  AWSPENDING label left by a rotation that did not finish. Prints {"secrets", "credentials"} (the role's keys, for a
  separate pwsh to diagnose that shard with).
"""
import json
import sys
import time
import uuid

from aws import REGION, client, configure_rotation, create_function, emit, ensure_role, iso, write_log

ESC = "\x1b]0;owned\x07\x1b[2J\x1b[31m\x9b1m\u202e"
SCRIPT = "<script>document.title='pwned-by-script'</script>"
ONERROR = "<img src=x onerror=\"document.title='pwned-by-onerror'\">"


def rotating_secret(name, function, value, region=REGION, credentials=None, keep_pending=False):
    """A secret rotated now by its own function; returns its ARN and the version its attempt names."""
    role = ensure_role("report-rotation-role", credentials=credentials)
    function_arn = create_function(function, runtime="python3.12", role=role, region=region, credentials=credentials)["FunctionArn"]
    client("lambda", region=region, credentials=credentials).add_permission(
        FunctionName=function, StatementId="SecretsManagerAccess", Action="lambda:InvokeFunction", Principal="secretsmanager.amazonaws.com")
    arn = client("secretsmanager", region=region, credentials=credentials).create_secret(Name=name, SecretString=json.dumps(value))["ARN"]
    return arn, configure_rotation(arn, function_arn, immediately=True, keep_pending=keep_pending, region=region, credentials=credentials)


def log_attempt(function, steps, region=REGION, credentials=None):
    """One attempt in Lambda's text format, two hours ago: one invocation per step, ([(level, message), ...], duration)."""
    t = int(time.time() * 1000) - 2 * 3600 * 1000
    lines = []
    for messages, duration in steps:
        rid = str(uuid.uuid4())
        lines.append((t, f"START RequestId: {rid} Version: $LATEST"))
        lines += [(t + 100 + i, f"[{level}]\t{iso(t + 100 + i)}\t{rid}\t{message}") for i, (level, message) in enumerate(messages)]
        lines += [(t + duration, f"END RequestId: {rid}"),
                  (t + duration + 1, f"REPORT RequestId: {rid}\tDuration: {duration:.2f} ms\tBilled Duration: {duration} ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB")]
        t += 60_000
    write_log(function, lines, region, credentials)


def value(username, password):
    return {"engine": "postgres", "host": "orders.cluster-abc.us-east-1.rds.amazonaws.com", "port": 5432,
            "username": username, "password": password, "dbname": "app"}


def hostile():
    canary = f"RtReportCanary{uuid.uuid4().hex[:8]}"
    arn, version = rotating_secret("report/hostile-log", "report-hostile-rotation", value(canary, canary))
    log_attempt("report-hostile-rotation", [
        ([("INFO", f"createSecret: Successfully put secret for ARN {arn} and version {version}.")], 800),
        ([("ERROR", f"[ERROR] OperationalError: FATAL:  password authentication failed for user \"{canary}\" {SCRIPT}{ONERROR}{ESC}")], 1200),
    ])
    emit({"secret": arn, "canary": canary, "markers": {"script": SCRIPT, "onerror": ONERROR}})


def shard(account, region):
    credentials = client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/RotationAuditor",
                                            RoleSessionName="report-shard")["Credentials"]
    ok, ok_version = rotating_secret(f"shard/{region}/ok-db", f"shard-{region}-ok", value("app", "Shard-Not-Real"), region, credentials)
    log_attempt(f"shard-{region}-ok", [
        ([("INFO", f"createSecret: Successfully put secret for ARN {ok} and version {ok_version}.")], 800),
        ([("INFO", f"setSecret: Successfully set password for user app in PostgreSQL DB for secret arn {ok}.")], 900),
        ([("INFO", f"testSecret: Successfully signed into PostgreSQL DB with AWSPENDING secret in {ok}.")], 700),
        ([("INFO", f"finishSecret: Successfully set AWSCURRENT stage to version {ok_version} for secret {ok}.")], 600),
    ], region, credentials)
    stuck, stuck_version = rotating_secret(f"shard/{region}/stuck-db", f"shard-{region}-stuck", value("app", "Shard-Not-Real"), region, credentials,
                                           keep_pending=True)
    log_attempt(f"shard-{region}-stuck", [
        ([("INFO", f"createSecret: Successfully put secret for ARN {stuck} and version {stuck_version}.")], 800),
    ], region, credentials)
    emit({"secrets": [ok, stuck], "credentials": {k: credentials[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")}})


if sys.argv[1:2] == ["shard"]:
    shard(sys.argv[2], sys.argv[3])
else:
    hostile()
