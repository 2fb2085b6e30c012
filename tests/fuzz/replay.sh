#!/bin/sh
# make check: every fuzz target's seed corpus (and every crash kept as a
# regression file in it) through the target's standalone replay program.
# Usage: tests/fuzz/replay.sh BUILD
# SPDX-License-Identifier: MIT
set -u
build=${1:-build}
passed=0
failed=0
for name in meta manifest pipeline load; do
	if "$build/fuzz/replay_$name" "tests/fuzz/corpus/$name" \
		>"$build/fuzz/replay_$name.log" 2>&1; then
		passed=$((passed + 1))
		echo "ok    fuzz replay $name: $(tail -n 1 "$build/fuzz/replay_$name.log" | sed 's/.*: //')"
	else
		failed=$((failed + 1))
		echo "FAIL  fuzz replay $name"
		tail -n 20 "$build/fuzz/replay_$name.log" | sed 's/^/      /'
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
