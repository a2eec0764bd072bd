#!/usr/bin/env bash
# Builds the libpq-like shared objects and driver modules the bundle tests zip into Lambda bundles, from the C sources
# in tests/RotationTroubleshooter.Tests/Bundles/fixtures/. Usage: build-libpq-fixtures.sh OUTPUT_FOLDER
#   libpq94/libpq.so.5    RUNPATH naming PostgreSQL-9.4.x (AWS's old build path), no PQencryptPasswordConn
#   libpq10/libpq.so.5    RUNPATH naming PostgreSQL-10.x, exports PQencryptPasswordConn
#   pg94/_pg...so, pg10/_pg...so   PyGreSQL-like modules with NEEDED libpq.so.5, linked against those
#   psycopg/_psycopg...so psycopg2-like module: NEEDED libpq-be3d6e4e.so.5.15, RUNPATH $ORIGIN/../psycopg2_binary.libs
set -euo pipefail
out=${1:?output folder}
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../RotationTroubleshooter.Tests/Bundles/fixtures" && pwd)"
aws94=/local/p4clients/pkgbuild-lS8fe/workspace/build/PostgreSQL/PostgreSQL-9.4.x_client_only.530.0/AL2012/DEV.STD.PTHREAD/build/private/tmp/brazil-path/build.libfarm/lib
aws10=/local/p4clients/pkgbuild-Xq9Ta/workspace/build/PostgreSQL/PostgreSQL-10.x_client_only.186.0/AL2012/DEV.STD.PTHREAD/build/private/tmp/brazil-path/build.libfarm/lib
pg=_pg.cpython-39-x86_64-linux-gnu.so
psycopg=_psycopg.cpython-39-x86_64-linux-gnu.so
wheel=libpq-be3d6e4e.so.5.15
mkdir -p "$out"/{libpq94,libpq10,wheel,pg94,pg10,psycopg}

libpq() { # folder major runpath soname file
    gcc -shared -fPIC -DLIBPQ_MAJOR="$2" -Wl,-soname,"$4" -Wl,--enable-new-dtags ${3:+-Wl,-rpath,"$3"} \
        "$src/libpq_like.c" -o "$out/$1/$5"
}
libpq libpq94 9 "$aws94" libpq.so.5 libpq.so.5
libpq libpq10 10 "$aws10" libpq.so.5 libpq.so.5
libpq wheel 10 "" "$wheel" "$wheel"
gcc -shared -fPIC -DMODULE_INIT=PyInit__pg "$src/pg_module.c" -L"$out/libpq94" -l:libpq.so.5 -o "$out/pg94/$pg"
gcc -shared -fPIC -DMODULE_INIT=PyInit__pg "$src/pg_module.c" -L"$out/libpq10" -l:libpq.so.5 -o "$out/pg10/$pg"
gcc -shared -fPIC -DMODULE_INIT=PyInit__psycopg "$src/pg_module.c" -L"$out/wheel" -l:"$wheel" \
    -Wl,-rpath,'$ORIGIN/../psycopg2_binary.libs' -o "$out/psycopg/$psycopg"
