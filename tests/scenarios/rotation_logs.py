"""Rotation functions' CloudWatch logs, for Get-RotationFunctionLog, written with the strings in docs/reference/rotation.md.

Seeded through boto3 (logs.put_log_events) relative to now:
- rotation-shared (text log format) rotates prod/orders/db and prod/billing/db:
  orders succeeded 10 days ago (outside the default 7-day window), failed testSecret (TestSecretLoginFailed) 2 days ago,
  succeeded 2 hours ago; billing failed setSecret fast (DatabaseLoginRejected) 3 days ago, RotatedVersionNotPending 1 day
  ago, and is in progress now (createSecret done, setSecret started). Print-output noise in a second stream.
- rotation-json (JSON log format) rotates prod/json/db: TimeoutReachingSecretsManager 3 days ago (two timed-out
  invocations), DatabaseUnreachable 2 days ago, KmsAccessDenied 1 day ago, succeeded 3 hours ago.
- rotation-custom-group logs to /custom/rotation/logs (LoggingConfig.LogGroup); moto's Lambda does not keep
  LoggingConfig, so the specs serve GetFunction for it from tests/fakes/recorded/custom-log-group.json. FunctionImportError.
- rotation-never-ran has no log group; rotation-idle has an empty one; rotation-lambda-denied and rotation-logs-denied
  have one success each, and the recording denies lambda:GetFunction / logs:FilterLogEvents for them.
Exports written with the aws CLI against moto (filter-log-events, get-log-events) and a plain-text console copy land in
a temporary folder whose files are listed in the output.
"""
import json
import os
import subprocess
import tempfile
import time
from datetime import datetime, timedelta, timezone

from aws import ACCOUNT, REGION, client, create_function, emit

NOW = datetime.now(timezone.utc).replace(microsecond=0)
logs = client("logs")
sm = client("secretsmanager")
lam = client("lambda")

VER = {k: v for k, v in [
    ("orders-old", "0c1d2e3f-4a5b-4c6d-8e7f-001122334455"), ("orders-fail", "7e9f2b1c-3d4a-4b5c-8d6e-0f1a2b3c4d5e"),
    ("orders-ok", "a1b2c3d4-e5f6-4789-8abc-def012345678"), ("billing-fail", "b2c3d4e5-f6a7-4890-9bcd-ef0123456789"),
    ("billing-stuck", "c3d4e5f6-a7b8-4901-8cde-f01234567890"), ("billing-now", "d4e5f6a7-b8c9-4012-9def-012345678901"),
    ("json-unreach", "e5f6a7b8-c9d0-4123-8ef0-123456789012"), ("json-ok", "f6a7b8c9-d0e1-4234-9f01-234567890123")]}


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


class Transcript:
    """What Lambda and the Python templates write for one function, in the text or JSON log format."""

    def __init__(self, fmt, stream):
        self.fmt, self.stream, self.lines, self.ids = fmt, stream, [], 0

    def add(self, t, message, stream=None):
        self.lines.append((t, message, stream or self.stream))

    def platform(self, t, kind, rid, status=None, duration=None, timeout=False):
        if self.fmt == "text":
            if kind == "start":
                self.add(t, f"START RequestId: {rid} Version: $LATEST\n")
            else:
                self.add(t, f"END RequestId: {rid}\n")
                self.add(t, f"REPORT RequestId: {rid}\tDuration: {duration:.2f} ms\tBilled Duration: {int(-(-duration // 1))} ms\t"
                            f"Memory Size: 128 MB\tMax Memory Used: 76 MB\t" + ("Status: timeout\n" if timeout else "\n"))
                if timeout:
                    self.add(t, f"{iso(t)} {rid} Task timed out after {duration / 1000:.2f} seconds\n")
        elif kind == "start":
            self.add(t, json.dumps({"time": iso(t), "type": "platform.start", "record": {"requestId": rid, "version": "$LATEST"}}))
        else:
            self.add(t, json.dumps({"time": iso(t), "type": "platform.runtimeDone", "record": {"requestId": rid, "status": status}}))
            record = {"requestId": rid, "metrics": {"durationMs": duration, "billedDurationMs": int(-(-duration // 1)),
                                                    "memorySizeMB": 128, "maxMemoryUsedMB": 76}, "status": status}
            if timeout:
                record["errorType"] = "Sandbox.Timedout"
            self.add(t, json.dumps({"time": iso(t), "type": "platform.report", "record": record}))

    def record(self, t, rid, text, level="INFO"):
        logger = "botocore.credentials" if text.startswith("Found credentials") else "root"
        if self.fmt == "text":
            self.add(t, f"[{level}]\t{iso(t)}\t{rid}\t{text}\n")
        else:
            self.add(t, json.dumps({"timestamp": iso(t), "level": level, "message": text, "logger": logger, "requestId": rid}))

    def unhandled(self, t, rid, error):
        kind, text = error.split(":", 1)
        text = text.strip()
        frame = '  File "/var/task/lambda_function.py", line 80, in lambda_handler\n    set_secret(service_client, arn, token)'
        if self.fmt == "text":
            self.add(t, f"[ERROR] {kind}: {text}\nTraceback (most recent call last):\n{frame}\n")
        else:
            self.add(t, json.dumps({"timestamp": iso(t), "level": "ERROR", "message": {
                "errorMessage": text, "errorType": kind, "requestId": rid or "", "stackTrace": [frame]}, "requestId": rid or ""}))

    def invoke(self, start, duration_ms, end, messages, unhandled=None, cold=True, ended=True, init_error=None):
        """messages: logger.info lines ("!" first makes it logger.error). end: success, error or timeout."""
        self.ids += 1
        rid = f"{self.ids:08x}-{abs(hash(self.stream)) % 10000:04d}-4222-8333-{int(start.timestamp()) % 10 ** 12:012d}"
        if init_error:
            self.unhandled(start - timedelta(milliseconds=40), None, init_error)
        self.platform(start, "start", rid)
        lines = (["Found credentials in environment variables."] if cold else []) + messages
        step = duration_ms / (len(lines) + 2)
        for i, line in enumerate(lines):
            error = line.startswith("!")
            self.record(start + timedelta(milliseconds=step * (i + 1)), rid, line[1:] if error else line, "ERROR" if error else "INFO")
        finish = start + timedelta(milliseconds=duration_ms)
        if unhandled:
            self.unhandled(finish - timedelta(milliseconds=2), rid, unhandled)
        if ended:
            self.platform(finish, "end", rid, status=end, duration=duration_ms, timeout=end == "timeout")
        return finish + timedelta(milliseconds=250)


def put(_, arn, ver): return f"createSecret: Successfully put secret for ARN {arn} and version {ver}."
def set_ok(arn): return f"setSecret: Successfully set password for user app in PostgreSQL DB for secret arn {arn}."
def set_failed(arn): return f"setSecret: Unable to log into database with previous, current, or pending secret of secret arn {arn}"
def test_ok(arn): return f"testSecret: Successfully signed into PostgreSQL DB with AWSPENDING secret in {arn}."
def test_failed(arn): return f"testSecret: Unable to log into database with pending secret of secret ARN {arn}"
def finish_ok(arn, ver): return f"finishSecret: Successfully set AWSCURRENT stage to version {ver} for secret {arn}."


def full_rotation(tr, start, arn, ver):
    t = tr.invoke(start, 900, "success", [put(tr, arn, ver)])
    t = tr.invoke(t + timedelta(seconds=1), 420, "success", [set_ok(arn)], cold=False)
    t = tr.invoke(t + timedelta(seconds=1), 380, "success", [test_ok(arn)], cold=False)
    return tr.invoke(t + timedelta(seconds=1), 300, "success", [finish_ok(arn, ver)], cold=False)


def seed(group, tr_lines):
    logs.create_log_group(logGroupName=group)
    by_stream = {}
    for t, message, stream in sorted(tr_lines, key=lambda l: l[0]):
        by_stream.setdefault(stream, []).append({"timestamp": int(t.timestamp() * 1000), "message": message})
    for stream, events in by_stream.items():
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        for i in range(0, len(events), 5000):
            logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events[i:i + 5000])


def secret(name, function):
    arn = sm.create_secret(Name=name, SecretString='{"engine":"postgres","host":"db.example","username":"app","password":"hunter2-not-real"}')["ARN"]
    lam.add_permission(FunctionName=function, StatementId=f"sm-{name.replace('/', '-')}", Action="lambda:InvokeFunction",
                       Principal="secretsmanager.amazonaws.com")
    sm.rotate_secret(SecretId=arn, RotationLambdaARN=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}",
                     RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
    return arn


for name in ["rotation-shared", "rotation-json", "rotation-never-ran", "rotation-idle", "rotation-lambda-denied", "rotation-logs-denied"]:
    create_function(name)
orders = secret("prod/orders/db", "rotation-shared")
billing = secret("prod/billing/db", "rotation-shared")
json_db = secret("prod/json/db", "rotation-json")
unrotated = sm.create_secret(Name="prod/no-rotation", SecretString="{}")["ARN"]
day = NOW.strftime("%Y/%m/%d")

# rotation-shared, text format
text = Transcript("text", f"{day}/[$LATEST]0a1b2c3d4e5f60718293a4b5c6d7e8f9")
full_rotation(text, NOW - timedelta(days=10), orders, VER["orders-old"])
t = text.invoke(NOW - timedelta(days=3), 900, "success", [put(text, billing, VER["billing-fail"])])
text.invoke(t + timedelta(seconds=1), 640, "error", ["!" + set_failed(billing)], cold=False,
            unhandled=f"ValueError: Unable to log into database with previous, current, or pending secret of secret arn {billing}")
t = text.invoke(NOW - timedelta(days=2), 900, "success", [put(text, orders, VER["orders-fail"])])
t = text.invoke(t + timedelta(seconds=1), 400, "success", [set_ok(orders)], cold=False)
text.add(t, "print: checking connection pool\n")
text.invoke(t + timedelta(seconds=1), 500, "error", ["!" + test_failed(orders)], cold=False,
            unhandled=f"ValueError: Unable to log into database with pending secret of secret ARN {orders}")
text.add(NOW - timedelta(days=1, hours=1), "some unrelated line a human pasted here\n", f"{day}/[$LATEST]ffff0000ffff0000ffff0000ffff0000")
stuck = f"Secret version {VER['billing-stuck']} not set as AWSPENDING for rotation of secret {billing}."
text.invoke(NOW - timedelta(days=1), 500, "error", ["!" + stuck], unhandled="ValueError: " + stuck)
full_rotation(text, NOW - timedelta(hours=2), orders, VER["orders-ok"])
t = text.invoke(NOW - timedelta(minutes=1), 900, "success", [put(text, billing, VER["billing-now"])])
text.invoke(t + timedelta(seconds=1), 60000, "success", [], cold=True, ended=False)
seed("/aws/lambda/rotation-shared", text.lines)

# rotation-json, JSON format
js = Transcript("json", f"{day}/[$LATEST]1b2c3d4e5f60718293a4b5c6d7e8f90a")
t = js.invoke(NOW - timedelta(days=3), 30030, "timeout", [])
js.invoke(t + timedelta(minutes=2), 30030, "timeout", [])
t = js.invoke(NOW - timedelta(days=2), 900, "success", [put(js, json_db, VER["json-unreach"])])
js.invoke(t + timedelta(seconds=1), 25012, "error", ["!" + set_failed(json_db)], cold=False,
          unhandled=f"ValueError: Unable to log into database with previous, current, or pending secret of secret arn {json_db}")
js.invoke(NOW - timedelta(days=1), 700, "error", [],
          unhandled="ClientError: An error occurred (AccessDeniedException) when calling the GetSecretValue operation: Access to KMS is not allowed")
full_rotation(js, NOW - timedelta(hours=3), json_db, VER["json-ok"])
seed("/aws/lambda/rotation-json", js.lines)

# rotation-custom-group: LoggingConfig.LogGroup (GetFunction is served from a recording)
custom = Transcript("text", f"{day}/[$LATEST]2c3d4e5f60718293a4b5c6d7e8f90a1b")
error = "Runtime.ImportModuleError: Unable to import module 'lambda_function': No module named '_pg'"
custom.invoke(NOW - timedelta(hours=5), 120, "error", [], unhandled=error, init_error=error, cold=False)
seed("/custom/rotation/logs", custom.lines)

logs.create_log_group(logGroupName="/aws/lambda/rotation-idle")

# rotation-lambda-denied: the specs deny lambda:GetFunction for it, so its default group is read.
# rotation-logs-denied: the specs deny logs:FilterLogEvents on its group.
denied = Transcript("text", f"{day}/[$LATEST]3d4e5f60718293a4b5c6d7e8f90a1b2c")
full_rotation(denied, NOW - timedelta(hours=6), "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/other/db-AbCdEf",
              "0a0b0c0d-1e1f-4a2b-8c3d-4e5f6a7b8c9d")
seed("/aws/lambda/rotation-lambda-denied", denied.lines)
seed("/aws/lambda/rotation-logs-denied", denied.lines)

# Offline exports, written by the aws CLI against moto and as a console copy.
out = tempfile.mkdtemp(prefix="rt-logs-")
env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)
cli = ["aws", "--endpoint-url", os.environ["RT_MOTO_URL"], "--region", REGION, "--output", "json", "logs"]


def export(name, args):
    path = os.path.join(out, name)
    with open(path, "wb") as f:
        subprocess.run(cli + args, stdout=f, check=True, env=env)
    return path


files = {
    "filterText": export("shared-filter.json", ["filter-log-events", "--log-group-name", "/aws/lambda/rotation-shared"]),
    "filterJson": export("json-filter.json", ["filter-log-events", "--log-group-name", "/aws/lambda/rotation-json"]),
    "getJson": export("json-get.json", ["get-log-events", "--log-group-name", "/aws/lambda/rotation-json",
                                         "--log-stream-name", js.stream, "--start-from-head"]),
}
plain = os.path.join(out, "json-console.txt")
with open(plain, "w") as f:
    for t, message, _ in sorted(js.lines, key=lambda l: l[0]):
        f.write(f"{iso(t)}\t{message.rstrip()}\n")
files["plainJson"] = plain
garbage = os.path.join(out, "shared-with-garbage.txt")
with open(garbage, "w") as f:
    for t, message, _ in sorted(text.lines, key=lambda l: l[0]):
        f.write(f"{iso(t)}\t{message.rstrip()}\n")
    f.write("\x01\x02 not a log line \x03\n")
files["plainTextWithGarbage"] = garbage
notlog = os.path.join(out, "not-a-log.json")
with open(notlog, "w") as f:
    json.dump({"SecretList": []}, f)
files["notALog"] = notlog
emit({"secrets": {"orders": orders, "billing": billing, "json": json_db, "unrotated": unrotated},
      "versions": VER, "now": NOW.isoformat(), "exports": out, "files": files})
