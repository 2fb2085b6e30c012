#!/bin/sh
# make check: unit tests, then end-to-end tests, then one closing count.
# Usage: tests/check.sh BUILD TEST...
# SPDX-License-Identifier: MIT
set -u
build=$1
shift
# make asan: sanitizer settings for every program the tests run, with the
# third-party suppressions kept in tests/.
if [ -n "${SMP_SANITIZE:-}" ]; then
	export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:detect_odr_violation=0"
	export LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$(pwd)/tests/ubsan.supp"
fi
status=0
log=$(mktemp)
rc=$(mktemp)
trap 'rm -f "$log" "$rc"' EXIT
# Runs one suite, its output to the terminal and the log. A pipeline's
# status is tee's, so the suite's own exit code goes through a file. Its
# wall time is printed after its count.
suite() {
	start=$(date +%s)
	{ "$@"; echo $? >"$rc"; } | tee -a "$log"
	[ "$(cat "$rc")" = 0 ] || status=1
	echo "  ($(basename "$2" .sh): $(($(date +%s) - start)) s)"
}
suite sh tests/run-unit.sh "$build" "$@"
suite sh tests/e2e/run.sh "$build"
suite sh tests/e2e/batch.sh "$build"
suite sh tests/e2e/report.sh "$build"
suite sh tests/e2e/privacy.sh "$build"
suite sh tests/e2e/corpus.sh "$build"
suite sh tests/e2e/faults.sh "$build"
suite sh tests/fuzz/replay.sh "$build"
# Each suite ends with "NAME: P passed, F failed"; add them up.
awk '/^(unit|e2e|batch|report|privacy|corpus|faults|fuzz): [0-9]+ passed, [0-9]+ failed$/ { p += $2; f += $4 }
	END { printf "check: %d passed, %d failed\n", p, f; exit f > 0 }' "$log" || status=1
# A suite that crashed before its count still fails the run.
exit "$status"
