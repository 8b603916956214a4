#!/usr/bin/env bash
# Build every libFuzzer target in tests/fuzz against libsipedge.a (clang,
# ASan, UBSan) and run each for a bounded time, as many at once as there
# are CPUs.
#   scripts/fuzz.sh [SECONDS]      default 15 s per target
# The targets are built by Makefile.am (FUZZ_TARGETS) in build-fuzz,
# configured with --enable-fuzzing; a tests/fuzz/fuzz_*.c missing from that
# list fails here. Corpora live in build-fuzz/corpus/NAME and grow across
# runs; the seeds checked in under tests/fuzz/seeds/NAME start them off.
set -euo pipefail
secs=${1:-15}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/build.sh build-fuzz CC=clang --enable-fuzzing --enable-sanitizers \
	"CFLAGS=-g -O1" >/dev/null

torture=$top/../shared/torture/messages
jobs=$(nproc)

# One target: its verdict in build-fuzz/NAME.result, its status returned.
fuzz_one() {
	local name=$1 bin=build-fuzz/tests/fuzz/$1 corpus=build-fuzz/corpus/$1
	local seeds=tests/fuzz/seeds/$1 runs
	local out=build-fuzz/$name.result
	if [ ! -x "$bin" ]; then
		echo "fuzz: $name FAILED; not built: add tests/fuzz/$name to FUZZ_TARGETS in Makefile.am" > "$out"
		return 1
	fi
	mkdir -p "$corpus"
	[ -d "$seeds" ] || seeds=
	# The SIP parsers also start from the RFC 4475/5118 torture messages.
	case $name in
	fuzz_sip_*) [ -d "$torture" ] && seeds="$seeds $torture" ;;
	esac
	# shellcheck disable=SC2086 # seeds: none, one or two directories
	if "$bin" -max_total_time="$secs" -rss_limit_mb=2048 "$corpus" $seeds \
		> "build-fuzz/$name.log" 2>&1; then
		runs=$(grep -o 'Done [0-9]* runs' "build-fuzz/$name.log" | tail -1)
		echo "fuzz: $name ok (${runs:-no run count}, corpus $(ls "$corpus" | wc -l))" > "$out"
	else
		{
			echo "fuzz: $name FAILED; see build-fuzz/$name.log:"
			grep -E 'ERROR|SUMMARY|crash-' "build-fuzz/$name.log" | head -5
		} > "$out"
		return 1
	fi
}

# As many targets at once as there are CPUs: nothing else runs meanwhile.
status=0
names=()
for src in tests/fuzz/fuzz_*.c; do
	names+=("$(basename "$src" .c)")
	if [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; then
		wait -n || status=1
	fi
	fuzz_one "${names[-1]}" &
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do
	wait -n || status=1
done
for name in "${names[@]}"; do
	cat "build-fuzz/$name.result"
done
exit $status
