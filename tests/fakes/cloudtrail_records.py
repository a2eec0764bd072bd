"""CloudTrail records as AWS writes them, for seeding tests/fakes/cloudtrail_fake.py (tests and benchmarks only).

Each builder returns {"record": <the CloudTrail record>, "resources": [<LookupEvents' Resources>]}, the record's fields
in AWS's order and shapes (docs/reference/cloudtrail.md names the source of each): userIdentity per identity type,
requestParameters and responseElements as each service writes them (Lambda's versioned event names, EC2's "items"
lists, RDS's masked master password), Secrets Manager's rotation events as service events. What AWS leaves out of
CloudTrail (a secret's SecretString, Lambda's ZipFile) is left out here too.
"""
import datetime
import hashlib
import json
import uuid

REGION = "us-east-1"
DEFAULT_USER_AGENT = "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12 prompt/off command/"
DEFAULT_SOURCE_IP = "198.51.100.23"


def _iso(at):
    return at.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _id(*parts):
    """A stable id from the parts, so a seed run twice writes the same events."""
    return str(uuid.UUID(hashlib.md5("|".join(map(str, parts)).encode()).hexdigest()))


def _principal_id(prefix, *parts):
    return prefix + hashlib.sha1("|".join(parts).encode()).hexdigest()[:17].upper()


def account_of(arn):
    return arn.split(":")[4]


# --- identities (CloudTrail userIdentity element) --------------------------------------------------------------------

def iam_user(name, account):
    return {"type": "IAMUser", "principalId": _principal_id("AIDA", account, name), "arn": f"arn:aws:iam::{account}:user/{name}",
            "accountId": account, "accessKeyId": _principal_id("AKIA", account, name, "key"), "userName": name}


def root(account):
    return {"type": "Root", "principalId": account, "arn": f"arn:aws:iam::{account}:root", "accountId": account,
            "accessKeyId": _principal_id("ASIA", account, "root")}


def assumed_role(role_arn, session, created=None):
    """A role session (STS AssumeRole); Lambda names its execution role's session after the function."""
    account = account_of(role_arn)
    role_path_and_name = role_arn.split(":role/", 1)[1]
    role_name = role_path_and_name.rsplit("/", 1)[-1]
    role_id = _principal_id("AROA", role_arn)
    return {
        "type": "AssumedRole",
        "principalId": f"{role_id}:{session}",
        "arn": f"arn:aws:sts::{account}:assumed-role/{role_name}/{session}",
        "accountId": account,
        "accessKeyId": _principal_id("ASIA", role_arn, session),
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "principalId": role_id, "arn": role_arn, "accountId": account, "userName": role_name},
            "webIdFederationData": {},
            "attributes": {"creationDate": _iso(created or datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)),
                           "mfaAuthenticated": "false"},
        },
    }


def federated_user(name, account, issuer_user):
    return {"type": "FederatedUser", "principalId": f"{account}:{name}", "arn": f"arn:aws:sts::{account}:federated-user/{name}",
            "accountId": account, "accessKeyId": _principal_id("ASIA", account, name),
            "sessionContext": {"sessionIssuer": {"type": "IAMUser", "principalId": _principal_id("AIDA", account, issuer_user),
                                                 "arn": f"arn:aws:iam::{account}:user/{issuer_user}", "accountId": account,
                                                 "userName": issuer_user},
                               "attributes": {"creationDate": "2026-01-01T00:00:00Z", "mfaAuthenticated": "false"}}}


def identity_center_user(user_id, account, identity_store="d-9067642ac7"):
    return {"type": "IdentityCenterUser", "accountId": account,
            "onBehalfOf": {"userId": user_id, "identityStoreArn": f"arn:aws:identitystore::{account}:identitystore/{identity_store}"},
            "credentialId": _principal_id("EXAMPLE", account, user_id)}


def aws_account(account, invoked_by=None):
    identity = {"type": "AWSAccount", "principalId": _principal_id("AIDA", account, "cross"), "accountId": account}
    if invoked_by:
        identity["invokedBy"] = invoked_by
    return identity


def aws_service(service):
    return {"type": "AWSService", "invokedBy": service}


def via_cloudformation(identity):
    """The same principal acting through a CloudFormation stack (its own credentials or the stack's service role)."""
    return dict(identity, invokedBy="cloudformation.amazonaws.com")


def cloudformation_service_role(role_arn):
    return via_cloudformation(assumed_role(role_arn, "AWSCloudFormation"))


def secrets_manager(account):
    """The identity of Secrets Manager's own (service) events: no type, the account and invokedBy only."""
    return {"accountId": account, "invokedBy": "secretsmanager.amazonaws.com"}


# --- the record ------------------------------------------------------------------------------------------------------

def record(identity, source, name, at, *, request=None, response=None, read_only=False, error=None, additional=None,
           event_type="AwsApiCall", record_resources=None, lookup_resources=(), region=REGION, recipient=None, request_id=None):
    """One CloudTrail record (CloudTrail record contents), with the Resources LookupEvents lists it under."""
    invoked_by = identity.get("invokedBy")
    recipient = recipient or identity.get("accountId") or (record_resources or [{}])[0].get("accountId") or "123456789012"
    event_id = _id(source, name, _iso(at), json.dumps(request, sort_keys=True), identity.get("arn") or invoked_by)
    rec = {
        "eventVersion": "1.09",
        "userIdentity": identity,
        "eventTime": _iso(at),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": invoked_by or DEFAULT_SOURCE_IP,
        "userAgent": invoked_by or DEFAULT_USER_AGENT,
    }
    if error:
        # (code, message); Secrets Manager's RotationFailed carries a message without a code.
        code, message = error
        if code:
            rec["errorCode"] = code
        rec["errorMessage"] = message
    rec["requestParameters"] = request
    rec["responseElements"] = response
    if additional is not None:
        rec["additionalEventData"] = additional
    rec["requestID"] = request_id or _id("request", event_id)
    rec["eventID"] = event_id
    rec["readOnly"] = read_only
    if record_resources:
        rec["resources"] = record_resources
    rec["eventType"] = event_type
    rec["managementEvent"] = True
    rec["recipientAccountId"] = recipient
    rec["eventCategory"] = "Management"
    if event_type == "AwsApiCall" and not invoked_by:
        rec["tlsDetails"] = {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                             "clientProvidedHostHeader": f"{source.split('.')[0]}.{region}.amazonaws.com"}
    return {"record": rec, "resources": [{"ResourceType": t, "ResourceName": n} for t, n in lookup_resources]}


# --- Secrets Manager ---------------------------------------------------------------------------------------------------

SECRETS_MANAGER = "secretsmanager.amazonaws.com"
SECRET = "AWS::SecretsManager::Secret"


def _secret_name(arn):
    return arn.split(":secret:", 1)[1].rsplit("-", 1)[0]


def _secret_call(identity, name, secret_arn, at, request, response=None, read_only=False, error=None):
    return record(identity, SECRETS_MANAGER, name, at, request=request, response=response, read_only=read_only, error=error,
                  lookup_resources=[(SECRET, secret_arn)], region=secret_arn.split(":")[3], recipient=account_of(secret_arn))


def put_secret_value(identity, secret_arn, at, version_id, stages=None):
    """PutSecretValue: SecretString and SecretBinary are sensitive, so CloudTrail leaves them out."""
    request = {"secretId": secret_arn, "clientRequestToken": version_id}
    if stages:
        request["versionStages"] = stages
    response = {"arn": secret_arn, "name": _secret_name(secret_arn), "versionId": version_id,
                "versionStages": stages or ["AWSCURRENT"]}
    return _secret_call(identity, "PutSecretValue", secret_arn, at, request, response)


def update_secret(identity, secret_arn, at, version_id=None, description=None, kms_key_id=None):
    """UpdateSecret; a new value makes a new version (versionId in the answer), the value itself is not logged."""
    request = {"secretId": secret_arn}
    if version_id:
        request["clientRequestToken"] = version_id
    if description is not None:
        request["description"] = description
    if kms_key_id:
        request["kmsKeyId"] = kms_key_id
    response = {"arn": secret_arn, "name": _secret_name(secret_arn)}
    if version_id:
        response["versionId"] = version_id
    return _secret_call(identity, "UpdateSecret", secret_arn, at, request, response)


def rotate_secret(identity, secret_arn, at, version_id, function_arn=None, days=None, schedule=None, rotate_immediately=None):
    request = {"secretId": secret_arn, "clientRequestToken": version_id}
    if function_arn:
        request["rotationLambdaARN"] = function_arn
    if days or schedule:
        request["rotationRules"] = {"automaticallyAfterDays": days} if days else {"scheduleExpression": schedule}
    if rotate_immediately is not None:
        request["rotateImmediately"] = rotate_immediately
    return _secret_call(identity, "RotateSecret", secret_arn, at, request,
                        {"arn": secret_arn, "name": _secret_name(secret_arn), "versionId": version_id})


def cancel_rotate_secret(identity, secret_arn, at):
    return _secret_call(identity, "CancelRotateSecret", secret_arn, at, {"secretId": secret_arn},
                        {"arn": secret_arn, "name": _secret_name(secret_arn)})


def update_secret_version_stage(identity, secret_arn, at, stage, move_to=None, remove_from=None):
    request = {"secretId": secret_arn, "versionStage": stage}
    if move_to:
        request["moveToVersionId"] = move_to
    if remove_from:
        request["removeFromVersionId"] = remove_from
    return _secret_call(identity, "UpdateSecretVersionStage", secret_arn, at, request,
                        {"arn": secret_arn, "name": _secret_name(secret_arn)})


def put_resource_policy(identity, secret_arn, at, policy):
    return _secret_call(identity, "PutResourcePolicy", secret_arn, at,
                        {"secretId": secret_arn, "resourcePolicy": json.dumps(policy), "blockPublicPolicy": True},
                        {"arn": secret_arn, "name": _secret_name(secret_arn)})


def get_secret_value(identity, secret_arn, at, stage="AWSCURRENT"):
    return _secret_call(identity, "GetSecretValue", secret_arn, at, {"secretId": secret_arn, "versionStage": stage}, read_only=True)


def rotation_event(name, secret_arn, at, version_id, function_arn=None, step=None):
    """Secrets Manager's own RotationStarted / RotationSucceeded / RotationFailed / RotationAbandoned."""
    account = account_of(secret_arn)
    error = (None, f"Error when executing lambda {function_arn} during {step} step") if name == "RotationFailed" else None
    return record(secrets_manager(account), SECRETS_MANAGER, name, at, additional={"SecretId": secret_arn}, error=error,
                  event_type="AwsServiceEvent", lookup_resources=[(SECRET, secret_arn)], region=secret_arn.split(":")[3],
                  recipient=account, request_id=f"Rotation-{secret_arn}-{version_id}")


# --- Lambda ------------------------------------------------------------------------------------------------------------

LAMBDA = "lambda.amazonaws.com"
FUNCTION = "AWS::Lambda::Function"


def _function_configuration(function_arn, **changed):
    name = function_arn.rsplit(":", 1)[-1]
    answer = {"functionName": name, "functionArn": function_arn, "runtime": "python3.12",
              "role": f"arn:aws:iam::{account_of(function_arn)}:role/{name}-role", "handler": "lambda_function.lambda_handler",
              "codeSize": 1048576, "description": "", "timeout": 30, "memorySize": 128,
              "lastModified": "2026-11-02T14:03:11.000+0000", "codeSha256": "mr8z3dQbWw4xgF1l6l9v0i5o0yN3mYl0KVhCqXkG1Oo=",
              "version": "$LATEST", "tracingConfig": {"mode": "PassThrough"}, "revisionId": _id(function_arn, json.dumps(changed, sort_keys=True)),
              "state": "Active", "lastUpdateStatus": "InProgress", "lastUpdateStatusReason": "The function is being created.",
              "lastUpdateStatusReasonCode": "Creating", "packageType": "Zip", "architectures": ["x86_64"],
              "ephemeralStorage": {"size": 512}, "snapStart": {"applyOn": "None", "optimizationStatus": "Off"},
              "loggingConfig": {"logFormat": "Text", "logGroup": f"/aws/lambda/{name}"}}
    answer.update(changed)
    return answer


def _function_call(identity, name, function_arn, at, request, response=None, read_only=False, error=None):
    return record(identity, LAMBDA, name, at, request=request, response=response, read_only=read_only, error=error,
                  lookup_resources=[(FUNCTION, function_arn.rsplit(":", 1)[-1])], region=function_arn.split(":")[3],
                  recipient=account_of(function_arn))


def update_function_configuration(identity, function_arn, at, error=None, **changes):
    """UpdateFunctionConfiguration20150331v2 with the parameters the call set, in Lambda's camelCase: runtime, timeout,
    memorySize, role, handler, vpcConfig {subnetIds, securityGroupIds}, environment {variables}, layers, kmsKeyArn."""
    request = {"functionName": function_arn.rsplit(":", 1)[-1], **changes}
    response = None if error else _function_configuration(function_arn, **{k: v for k, v in changes.items() if k != "environment"})
    return _function_call(identity, "UpdateFunctionConfiguration20150331v2", function_arn, at, request, response, error=error)


def update_function_code(identity, function_arn, at, s3_bucket, s3_key, code_sha256):
    """UpdateFunctionCode20150331v2: the ZipFile parameter is never logged; a bucket and key are."""
    request = {"functionName": function_arn.rsplit(":", 1)[-1], "s3Bucket": s3_bucket, "s3Key": s3_key, "publish": False, "dryRun": False}
    return _function_call(identity, "UpdateFunctionCode20150331v2", function_arn, at, request,
                          _function_configuration(function_arn, codeSha256=code_sha256))


def add_permission(identity, function_arn, at, statement_id, principal, action="lambda:InvokeFunction", source_account=None):
    request = {"functionName": function_arn.rsplit(":", 1)[-1], "statementId": statement_id, "action": action, "principal": principal}
    if source_account:
        request["sourceAccount"] = source_account
    statement = {"Sid": statement_id, "Effect": "Allow", "Principal": {"Service": principal}, "Action": action, "Resource": function_arn}
    return _function_call(identity, "AddPermission20150331v2", function_arn, at, request, {"statement": json.dumps(statement)})


def remove_permission(identity, function_arn, at, statement_id):
    return _function_call(identity, "RemovePermission20150331v2", function_arn, at,
                          {"functionName": function_arn.rsplit(":", 1)[-1], "statementId": statement_id})


def get_function(identity, function_arn, at):
    return _function_call(identity, "GetFunction20150331v2", function_arn, at, {"functionName": function_arn.rsplit(":", 1)[-1]}, read_only=True)


# --- EC2 -------------------------------------------------------------------------------------------------------------

EC2 = "ec2.amazonaws.com"


def _ec2_call(identity, name, at, request, resource_type, resource_id, account, response=None):
    response = response if response is not None else {"requestId": _id("ec2", name, resource_id, _iso(at)), "_return": True}
    return record(identity, EC2, name, at, request=request, response=response,
                  lookup_resources=[(resource_type, resource_id)], recipient=account)


def _ip_permission(protocol, from_port, to_port, cidr=None, group=None):
    permission = {"ipProtocol": protocol, "fromPort": from_port, "toPort": to_port,
                  "groups": {"items": [{"groupId": group}]} if group else {},
                  "ipRanges": {"items": [{"cidrIp": cidr}]} if cidr else {},
                  "ipv6Ranges": {}, "prefixListIds": {}}
    return permission


def security_group_rule(name, identity, group_id, at, account, protocol="tcp", from_port=443, to_port=443, cidr=None, group=None):
    """AuthorizeSecurityGroupIngress/Egress, RevokeSecurityGroupIngress/Egress."""
    request = {"groupId": group_id, "ipPermissions": {"items": [_ip_permission(protocol, from_port, to_port, cidr, group)]}}
    response = {"requestId": _id("ec2", name, group_id, _iso(at)), "_return": True}
    if name.startswith("Authorize"):
        response["securityGroupRuleSet"] = {"items": [{"groupOwnerId": account, "groupId": group_id,
                                                       "securityGroupRuleId": "sgr-" + _id(group_id, _iso(at)).replace("-", "")[:17],
                                                       "isEgress": name.endswith("Egress"), "ipProtocol": protocol,
                                                       "fromPort": from_port, "toPort": to_port,
                                                       **({"cidrIpv4": cidr} if cidr else {"referencedGroupInfo": {"groupId": group}})}]}
    return _ec2_call(identity, name, at, request, "AWS::EC2::SecurityGroup", group_id, account, response)


def network_acl_entry(name, identity, acl_id, at, account, rule_number, egress, action="allow", protocol="6",
                      port_from=443, port_to=443, cidr="0.0.0.0/0"):
    """CreateNetworkAclEntry / ReplaceNetworkAclEntry (DeleteNetworkAclEntry names only the rule)."""
    request = {"networkAclId": acl_id, "ruleNumber": rule_number, "egress": egress}
    if name != "DeleteNetworkAclEntry":
        request.update({"ruleAction": action, "icmpTypeCode": {}, "protocol": protocol, "cidrBlock": cidr})
        if protocol != "-1":  # all traffic: no port range
            request["portRange"] = {"from": port_from, "to": port_to}
    return _ec2_call(identity, name, at, request, "AWS::EC2::NetworkAcl", acl_id, account)


def route(name, identity, table_id, at, account, destination="0.0.0.0/0", **target):
    """CreateRoute / ReplaceRoute / DeleteRoute; target is natGatewayId=, gatewayId=, transitGatewayId=, ..."""
    request = {"routeTableId": table_id, "destinationCidrBlock": destination, **target}
    return _ec2_call(identity, name, at, request, "AWS::EC2::RouteTable", table_id, account)


# --- KMS ---------------------------------------------------------------------------------------------------------------

KMS = "kms.amazonaws.com"
KEY = "AWS::KMS::Key"


def _key_call(identity, name, key_arn, at, request, response=None, read_only=False):
    account = account_of(key_arn)
    return record(identity, KMS, name, at, request=request, response=response, read_only=read_only,
                  record_resources=[{"accountId": account, "type": KEY, "ARN": key_arn}],
                  lookup_resources=[(KEY, key_arn)], region=key_arn.split(":")[3], recipient=account)


def put_key_policy(identity, key_arn, at, policy):
    return _key_call(identity, "PutKeyPolicy", key_arn, at, {"keyId": key_arn, "policyName": "default", "policy": json.dumps(policy),
                                                             "bypassPolicyLockoutSafetyCheck": False})


def disable_key(identity, key_arn, at):
    return _key_call(identity, "DisableKey", key_arn, at, {"keyId": key_arn})


def enable_key(identity, key_arn, at):
    return _key_call(identity, "EnableKey", key_arn, at, {"keyId": key_arn})


def schedule_key_deletion(identity, key_arn, at, days=7):
    deletion = (at + datetime.timedelta(days=days)).strftime("%b %-d, %Y, %-I:%M:%S %p")
    return _key_call(identity, "ScheduleKeyDeletion", key_arn, at, {"keyId": key_arn, "pendingWindowInDays": days},
                     {"keyId": key_arn, "deletionDate": deletion, "keyState": "PendingDeletion", "pendingWindowInDays": days})


def decrypt(key_arn, secret_arn, at):
    """Secrets Manager decrypting a secret's data key for a GetSecretValue: a read-only management event of the key."""
    return _key_call(via_secrets_manager(secret_arn), "Decrypt", key_arn, at,
                     {"encryptionAlgorithm": "SYMMETRIC_DEFAULT",
                      "encryptionContext": {"SecretARN": secret_arn, "SecretVersionId": _id(secret_arn, "version")}},
                     read_only=True)


def via_secrets_manager(secret_arn):
    account = account_of(secret_arn)
    return {"type": "AWSService", "invokedBy": "secretsmanager.amazonaws.com", "accountId": account}


# --- RDS -------------------------------------------------------------------------------------------------------------

RDS = "rds.amazonaws.com"


def modify_db_instance(identity, db_instance, at, account, master_password=False, apply_immediately=True, **changes):
    """ModifyDBInstance; a new master password shows as "****" in the request and as a pending change."""
    return _modify_db("Instance", identity, db_instance, at, account, master_password, apply_immediately, changes)


def modify_db_cluster(identity, db_cluster, at, account, master_password=False, apply_immediately=True, **changes):
    return _modify_db("Cluster", identity, db_cluster, at, account, master_password, apply_immediately, changes)


def _modify_db(kind, identity, identifier, at, account, master_password, apply_immediately, changes):
    request = {f"dB{kind}Identifier": identifier, **changes}
    if master_password:
        request["masterUserPassword"] = "****"
    request["applyImmediately"] = apply_immediately
    arn_kind = "db" if kind == "Instance" else "cluster"
    response = {f"dB{kind}Identifier": identifier, f"dB{kind}Arn": f"arn:aws:rds:{REGION}:{account}:{arn_kind}:{identifier}",
                "dBInstanceStatus" if kind == "Instance" else "status": "available",
                "pendingModifiedValues": {"masterUserPassword": "****"} if master_password else {}}
    return record(identity, RDS, f"ModifyDB{kind}", at, request=request, response=response,
                  lookup_resources=[(f"AWS::RDS::DB{kind}", identifier)], recipient=account)


def reboot_db_instance(identity, db_instance, at, account):
    return record(identity, RDS, "RebootDBInstance", at, request={"dBInstanceIdentifier": db_instance},
                  response={"dBInstanceIdentifier": db_instance, "dBInstanceStatus": "rebooting"},
                  lookup_resources=[("AWS::RDS::DBInstance", db_instance)], recipient=account)


# --- seeding -----------------------------------------------------------------------------------------------------------

def seed(url, events):
    """Adds events to the fake (tests/fakes/cloudtrail_fake.py behind aws_proxy.py) over HTTP."""
    import urllib.request
    body = json.dumps({"events": events}).encode()
    request = urllib.request.Request(f"{url.rstrip('/')}/_cloudtrail/events", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def reset(url):
    import urllib.request
    request = urllib.request.Request(f"{url.rstrip('/')}/_cloudtrail/reset", data=b"{}", method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)
