#!/usr/bin/env bash
# Installs Debian's Chromium when it is missing: the report tests open Export-RotationReport's HTML in it, headless.
# Called by the test run before the Pester specs (and by the report spec itself); a no-op when present.
set -euo pipefail
command -v chromium >/dev/null 2>&1 || bash "$(dirname "$0")/../apt-install.sh" "the report tests" chromium
