"""The world the hostile-peer spec runs every cmdlet against: attackers' text in everything AWS hands back, databases
that try to get the password, and passwords in log lines.

Usage: hostile.py PEERS_JSON CODE_DIR (PEERS_JSON from tests/fakes/hostile_peers.py; the proxy serves CODE_DIR's zips).
- hostile/<peer> for each hostile database server: a PostgreSQL or MySQL secret naming it, with its own canary password;
  hostile/pg-plain-scram-ssl-false the same with "ssl": false;
- hostile/text: tags and description full of escape sequences, rotated by hostile-rotation, naming pg-hostile-text
  (whose error text is escape sequences too); its username is its password, so that the password shows where the
  user name would;
- hostile-rotation: a bundle whose entry names are escape sequences, and a log group with escape sequences in text and
  JSON records and a password in every form issue 14 found coming out whole (patternCanaries).
Prints {"secrets": {...}, "passwords": {peer: password}, "canaries": [...], "text": "<the canary of hostile/text>", "function": "hostile-rotation",
"zip": "<a local zip with hostile names>", "logFile": "<a local log export with hostile lines>"}.
"""
import io
import json
import os
import sys
import time
import uuid
import zipfile

from aws import client, configure_rotation, create_function, emit

peers_file, code_dir = sys.argv[1], sys.argv[2]
peers = json.load(open(peers_file))["peers"]
sm = client("secretsmanager")
lam = client("lambda")
logs = client("logs")
RUN = uuid.uuid4().hex[:8]
ESC = "\x1b]0;owned\x07\x1b[2J\x1b[31m\x9b1m"
canaries = []


def canary(label):
    value = f"RtHostile{label}{RUN}"
    canaries.append(value)
    return value


secrets, passwords = {}, {}
for peer, port in peers.items():
    engine = "mysql" if peer.startswith("mysql") else "postgres"
    passwords[peer] = canary(peer.replace("-", ""))
    value = {"engine": engine, "host": "127.0.0.1", "port": port, "username": "app", "password": passwords[peer], "dbname": "orders"}
    secrets[peer] = sm.create_secret(Name=f"hostile/{peer}", SecretString=json.dumps(value))["ARN"]
passwords["pg-plain-scram-ssl-false"] = canary("ScramSslFalse")
value = {"engine": "postgres", "host": "127.0.0.1", "port": peers["pg-plain-scram"], "username": "app",
         "password": passwords["pg-plain-scram-ssl-false"], "dbname": "orders", "ssl": False}
secrets["pg-plain-scram-ssl-false"] = sm.create_secret(Name="hostile/pg-plain-scram-ssl-false", SecretString=json.dumps(value))["ARN"]

# hostile-rotation: escape sequences in its zip's entry names, its tags and its logs.
bundle = io.BytesIO()
with zipfile.ZipFile(bundle, "w") as z:
    z.writestr("lambda_function.py", "def lambda_handler(event, context):\n    return None\n")
    z.writestr(f"lib{ESC}/libpq.so.5", b"\x7fELF not really")
    z.writestr(f"../{ESC}/escape.py", "x")
code = bundle.getvalue()
os.makedirs(os.path.join(code_dir, "functions"), exist_ok=True)
with open(os.path.join(code_dir, "functions", "hostile-rotation.zip"), "wb") as f:
    f.write(code)
local_zip = os.path.join(code_dir, "hostile-bundle.zip")
with open(local_zip, "wb") as f:
    f.write(code)
function_arn = create_function("hostile-rotation", runtime="python3.12", code=code,
                               tags={"aws:cloudformation:stack-name": f"hostile{ESC}", "team": f"db{ESC}"})["FunctionArn"]
lam.add_permission(FunctionName="hostile-rotation", StatementId="SecretsManagerAccess", Action="lambda:InvokeFunction",
                   Principal="secretsmanager.amazonaws.com")

password = canary("Text")
text_value = {"engine": "postgres", "host": "127.0.0.1", "port": peers["pg-hostile-text"], "username": password,
              "password": password, "dbname": "orders", "ssl": True}
for arn in secrets.values():
    configure_rotation(arn, function_arn)

text_arn = sm.create_secret(Name="hostile/text", SecretString=json.dumps(text_value), Description=f"orders {ESC}",
                            Tags=[{"Key": f"team{ESC}", "Value": f"db{ESC}"}])["ARN"]
configure_rotation(text_arn, function_arn)
secrets["text"] = text_arn

# The log group: escape sequences in text and JSON records, and the password in every form the redactor must catch.
rid = "6f1c0d2e-0000-4000-8000-00000000e5c0"
pattern = {label: canary(label) for label in ("Uri", "Pass", "Pw", "Escaped", "Spaces", "Secret")}
pattern_forms = [
    f"connecting to postgresql://app:{pattern['Uri']}@db.example:5432/orders",
    f"pass={pattern['Pass']} user=app",
    json.dumps({"pw": pattern["Pw"], "user": "app"}),
    "body: " + json.dumps(json.dumps({"body": json.dumps({"password": pattern["Escaped"]})})),
    f"password: {pattern['Spaces']} with spaces",
    f"client_secret={pattern['Secret']}&grant_type=x",
]
now = int(time.time() * 1000)
text_record = lambda message: f"[ERROR]\t2026-01-01T00:00:00.000Z\t{rid}\t{message}"
messages = [f"START RequestId: {rid} Version: $LATEST",
            text_record(f"setSecret: Unable to log into database {ESC} with previous, current, or pending secret of secret arn {text_arn}")]
messages += [text_record(form) for form in pattern_forms]
messages += [json.dumps({"timestamp": "2026-01-01T00:00:01Z", "level": "ERROR", "requestId": rid, "message": f"json record {ESC} end"}),
             f"END RequestId: {rid}",
             f"REPORT RequestId: {rid}\tDuration: 812.00 ms\tBilled Duration: 813 ms\tMemory Size: 128 MB\tMax Memory Used: 76 MB\t"]
group = "/aws/lambda/hostile-rotation"
logs.create_log_group(logGroupName=group)
logs.create_log_stream(logGroupName=group, logStreamName=f"2026/01/01/[$LATEST]{RUN}")
logs.put_log_events(logGroupName=group, logStreamName=f"2026/01/01/[$LATEST]{RUN}",
                    logEvents=[{"timestamp": now - 60_000 + i * 100, "message": m} for i, m in enumerate(messages)])
log_file = os.path.join(code_dir, "hostile.log")
with open(log_file, "w") as f:
    f.write("".join(f"2026-01-01T00:00:0{i}.000Z {m}\n" for i, m in enumerate([messages[0], messages[1], messages[-2]])))

emit({"secrets": secrets, "passwords": passwords, "canaries": canaries, "text": password, "patternCanaries": list(pattern.values()),
      "function": "hostile-rotation", "zip": local_zip, "logFile": log_file})
