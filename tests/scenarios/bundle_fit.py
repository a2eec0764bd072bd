"""Rotation functions whose failures only the bundle fit and the drivers' own words explain, for Test-SecretRotation.

Needs RT_FIXTURES (tests/native/build-libpq-fixtures.sh) and RT_CODE_DIR, where each bundle is written as the proxy
serves it (functions/<name>.zip): moto keeps the code, but its Code.Location names a host it does not serve.
- rotation-fit-py39 (python3.11): PyGreSQL with _pg built for CPython 3.9; its logs show environments on python:3.9,
  a rotation that succeeded, then environments on python:3.11 whose init fails with "No module named '_pg'";
- rotation-fit-pymysql (python3.12): PyMySQL 1.1.0 without 'cryptography'; setSecret ends in PyMySQL's own
  "'cryptography' package is required for sha256_password or caching_sha2_password auth methods".
Secrets fit/py39 and fit/pymysql rotate with them.
"""
import json
from datetime import datetime, timedelta, timezone

from aws import ACCOUNT, REGION, client, emit
from bundles import dist_info, pygresql_for_python39, served_function

NOW = datetime.now(timezone.utc)
sm, logs, lam = client("secretsmanager"), client("logs"), client("lambda")


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def invocation(lines, stream, start, rid, messages, error=None, duration=300):
    """One invocation as Lambda's text log format writes it: START, the function's records, the unhandled error, END, REPORT."""
    lines.append((start, f"START RequestId: {rid} Version: $LATEST\n", stream))
    for i, text in enumerate(messages):
        lines.append((start + timedelta(milliseconds=10 * (i + 1)), f"[INFO]\t{iso(start)}\t{rid}\t{text}\n", stream))
    end = start + timedelta(milliseconds=duration)
    if error:
        lines.append((end - timedelta(milliseconds=2), f"[ERROR] {error}\nTraceback (most recent call last):\n", stream))
    lines.append((end, f"END RequestId: {rid}\n", stream))
    lines.append((end, f"REPORT RequestId: {rid}\tDuration: {duration:.2f} ms\tBilled Duration: {duration} ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\t\n", stream))
    return end + timedelta(seconds=1)


def init_start(lines, stream, t, version):
    lines.append((t - timedelta(milliseconds=300), f"INIT_START Runtime Version: {version}\tRuntime Version ARN: arn:aws:lambda:{REGION}::runtime:{abs(hash(version)):x}\n", stream))


def seed_logs(function_name, lines):
    group = f"/aws/lambda/{function_name}"
    logs.create_log_group(logGroupName=group)
    by_stream = {}
    for t, message, stream in sorted(lines, key=lambda l: l[0]):
        by_stream.setdefault(stream, []).append({"timestamp": int(t.timestamp() * 1000), "message": message})
    for stream, events in by_stream.items():
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)


def secret(name, function_name, value):
    arn = sm.create_secret(Name=name, SecretString=json.dumps(value))["ARN"]
    lam.add_permission(FunctionName=function_name, StatementId=f"sm-{name.replace('/', '-')}", Action="lambda:InvokeFunction",
                       Principal="secretsmanager.amazonaws.com")
    sm.rotate_secret(SecretId=arn, RotationLambdaARN=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}",
                     RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
    return arn


def put(arn, version): return f"createSecret: Successfully put secret for ARN {arn} and version {version}."


served_function("rotation-fit-py39", "python3.11", pygresql_for_python39())
served_function("rotation-fit-pymysql", "python3.12", {
    "lambda_function.py": "import pymysql\n\ndef lambda_handler(event, context):\n    return None\n",
    "pymysql/__init__.py": "VERSION = (1, 1, 0, \"final\")\n", **dist_info("PyMySQL", "1.1.0")})

py39 = secret("fit/py39", "rotation-fit-py39", {"engine": "postgres", "host": "db.internal.example", "username": "app", "password": "not-a-real-one"})
pymysql = secret("fit/pymysql", "rotation-fit-pymysql",
                 {"engine": "mysql", "host": "db.internal.example", "username": "app", "password": "not-a-real-one", "ssl": False})

day = lambda t: t.strftime("%Y/%m/%d")
lines, old, new = [], NOW - timedelta(days=5), NOW - timedelta(days=2)
stream = f"{day(old)}/[$LATEST]0a1b2c3d4e5f60718293a4b5c6d7e8f9"
init_start(lines, stream, old, "python:3.9.v40")
t = invocation(lines, stream, old, "00000001-1111-4222-8333-444444444444", [put(py39, "v-old")])
stream = f"{day(new)}/[$LATEST]ffffffffffffffffffffffffffffffff"
init_start(lines, stream, new, "python:3.11.v29")
invocation(lines, stream, new, "00000002-1111-4222-8333-444444444444", [],
           error="Runtime.ImportModuleError: Unable to import module 'lambda_function': No module named '_pg'")
seed_logs("rotation-fit-py39", lines)

lines, start = [], NOW - timedelta(days=1)
stream = f"{day(start)}/[$LATEST]1a1b2c3d4e5f60718293a4b5c6d7e8f9"
t = invocation(lines, stream, start, "00000003-1111-4222-8333-444444444444", [put(pymysql, "v-new")])
invocation(lines, stream, t, "00000004-1111-4222-8333-444444444444", [],
           error="RuntimeError: 'cryptography' package is required for sha256_password or caching_sha2_password auth methods")
seed_logs("rotation-fit-pymysql", lines)

emit({"py39": py39, "pymysql": pymysql})
