"""A fleet of shards seeded through boto3: accounts (the organisation's, or chosen ones) times regions.

Usage: fleet.py org REGION... | fleet.py accounts ACCOUNT,ACCOUNT... REGION...
- org: creates the organisation (the default account, 123456789012, is its management account) with two member
  accounts (Organizations create_account; moto picks their ids), then seeds every account in every region.
- accounts: seeds the given accounts in every region.
Each shard (account, region) gets two secrets that rotate by their own function, fleet/REGION/a and fleet/REGION/b,
created in that order; a member account is reached through its RotationAuditor role, as the module reaches it.
Prints {"accounts": [...], "regions": [...], "secrets": {"ACCOUNT/REGION": [ARN, ...]}}.
"""
import json
import sys

from aws import ACCOUNT, client, configure_rotation, create_function, emit, ensure_role


def credentials_for(account):
    if account == ACCOUNT:
        return None
    return client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/RotationAuditor", RoleSessionName="fleet-seed")["Credentials"]


def seed_shard(account, region):
    credentials = credentials_for(account)
    role = ensure_role("fleet-rotation-role", credentials=credentials)
    arns = []
    for name in ("a", "b"):
        function = f"fleet-{region}-{name}"
        function_arn = create_function(function, runtime="python3.12", role=role, region=region, credentials=credentials)["FunctionArn"]
        client("lambda", region=region, credentials=credentials).add_permission(
            FunctionName=function, StatementId="SecretsManagerAccess", Action="lambda:InvokeFunction", Principal="secretsmanager.amazonaws.com")
        value = {"engine": "postgres", "host": "db.example.internal", "port": 5432, "username": "app", "password": "Fleet-Not-Real", "dbname": "app"}
        arn = client("secretsmanager", region=region, credentials=credentials).create_secret(
            Name=f"fleet/{region}/{name}", SecretString=json.dumps(value))["ARN"]
        configure_rotation(arn, function_arn, region=region, credentials=credentials)
        arns.append(arn)
    return arns


def main(argv):
    mode = argv[0]
    if mode == "org":
        regions = argv[1:]
        org = client("organizations")
        org.create_organization(FeatureSet="ALL")
        for name in ("member-a", "member-b"):
            org.create_account(Email=f"{name}@example.com", AccountName=name)
        accounts = [a["Id"] for a in org.list_accounts()["Accounts"] if a["Status"] == "ACTIVE"]
        accounts.sort(key=lambda a: a != ACCOUNT)
    else:
        accounts = argv[1].split(",")
        regions = argv[2:]
    secrets = {f"{account}/{region}": seed_shard(account, region) for account in accounts for region in regions}
    emit({"accounts": accounts, "regions": regions, "secrets": secrets})


if __name__ == "__main__":
    main(sys.argv[1:])
