#!/usr/bin/env bash
# Build sipedge and run every test: the CUnit unit suite (plain and under
# ASan/UBSan), the integration tests against the real daemon and real
# peers on loopback (plain and with the daemon under ASan/UBSan), the
# documentation and systemd checks, and distcheck.
# Installs missing Debian packages first. Exit status 0 only if all pass.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

passed=0
failed=0
failures=()

# step NAME COMMAND...: run one stage, count it, keep going after a failure.
step() {
	local name=$1
	shift
	echo "=== $name"
	local t0=$SECONDS
	if "$@"; then
		passed=$((passed + 1))
		echo "=== $name: ok ($((SECONDS - t0)) s)"
	else
		failed=$((failed + 1))
		failures+=("$name")
		echo "=== $name: FAILED ($((SECONDS - t0)) s)"
	fi
}

scripts/deps.sh test || exit 1

mkdir -p build
logs=$(mktemp -d)

step "build (warnings are errors)" scripts/build.sh build --enable-werror
step "unit tests" bash -o pipefail -c "build/tests/unit/unit | tee $logs/unit"
step "build with ASan/UBSan" scripts/build.sh build-asan --enable-werror --enable-sanitizers
step "unit tests under ASan/UBSan" env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 build-asan/tests/unit/unit
step "integration tests" bash -o pipefail -c "python3 tests/integration/run.py --build build | tee $logs/integration"
step "integration tests against the ASan/UBSan daemon" scripts/integration-asan.sh build-asan
step "fuzzing (${FUZZ_SECONDS:-15} s per target)" scripts/fuzz.sh "${FUZZ_SECONDS:-15}"
step "man pages and systemd unit" scripts/check-docs.sh build
step "make distcheck" make -s -C build distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror

# Test counts: CUnit's "tests TOTAL RAN PASSED FAILED" row and the
# integration runner's closing line.
read -r u_pass u_fail < <(awk '$1 == "tests" { print $4, $5 }' "$logs/unit" 2>/dev/null || true)
read -r i_pass i_fail < <(sed -n 's/^integration: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' \
	"$logs/integration" 2>/dev/null || true)
rm -rf "$logs"

echo
if [ $failed -ne 0 ]; then
	echo "failed stages: ${failures[*]}"
fi
echo "unit: ${u_pass:-0} passed, ${u_fail:-0} failed; integration: ${i_pass:-0} passed, ${i_fail:-0} failed"
echo "stages: $passed passed, $failed failed"
echo "tests: $(( ${u_pass:-0} + ${i_pass:-0} )) passed, $(( ${u_fail:-0} + ${i_fail:-0} + failed )) failed"
[ $failed -eq 0 ]
