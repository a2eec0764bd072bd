"""The benchmark's fleet, seeded through boto3 against moto (RT_MOTO_URL): SECRET_COUNT secrets (default 1000) rotated
by FUNCTION_COUNT functions (default 20) named like AWS's templates, in VPC_COUNT VPCs (default 3), each function with a
CloudFormation stack and a log group holding its last rotation, and a mix of the broken scenarios of
tests/scenarios/rotation_checks.py (missing invoke permission, short timeout, no SECRETS_MANAGER_ENDPOINT, old runtime,
deleted function, stuck AWSPENDING, not JSON, missing key, engine mismatch, rotation off).
Prints what the benchmark needs as JSON.
"""
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

# moto's server races under concurrent writes (a 500 "dictionary changed size during iteration" now and then): retry
# as an AWS client would, more than botocore's default of 4 attempts.
os.environ.setdefault("AWS_MAX_ATTEMPTS", "10")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "scenarios"))
from aws import ACCOUNT, REGION, client, create_function, create_stack, emit, handler_zip  # noqa: E402

SECRET_COUNT = int(os.environ.get("SECRET_COUNT", "1000"))
FUNCTION_COUNT = int(os.environ.get("FUNCTION_COUNT", "20"))
VPC_COUNT = int(os.environ.get("VPC_COUNT", "3"))
CODE_DIR = os.environ.get("CODE_DIR")
ENGINES = [("PostgreSQL", "postgres"), ("MySQL", "mysql"), ("MariaDB", "mariadb")]

ec2 = client("ec2")
lam = client("lambda")
logs = client("logs")

vpcs = []
for v in range(VPC_COUNT):
    vpc = ec2.create_vpc(CidrBlock=f"10.{v}.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{v}.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(VpcId=vpc, GroupName=f"rotation-{v}", Description="rotation function")["GroupId"]
    # The functions and the endpoint share the group: HTTPS from itself lets the functions reach the endpoint.
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": group}]}])
    if v == 0:
        # One VPC reaches Secrets Manager through an interface endpoint; the others have none (a broken scenario).
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.secretsmanager", VpcEndpointType="Interface",
                                SubnetIds=[subnet], SecurityGroupIds=[group], PrivateDnsEnabled=True)
    vpcs.append({"vpc": vpc, "subnet": subnet, "group": group})


def log_last_rotation(name, failing):
    group = f"/aws/lambda/{name}"
    logs.create_log_group(logGroupName=group)
    stream = "2026/11/25/[$LATEST]0123456789abcdef"
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000) - 3_600_000
    arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:fleet/db00000-AbCdEf"
    steps = [f"createSecret: Successfully put secret for ARN {arn} and version 1111."]
    if failing:
        steps.append(f"setSecret: Unable to log into database with previous, current, or pending secret of secret arn {arn}")
    else:
        steps += [f"setSecret: Successfully set password for user app in PostgreSQL DB for secret arn {arn}.",
                  f"testSecret: Successfully signed into PostgreSQL DB with AWSPENDING secret in {arn}.",
                  f"finishSecret: Successfully set AWSCURRENT stage to version 1111 for secret {arn}."]
    lines = []
    for n, step in enumerate(steps):
        rid = f"11111111-2222-3333-4444-55555555555{n}"
        lines += [f"START RequestId: {rid} Version: $LATEST", f"[{'ERROR' if 'Unable' in step else 'INFO'}]\t{step}",
                  f"END RequestId: {rid}", f"REPORT RequestId: {rid}\tDuration: 800.00 ms\tBilled Duration: 800 ms"]
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": now + i * 100, "message": line} for i, line in enumerate(lines)])


functions = []
for f in range(FUNCTION_COUNT):
    label, engine = ENGINES[f % len(ENGINES)]
    name = f"SecretsManagerRDS{label}RotationSingleUser-{f:02}"
    stack = f"rotation-{f:02}"
    create_stack(stack)
    network = vpcs[f % len(vpcs)] if vpcs else None
    settings = {"runtime": "python3.12", "tags": {"aws:cloudformation:stack-name": stack}}
    if network:
        settings["VpcConfig"] = {"SubnetIds": [network["subnet"]], "SecurityGroupIds": [network["group"]]}
    broken = {1: "no-permission", 2: "short-timeout", 3: "no-endpoint-variable", 4: "old-runtime", 5: "deleted"}.get(f)
    if broken == "short-timeout":
        settings["timeout"] = 5
    if broken == "no-endpoint-variable":
        settings["environment"] = {}
    if broken == "old-runtime":
        settings["runtime"] = "python3.8"
    arn = create_function(name, **settings)["FunctionArn"]
    if CODE_DIR:
        # What the proxy serves for the function's presigned Code.Location (moto's own URL names no real host).
        os.makedirs(os.path.join(CODE_DIR, "functions"), exist_ok=True)
        with open(os.path.join(CODE_DIR, "functions", f"{name}.zip"), "wb") as f:
            f.write(handler_zip())
    if broken != "no-permission":
        lam.add_permission(FunctionName=name, StatementId="SecretsManagerAccess", Action="lambda:InvokeFunction",
                           Principal="secretsmanager.amazonaws.com")
    log_last_rotation(name, failing=broken is not None)
    functions.append({"name": name, "arn": arn, "engine": engine, "stack": stack, "broken": broken,
                      "network": network})


def seed_secret(i):
    sm = client("secretsmanager")
    function = functions[i % len(functions)]
    value = {"engine": function["engine"], "host": f"db{i}.cluster-abc.{REGION}.rds.amazonaws.com", "port": 5432,
             "username": "app", "password": f"Canary-Fleet-{i}", "dbname": "app"}
    kind = "healthy"
    if i % 97 == 13:
        kind, text = "not-json", f"Canary-Plain-{i}"
    else:
        if i % 89 == 7:
            kind = "key-missing"
            del value["host"]
        elif i % 83 == 5:
            kind = "engine-mismatch"
            value["engine"] = "oracle"
        text = json.dumps(value)
    name = f"fleet/db{i:05}"
    arn = sm.create_secret(Name=name, SecretString=text)["ARN"]
    # 23 is prime to the function count, so every function keeps rotating secrets.
    if i % 23 == 19:
        return name, "rotation-off"
    sm.rotate_secret(SecretId=arn, RotationLambdaARN=function["arn"], RotationRules={"AutomaticallyAfterDays": 30})
    if i % 101 == 11:
        return name, "pending-stuck"
    for version, stages in sm.describe_secret(SecretId=arn)["VersionIdsToStages"].items():
        if "AWSPENDING" in stages and "AWSCURRENT" not in stages:
            sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=version)
    return name, kind


started = time.time()
with ThreadPoolExecutor(8) as pool:
    seeded = list(pool.map(seed_secret, range(SECRET_COUNT)))
for function in functions:
    if function["broken"] == "deleted":
        lam.delete_function(FunctionName=function["name"])

kinds = {}
for _, kind in seeded:
    kinds[kind] = kinds.get(kind, 0) + 1
# The sample for the one-secret comparison: a healthy secret whose function is in a VPC and has a stack.
sample_index = next(i for i, (_, kind) in enumerate(seeded) if kind == "healthy" and functions[i % len(functions)]["broken"] is None)
sample_function = functions[sample_index % len(functions)]
emit({
    "secrets": len(seeded), "functions": len(functions), "vpcs": len(vpcs), "kinds": kinds,
    "seed_seconds": round(time.time() - started, 1),
    "sample": {"secret": seeded[sample_index][0], "function": sample_function["name"], "function_arn": sample_function["arn"],
               "stack": sample_function["stack"], **(sample_function["network"] or {})},
})
