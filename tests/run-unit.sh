#!/bin/sh
# Run every cmocka test program; a crash in one leaves the others' results.
# Usage: run-unit.sh BUILD TEST...
# SPDX-License-Identifier: MIT
set -u
build=$1; shift
export SMP_SHARED_DATA="${SMP_SHARED_DATA:-../shared/data}"
export SMPDOC="$build/smpdoc"
passed=0; failed=0; failed_names=""
for t in "$@"; do
	name=$(basename "$t")
	for simd in default scalar; do
		if [ "$simd" = scalar ]; then
			# Again on the scalar kernels where detection feeds what is
			# asserted; the kernel suite compares every path itself, and
			# registration and normalisation are covered by the e2e
			# determinism checks (they are the slow suites).
			case "$name" in test_detect|test_measure|test_report|test_composite) ;;
			*) continue ;; esac
			export SMP_SIMD=scalar
		else
			unset SMP_SIMD
		fi
		# Seconds per program in the log, so the CI time budget can be
		# spent where it buys something.
		start=$(date +%s)
		if "$t" >"$build/tests/$name.$simd.log" 2>&1; then
			passed=$((passed + 1))
			echo "PASS  $name ($simd, $(($(date +%s) - start)) s)"
		else
			failed=$((failed + 1))
			failed_names="$failed_names $name($simd)"
			echo "FAIL  $name ($simd, $(($(date +%s) - start)) s)"
			tail -n 40 "$build/tests/$name.$simd.log"
		fi
	done
done
unset SMP_SIMD
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || { echo "failed:$failed_names"; exit 1; }
