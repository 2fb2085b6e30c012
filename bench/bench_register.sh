#!/bin/sh
# Registration benchmark (issue 5): smpdoc and the OpenCV peers on the same
# synthetic pairs, one markdown table. Timings only: nothing fails on a
# number. Usage: bench/bench_register.sh BUILD [PAIRS]
# (SMP_BENCH_PEERS=0 skips the OpenCV peers.)
# SPDX-License-Identifier: MIT
set -eu
build=${1:-build}
pairs=${2:-40}
dir=$(mktemp -d "${TMPDIR:-/tmp}/smpdoc-bench-reg-XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
py=/usr/bin/python3
[ -x "$py" ] || py=python3

echo "### Registration ($pairs pairs at 2 MP, rotation ±15°, scale" \
	"0.85-1.15, shift ±10%, new dots; after px -> before px)"
echo
"$build/bench/bench_register" prepare "$dir" "$pairs" >"$dir/ours.txt" \
	2>"$dir/log.txt"
grep '^|' "$dir/ours.txt"
if [ "${SMP_BENCH_PEERS:-1}" != 0 ]; then
	"$py" bench/peer_register_opencv.py "$dir" >"$dir/peers.txt"
	grep '^|' "$dir/peers.txt"
fi
grep -v '^|' "$dir/ours.txt" | grep -v '^RESULT'
echo
# For bench/run.sh's summary.
cat "$dir/ours.txt" "$dir/peers.txt" 2>/dev/null | grep '^RESULT' || true
