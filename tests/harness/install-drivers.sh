#!/usr/bin/env bash
# Installs what AWS's rotation templates need to run here when it is missing: Debian's PyGreSQL (pg, pgdb on the
# system libpq) and PyMySQL, and the CA bundle path the templates name for TLS (/etc/pki/tls/cert.pem on Amazon Linux,
# linked here to Debian's bundle). Called by the test run before the harness specs; a no-op when all is present.
set -euo pipefail
missing=()
[ -e /usr/lib/python3/dist-packages/pgdb.py ] || missing+=(python3-pygresql)
[ -d /usr/lib/python3/dist-packages/pymysql ] || missing+=(python3-pymysql)
[ ${#missing[@]} -eq 0 ] || bash "$(dirname "$0")/../apt-install.sh" "the rotation template harness" "${missing[@]}"
if [ ! -e /etc/pki/tls/cert.pem ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "Missing /etc/pki/tls/cert.pem (the templates' CA bundle): link it to /etc/ssl/certs/ca-certificates.crt as root." >&2
        exit 1
    fi
    mkdir -p /etc/pki/tls
    ln -s /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/cert.pem
fi
