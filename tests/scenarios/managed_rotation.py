"""Secrets an AWS service rotates itself (managed rotation), made as RDS makes them: a DB instance or Aurora cluster
created with ManageMasterUserPassword gets a secret rds!db-... / rds!cluster-... with OwningService rds, the tags
aws:secretsmanager:owningService and aws:rds:primaryDBInstanceArn (or ...ClusterArn), and no rotation function.
Rotation is turned on as a user does for a managed secret: RotateSecret with rules and no function.

- orders: instance orders-db, rotation every 7 days (healthy);
- aurora: Aurora cluster aurora-app, rotation every 7 days (healthy);
- rotation-off: instance reports-db whose secret's rotation is off (moto leaves it off; RDS turns it on by default);
- pending-stuck: instance billing-db whose secret keeps an AWSPENDING version that is not AWSCURRENT;
- owner-deleted: the secret of instance legacy-db, which was deleted;
- not-in-use: a secret whose tags name instance crm-db, which uses another secret (its own, "crm");
- redshift-unmanaged: a secret tagged for Redshift cluster warehouse, which names no managed admin secret (moto's
  Redshift cannot manage one), rotation on;
- events-owned: a secret EventBridge owns, without rotation; plain: a secret of the account's own, without rotation.
Prints {"secrets": {label: arn}, "instances": {label: identifier}}.
"""
import json

from aws import client, emit

rds = client("rds")
sm = client("secretsmanager")
OWNER_TAG = "aws:secretsmanager:owningService"


def turn_on_rotation(arn):
    sm.rotate_secret(SecretId=arn, RotationRules={"AutomaticallyAfterDays": 7}, RotateImmediately=False)


def instance(identifier, rotate=True):
    created = rds.create_db_instance(DBInstanceIdentifier=identifier, Engine="postgres", DBInstanceClass="db.t3.micro",
                                     MasterUsername="dbadmin", ManageMasterUserPassword=True, AllocatedStorage=20)["DBInstance"]
    arn = created["MasterUserSecret"]["SecretArn"]
    if rotate:
        turn_on_rotation(arn)
    return created, arn


def owned_secret(name, tags, value='{"username": "dbadmin", "password": "Canary-Managed-Not-Real"}'):
    # moto deletes an instance's managed secret with the instance, as RDS does; a secret that outlived its owner (restored
    # from its recovery window, or kept by a failed deletion) is made here with the same tags.
    return sm.create_secret(Name=name, SecretString=value, Tags=tags)["ARN"]


out = {"secrets": {}, "instances": {}}
s, i = out["secrets"], out["instances"]

_, s["orders"] = instance("orders-db")
i["orders"] = "orders-db"

cluster = rds.create_db_cluster(DBClusterIdentifier="aurora-app", Engine="aurora-postgresql", MasterUsername="dbadmin",
                                ManageMasterUserPassword=True)["DBCluster"]
s["aurora"] = cluster["MasterUserSecret"]["SecretArn"]
turn_on_rotation(s["aurora"])
i["aurora"] = "aurora-app"

_, s["rotation-off"] = instance("reports-db", rotate=False)
i["rotation-off"] = "reports-db"

_, s["pending-stuck"] = instance("billing-db")
sm.put_secret_value(SecretId=s["pending-stuck"], SecretString=json.dumps({"username": "dbadmin", "password": "Canary-Pending-Not-Real"}),
                    VersionStages=["AWSPENDING"])
i["pending-stuck"] = "billing-db"

legacy, _ = instance("legacy-db", rotate=False)
rds.delete_db_instance(DBInstanceIdentifier="legacy-db", SkipFinalSnapshot=True)
s["owner-deleted"] = owned_secret("rds!db-legacy-leftover", [
    {"Key": "aws:rds:primaryDBInstanceArn", "Value": legacy["DBInstanceArn"]}, {"Key": OWNER_TAG, "Value": "rds"}])
turn_on_rotation(s["owner-deleted"])
i["owner-deleted"] = "legacy-db"

crm, s["crm"] = instance("crm-db")
s["not-in-use"] = owned_secret("rds!db-crm-earlier", [
    {"Key": "aws:rds:primaryDBInstanceArn", "Value": crm["DBInstanceArn"]}, {"Key": OWNER_TAG, "Value": "rds"}])
turn_on_rotation(s["not-in-use"])
i["not-in-use"] = "crm-db"

client("redshift").create_cluster(ClusterIdentifier="warehouse", NodeType="ra3.xlplus", MasterUsername="dbadmin",
                                   MasterUserPassword="Canary-Redshift-Not-Real-1", ClusterType="single-node")
s["redshift-unmanaged"] = owned_secret("redshift!warehouse-admin", [
    {"Key": "aws:redshift:primaryclusterarn", "Value": "arn:aws:redshift:us-east-1:123456789012:cluster:warehouse"},
    {"Key": OWNER_TAG, "Value": "redshift"}])
turn_on_rotation(s["redshift-unmanaged"])
i["redshift-unmanaged"] = "warehouse"

s["events-owned"] = owned_secret("events!connection/orders-api/0b1c", [{"Key": OWNER_TAG, "Value": "events"}],
                                 value='{"api_key_name": "x-api-key", "api_key_value": "Canary-Events-Not-Real"}')
s["plain"] = sm.create_secret(Name="managed/plain", SecretString='{"token": "Canary-Plain-Not-Real"}')["ARN"]
emit(out)
