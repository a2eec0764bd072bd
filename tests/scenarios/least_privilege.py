"""Users for the least-privilege suite, in a moto started with INITIAL_NO_AUTH_ACTION_COUNT (IAM enforced after that
many requests). Run after the safety seed, still inside the unauthenticated window:

  least_privilege.py bootstrap POLICY_FILE     creates an 'admin' user (Action *) and an 'auditor' user holding exactly
                                               POLICY_FILE, uses up what is left of the window, prints both key pairs
  least_privilege.py policy POLICY_FILE ADMIN_KEY ADMIN_SECRET [ACTION]
                                               gives the auditor POLICY_FILE again, without ACTION when given
"""
import json
import os
import sys

import boto3
from botocore.exceptions import ClientError

from aws import REGION, emit


def client(service, key="testing", secret="testing"):
    return boto3.client(service, endpoint_url=os.environ["RT_MOTO_URL"], region_name=REGION,
                        aws_access_key_id=key, aws_secret_access_key=secret)


def policy_without(path, action):
    document = json.load(open(path))
    for statement in document["Statement"]:
        statement["Action"] = [a for a in statement["Action"] if a != action]
    document["Statement"] = [s for s in document["Statement"] if s["Action"]]
    return json.dumps(document)


def create_user(iam, name, document):
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="rotation-troubleshooter", PolicyDocument=document)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"key": key["AccessKeyId"], "secret": key["SecretAccessKey"]}


if sys.argv[1] == "bootstrap":
    iam = client("iam")
    admin = create_user(iam, "admin", json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    auditor = create_user(iam, "auditor", open(sys.argv[2]).read())
    # Use up the rest of the unauthenticated window: from here on, unknown keys are refused.
    unknown = client("sts", "AKIAUNKNOWNUNKNOWN00", "unknown")
    for _ in range(1000):
        try:
            unknown.get_caller_identity()
        except ClientError:
            break
    else:
        raise SystemExit("IAM enforcement never started: is INITIAL_NO_AUTH_ACTION_COUNT set?")
    emit({"admin": admin, "auditor": auditor})
elif sys.argv[1] == "policy":
    iam = client("iam", sys.argv[3], sys.argv[4])
    action = sys.argv[5] if len(sys.argv) > 5 else None
    iam.put_user_policy(UserName="auditor", PolicyName="rotation-troubleshooter", PolicyDocument=policy_without(sys.argv[2], action))
    emit({"without": action})
