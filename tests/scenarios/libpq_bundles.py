"""Rotation functions whose bundles carry old and new libpq builds, for Test-LibpqScramSupport.

Needs RT_FIXTURES (the output of tests/native/build-libpq-fixtures.sh) and RT_CODE_DIR, where it writes each bundle as
the proxy serves it (functions/<name>.zip, layers/<name>-<version>.zip): moto keeps the code but its Code.Location
names a host it does not serve, so tests/fakes/aws_proxy.py --code-dir stands in for S3.
- rotation-pg-old: AWS's old template layout: PyGreSQL _pg.so and a libpq.so.5 built from PostgreSQL-9.4.x (no SCRAM);
- rotation-pg-new: the same with libpq from PostgreSQL-10.x;
- rotation-psycopg2: a psycopg2-binary wheel around the machine's real libpq 15 (renamed, no RUNPATH);
- rotation-pg-layer: _pg.so in the function, its libpq.so.5 (10.x) in a layer under lib/;
- rotation-no-client: a handler and nothing else;
- rotation-corrupt: S3 serves a truncated zip for it;
- rotation-image: a container image function;
- rotation-expired, rotation-flaky: valid bundles the tests serve with a 403 / a first 503;
- rotation-no-object: its code is in moto but not served (S3 answers 404).
Secrets prod/pg/old and prod/pg/new rotate with the old and new functions; prod/no-rotation has no rotation.
"""
import io
import os
import zipfile

import requests

from aws import ACCOUNT, REGION, client, create_function, emit, ensure_role

FIXTURES = os.environ["RT_FIXTURES"]
CODE_DIR = os.environ["RT_CODE_DIR"]
PG = "_pg.cpython-39-x86_64-linux-gnu.so"
PSYCOPG = "_psycopg.cpython-39-x86_64-linux-gnu.so"
WHEEL_LIBPQ = "libpq-be3d6e4e.so.5.15"
HANDLER = "def lambda_handler(event, context):\n    return None\n"


def fixture(*parts):
    with open(os.path.join(FIXTURES, *parts), "rb") as f:
        return f.read()


def bundle(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("lambda_function.py", HANDLER)
        for name, data in files.items():
            z.writestr(name, data)
    return buffer.getvalue()


def save(kind, name, data):
    os.makedirs(os.path.join(CODE_DIR, kind), exist_ok=True)
    with open(os.path.join(CODE_DIR, kind, f"{name}.zip"), "wb") as f:
        f.write(data)


def function(name, data, served=None, **extra):
    create_function(name, code=data, **extra)
    save("functions", name, served if served is not None else data)


pygresql = lambda major: {"pgdb.py": "import _pg\n", PG: fixture(f"pg{major}", PG), "libpq.so.5": fixture(f"libpq{major}", "libpq.so.5")}
old, new = bundle(pygresql(94)), bundle(pygresql(10))
function("rotation-pg-old", old)
function("rotation-pg-new", new)
function("rotation-psycopg2", bundle({
    "psycopg2/__init__.py": "from psycopg2._psycopg import connect\n",
    f"psycopg2/{PSYCOPG}": fixture("psycopg", PSYCOPG),
    f"psycopg2_binary.libs/{WHEEL_LIBPQ}": open("/usr/lib/x86_64-linux-gnu/libpq.so.5", "rb").read(),
    "psycopg2_binary-2.9.9.dist-info/METADATA": "Name: psycopg2-binary\nVersion: 2.9.9\n",
}))
function("rotation-no-client", bundle({}))
function("rotation-corrupt", old, served=old[: len(old) // 2])
function("rotation-expired", old)
function("rotation-flaky", new)
create_function("rotation-no-object", code=new)  # S3 has no object for it: a 404

# moto attaches layers from its Docker Lambda backend but serves GetLayerVersion from the simple one: publish the same
# layer in both so CreateFunction accepts it and the proxy can answer GetLayerVersionByArn.
lam = client("lambda")
layer_zip = bundle({"lib/libpq.so.5": fixture("libpq10", "libpq.so.5")})
moto = os.environ["RT_MOTO_URL"]
layer_arn = None
for use_docker in (True, False):
    requests.post(f"{moto}/moto-api/config", json={"lambda": {"use_docker": use_docker}}).raise_for_status()
    layer_arn = lam.publish_layer_version(LayerName="libpq10", Content={"ZipFile": layer_zip})["LayerVersionArn"]
save("layers", "libpq10-1", layer_zip)
function("rotation-pg-layer", bundle({"pgdb.py": "import _pg\n", PG: fixture("pg10", PG)}), Layers=[layer_arn])

lam.create_function(FunctionName="rotation-image", PackageType="Image", Role=ensure_role(),
                    Code={"ImageUri": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/rotation:latest"})

sm = client("secretsmanager")
secrets = {}
for name, fn in [("prod/pg/old", "rotation-pg-old"), ("prod/pg/new", "rotation-pg-new")]:
    arn = sm.create_secret(Name=name, SecretString='{"engine":"postgres","host":"db.example","username":"app","password":"x"}')["ARN"]
    lam.add_permission(FunctionName=fn, StatementId="SecretsManagerAccess", Action="lambda:InvokeFunction",
                       Principal="secretsmanager.amazonaws.com")
    sm.rotate_secret(SecretId=arn, RotationLambdaARN=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{fn}",
                     RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
    secrets[name] = arn
emit({"secrets": secrets, "unrotated": sm.create_secret(Name="prod/no-rotation", SecretString="{}")["ARN"], "layer": layer_arn})
