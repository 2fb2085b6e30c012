#!/bin/sh
# make valgrind: a representative set of end-to-end runs with smpdoc under
# valgrind (memcheck): every bad-input path once (hostile images, EXIF,
# manifests, pipelines, limits, budget), measure, pair, a batch and its
# resume. Any memory error or definite leak fails the run; third-party
# noise is suppressed in tests/valgrind.supp, one comment per entry.
# Usage: tests/valgrind.sh BUILD
# SPDX-License-Identifier: MIT
set -u
build=${1:-build}
smpdoc="$(pwd)/$build/smpdoc"
data="${SMP_SHARED_DATA:-../shared/data}"
data=$(cd "$data" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/smpdoc-valgrind.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
supp="$(pwd)/tests/valgrind.supp"
passed=0
failed=0
n=0
# One libvips worker: the same code paths, a fraction of valgrind's time.
export VIPS_CONCURRENCY=1
# libvips loads its format modules at start-up; the JPEG XL one pulls in
# libhwy, whose start-up code uses an instruction valgrind 3.19 cannot run
# (SIGILL before main). smpdoc never reads JPEG XL, so libvips gets a module
# folder without it (VIPSHOME/<libdir name>/vips-modules-X.Y).
libdir=$(pkg-config --variable=libdir vips)
ver=$(pkg-config --modversion vips | cut -d. -f1,2)
mods="$tmp/vipshome/$(basename "$libdir")/vips-modules-$ver"
mkdir -p "$mods"
for m in "$libdir/vips-modules-$ver"/*.so; do
	case "$m" in *jxl*) ;; *) ln -s "$m" "$mods/" ;; esac
done
export VIPSHOME="$tmp/vipshome"

# vg CODE LABEL ARGS...: smpdoc ARGS under valgrind exits CODE, with no
# memory error and no definite leak.
vg() {
	want=$1; label=$2; shift 2
	n=$((n + 1))
	valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite --show-leak-kinds=definite \
		--suppressions="$supp" --num-callers=30 \
		--log-file="$tmp/vg.$n.log" "$smpdoc" "$@" >"$tmp/stdout" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq "$want" ] && [ ! -s "$tmp/vg.$n.log" ]; then
		passed=$((passed + 1))
		echo "ok    valgrind: $label"
	else
		failed=$((failed + 1))
		echo "FAIL  valgrind: $label (exit $rc, want $want)"
		head -n 60 "$tmp/vg.$n.log" | sed 's/^/      /'
		head -n 3 "$tmp/err" | sed 's/^/      /'
	fi
}

"$smpdoc" synth -o "$tmp/a" --seed 4 --width 320 --height 240 --clients 2 \
	--pairs 1 >/dev/null 2>&1
photo="$tmp/a/c01/0/top.jpg"
cd "$data" || exit 1
vg 1 "inspect every hostile image and odd EXIF" inspect --json \
	hostile-generated/* pngsuite-corrupt/*.png exif-samples/invalid/* \
	exif-samples/bugs/* exif-orientation/Landscape_0.jpg
vg 1 "measure the hostile and odd images" measure --no-items \
	--max-megapixels 1.5 hostile-generated/*.jpg pngsuite-corrupt/*.png \
	exif-samples/invalid/image0*.jpg exif-samples/heic/samplefilehub.heif
cd - >/dev/null || exit 1
vg 0 "measure a photo" measure --px-per-mm 20 "$photo"
vg 1 "measure over its time budget" measure --timeout-per-file 0.000001 "$photo"
vg 0 "pair" pair "$photo" "$tmp/a/c01/1/top.jpg" -o "$tmp/pair" --no-timing
printf 'client,session,view,path\nc,0,top,../x.jpg\n' >"$tmp/bad.csv"
vg 2 "manifest leaving its folder" batch "$tmp/bad.csv" -o "$tmp/bad"
printf '[detect]\nno_such_key = 1\n' >"$tmp/bad.pipeline"
vg 2 "pipeline with an unknown key" measure --pipeline "$tmp/bad.pipeline" "$photo"
vg 0 "batch" batch "$tmp/a/manifest.csv" -o "$tmp/out" -j 2 --progress never
vg 0 "batch --resume" batch "$tmp/a/manifest.csv" -o "$tmp/out" --resume \
	--progress never

echo "valgrind: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
