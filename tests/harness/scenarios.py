"""Broken (and healthy) rotations of AWS's real templates against the test run's databases, seeded through the harness.

    python3 scenarios.py <scenario>[:<Text|JSON>] ...     (or "all"; RT_MOTO_URL and RT_TEST_SERVERS must be set)

Prints one JSON object per seed, keyed "<scenario>:<format>": the secret's ARN and name, the function, what the
database user is, and each rotation the harness ran (rotation_harness.rotate's result). Seeds run in parallel threads;
each makes its own database user, so no scenario changes what another (or another spec) logs in with.
"""
import json
import os
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import rotation_harness as harness

sys.path.insert(0, harness.driver_path())
import pgdb  # noqa: E402  (Debian's PyGreSQL, through the driver folder)
import pymysql  # noqa: E402

PG_SINGLE, PG_MULTI, MARIADB_SINGLE = harness.PG_SINGLE, harness.PG_MULTI, harness.MARIADB_SINGLE


def servers():
    with open(os.environ["RT_TEST_SERVERS"]) as f:
        return json.load(f)


def password():
    return "Pw" + uuid.uuid4().hex


def postgres_admin(server):
    # The TLS-only cluster refuses plain TCP even for its superuser.
    return pgdb.connect(host=server["host"], port=server["port"], user=server["superuser"], password=server["superuserPassword"],
                        database="postgres", sslmode="require" if server.get("tls") == "required" else "disable")


def postgres_sql(server, statements):
    conn = postgres_admin(server)
    try:
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
        conn.commit()
    finally:
        conn.close()


def postgres_user(server, name, secret_password):
    """A login role of its own for one seed (PUBLIC may connect); the templates only log in and change its password."""
    postgres_sql(server, [f"CREATE ROLE {name} LOGIN PASSWORD '{secret_password}'"])


def mariadb_user(server, name, secret_password):
    conn = pymysql.connect(unix_socket=os.path.join(server["directory"], "mysqld.sock"), user="root")
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE USER '{name}'@'127.0.0.1' IDENTIFIED BY '{secret_password}'")
            cur.execute(f"GRANT ALL PRIVILEGES ON {server['database']}.* TO '{name}'@'127.0.0.1'")
        conn.commit()
    finally:
        conn.close()


class Seed:
    def __init__(self, scenario, log_format):
        self.scenario, self.log_format = scenario, log_format
        self.key = f"{scenario}:{log_format}"
        self.slug = f"{scenario}-{log_format.lower()}"
        # Database users outlive moto resets: a suffix keeps a rerun against the same servers from colliding.
        self.user = "rt_" + self.slug.replace("-", "_") + "_" + uuid.uuid4().hex[:6]
        self.result = {"scenario": scenario, "logFormat": log_format, "rotations": []}

    def function(self, template=PG_SINGLE, **options):
        self.fn = harness.deploy_function(template, f"rotation-{self.slug}", log_format=self.log_format, **options)
        self.result["functionName"] = self.fn.name
        return self.fn

    def secret(self, value):
        name = f"harness/{self.slug}"
        self.arn = harness.create_secret(name, value)
        self.result.update(secretArn=self.arn, secretName=name)
        return self.arn

    def rotate(self, **options):
        run = harness.rotate(self.arn, self.fn, **options)
        self.result["rotations"].append(run)
        return run


def pg_secret(server, user, secret_password, **extra):
    value = {"engine": "postgres", "host": server["host"], "port": server["port"], "username": user,
             "password": secret_password, "dbname": server["database"]}
    value.update(extra)
    return value


def wrong_password(seed, s):
    """The secret's password is not the database user's: setSecret fails at once."""
    pg = s["postgresMd5"]
    postgres_user(pg, seed.user, password())
    seed.function()
    seed.secret(pg_secret(pg, seed.user, password()))
    seed.rotate()


def refused_port(seed, s):
    """Nothing listens on the secret's port: every connect is refused, setSecret fails at once."""
    seed.function()
    seed.secret(pg_secret(s["postgresMd5"], "rt_nobody", password(), port=s["unansweredPorts"]["closedPort"]))
    seed.rotate()


def dropped_syn(seed, s):
    """The database's port drops SYNs and the function has a short timeout: setSecret times out in its first connect."""
    seed.function(timeout=4)
    seed.secret(pg_secret(s["postgresMd5"], "rt_nobody", password(), port=s["unansweredPorts"]["droppedSynPort"]))
    seed.rotate()


def dropped_syn_logged(seed, s):
    """The port drops SYNs, "ssl": false, the default 30 s timeout: two 5 s connects, then the login failure is logged."""
    seed.function()
    seed.secret(pg_secret(s["postgresMd5"], "rt_nobody", password(), port=s["unansweredPorts"]["droppedSynPort"], ssl=False))
    seed.rotate()


def tls_required_postgres(seed, s):
    """The server accepts this user only over TLS (hostssl) and the secret says "ssl": false."""
    pg = s["postgresScram"]
    secret_password = password()
    postgres_user(pg, seed.user, secret_password)
    seed.function()
    seed.secret(pg_secret(pg, seed.user, secret_password, ssl=False))
    seed.rotate()


def tls_required_mariadb(seed, s):
    """MariaDB with require_secure_transport and "ssl": false: it answers 1045 Access denied, as for a wrong password."""
    db = s["mariadb"]
    secret_password = password()
    mariadb_user(db, seed.user, secret_password)
    seed.function(MARIADB_SINGLE)
    seed.secret({"engine": "mariadb", "host": db["host"], "port": db["port"], "username": seed.user,
                 "password": secret_password, "dbname": db["database"], "ssl": False})
    seed.rotate()


def missing_key(seed, s):
    """The secret has no "host": createSecret raises KeyError."""
    seed.function()
    value = pg_secret(s["postgresMd5"], "rt_nobody", password())
    del value["host"]
    seed.secret(value)
    seed.rotate()


def engine_mismatch(seed, s):
    """A MySQL secret given to the PostgreSQL template."""
    seed.function()
    seed.secret(pg_secret(s["postgresMd5"], "rt_nobody", password(), engine="mysql"))
    seed.rotate()


def multi_user_without_masterarn(seed, s):
    """Multi-user template, secret without masterarn: setSecret reads it after logging in as the current user."""
    pg = s["postgresMd5"]
    secret_password = password()
    postgres_user(pg, seed.user, secret_password)
    seed.function(PG_MULTI)
    seed.secret(pg_secret(pg, seed.user, secret_password))
    seed.rotate()


def multi_user_bad_master(seed, s):
    """Multi-user template whose master secret holds a wrong password."""
    pg = s["postgresMd5"]
    secret_password = password()
    postgres_user(pg, seed.user, secret_password)
    master = harness.create_secret(f"harness/{seed.slug}-master", pg_secret(pg, pg["superuser"], password()))
    seed.result["masterSecretArn"] = master
    seed.function(PG_MULTI)
    seed.secret(pg_secret(pg, seed.user, secret_password, masterarn=master))
    seed.rotate()


def multi_user_master_other_host(seed, s):
    """Multi-user template whose master secret names another host (not an RDS replica source of this one)."""
    pg = s["postgresMd5"]
    secret_password = password()
    postgres_user(pg, seed.user, secret_password)
    master = harness.create_secret(f"harness/{seed.slug}-master", pg_secret(pg, pg["superuser"], pg["superuserPassword"], host="localhost"))
    seed.result["masterSecretArn"] = master
    seed.function(PG_MULTI)
    seed.secret(pg_secret(pg, seed.user, secret_password, masterarn=master))
    seed.rotate()


def multi_user_master_database_gone(seed, s):
    """Multi-user template with an RDS-managed master secret (username and password only) whose instance tag names a
    database RDS does not have."""
    pg = s["postgresMd5"]
    secret_password = password()
    postgres_user(pg, seed.user, secret_password)
    master = harness.client("secretsmanager").create_secret(
        Name=f"harness/{seed.slug}-master", SecretString=json.dumps({"username": pg["superuser"], "password": password()}),
        Tags=[{"Key": "aws:rds:primaryDBInstanceArn", "Value": f"arn:aws:rds:{harness.REGION}:{harness.ACCOUNT}:db:deleted-db"}])["ARN"]
    seed.result["masterSecretArn"] = master
    seed.function(PG_MULTI)
    seed.secret(pg_secret(pg, seed.user, secret_password, masterarn=master))
    seed.rotate()


def clone_username_too_long(seed, s):
    """Multi-user template for a user whose name with _clone appended passes PostgreSQL's 63 characters."""
    seed.function(PG_MULTI)
    seed.secret(pg_secret(s["postgresMd5"], "rt_" + "u" * 58, password(), masterarn="unused"))
    seed.rotate()


def pending_guard(seed, s):
    """A rotation fails in setSecret; someone takes AWSPENDING off its version; Secrets Manager reattempts that version."""
    pg = s["postgresMd5"]
    postgres_user(pg, seed.user, password())
    seed.function()
    seed.secret(pg_secret(pg, seed.user, password()))
    token = seed.rotate()["versionId"]
    harness.client("secretsmanager").update_secret_version_stage(SecretId=seed.arn, VersionStage="AWSPENDING", RemoveFromVersionId=token)
    seed.rotate(token=token)


def healthy_without_tls(seed, s):
    """A server without TLS and no "ssl" key: every login tries TLS, logs the fallback, and succeeds in plain."""
    pg = s["postgresMd5"]
    secret_password = password()
    postgres_user(pg, seed.user, secret_password)
    seed.function()
    seed.secret(pg_secret(pg, seed.user, secret_password))
    seed.rotate()


def reattempt_after_fix(seed, s):
    """The password is wrong, rotation fails; the database user's password is set to the secret's; the reattempt succeeds."""
    pg = s["postgresMd5"]
    postgres_user(pg, seed.user, password())
    secret_password = password()
    seed.function()
    seed.secret(pg_secret(pg, seed.user, secret_password))
    seed.rotate()
    postgres_sql(pg, [f"ALTER ROLE {seed.user} PASSWORD '{secret_password}'"])
    seed.rotate()


def driver_missing(seed, s):
    """The deployment package lacks the PostgreSQL driver: the handler module does not import."""
    seed.function()
    seed.secret(pg_secret(s["postgresMd5"], "rt_nobody", password()))
    seed.rotate(drivers=False)


SCENARIOS = {
    "wrong-password": (wrong_password, ["Text", "JSON"]),
    "refused-port": (refused_port, ["Text", "JSON"]),
    "dropped-syn": (dropped_syn, ["Text", "JSON"]),
    "dropped-syn-logged": (dropped_syn_logged, ["Text"]),
    "tls-required-postgres": (tls_required_postgres, ["Text", "JSON"]),
    "tls-required-mariadb": (tls_required_mariadb, ["Text"]),
    "missing-key": (missing_key, ["Text", "JSON"]),
    "engine-mismatch": (engine_mismatch, ["Text"]),
    "multi-user-without-masterarn": (multi_user_without_masterarn, ["Text", "JSON"]),
    "multi-user-bad-master": (multi_user_bad_master, ["Text"]),
    "multi-user-master-other-host": (multi_user_master_other_host, ["Text"]),
    "multi-user-master-database-gone": (multi_user_master_database_gone, ["Text"]),
    "clone-username-too-long": (clone_username_too_long, ["Text"]),
    "pending-guard": (pending_guard, ["Text"]),
    "healthy-without-tls": (healthy_without_tls, ["Text", "JSON"]),
    "reattempt-after-fix": (reattempt_after_fix, ["Text"]),
    "driver-missing": (driver_missing, ["Text", "JSON"]),
}


def seed(name, log_format):
    job = Seed(name, log_format)
    SCENARIOS[name][0](job, servers())
    return job.key, job.result


def main(arguments):
    wanted = []
    for argument in arguments or ["all"]:
        name, _, log_format = argument.partition(":")
        names = SCENARIOS if name == "all" else [name]
        for n in names:
            if n not in SCENARIOS:
                sys.exit(f"Unknown scenario {n}; known: {', '.join(SCENARIOS)}")
            wanted += [(n, f) for f in ([log_format] if log_format else SCENARIOS[n][1])]
    # Most of a seed is waiting (subprocesses, databases, timeouts), so they overlap well.
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = dict(pool.map(lambda w: seed(*w), wanted))
    json.dump(results, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
