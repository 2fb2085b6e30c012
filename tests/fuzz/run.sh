#!/bin/sh
# make fuzz: run each libFuzzer target for SECONDS, one after the other,
# starting from its seed corpus (tests/fuzz/corpus/NAME). New inputs go to
# BUILD/fuzz/work/NAME, crashes to BUILD/fuzz/crashes/NAME-*: copy a crash
# into the seed corpus once it is fixed, so make check replays it forever.
# Usage: tests/fuzz/run.sh BUILD SECONDS [NAME...]
# SPDX-License-Identifier: MIT
set -u
build=$1
seconds=$2
shift 2
names=${*:-meta manifest pipeline load}
status=0
mkdir -p "$build/fuzz/crashes"
export ASAN_OPTIONS="detect_leaks=1:detect_odr_violation=0"
export LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$(pwd)/tests/ubsan.supp"
for name in $names; do
	work="$build/fuzz/work/$name"
	log="$build/fuzz/$name.log"
	mkdir -p "$work"
	# Leaks are checked by the replay under make asan; in the fuzzer they
	# would stop the run at libvips' per-thread caches.
	"$build/fuzz/fuzz_$name" "$work" "tests/fuzz/corpus/$name" \
		-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 \
		-detect_leaks=0 -print_final_stats=1 \
		-artifact_prefix="$build/fuzz/crashes/$name-" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		echo "fuzz $name: ${runs:-?} executions in $seconds s, no crash"
	else
		status=1
		echo "fuzz $name: FAILED after ${runs:-?} executions (exit $rc); see $log"
		grep -m 3 'ERROR\|SUMMARY\|Test unit written' "$log"
	fi
done
exit "$status"
