#!/bin/sh
# Composites of a 12 MP and a 24 MP pair, per layout: the panels read
# again from the files at the panel's size, the after photo warped onto
# the before frame, drawing and JPEG encoding (best of 3); the peak RSS
# that adds to what the analysed pair holds, and the peak of libvips's own
# pixel buffers while the panels are read and while the composite is drawn
# and encoded; then the whole `smpdoc pair` per layout with its peak RSS.
# A streaming composite's memory grows with the photos' width, not their
# area. Prints markdown tables. Timings only.
# Usage: bench/bench_composite.sh BUILD
# SPDX-License-Identifier: MIT
set -eu
build=${1:-build}
bin="$build/bench/bench_composite"
dir=$(mktemp -d "${TMPDIR:-/tmp}/smpdoc-bench-comp-XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM

echo "### Composites (long edge 2400 px)"
echo
echo "Peak memory above the analysed pair: the process's RSS (malloc_trim first,"
echo "so the base is what is live), and libvips's pixel buffers"
echo "(vips_tracked_get_mem(), sampled every ms) while both panels are read"
echo "from the files and while the composite is drawn and encoded."
echo
for size in "12 4000 3000" "24 6000 4000"; do
	set -- $size
	"$bin" prepare "$dir/set$1" "$2" "$3"
done
for size in "12 4000 3000" "24 6000 4000"; do
	set -- $size
	before="$dir/set$1/c01/0/top.jpg"
	after="$dir/set$1/c01/1/top.jpg"
	mkdir -p "$dir/out$1"
	"$bin" run "$before" "$after" "$dir/out$1" >"$dir/results$1.txt"
	echo "#### $1 MP pair ($2x$3)"
	echo
	grep '^held' "$dir/results$1.txt" | sed 's/^held: /Held before drawing: /'
	echo
	echo "| layout | composite: read + warp + draw + JPEG (best of 3) | peak RSS above the analysed pair | libvips buffers: reading panels | drawing + JPEG | whole \`smpdoc pair\` | its peak RSS |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	for layout in side-by-side stacked three-panel ghost; do
		line=$(awk -v l="$layout" '$1 == "RESULT" && $2 == l' "$dir/results$1.txt")
		cols=$(echo "$line" | awk '{ printf "%.0f ms | %.0f MiB | %.0f MiB | %.0f MiB", $3, $4, $5, $6 }')
		t0=$(date +%s%3N)
		/usr/bin/time -f '%M' -o "$dir/rss" "$build/smpdoc" pair "$before" "$after" \
			-o "$dir/pair" --px-per-mm 20 --layout "$layout" --no-timing >/dev/null 2>&1 || true
		t1=$(date +%s%3N)
		rss=$(awk '{ printf "%.0f MiB", $1 / 1024 }' "$dir/rss")
		echo "| $layout | $cols | $((t1 - t0)) ms | $rss |"
	done
	echo
done
