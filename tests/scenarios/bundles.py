"""Deployment bundles the proxy serves (--code-dir): the function is created in moto with the bundle, and the same zip is
written to RT_CODE_DIR/functions/<name>.zip, because moto's Code.Location names a host it does not serve.
Needs RT_FIXTURES (tests/native/build-libpq-fixtures.sh) for the native modules."""
import io
import os
import zipfile

from aws import create_function

PG = "_pg.cpython-39-x86_64-linux-gnu.so"


def zipped(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buffer.getvalue()


def dist_info(name, version):
    folder = f"{name}-{version}.dist-info"
    return {f"{folder}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", f"{folder}/INSTALLER": "pip\n",
            f"{folder}/RECORD": f"{folder}/METADATA,,\n"}


def served_function(name, runtime, files, **extra):
    """Creates the function with the bundle and writes the bundle where the proxy serves it; returns CreateFunction's answer."""
    data = zipped(files)
    created = create_function(name, runtime=runtime, code=data, **extra)
    folder = os.path.join(os.environ["RT_CODE_DIR"], "functions")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"{name}.zip"), "wb") as f:
        f.write(data)
    return created


def pygresql_for_python39():
    """PyGreSQL 5.2.4 with its _pg extension built for CPython 3.9 and the libpq it links, as a python3.9 build bundles it."""
    fixtures = os.environ["RT_FIXTURES"]
    with open(os.path.join(fixtures, "pg10", PG), "rb") as f:
        pg_module = f.read()
    with open(os.path.join(fixtures, "libpq10", "libpq.so.5"), "rb") as f:
        libpq = f.read()
    return {"lambda_function.py": "import pg\n\ndef lambda_handler(event, context):\n    return None\n",
            "pg.py": "version = __version__ = '5.2.4'\nfrom _pg import *\n", "pgdb.py": "from _pg import *\n", PG: pg_module, "libpq.so.5": libpq,
            **dist_info("PyGreSQL", "5.2.4")}
