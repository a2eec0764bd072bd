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

import boto3

from aws import REGION, client, emit, handler_zip

ESC = "\x1b]0;owned\x07\x1b[2J\x1b[31m\x9b1m\u202e"
SCRIPT = "<script>document.title='pwned-by-script'</script>"
ONERROR = "<img src=x onerror=\"document.title='pwned-by-onerror'\">"


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{int(ms % 1000):03d}Z"


def session_clients(region, credentials=None):
    def make(service):
        if credentials is None:
            return client(service, region=region)
        return boto3.client(service, endpoint_url=client("sts").meta.endpoint_url, region_name=region,
                            aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
                            aws_session_token=credentials["SessionToken"])
    return make


def rotating_secret(make, name, function, value, keep_pending=False):
    iam, lam, sm = make("iam"), make("lambda"), make("secretsmanager")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    try:
        role = iam.create_role(RoleName="report-rotation-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        role = iam.get_role(RoleName="report-rotation-role")["Role"]["Arn"]
    region = lam.meta.region_name
    function_arn = lam.create_function(FunctionName=function, Runtime="python3.12", Role=role, Handler="lambda_function.lambda_handler",
                                       Code={"ZipFile": handler_zip()}, Timeout=30,
                                       Environment={"Variables": {"SECRETS_MANAGER_ENDPOINT": f"https://secretsmanager.{region}.amazonaws.com"}})["FunctionArn"]
    lam.add_permission(FunctionName=function, StatementId="SecretsManagerAccess", Action="lambda:InvokeFunction",
                       Principal="secretsmanager.amazonaws.com")
    arn = sm.create_secret(Name=name, SecretString=json.dumps(value))["ARN"]
    sm.rotate_secret(SecretId=arn, RotationLambdaARN=function_arn, RotationRules={"AutomaticallyAfterDays": 30})
    pending = [v for v, s in sm.describe_secret(SecretId=arn)["VersionIdsToStages"].items() if "AWSPENDING" in s and "AWSCURRENT" not in s]
    if not keep_pending:
        for version in pending:
            sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=version)
    return arn, (pending or [str(uuid.uuid4())])[0]


def log_attempt(make, function, steps):
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
    logs = make("logs")
    group = f"/aws/lambda/{function}"
    logs.create_log_group(logGroupName=group)
    stream = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": t, "message": m} for t, m in lines])


def value(username, password):
    return {"engine": "postgres", "host": "orders.cluster-abc.us-east-1.rds.amazonaws.com", "port": 5432,
            "username": username, "password": password, "dbname": "app"}


def hostile():
    make = session_clients(REGION)
    canary = f"RtReportCanary{uuid.uuid4().hex[:8]}"
    arn, version = rotating_secret(make, "report/hostile-log", "report-hostile-rotation", value(canary, canary))
    log_attempt(make, "report-hostile-rotation", [
        ([("INFO", f"createSecret: Successfully put secret for ARN {arn} and version {version}.")], 800),
        ([("ERROR", f"[ERROR] OperationalError: FATAL:  password authentication failed for user \"{canary}\" {SCRIPT}{ONERROR}{ESC}")], 1200),
    ])
    emit({"secret": arn, "canary": canary, "markers": {"script": SCRIPT, "onerror": ONERROR}})


def shard(account, region):
    credentials = client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/RotationAuditor",
                                            RoleSessionName="report-shard")["Credentials"]
    make = session_clients(region, credentials)
    ok, ok_version = rotating_secret(make, f"shard/{region}/ok-db", f"shard-{region}-ok", value("app", "Shard-Not-Real"))
    log_attempt(make, f"shard-{region}-ok", [
        ([("INFO", f"createSecret: Successfully put secret for ARN {ok} and version {ok_version}.")], 800),
        ([("INFO", f"setSecret: Successfully set password for user app in PostgreSQL DB for secret arn {ok}.")], 900),
        ([("INFO", f"testSecret: Successfully signed into PostgreSQL DB with AWSPENDING secret in {ok}.")], 700),
        ([("INFO", f"finishSecret: Successfully set AWSCURRENT stage to version {ok_version} for secret {ok}.")], 600),
    ])
    stuck, stuck_version = rotating_secret(make, f"shard/{region}/stuck-db", f"shard-{region}-stuck", value("app", "Shard-Not-Real"), keep_pending=True)
    log_attempt(make, f"shard-{region}-stuck", [
        ([("INFO", f"createSecret: Successfully put secret for ARN {stuck} and version {stuck_version}.")], 800),
    ])
    emit({"secrets": [ok, stuck], "credentials": {k: credentials[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")}})


if sys.argv[1:2] == ["shard"]:
    shard(sys.argv[2], sys.argv[3])
else:
    hostile()
