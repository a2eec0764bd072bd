#!/usr/bin/env bash
# Installs Debian's Chromium when it is missing: the report tests open Export-RotationReport's HTML in it, headless.
# Called by the test run before the Pester specs (and by the report spec itself); a no-op when present.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing chromium: install it (apt-get install -y chromium) and run the tests again." >&2
    exit 1
fi
echo "Installing chromium for the report tests."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
