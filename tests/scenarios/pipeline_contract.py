"""The pipeline contract's world: a secret every cmdlet can answer for, and its twin in another region.

In us-east-1, contract/app-db rotates with contract-rotation, whose log group holds one successful rotation of it and
whose deployment package is written to RT_CODE_DIR (the proxy serves it); the secret's host is 127.0.0.1 on the closed
port given as argv[1], so a login attempt ends at once. In eu-west-1, contract/eu-db rotates with contract-eu-rotation:
only asking eu-west-1 finds them.
"""
import json
import os
import sys
import time
import uuid

from aws import ACCOUNT, REGION, client, configure_rotation, create_function, emit, handler_zip, iso, write_log

OTHER_REGION = "eu-west-1"
port = int(sys.argv[1])


def rotating_secret(name, function, region):
    code = handler_zip()
    create_function(function, runtime="python3.12", code=code, region=region)
    client("lambda", region=region).add_permission(FunctionName=function, StatementId="SecretsManagerAccess",
                                                   Action="lambda:InvokeFunction", Principal="secretsmanager.amazonaws.com")
    function_arn = f"arn:aws:lambda:{region}:{ACCOUNT}:function:{function}"
    sm = client("secretsmanager", region=region)
    value = {"engine": "postgres", "host": "127.0.0.1", "port": port, "username": "app", "password": "Contract-Not-Real", "dbname": "app"}
    arn = sm.create_secret(Name=name, SecretString=json.dumps(value))["ARN"]
    return arn, function_arn, code, configure_rotation(arn, function_arn, immediately=True, region=region)


def log_rotation(function, arn, version):
    """One successful rotation in Lambda's text format, an hour ago, as the PostgreSQL template logs it."""
    t = int(time.time() * 1000) - 3600 * 1000
    lines = []
    for message in (f"createSecret: Successfully put secret for ARN {arn} and version {version}.",
                    f"setSecret: Successfully set password for user app in PostgreSQL DB for secret arn {arn}.",
                    f"testSecret: Successfully signed into PostgreSQL DB with AWSPENDING secret in {arn}.",
                    f"finishSecret: Successfully set AWSCURRENT stage to version {version} for secret {arn}."):
        rid = str(uuid.uuid4())
        lines += [(t, f"START RequestId: {rid} Version: $LATEST"), (t + 100, f"[INFO]\t{iso(t + 100)}\t{rid}\t{message}"),
                  (t + 700, f"END RequestId: {rid}"),
                  (t + 701, f"REPORT RequestId: {rid}\tDuration: 700.00 ms\tBilled Duration: 700 ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB")]
        t += 60_000
    write_log(function, lines)


arn, function_arn, code, version = rotating_secret("contract/app-db", "contract-rotation", REGION)
log_rotation("contract-rotation", arn, version)
functions = os.path.join(os.environ["RT_CODE_DIR"], "functions")
os.makedirs(functions, exist_ok=True)
with open(os.path.join(functions, "contract-rotation.zip"), "wb") as f:
    f.write(code)
eu_arn, eu_function_arn, _, _ = rotating_secret("contract/eu-db", "contract-eu-rotation", OTHER_REGION)
emit({"secret": arn, "function": function_arn, "otherRegionSecret": eu_arn, "otherRegionFunction": eu_function_arn})
