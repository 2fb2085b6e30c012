#!/bin/sh
# Normalisation per 12 MP photo: smpdoc's one lazy libvips chain against
# the same chain done step by step with the `vips` command-line tool
# (libvips-tools), in one run; prints a markdown table. Timings only.
# Usage: bench/bench_normalise.sh BUILD
# SPDX-License-Identifier: MIT
set -eu
build=${1:-build}
bin="$build/bench/bench_normalise"
dir=$(mktemp -d "${TMPDIR:-/tmp}/smpdoc-bench-norm-XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM

"$bin" prepare "$dir"
photo="$dir/photo.jpg"

# Peak RSS in KiB of one command (GNU time), its output on stdout.
peak() {
	/usr/bin/time -f '%M' -o "$dir/rss" "$@"
	cat "$dir/rss" >>"$dir/rss.all"
}

now_ms() { date +%s%3N; }

# smpdoc: median of 3 normalisations; peak RSS of decode alone and of
# decode + normalisation.
ms=$("$bin" run "$photo" | awk '$1 == "RESULT" { print $3 }')
peak "$bin" decode "$photo"
dec=$(cat "$dir/rss")
peak "$bin" run "$photo" >/dev/null
smp=$(cat "$dir/rss")

# The vips tool: every step writes a .v file. Same operations: linear
# light, shrink, luminance, rank filter on gamma codes, background mask,
# block means, a smooth surface (gaussblur stands in for the cubic fit),
# upsampling, division, gains, back to sRGB; clipping counts and the focus
# gradients on the middle 1024 px.
v="$dir/v"
mkdir -p "$v"
printf '3 1\n0.2126 0.7152 0.0722\n' >"$v/rec.mat"
printf '3 1 1 0\n-0.5 0 0.5\n' >"$v/dx.mat"
printf '1 3 1 0\n-0.5\n0\n0.5\n' >"$v/dy.mat"
: >"$dir/rss.all"
t0=$(now_ms)
{
	peak vips colourspace "$photo" "$v/lin.v" scrgb
	peak vips shrink "$v/lin.v" "$v/small.v" 4 4
	peak vips recomb "$v/small.v" "$v/y.v" "$v/rec.mat"
	peak vips math2_const "$v/y.v" "$v/g.v" pow 0.4545
	peak vips linear "$v/g.v" "$v/g8.v" 255 0.5 --uchar
	peak vips rank "$v/g8.v" "$v/r8.v" 13 13 101
	peak vips identity "$v/id.v"
	peak vips linear "$v/id.v" "$v/idf.v" 0.0039216 0
	peak vips math2_const "$v/idf.v" "$v/lut.v" pow 2.2
	peak vips maplut "$v/r8.v" "$v/rlin.v" "$v/lut.v"
	peak vips linear "$v/rlin.v" "$v/lo.v" 0.9 0
	peak vips linear "$v/rlin.v" "$v/hi.v" 1.15 0
	peak vips relational "$v/y.v" "$v/lo.v" "$v/m1.v" moreeq
	peak vips relational "$v/y.v" "$v/hi.v" "$v/m2.v" lesseq
	peak vips boolean "$v/m1.v" "$v/m2.v" "$v/m.v" and
	peak vips linear "$v/m.v" "$v/m01.v" 0.0039216 0
	peak vips multiply "$v/y.v" "$v/m01.v" "$v/ym.v"
	peak vips shrink "$v/ym.v" "$v/bym.v" 12 12
	peak vips shrink "$v/m01.v" "$v/bm.v" 12 12
	peak vips divide "$v/bym.v" "$v/bm.v" "$v/blk.v"
	peak vips gaussblur "$v/blk.v" "$v/sm.v" 5
	peak vips affine "$v/sm.v" "$v/up.v" "48 0 0 48" \
		--interpolate bilinear --oarea "0 0 4000 3000" --extend copy
	peak vips math2_const -- "$v/up.v" "$v/inv.v" pow -1
	peak vips multiply "$v/lin.v" "$v/inv.v" "$v/flat.v"
	peak vips linear "$v/flat.v" "$v/gain.v" "0.95 1 1.05" "0 0 0"
	peak vips copy "$v/gain.v" "$v/gain2.v" --interpretation scrgb
	peak vips colourspace "$v/gain2.v" "$v/out.v" srgb
	peak vips relational_const "$photo" "$v/c.v" moreeq 254
	peak vips bandbool "$v/c.v" "$v/cb.v" or
	peak vips avg "$v/cb.v"
	peak vips extract_area "$photo" "$v/crop.v" 1488 988 1024 1024
	peak vips colourspace "$v/crop.v" "$v/bw.v" b-w
	for s in 0.7 2.0; do
		peak vips gaussblur "$v/bw.v" "$v/gb.v" $s --precision float
		peak vips conv "$v/gb.v" "$v/gx.v" "$v/dx.mat" --precision float
		peak vips conv "$v/gb.v" "$v/gy.v" "$v/dy.mat" --precision float
		peak vips multiply "$v/gx.v" "$v/gx.v" "$v/gx2.v"
		peak vips multiply "$v/gy.v" "$v/gy.v" "$v/gy2.v"
		peak vips add "$v/gx2.v" "$v/gy2.v" "$v/g2.v"
		peak vips math2_const "$v/g2.v" "$v/gm.v" pow 0.5
		peak vips linear "$v/gm.v" "$v/gm64.v" 64 0.5
		peak vips cast "$v/gm64.v" "$v/gm16.v" ushort
		peak vips hist_find "$v/gm16.v" "$v/hist.v"
	done
} >/dev/null
t1=$(now_ms)
cli=$(sort -n "$dir/rss.all" | tail -n1)

echo "| normalisation of one 12 MP photo | ms | peak RSS MiB |"
echo "|---|---|---|"
echo "| smpdoc (median of 3, one lazy chain) | $ms | $((smp / 1024)) (decode alone $((dec / 1024))) |"
echo "| vips CLI, same chain, $(grep -c . "$dir/rss.all") steps via .v files | $((t1 - t0)) | $((cli / 1024)) (largest step) |"
echo
echo "RESULT normalise_ms $ms"
echo "RESULT normalise_rss_mib $((smp / 1024))"
echo "RESULT normalise_cli_ms $((t1 - t0))"
