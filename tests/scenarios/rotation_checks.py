"""One secret per Test-SecretRotation check, each broken in one way, plus a healthy twin.

Functions are named like AWS's templates (the check identifies the template by name) and get the invoke
permission, 30 s timeout and SECRETS_MANAGER_ENDPOINT the templates need, unless the scenario breaks exactly that.
moto's Lambda runs no rotation steps, so RotateSecret leaves AWSPENDING on a new version: healthy seeds remove it.
"""
import json

from aws import ACCOUNT, REGION, client, create_function, emit, ensure_role

sm = client("secretsmanager")
lam = client("lambda")
POSTGRES = {"engine": "postgres", "host": "orders.cluster-abc.us-east-1.rds.amazonaws.com", "port": 5432,
            "username": "app", "password": "Canary-Password-Not-Real-1", "dbname": "orders"}


def function(name, permission=True, source_arn=None, **settings):
    create_function(name, **settings)
    if permission:
        extra = {"SourceArn": source_arn} if source_arn else {}
        lam.add_permission(FunctionName=name, StatementId="SecretsManagerAccess", Action="lambda:InvokeFunction",
                           Principal="secretsmanager.amazonaws.com", **extra)
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def secret(name, value, function_arn=None, keep_pending=False):
    arn = sm.create_secret(Name=name, SecretString=value if isinstance(value, str) else json.dumps(value))["ARN"]
    if function_arn:
        sm.rotate_secret(SecretId=arn, RotationLambdaARN=function_arn, RotationRules={"AutomaticallyAfterDays": 30})
        if not keep_pending:
            for version, stages in sm.describe_secret(SecretId=arn)["VersionIdsToStages"].items():
                if "AWSPENDING" in stages and "AWSCURRENT" not in stages:
                    sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=version)
    return arn


healthy_fn = function("SecretsManagerRDSPostgreSQLRotationSingleUser", runtime="python3.12")
out = {"secrets": {}}
s = out["secrets"]
s["healthy"] = secret("checks/healthy", POSTGRES, healthy_fn)
s["healthy-2"] = secret("checks/healthy-2", POSTGRES, healthy_fn)
s["not-configured"] = secret("checks/not-configured", POSTGRES)

s["disabled"] = secret("checks/disabled", POSTGRES, healthy_fn)
sm.cancel_rotate_secret(SecretId=s["disabled"])

gone = function("SecretsManagerRDSPostgreSQLRotationGone", runtime="python3.12")
s["function-missing"] = secret("checks/function-missing", POSTGRES, gone)
lam.delete_function(FunctionName="SecretsManagerRDSPostgreSQLRotationGone")

s["no-permission"] = secret("checks/no-permission", POSTGRES, function("PostgreSQLRotationNoPermission", permission=False, runtime="python3.12"))
other = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:some/other/secret-AbCdEf"
s["permission-other-secret"] = secret("checks/permission-other-secret", POSTGRES,
                                      function("PostgreSQLRotationOtherSecret", source_arn=other, runtime="python3.12"))
s["short-timeout"] = secret("checks/short-timeout", POSTGRES, function("PostgreSQLRotationShortTimeout", timeout=5, runtime="python3.12"))
s["no-endpoint-variable"] = secret("checks/no-endpoint-variable", POSTGRES, function("PostgreSQLRotationNoEndpoint", environment={}, runtime="python3.12"))
s["endpoint-wrong-region"] = secret("checks/endpoint-wrong-region", POSTGRES, function(
    "PostgreSQLRotationWrongRegion", environment={"SECRETS_MANAGER_ENDPOINT": "https://secretsmanager.eu-west-1.amazonaws.com"}, runtime="python3.12"))
s["old-runtime"] = secret("checks/old-runtime", POSTGRES, function("PostgreSQLRotationOldRuntime", runtime="python3.8"))
s["pending-stuck"] = secret("checks/pending-stuck", POSTGRES, healthy_fn, keep_pending=True)
s["not-json"] = secret("checks/not-json", "Canary-Plain-Text-Password-2", healthy_fn)
s["key-missing"] = secret("checks/key-missing", {k: v for k, v in POSTGRES.items() if k != "host"}, healthy_fn)
s["engine-mismatch"] = secret("checks/engine-mismatch", dict(POSTGRES, engine="mysql"), healthy_fn)
multi = function("SecretsManagerRDSPostgreSQLRotationMultiUser", runtime="python3.12")
s["master-missing"] = secret("checks/master-missing", dict(POSTGRES, masterarn=f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:checks/no-such-master-Zz9Yx8"), multi)

kms = client("kms")
key_arn = kms.create_key(Description="rotation test key")["KeyMetadata"]["Arn"]
s["kms-no-permission"] = secret("checks/kms-no-permission", POSTGRES, function("PostgreSQLRotationKmsDenied", runtime="python3.12"))
sm.update_secret(SecretId=s["kms-no-permission"], KmsKeyId=key_arn)
allowed_role = ensure_role("rotation-role-with-kms")
client("iam").put_role_policy(RoleName="rotation-role-with-kms", PolicyName="kms", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": key_arn}]}))
s["kms-allowed"] = secret("checks/kms-allowed", POSTGRES, function("PostgreSQLRotationKmsAllowed", runtime="python3.12", role=allowed_role))
sm.update_secret(SecretId=s["kms-allowed"], KmsKeyId=key_arn)
emit(out)
