"""Configures rotation for existing secrets (argv) with one PostgreSQL-template-named function, as an admin would.

moto's Lambda runs no rotation steps, so the AWSPENDING label RotateSecret leaves behind is removed again.
"""
import sys

from aws import ACCOUNT, REGION, client, create_function, emit

sm = client("secretsmanager")
lam = client("lambda")
name = "SecretsManagerRDSPostgreSQLRotationSingleUser"
try:
    create_function(name, runtime="python3.12")
    lam.add_permission(FunctionName=name, StatementId="SecretsManagerAccess", Action="lambda:InvokeFunction",
                       Principal="secretsmanager.amazonaws.com")
except lam.exceptions.ResourceConflictException:
    pass
arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
for secret in sys.argv[1:]:
    sm.rotate_secret(SecretId=secret, RotationLambdaARN=arn, RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
    for version, stages in sm.describe_secret(SecretId=secret)["VersionIdsToStages"].items():
        if "AWSPENDING" in stages and "AWSCURRENT" not in stages:
            sm.update_secret_version_stage(SecretId=secret, VersionStage="AWSPENDING", RemoveFromVersionId=version)
emit({"function": arn, "secrets": sys.argv[1:]})
