#!/bin/sh
# `make bench`: kernels per path, whole-photo detection per path and
# thread count, JPEG decode, peak memory and the OpenCV peers, on one
# 12 MP synthetic photo; ends with the targets of issue 3 as ratios from
# this one run. Timings only: nothing here fails on a number.
# Usage: bench/run.sh BUILD   (SMP_BENCH_PEERS=0 skips the slow peers)
# SPDX-License-Identifier: MIT
set -eu
build=${1:-build}
dir=$(mktemp -d "${TMPDIR:-/tmp}/smpdoc-bench-XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
# Debian's python3 has python3-opencv even when another python3 is first
# on PATH (pyenv and friends).
py=/usr/bin/python3
[ -x "$py" ] || py=python3

echo "## smpdoc benchmark ($(uname -m), $(nproc) cores, $(date -u +%F))"
echo
grep -m1 'model name' /proc/cpuinfo | sed 's/.*: /CPU: /' || true
echo
echo "### Kernels"
echo
"$build/bench/bench_kernels"
echo
echo "### Whole photo"
echo
"$build/bench/bench_detect" prepare "$dir" | tee "$dir/results.txt" |
	grep -v '^RESULT'

if [ "${SMP_BENCH_PEERS:-1}" != 0 ]; then
	"$py" bench/peer_opencv.py "$dir/photo.jpg" "$dir/truth.csv" 3 20 |
		tee -a "$dir/results.txt" | grep -v '^RESULT'
fi

# Peak memory of decode + detection against decode alone (default path,
# threads as libvips picks them).
if [ -x /usr/bin/time ]; then
	dec=$(/usr/bin/time -f %M "$build/bench/bench_detect" decode \
		"$dir/photo.jpg" 2>&1 >/dev/null | tail -n1)
	det=$(/usr/bin/time -f %M "$build/bench/bench_detect" detect \
		"$dir/photo.jpg" 2>&1 >/dev/null | tail -n1)
	echo
	echo "Peak memory (max RSS): decode alone $((dec / 1024)) MiB," \
		"decode + detection $((det / 1024)) MiB:" \
		"detection adds $(((det - dec) / 1024)) MiB" \
		"(the decoded RGB photo itself is $((4000 * 3000 * 3 / 1048576)) MiB)."
fi

echo
echo "### Targets (issue 3), as ratios from this run"
echo
awk '
$1 == "RESULT" { v[$2] = $3 }
function row(what, target, value, ok) {
	printf("| %s | %s | %s | %s |\n", what, target, value,
		ok ? "met" : "NOT met")
}
END {
	print "| target | wanted | measured | |"
	print "|---|---|---|---|"
	best = "avx2"
	if ("detect_avx512_1" in v && v["detect_avx512_1"] < v["detect_avx2_1"])
		best = "avx512"
	if ("detect_avx2_1" in v) {
		r = v["detect_scalar_1"] / v["detect_avx2_1"]
		row("AVX2 vs scalar, whole detection, 1 thread", ">= 6x",
			sprintf("%.1fx", r), r >= 6)
	}
	d = v["detect_" best "_1"]
	r = d / v["decode_ms"]
	row("detection (" best ", 1 thread) vs JPEG decode", "<= 2x",
		sprintf("%.2fx (%.0f ms vs %.0f ms)", r, d, v["decode_ms"]), r <= 2)
	row("detection (" best ", 1 thread)", "<= 100 ms (2 x 50 ms)",
		sprintf("%.0f ms", d), d <= 100)
	if ("opencv_dog_ms" in v) {
		r = v["opencv_dog_ms"] / d
		row("vs OpenCV Gaussian difference", ">= 20x, F1 >= peer",
			sprintf("%.1fx, F1 %.4f vs %.4f", r, v["f1"], v["opencv_dog_f1"]),
			r >= 20 && v["f1"] >= v["opencv_dog_f1"])
	}
	if ("opencv_blob_ms" in v) {
		r = v["opencv_blob_ms"] / d
		row("vs OpenCV SimpleBlobDetector", ">= 200x, F1 >= peer",
			sprintf("%.0fx, F1 %.4f vs %.4f", r, v["f1"], v["opencv_blob_f1"]),
			r >= 200 && v["f1"] >= v["opencv_blob_f1"])
	}
}' "$dir/results.txt"

# Other stages, each a script of its own printing its table.
for stage in bench/bench_batch.sh bench/bench_normalise.sh \
	bench/bench_register.sh bench/bench_composite.sh; do
	[ -f "$stage" ] || continue
	echo
	sh "$stage" "$build"
done
