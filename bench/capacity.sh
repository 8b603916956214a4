#!/usr/bin/env bash
# Media capacity on one relay thread, sipedge against rtpengine 10.5, side
# by side in one run: SRTP calls (one 50 pps G.711 stream each, in
# AES_CM_128_HMAC_SHA1_80, out AES_CM_128_HMAC_SHA1_32 with the relay's
# own key) stepped up until more than 0.1 % is lost or late, the generator
# (bench/media_gen) on CPU 1, the relay under test on CPU 0; then the
# latency at half each side's best rate, the I/O limit (bench/relay_io)
# and the crypto limit (bench/srtp_crypto), and the ratios. bench/README.
#   bench/capacity.sh [BUILD_DIR] [capacity.py options: --sides, --secs, ...]
# BUILD_DIR is a configured build (default build; configured if missing).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-build}
[ $# -gt 0 ] && shift
case $dir in /*) ;; *) dir=$top/$dir ;; esac
[ -x /usr/bin/rtpengine ] || "$top/scripts/deps.sh" bench
[ -x /usr/bin/rtpengine ] || { echo "capacity: needs rtpengine (Debian rtpengine-daemon)" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "capacity: needs two CPUs (relay on 0, generator on 1)" >&2; exit 1; }
if [ ! -f "$dir/Makefile" ]; then
	"$top/scripts/build.sh" "$dir" >/dev/null
fi
make -C "$dir" -s sipedged sipedgectl bench/media_gen bench/relay_host \
	bench/relay_io bench/srtp_crypto
echo "rtpengine: $(/usr/bin/rtpengine --version 2>&1 | tail -1)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
exec python3 "$top/bench/capacity.py" "$dir" "$@"
