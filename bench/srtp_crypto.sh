#!/usr/bin/env bash
# The relay's crypto limit: unprotect+protect per second on one core,
# Debian's stock libsrtp2 (NSS) against sipedge's OpenSSL types
# (src/srtp_ossl.c), for 1, 2,000 and 8,000 live sessions. See bench/README.
#   bench/srtp_crypto.sh [BUILD_DIR] [-t SECONDS] [SESSIONS ...]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-build}
[ $# -gt 0 ] && shift
case $dir in /*) ;; *) dir=$top/$dir ;; esac
"$top/scripts/build.sh" "$dir" >/dev/null
grep -o -w -E 'aes|sha_ni|avx2|vaes|pclmulqdq' /proc/cpuinfo | sort -u |
	tr '\n' ' ' | sed 's/^/cpu flags: /; s/ $/\n/'
# One core, the last one, so the figure is per core whatever else runs.
cpu=$(($(nproc) - 1))
exec taskset -c "$cpu" "$dir/bench/srtp_crypto" "$@"
