#!/usr/bin/env bash
# apt-install.sh PURPOSE PACKAGE...: installs Debian packages the tests need (the callers check what is missing), as
# root through apt-get; elsewhere it says what to install and fails.
set -euo pipefail
purpose=$1; shift
[ $# -gt 0 ] || exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing $*: install them (apt-get install -y $*) and run the tests again." >&2
    exit 1
fi
echo "Installing $* for $purpose."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "$@" >/dev/null
