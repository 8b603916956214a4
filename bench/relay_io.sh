#!/usr/bin/env bash
# The relay's I/O limit on one relay thread: io_uring against epoll with
# recvmmsg/sendmmsg and epoll with one recvmsg/sendmsg per packet, plain
# RTP (no crypto), 50 packets/s per session, stepped up until more than
# 0.1 % is lost; then the latency added at half the best rate. The
# generator alone ("direct") is measured too: a figure near its own is
# the generator's ceiling, not the relay's; so is a loss where the relay thread
# was under 80 % busy.
#   bench/relay_io.sh [BUILD_DIR] [SECONDS_PER_STEP]
# BUILD_DIR is a configured build with libsipedge.a (default build).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
secs=${2:-2}
bin=$build/bench/relay_io

make -C "$build" -s bench/relay_io

out=$(mktemp)
trap 'rm -f "$out"' EXIT
for mode in direct io_uring epoll epoll-single; do
	echo "== $mode" >&2
	"$bin" -m "$mode" -d "$secs" | tee -a "$out" >&2
done
max() { awk -v m="$1" '$1 == "max" && $2 == "mode="m { sub("pps=", "", $4); print $4 }' "$out"; }
maxn() { awk -v m="$1" '$1 == "max" && $2 == "mode="m { sub("sessions=", "", $3); print $3 }' "$out"; }
half=$(($(maxn io_uring) / 2))
for mode in io_uring epoll epoll-single direct; do
	echo "== $mode latency at half io_uring's best rate ($half sessions)" >&2
	"$bin" -m "$mode" -d "$secs" -l "$half" | grep -v '^step' |
	    tee -a "$out" >&2
done

field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }
# The step line of mode at the best lossless rate, and the first lossy one.
best() { awk -v m="$1" -v n="$(maxn "$1")" '$1 == "step" && $2 == "mode="m && $3 == "sessions="n' "$out" | tail -1; }
lossy() { awk -v m="$1" '$1 == "step" && $2 == "mode="m { l = $0; sub(/.*loss=/, "", l); sub(/%.*/, "", l); if (l + 0 > 0.1) { print; exit } }' "$out"; }
echo
echo "lossless packets/s on one relay thread (plain RTP, 172 bytes, 50 pps a session,"
echo "lost or later than 20 ms counts as lost; relay thread CPU at that rate):"
for mode in direct io_uring epoll epoll-single; do
	v=$(max "$mode")
	if [ "$mode" = direct ]; then
		printf '  %-13s %7.0f  (the generator alone, no relay)\n' "$mode" "$v"
		continue
	fi
	cpu=$(best "$mode" | field relay_cpu)
	lcpu=$(lossy "$mode" | field relay_cpu)
	note=""
	if [ -z "$lcpu" ]; then
		note="  no loss up to the session limit: a floor, not the ceiling"
	elif awk -v c="$lcpu" 'BEGIN { exit !(c < 80) }'; then
		note="  generator's ceiling: the relay thread was ${lcpu}% busy where loss began"
	fi
	printf '  %-13s %7.0f  relay cpu %3s%%  = %7.0f packets/s per relay core%s\n' \
	    "$mode" "$v" "$cpu" "$(awk -v v="$v" -v c="$cpu" 'BEGIN { print v / (c / 100) }')" "$note"
done
eff() { best "$1" | awk '{ for (i = 1; i <= NF; i++) { if ($i ~ /^pps=/) { sub("pps=", "", $i); p = $i } if ($i ~ /^relay_cpu=/) { sub("relay_cpu=", "", $i); sub("%", "", $i); c = $i } } print p / (c / 100) }'; }
awk -v u="$(eff io_uring)" -v e="$(eff epoll)" -v s="$(eff epoll-single)" 'BEGIN {
	printf "ratios of packets/s per relay core: io_uring/epoll-single %.2f, io_uring/epoll(mmsg) %.2f, epoll(mmsg)/epoll-single %.2f\n", u / s, u / e, e / s }'
echo "latency through the relay at half the best rate (generator send to receive; direct: no relay):"
awk '$1 == "latency" { print "  " $0 }' "$out"
