"""Secrets pointing at the real test database servers, for Test-RotationDatabaseLogin.

Usage: database_login.py <servers.json> (written by tests/servers/TestServers.psm1).
- db/postgres-app: PostgreSQL (hostssl only, scram-sha-256); AWSCURRENT works, AWSPREVIOUS holds a canary password the
  server rejects, AWSPENDING works; masterarn names db/postgres-master (the superuser), for the user audit.
- db/postgres-wrong-db: right credentials, dbname that does not exist.
- db/postgres-closed-port: a loopback port nothing listens on.
- db/postgres-ssl-false: the TLS-only server with "ssl": false.
- db/postgres-md5: the md5 server (no TLS); no masterarn, and its user may not read pg_authid.
- db/mariadb: MariaDB with TLS required; db/mariadb-ssl-false: the same with "ssl": false.
- db/not-json: a bare (canary) password instead of JSON; db/binary: a SecretBinary value.
- db/gsv-denied, db/kms-denied: valid secrets whose GetSecretValue the tests answer from recorded denials.
Prints the ARNs, the canary and every password a test must never see.
"""
import json
import secrets
import socket
import sys

from aws import client, emit

servers = json.load(open(sys.argv[1]))
pg, md5, maria = servers["postgresScram"], servers["postgresMd5"], servers["mariadb"]
sm = client("secretsmanager")
canary = "CANARY" + secrets.token_hex(12)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def value(server, engine, user, password, dbname, **extra):
    data = {"engine": engine, "host": server["host"], "port": server["port"], "username": user, "password": password}
    if dbname is not None:
        data["dbname"] = dbname
    data.update(extra)
    return json.dumps(data)


def create(name, secret_string=None, **kwargs):
    if secret_string is not None:
        kwargs["SecretString"] = secret_string
    return sm.create_secret(Name=name, **kwargs)["ARN"]


arns = {}
arns["db/postgres-master"] = create("db/postgres-master", value(pg, "postgres", pg["superuser"], pg["superuserPassword"], "postgres"))

# Previous first (with the canary password), then the working one becomes AWSCURRENT and the first moves to AWSPREVIOUS.
app = "db/postgres-app"
arns[app] = create(app, value(pg, "postgres", pg["appUser"], canary, pg["database"], masterarn=arns["db/postgres-master"]))
sm.put_secret_value(SecretId=app, SecretString=value(pg, "postgres", pg["appUser"], pg["appPassword"], pg["database"],
                                                     masterarn=arns["db/postgres-master"]))
sm.put_secret_value(SecretId=app, SecretString=value(pg, "postgres", pg["appUser"], pg["appPassword"], pg["database"],
                                                     masterarn=arns["db/postgres-master"]),
                    VersionStages=["AWSPENDING"])

arns["db/postgres-wrong-db"] = create("db/postgres-wrong-db", value(pg, "postgres", pg["appUser"], pg["appPassword"], "no_such_database"))
closed = dict(pg, port=free_port())
arns["db/postgres-closed-port"] = create("db/postgres-closed-port", value(closed, "postgres", pg["appUser"], pg["appPassword"], pg["database"]))
arns["db/postgres-ssl-false"] = create("db/postgres-ssl-false", value(pg, "postgres", pg["appUser"], pg["appPassword"], pg["database"], ssl=False))
arns["db/postgres-md5"] = create("db/postgres-md5", value(md5, "postgres", md5["appUser"], md5["appPassword"], md5["database"]))
arns["db/mariadb"] = create("db/mariadb", value(maria, "mariadb", maria["appUser"], maria["appPassword"], maria["database"]))
arns["db/mariadb-ssl-false"] = create("db/mariadb-ssl-false", value(maria, "mariadb", maria["appUser"], maria["appPassword"], maria["database"], ssl=False))
arns["db/not-json"] = create("db/not-json", canary)
arns["db/binary"] = create("db/binary", SecretBinary=canary.encode())
arns["db/gsv-denied"] = create("db/gsv-denied", value(pg, "postgres", pg["appUser"], pg["appPassword"], pg["database"]))
arns["db/kms-denied"] = create("db/kms-denied", value(pg, "postgres", pg["appUser"], pg["appPassword"], pg["database"]))

emit({
    "secrets": arns,
    "canary": canary,
    "closedPort": closed["port"],
    "passwords": [canary, pg["appPassword"], pg["superuserPassword"], pg["legacyMd5Password"], md5["appPassword"],
                  maria["appPassword"], maria["ed25519Password"]],
})
