"""A fleet: SECRET_COUNT secrets (default 50) sharing two rotation functions, for the once-per-run reuse test."""
import json
import os

from aws import ACCOUNT, REGION, client, create_function, emit

sm = client("secretsmanager")
lam = client("lambda")
count = int(os.environ.get("SECRET_COUNT", "50"))
functions = []
for name in ("SecretsManagerRDSPostgreSQLRotationSingleUser", "SecretsManagerRDSMySQLRotationSingleUser"):
    create_function(name, runtime="python3.12")
    lam.add_permission(FunctionName=name, StatementId="SecretsManagerAccess", Action="lambda:InvokeFunction",
                       Principal="secretsmanager.amazonaws.com")
    functions.append(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}")
arns = []
for i in range(count):
    engine = "postgres" if i % 2 == 0 else "mysql"
    value = {"engine": engine, "host": f"db{i}.example", "username": "app", "password": f"Canary-Fleet-{i}"}
    arn = sm.create_secret(Name=f"fleet/db{i:03}", SecretString=json.dumps(value))["ARN"]
    sm.rotate_secret(SecretId=arn, RotationLambdaARN=functions[i % 2], RotationRules={"AutomaticallyAfterDays": 30})
    for version, stages in sm.describe_secret(SecretId=arn)["VersionIdsToStages"].items():
        if "AWSPENDING" in stages and "AWSCURRENT" not in stages:
            sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=version)
    arns.append(arn)
emit({"secrets": arns, "functions": functions})
