"""Failed logins whose cause only RDS's record tells, from a machine where the databases' names do not resolve.

Seeds rds_records.py's databases (a stopped PostgreSQL instance, an Aurora cluster whose group sets rds.force_ssl=1, an
RDS Proxy with RequireTLS) and one PostgreSQL rotation function per secret whose newest attempt failed setSecret's login
at once (DatabaseLoginRejected, the templates' exact line):
- records/stopped names the stopped instance;
- records/tls-param names the cluster's writer with "ssl": false;
- records/proxy-tls names the proxy with "ssl": false;
- records/wrong-port names the cluster's writer on port 5433 (it listens on 5432).
"""
import contextlib
import io
import json
import os
import time
import uuid

import rds_records
from aws import ACCOUNT, REGION, client, create_function, emit

with contextlib.redirect_stdout(io.StringIO()) as seeded:
    rds_records.main(os.environ["RT_MOTO_URL"])
DATABASES = json.loads(seeded.getvalue())

sm = client("secretsmanager")
lam = client("lambda")
logs = client("logs")


def failed_login(name, value):
    function = "SecretsManagerRDSPostgreSQLRotationSingleUser-" + name.split("/")[-1]
    create_function(function, runtime="python3.12")
    lam.add_permission(FunctionName=function, StatementId="SecretsManagerAccess", Action="lambda:InvokeFunction",
                       Principal="secretsmanager.amazonaws.com")
    arn = sm.create_secret(Name=name, SecretString=json.dumps({"engine": "postgres", "port": 5432, "username": "app",
                                                               "password": "Not-A-Real-Password", "dbname": "app", **value}))["ARN"]
    sm.rotate_secret(SecretId=arn, RotationLambdaARN=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}",
                     RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
    # One setSecret invocation an hour ago that failed to log in within 1.2 s.
    start = int(time.time() * 1000) - 3600 * 1000
    rid = str(uuid.uuid4())
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(start / 1000))
    message = f"Unable to log into database with previous, current, or pending secret of secret arn {arn}"
    lines = [f"START RequestId: {rid} Version: $LATEST", f"[ERROR]\t{stamp}\t{rid}\tsetSecret: {message}",
             f"[ERROR] ValueError: {message}", f"END RequestId: {rid}",
             f"REPORT RequestId: {rid}\tDuration: 1187.90 ms\tBilled Duration: 1188 ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB"]
    group = f"/aws/lambda/{function}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="2026/12/01/[$LATEST]records")
    logs.put_log_events(logGroupName=group, logStreamName="2026/12/01/[$LATEST]records",
                        logEvents=[{"timestamp": start + i * 100, "message": line} for i, line in enumerate(lines)])
    return arn


writer = DATABASES["reports"]["writer"]
emit({"secrets": {
    "records/stopped": failed_login("records/stopped", {"host": DATABASES["orders"]["endpoint"]}),
    "records/tls-param": failed_login("records/tls-param", {"host": writer, "ssl": False}),
    "records/proxy-tls": failed_login("records/proxy-tls", {"host": DATABASES["proxy"]["endpoint"], "ssl": False}),
    "records/wrong-port": failed_login("records/wrong-port", {"host": writer, "port": 5433}),
}, "databases": DATABASES})
