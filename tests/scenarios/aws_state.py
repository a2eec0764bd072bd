"""Prints what a read-only run must leave unchanged, read through boto3: every secret's versions and stages,
LastChangedDate and rotation settings; every function's configuration revision, timeout, environment and resource policy; every log group
and stream; every stack. LastAccessedDate is left out: reading a secret's value moves it, in AWS as well."""
from aws import client, emit

sm = client("secretsmanager")
lam = client("lambda")
logs = client("logs")
cfn = client("cloudformation")
state = {"secrets": {}, "functions": {}, "log_groups": {}, "stacks": {}}

for page in sm.get_paginator("list_secrets").paginate(IncludePlannedDeletion=True):
    for entry in page["SecretList"]:
        d = sm.describe_secret(SecretId=entry["ARN"])
        # Not CreatedDate: moto reports the time of the ListSecretVersionIds call there.
        versions = {v["VersionId"]: sorted(v.get("VersionStages", []))
                    for v in sm.list_secret_version_ids(SecretId=entry["ARN"], IncludeDeprecated=True, MaxResults=100)["Versions"]}
        state["secrets"][entry["Name"]] = {
            "stages": {k: sorted(v) for k, v in d.get("VersionIdsToStages", {}).items()}, "versions": versions,
            "last_changed": str(d.get("LastChangedDate")), "rotation": [d.get("RotationEnabled"), d.get("RotationLambdaARN"),
                                                                       str(d.get("RotationRules")), str(d.get("NextRotationDate"))],
            "tags": d.get("Tags", []), "deleted": str(d.get("DeletedDate"))}

for page in lam.get_paginator("list_functions").paginate():
    for f in page["Functions"]:
        try:
            policy = lam.get_policy(FunctionName=f["FunctionName"])["Policy"]
        except lam.exceptions.ResourceNotFoundException:
            policy = None
        state["functions"][f["FunctionName"]] = {"revision": f.get("RevisionId"), "modified": f.get("LastModified"),
                                                 "timeout": f.get("Timeout"), "environment": f.get("Environment", {}).get("Variables"),
                                                 "policy": policy, "tags": lam.list_tags(Resource=f["FunctionArn"]).get("Tags")}

for page in logs.get_paginator("describe_log_groups").paginate():
    for g in page["logGroups"]:
        streams = [s["logStreamName"] for p in logs.get_paginator("describe_log_streams").paginate(logGroupName=g["logGroupName"])
                   for s in p["logStreams"]]
        state["log_groups"][g["logGroupName"]] = {"retention": g.get("retentionInDays"), "streams": streams}

for s in cfn.describe_stacks()["Stacks"]:
    state["stacks"][s["StackName"]] = [s["StackStatus"], str(s.get("LastUpdatedTime"))]

emit(state)
