"""Shared helpers for the scenario seeds: a boto3 session pointed at moto, and a tiny Lambda bundle."""
import io
import json
import os
import sys
import zipfile

import boto3

REGION = "us-east-1"
ACCOUNT = "123456789012"


def client(service, endpoint=None, region=REGION):
    endpoint = endpoint or os.environ["RT_MOTO_URL"]
    return boto3.client(service, endpoint_url=endpoint, region_name=region,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def handler_zip(files=None):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("lambda_function.py", "def lambda_handler(event, context):\n    return None\n")
        for name, data in (files or {}).items():
            z.writestr(name, data)
    return buffer.getvalue()


def ensure_role(name="rotation-lambda-role"):
    iam = client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    try:
        return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        return iam.get_role(RoleName=name)["Role"]["Arn"]


def create_function(name, tags=None, runtime="python3.9", timeout=30, environment=None, code=None, role=None, region=REGION, **extra):
    lam = client("lambda", region=region)
    return lam.create_function(
        FunctionName=name, Runtime=runtime, Role=role or ensure_role(), Handler="lambda_function.lambda_handler",
        Code={"ZipFile": code or handler_zip()}, Timeout=timeout, Tags=tags or {},
        Environment={"Variables": environment if environment is not None else {"SECRETS_MANAGER_ENDPOINT": f"https://secretsmanager.{region}.amazonaws.com"}},
        **extra)


def configure_rotation(secret_arn, function_arn):
    """RotateSecret as an admin configures rotation; moto's Lambda runs no step, so the AWSPENDING it leaves is removed."""
    sm = client("secretsmanager")
    sm.rotate_secret(SecretId=secret_arn, RotationLambdaARN=function_arn, RotationRules={"AutomaticallyAfterDays": 30},
                     RotateImmediately=False)
    for version, stages in sm.describe_secret(SecretId=secret_arn)["VersionIdsToStages"].items():
        if "AWSPENDING" in stages and "AWSCURRENT" not in stages:
            sm.update_secret_version_stage(SecretId=secret_arn, VersionStage="AWSPENDING", RemoveFromVersionId=version)


def create_stack(name):
    cfn = client("cloudformation")
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    return cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))["StackId"]


def emit(result):
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")
