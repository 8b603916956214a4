#!/usr/bin/env bash
# Build every libFuzzer target in tests/fuzz against libsipedge.a (clang,
# ASan, UBSan) and run each for a bounded time.
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
status=0
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	bin=build-fuzz/tests/fuzz/$name
	corpus=build-fuzz/corpus/$name
	if [ ! -x "$bin" ]; then
		echo "fuzz: $name FAILED; not built: add tests/fuzz/$name to FUZZ_TARGETS in Makefile.am"
		status=1
		continue
	fi
	mkdir -p "$corpus"
	seeds=tests/fuzz/seeds/$name
	[ -d "$seeds" ] || seeds=
	# The SIP parsers also start from the RFC 4475/5118 torture messages.
	case $name in
	fuzz_sip_*) [ -d "$torture" ] && seeds="$seeds $torture" ;;
	esac
	if "$bin" -max_total_time="$secs" -rss_limit_mb=2048 "$corpus" $seeds \
		> "build-fuzz/$name.log" 2>&1; then
		runs=$(grep -o 'Done [0-9]* runs' "build-fuzz/$name.log" | tail -1)
		echo "fuzz: $name ok (${runs:-no run count}, corpus $(ls "$corpus" | wc -l))"
	else
		echo "fuzz: $name FAILED; see build-fuzz/$name.log:"
		grep -E 'ERROR|SUMMARY|crash-' "build-fuzz/$name.log" | head -5
		status=1
	fi
done
exit $status
