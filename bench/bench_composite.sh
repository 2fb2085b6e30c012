#!/bin/sh
# Composites of a 12 MP pair, per layout: warp of the after photo onto
# the before frame, drawing and JPEG encoding (best of 3), and the peak
# memory that adds to what the analysed pair holds; then the whole
# `smpdoc pair` per layout with its peak RSS. Prints a markdown table.
# Timings only. Usage: bench/bench_composite.sh BUILD
# SPDX-License-Identifier: MIT
set -eu
build=${1:-build}
bin="$build/bench/bench_composite"
dir=$(mktemp -d "${TMPDIR:-/tmp}/smpdoc-bench-comp-XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM

"$bin" prepare "$dir/set"
before="$dir/set/c01/0/top.jpg"
after="$dir/set/c01/1/top.jpg"
mkdir -p "$dir/out"
"$bin" run "$before" "$after" "$dir/out" >"$dir/results.txt"

echo "### Composites (12 MP pair, 4000x3000, long edge 2400 px)"
echo
grep '^held' "$dir/results.txt" | sed 's/^held: /Held before drawing: /'
echo
echo "| layout | composite: warp + draw + JPEG (best of 3) | its peak memory above the analysed pair | whole \`smpdoc pair\` | its peak RSS |"
echo "|---|---:|---:|---:|---:|"
for layout in side-by-side stacked three-panel ghost; do
	line=$(awk -v l="$layout" '$1 == "RESULT" && $2 == l' "$dir/results.txt")
	ms=$(echo "$line" | awk '{ printf "%.0f ms", $3 }')
	mib=$(echo "$line" | awk '{ printf "%.0f MiB", $4 }')
	t0=$(date +%s%3N)
	/usr/bin/time -f '%M' -o "$dir/rss" "$build/smpdoc" pair "$before" "$after" \
		-o "$dir/pair" --px-per-mm 20 --layout "$layout" --no-timing >/dev/null 2>&1 || true
	t1=$(date +%s%3N)
	rss=$(awk '{ printf "%.0f MiB", $1 / 1024 }' "$dir/rss")
	echo "| $layout | $ms | $mib | $((t1 - t0)) ms | $rss |"
done
