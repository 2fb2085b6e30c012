#!/bin/sh
# Run every cmocka test program; a crash in one leaves the others' results.
# Programs run SMP_TEST_JOBS at a time (default 2: the CI machine's
# cores); each writes its own log, and the results print in a fixed order.
# Usage: run-unit.sh BUILD TEST...
# SPDX-License-Identifier: MIT
set -u

# One run: --one BUILD PROGRAM SIMD. Its log and a "PASS/FAIL seconds"
# line go to BUILD/tests/NAME.SIMD.{log,result}.
if [ "${1:-}" = --one ]; then
	build=$2; t=$3; simd=$4; name=$(basename "$t")
	if [ "$simd" = scalar ]; then export SMP_SIMD=scalar; else unset SMP_SIMD; fi
	start=$(date +%s)
	if "$t" >"$build/tests/$name.$simd.log" 2>&1; then r=PASS; else r=FAIL; fi
	echo "$r $(($(date +%s) - start))" >"$build/tests/$name.$simd.result"
	exit 0
fi

build=$1; shift
export SMP_SHARED_DATA="${SMP_SHARED_DATA:-../shared/data}"
export SMPDOC="$build/smpdoc"
jobs=${SMP_TEST_JOBS:-2}

# The runs: every program on the default path, and again on the scalar
# kernels where detection feeds what is asserted; the kernel suite
# compares every path itself, and registration and normalisation are
# covered by the e2e determinism checks (they are the slow suites).
# The longest programs start first, so two at a time finish together.
slow="test_register test_scale test_normalise test_skin test_detect"
list() {
	for t in "$@"; do
		case " $slow " in *" $(basename "$t") "*) pick "$t" ;; esac
	done
	for t in "$@"; do
		case " $slow " in *" $(basename "$t") "*) ;; *) pick "$t" ;; esac
	done
}
# Under the sanitizers (make asan) the scalar re-runs are left out: they
# check that the paths agree, which the plain run has done, and the
# kernel suite still runs every path under the sanitizers.
pick() {
	echo "$1 default"
	[ -n "${SMP_SANITIZE:-}" ] && return
	case "$(basename "$1")" in
	test_detect|test_measure|test_report|test_composite) echo "$1 scalar" ;;
	esac
}
list "$@" | while read -r t simd; do
	rm -f "$build/tests/$(basename "$t").$simd.result"
done
list "$@" | xargs -P "$jobs" -n 2 sh "$0" --one "$build"

passed=0; failed=0; failed_names=""
for pair in $(list "$@" | tr ' ' ':'); do
	t=${pair%:*}; simd=${pair#*:}; name=$(basename "$t")
	# Seconds per program in the log, so the CI time budget can be spent
	# where it buys something.
	set -- $(cat "$build/tests/$name.$simd.result" 2>/dev/null || echo "FAIL ?")
	if [ "$1" = PASS ]; then
		passed=$((passed + 1))
		echo "PASS  $name ($simd, $2 s)"
	else
		failed=$((failed + 1))
		failed_names="$failed_names $name($simd)"
		echo "FAIL  $name ($simd, $2 s)"
		tail -n 40 "$build/tests/$name.$simd.log"
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || { echo "failed:$failed_names"; exit 1; }
