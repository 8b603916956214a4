#!/usr/bin/env bash
# Run the integration tests against a daemon built with ASan/UBSan
# (scripts/build.sh DIR --enable-sanitizers) and fail if any sanitizer
# report was written, even when every test passed: a leak at exit or
# undefined behaviour on a path the tests only pass through is still a bug.
# usage: integration-asan.sh BUILD_DIR
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:?usage: integration-asan.sh BUILD_DIR}" && pwd)
reports=$(mktemp -d)
trap 'rm -rf "$reports" "$reports.out"' EXIT

ASAN_OPTIONS=detect_leaks=1:log_path=$reports/asan \
UBSAN_OPTIONS=print_stacktrace=1:log_path=$reports/ubsan \
	python3 "$top/tests/integration/run.py" --build "$build" >"$reports.out" 2>&1
rc=$?
tail -n 40 "$reports.out"
# The tail may be a peer's own log; name the tests that did not pass.
grep -E '^(ERROR|FAIL): ' "$reports.out"
shopt -s nullglob
found=("$reports"/*)
if [ ${#found[@]} -gt 0 ]; then
	echo "sanitizer reports from ${#found[@]} process(es):"
	for f in "${found[@]}"; do
		echo "--- $(basename "$f")"
		head -n 60 "$f"
	done
	exit 1
fi
exit $rc
