"""Rotation functions of different ages and origins, for Get-RotationFunctionAge.

- rotation-from-stack: deployed by a stack that still exists (its creation time is the answer);
- rotation-from-sar: deployed from the Serverless Application Repository (stack tag + serverlessrepo tags);
- rotation-no-stack-tag: created by hand, no stack tag (only LastModified is known);
- rotation-stack-deleted: tagged with a stack that no longer exists;
- rotation-legacy-2021: tagged with stack 'legacy-rotation-2021'; moto cannot backdate a stack, so the tests serve a
  recorded DescribeStacks answer (tests/fakes/recorded/legacy-stack.json) for it from loopback.
A secret 'prod/orders/db' rotates with rotation-from-sar; 'prod/legacy/db' with rotation-legacy-2021.
"""
from aws import ACCOUNT, REGION, client, create_function, create_stack, emit

SAR = "arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationSingleUser"

create_stack("orders-rotation")
create_stack("sar-postgres-rotation")
create_function("rotation-from-stack", tags={"aws:cloudformation:stack-name": "orders-rotation"})
create_function("rotation-from-sar", tags={
    "aws:cloudformation:stack-name": "sar-postgres-rotation",
    "serverlessrepo:applicationId": SAR,
    "serverlessrepo:semanticVersion": "1.1.367",
})
create_function("rotation-no-stack-tag")
create_function("rotation-stack-deleted", tags={"aws:cloudformation:stack-name": "removed-stack"})
create_function("rotation-legacy-2021", tags={
    "aws:cloudformation:stack-name": "legacy-rotation-2021",
    "serverlessrepo:applicationId": SAR,
    "serverlessrepo:semanticVersion": "1.1.55",
})

sm = client("secretsmanager")
lam = client("lambda")
secrets = {}
for name, function in [("prod/orders/db", "rotation-from-sar"), ("prod/legacy/db", "rotation-legacy-2021")]:
    arn = sm.create_secret(Name=name, SecretString='{"engine":"postgres","host":"db.example","username":"app","password":"x"}')["ARN"]
    function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}"
    lam.add_permission(FunctionName=function, StatementId="SecretsManagerAccess", Action="lambda:InvokeFunction",
                       Principal="secretsmanager.amazonaws.com")
    sm.rotate_secret(SecretId=arn, RotationLambdaARN=function_arn, RotationRules={"AutomaticallyAfterDays": 30},
                     RotateImmediately=False)
    # moto's Lambda runs no steps: take away the AWSPENDING label it leaves, as a finished rotation would.
    for version, stages in sm.describe_secret(SecretId=arn)["VersionIdsToStages"].items():
        if "AWSPENDING" in stages and "AWSCURRENT" not in stages:
            sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=version)
    secrets[name] = arn
plain = sm.create_secret(Name="prod/no-rotation", SecretString="{}")["ARN"]
emit({"secrets": secrets, "unrotated": plain})
