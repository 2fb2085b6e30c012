#!/bin/sh
# make demo: run smpdoc on the bundled samples.
# Usage: samples/demo.sh SMPDOC OUTDIR
# SPDX-License-Identifier: MIT
set -eu
smpdoc=$1
out=$2
archive=samples/archive
mkdir -p "$out"

echo "== inspect: what smpdoc reads from a rotated phone photo"
"$smpdoc" inspect samples/orientation/Landscape_6.jpg

# The scale of a photo, from the manifest (column px_per_mm), or nothing.
scale_of() {
	awk -F, -v path="$1" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$col["path"] == path { print $col["px_per_mm"] }' "$archive/manifest.csv"
}

status=0
# Directory convention: ARCHIVE/<client>/<session>/<view>.jpg; session 0 is
# the before photo and is paired with every later session.
for client in "$archive"/*/; do
	c=$(basename "$client")
	for before in "$client"0/*.jpg; do
		[ -e "$before" ] || continue
		view=$(basename "$before" .jpg)
		for sdir in "$client"*/; do
			s=$(basename "$sdir")
			[ "$s" = 0 ] && continue
			after="$sdir$view.jpg"
			[ -e "$after" ] || continue
			echo "== pair: $c $view session 0 → $s"
			sb=$(scale_of "$c/0/$view.jpg")
			sa=$(scale_of "$c/$s/$view.jpg")
			"$smpdoc" pair "$before" "$after" -o "$out" --view "$view" \
				--after-session "$s" --name "$c-$view-s0-s$s" \
				${sb:+--px-per-mm "$sb"} ${sa:+--after-px-per-mm "$sa"} ||
				status=$?
		done
	done
done
echo "demo: outputs in $out/"
ls -l "$out"
exit "$status"
