#!/usr/bin/env bash
# Build sipedge and run the daemon in the foreground on the development
# configuration (etc/dev): loopback addresses, throwaway certificates.
# Installs missing Debian build dependencies first. Ctrl-C stops it.
#
# In another terminal:  build/sipedgectl -s etc/dev/run/control.sock status
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/deps.sh build
scripts/build.sh build
scripts/gen-certs.sh etc/dev/certs
mkdir -p etc/dev/run
build/sipedged -c etc/dev/sipedge.conf -n
echo "dev: control socket etc/dev/run/control.sock; try: build/sipedgectl -s etc/dev/run/control.sock status"
exec build/sipedged -c etc/dev/sipedge.conf
