#!/usr/bin/env bash
# Installs what the native libpq fixtures need when it is missing: gcc (builds them) and libpq5 (the machine's real
# libpq 15, a positive case). Called by the test run before the xunit and Pester bundle tests; a no-op when present.
set -euo pipefail
missing=()
command -v gcc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
[ -e /usr/lib/x86_64-linux-gnu/libpq.so.5 ] || missing+=(libpq5)
[ ${#missing[@]} -eq 0 ] || bash "$(dirname "$0")/../apt-install.sh" "the native test fixtures" "${missing[@]}"
