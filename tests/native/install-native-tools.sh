#!/usr/bin/env bash
# Installs what the native libpq fixtures need when it is missing: gcc (builds them) and libpq5 (the machine's real
# libpq 15, a positive case). Called by the test run before the xunit and Pester bundle tests; a no-op when present.
set -euo pipefail
missing=()
command -v gcc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
[ -e /usr/lib/x86_64-linux-gnu/libpq.so.5 ] || missing+=(libpq5)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing ${missing[*]}: install them (apt-get install -y ${missing[*]}) and run the tests again." >&2
    exit 1
fi
echo "Installing ${missing[*]} for the native test fixtures."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
