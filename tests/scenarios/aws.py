"""Shared helpers for the scenario seeds: a boto3 session pointed at moto, and a tiny Lambda bundle."""
import io
import json
import os
import sys
import time
import uuid
import zipfile

import boto3

REGION = "us-east-1"
ACCOUNT = "123456789012"


def client(service, endpoint=None, region=REGION, credentials=None):
    """A boto3 client on moto: the default account's keys, or an assumed role's Credentials (another account)."""
    endpoint = endpoint or os.environ["RT_MOTO_URL"]
    keys = {"aws_access_key_id": credentials["AccessKeyId"], "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"]} if credentials else {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    return boto3.client(service, endpoint_url=endpoint, region_name=region, **keys)


def handler_zip(files=None):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("lambda_function.py", "def lambda_handler(event, context):\n    return None\n")
        for name, data in (files or {}).items():
            z.writestr(name, data)
    return buffer.getvalue()


def ensure_role(name="rotation-lambda-role", credentials=None):
    iam = client("iam", credentials=credentials)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    try:
        return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        return iam.get_role(RoleName=name)["Role"]["Arn"]


def create_function(name, tags=None, runtime="python3.9", timeout=30, environment=None, code=None, role=None, region=REGION,
                    credentials=None, **extra):
    lam = client("lambda", region=region, credentials=credentials)
    return lam.create_function(
        FunctionName=name, Runtime=runtime, Role=role or ensure_role(credentials=credentials), Handler="lambda_function.lambda_handler",
        Code={"ZipFile": code or handler_zip()}, Timeout=timeout, Tags=tags or {},
        Environment={"Variables": environment if environment is not None else {"SECRETS_MANAGER_ENDPOINT": f"https://secretsmanager.{region}.amazonaws.com"}},
        **extra)


def configure_rotation(secret_arn, function_arn, immediately=False, keep_pending=False, region=REGION, credentials=None):
    """RotateSecret as an admin configures rotation; moto's Lambda runs no step, so the AWSPENDING it leaves is removed
    (unless keep_pending: a rotation that did not finish). Returns the pending version's id, or a new id for logs to name."""
    sm = client("secretsmanager", region=region, credentials=credentials)
    sm.rotate_secret(SecretId=secret_arn, RotationLambdaARN=function_arn, RotationRules={"AutomaticallyAfterDays": 30},
                     RotateImmediately=immediately)
    pending = [v for v, s in sm.describe_secret(SecretId=secret_arn)["VersionIdsToStages"].items() if "AWSPENDING" in s and "AWSCURRENT" not in s]
    if not keep_pending:
        for version in pending:
            sm.update_secret_version_stage(SecretId=secret_arn, VersionStage="AWSPENDING", RemoveFromVersionId=version)
    return (pending or [str(uuid.uuid4())])[0]


def iso(ms):
    """Lambda's Python log timestamp for epoch milliseconds."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{int(ms % 1000):03d}Z"


def write_log(function, lines, region=REGION, credentials=None):
    """The function's log group with one new stream holding lines, [(epoch ms, message), ...]."""
    logs = client("logs", region=region, credentials=credentials)
    group = f"/aws/lambda/{function}"
    logs.create_log_group(logGroupName=group)
    stream = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": t, "message": m} for t, m in lines])


def create_stack(name):
    cfn = client("cloudformation")
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    return cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))["StackId"]


def emit(result):
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")
