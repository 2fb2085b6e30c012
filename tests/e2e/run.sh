#!/bin/sh
# End-to-end tests of the smpdoc binary: options, exit codes, outputs, and
# one clear line for each bad input.
# Usage: tests/e2e/run.sh BUILD
# SPDX-License-Identifier: MIT
set -u
suite=e2e
show_err=1
. tests/e2e/lib.sh "$@"
data="${SMP_SHARED_DATA:-../shared/data}"
data=$(cd "$data" && pwd)

# run CODE NAME CMD...: the command exits with CODE.
run() {
	want=$1; label=$2; shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$label"; else bad "$label (exit $got, want $want)"; fi
}

# one_line NAME TEXT: stderr is exactly one line and contains TEXT.
one_line() {
	n=$(wc -l <"$tmp/err")
	if [ "$n" -eq 1 ] && grep -qF -- "$2" "$tmp/err"; then ok "$1"; else bad "$1 (stderr: $n lines)"; fi
}

empty_dir() {
	if [ -z "$(ls -A "$2" 2>/dev/null)" ]; then ok "$1"; else bad "$1: $(ls -A "$2")"; fi
}

# --- options and help -------------------------------------------------------
run 0 "--version" "$smpdoc" --version
head -n1 "$tmp/out" | grep -q '^smpdoc [0-9]' && ok "version line" || bad "version line"
run 0 "--help" "$smpdoc" --help
for verb in pair measure inspect synth; do
	grep -q "^  $verb " "$tmp/out" 2>/dev/null || "$smpdoc" --help | grep -q "^  $verb " || bad "help lists $verb"
done
for verb in pair measure inspect synth; do
	run 0 "$verb --help" "$smpdoc" "$verb" --help
done
# Each usage line names its parameters once ("BEFORE AFTER", not twice).
repeated=""
for verb in pair measure batch inspect report verify merge timeline synth; do
	"$smpdoc" "$verb" --help 2>&1 | sed -n 2p | sed 's/.*\] *//' | tr ' ' '\n' |
		sort | uniq -d | grep -q . && repeated="$repeated $verb"
done
[ -z "$repeated" ] && ok "usage lines name their parameters once" ||
	bad "usage lines repeat their parameters:$repeated"
run 2 "no command" "$smpdoc"
run 2 "unknown command" "$smpdoc" frobnicate
run 2 "unknown option" "$smpdoc" pair --no-such-option a b
run 2 "pair needs two photos" "$smpdoc" pair only-one.jpg
run 2 "inspect needs a photo" "$smpdoc" inspect

# --- inspect ----------------------------------------------------------------
run 0 "inspect --json" "$smpdoc" inspect --json "$data/exif-orientation/Landscape_6.jpg"
grep -q '"orientation" : 6' "$tmp/out" && ok "inspect reads orientation 6" || bad "inspect reads orientation 6"
grep -q '"width" : 1800' "$tmp/out" && ok "inspect gives upright width" || bad "inspect gives upright width"
run 0 "inspect gps" "$smpdoc" inspect --json "$data/exif-samples/gps/DSCN0010.jpg"
grep -q '"has_gps" : true' "$tmp/out" && ok "inspect sees GPS" || bad "inspect sees GPS"
run 1 "inspect bad + good" "$smpdoc" inspect "$data/hostile-generated/empty.jpg" "$data/exif-orientation/Landscape_1.jpg"
one_line "inspect names the bad file" "empty.jpg"

# --- pair ---------------------------------------------------------------------
mkdir -p "$tmp/in"
cp samples/archive/c01/0/top.jpg "$tmp/in/before.jpg"
cp samples/archive/c01/1/top.jpg "$tmp/in/after.jpg"
cp samples/archive/c02/1/top.jpg "$tmp/in/other.jpg"
sums=$(cd "$tmp/in" && sha256sum ./*)
run 0 "pair of one scalp" "$smpdoc" pair "$tmp/in/before.jpg" "$tmp/in/after.jpg" \
	-o "$tmp/out1" --view top --px-per-mm 20 --after-px-per-mm 18.5263
side="$tmp/out1/top-s0-s1.json"
[ -s "$tmp/out1/top-s0-s1.jpg" ] && ok "pair writes the composite" || bad "pair writes the composite"
[ -s "$side" ] && ok "pair writes the sidecar" || bad "pair writes the sidecar"
grep -q '"method" : "fourier-mellin+dots"' "$side" && ok "sidecar: registered from the dots" || bad "sidecar: registered from the dots"
grep -q '"ok" : true' "$side" && ok "sidecar: registration ok" || bad "sidecar: registration ok"
grep -q '"new_dots" : [0-9]' "$side" && ok "sidecar: new dots counted" || bad "sidecar: new dots counted"
grep -q '"normalise" : {' "$side" && ok "sidecar: normalisation recorded" || bad "sidecar: normalisation recorded"
grep -q '"white_balance_source" : "skin"' "$side" && ok "sidecar: white balance from the skin" || bad "sidecar: white balance from the skin"
[ "$(ls -A "$tmp/out1" | wc -l)" -eq 2 ] && ok "no temporary files left" || bad "no temporary files left: $(ls -A "$tmp/out1")"
"$build/smpdoc" inspect --json "$tmp/out1/top-s0-s1.jpg" >"$tmp/cmeta" 2>/dev/null
# Clinical output keeps the capture date (in EXIF) and nothing identifying.
for f in has_gps has_serial has_thumbnail has_makernote has_xmp has_iptc; do
	grep -q "\"$f\" : false" "$tmp/cmeta" && ok "composite: $f false" || bad "composite: $f false"
done
run 1 "pair of two scalps is not aligned" "$smpdoc" pair "$tmp/in/before.jpg" \
	"$tmp/in/other.jpg" -o "$tmp/out2" --name unrelated
grep -q '"ok" : false' "$tmp/out2/unrelated.json" && ok "sidecar: unrelated not ok" || bad "sidecar: unrelated not ok"
one_line "unrelated pair said on stderr" "NOT ALIGNED"
[ "$(cd "$tmp/in" && sha256sum ./*)" = "$sums" ] && ok "originals untouched" || bad "originals untouched"
run 2 "pair refuses to overwrite an input" "$smpdoc" pair "$tmp/in/before.jpg" "$tmp/in/after.jpg" -o "$tmp/in" --name before
[ "$(cd "$tmp/in" && sha256sum ./*)" = "$sums" ] && ok "input kept after refusal" || bad "input kept after refusal"

# --- pipeline [composite] keys, and options overriding them ------------------
printf '[composite]\nformat=png\nlayout=stacked\nlabels=0\nlong_edge_px=800\n' >"$tmp/png.pipeline"
run 0 "pair with a pipeline's format and layout" "$smpdoc" pair "$tmp/in/before.jpg" \
	"$tmp/in/after.jpg" -o "$tmp/out3" --px-per-mm 20 --pipeline "$tmp/png.pipeline" --name p
# size W H FILE: the composite's width and height, from smpdoc inspect.
size() {
	"$smpdoc" inspect --json "$1" >"$tmp/cmeta" 2>/dev/null
	w=$(sed -n 's/.*"width" : \([0-9]*\).*/\1/p' "$tmp/cmeta" | head -n1)
	h=$(sed -n 's/.*"height" : \([0-9]*\).*/\1/p' "$tmp/cmeta" | head -n1)
}
size "$tmp/out3/p.png"
grep -q '"loader" : "pngload' "$tmp/cmeta" && ok "pipeline format=png: a PNG named .png" || bad "pipeline format=png: a PNG named .png"
[ "${h:-0}" -le 800 ] && [ "${h:-0}" -ge 760 ] && [ "${w:-0}" -lt "$h" ] && ok "pipeline layout=stacked, long_edge_px=800" || bad "pipeline layout=stacked: ${w}x$h"
grep -q '"composite" : "p.png"' "$tmp/out3/p.json" && ok "sidecar names the PNG" || bad "sidecar names the PNG"
run 0 "options override the pipeline" "$smpdoc" pair "$tmp/in/before.jpg" "$tmp/in/after.jpg" \
	-o "$tmp/out3" --px-per-mm 20 --pipeline "$tmp/png.pipeline" --name q --format webp --layout side-by-side
size "$tmp/out3/q.webp"
grep -q '"loader" : "webpload' "$tmp/cmeta" && ok "--format webp over format=png" || bad "--format webp over format=png"
[ "${w:-0}" -le 800 ] && [ "${w:-0}" -ge 760 ] && [ "${h:-0}" -lt "$w" ] && ok "--layout side-by-side over layout=stacked" || bad "--layout over layout=stacked: ${w}x$h"
run 0 "pair --grey-card" "$smpdoc" pair "$tmp/in/before.jpg" "$tmp/in/after.jpg" \
	-o "$tmp/out3" --px-per-mm 20 --name g --grey-card 0.05,0.05,0.1,0.1
n=$(grep -c '"white_balance_source" : "grey_card"' "$tmp/out3/g.json")
[ "$n" -eq 2 ] && ok "sidecar: white balance from the grey card, both photos" || bad "sidecar: grey card source ($n)"
# The option is part of the recorded pipeline (text and hash), as the
# measuring options are: its sidecar's hash is not the defaults' one.
pipesha() { sed -n '/"pipeline" : {/,/}/s/.*"sha256" : "\([0-9a-f]*\)".*/\1/p' "$1"; }
a=$(pipesha "$tmp/out1/top-s0-s1.json"); b=$(pipesha "$tmp/out3/g.json")
[ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ] && ok "--grey-card recorded in the pipeline hash" || bad "--grey-card recorded in the pipeline hash ($a, $b)"
run 2 "pair --grey-card 1,2,3 refused" "$smpdoc" pair "$tmp/in/before.jpg" "$tmp/in/after.jpg" --grey-card 1,2,3
run 2 "pair --format gif refused" "$smpdoc" pair "$tmp/in/before.jpg" "$tmp/in/after.jpg" --format gif
run 1 "missing watermark image named" "$smpdoc" pair "$tmp/in/before.jpg" "$tmp/in/after.jpg" \
	-o "$tmp/out4" --px-per-mm 20 --watermark-image "$tmp/no-logo.png"
one_line "one line names the watermark image" "no-logo.png"

# --- bad inputs: exit 1, one line naming the file, nothing written -----------
good="$tmp/in/before.jpg"
printf 'this is not a photo\n' >"$tmp/text.jpg"
: >"$tmp/empty.jpg"
head -c 30000 "$good" >"$tmp/truncated.jpg"
mkdir -p "$tmp/a-directory.jpg"
i=0
for f in "$tmp/empty.jpg" "$tmp/truncated.jpg" "$tmp/text.jpg" \
	"$data/hostile-generated/bomb-60000x60000.png" \
	"$data/hostile-generated/huge-sof-65500.jpg" \
	"$tmp/a-directory.jpg" "$tmp/missing.jpg"; do
	i=$((i + 1))
	name=$(basename "$f")
	run 1 "pair rejects $name" "$smpdoc" pair "$f" "$good" -o "$tmp/bad$i"
	one_line "one line names $name" "$name"
	empty_dir "nothing written for $name" "$tmp/bad$i"
done

# An output folder that cannot be made or written.
: >"$tmp/a-file"
run 1 "output under a file" "$smpdoc" pair "$good" "$good" -o "$tmp/a-file/out"
one_line "output error names the folder" "a-file/out"
run 1 "output in /proc" "$smpdoc" pair "$good" "$good" -o /proc/smpdoc-out
one_line "output error names /proc folder" "/proc/smpdoc-out"

# --- measure ----------------------------------------------------------------
sample="samples/archive/c01/0/top.jpg"
run 0 "measure" "$smpdoc" measure --px-per-mm 20 --no-items "$sample"
grep -q '"scale_source" : "manifest"' "$tmp/out" && ok "measure: scale from option" || bad "measure: scale from option"
grep -q '"per_cm2" : [0-9]' "$tmp/out" && ok "measure: density per cm2" || bad "measure: density per cm2"
grep -q '"items"' "$tmp/out" && bad "measure: --no-items" || ok "measure: --no-items"
run 0 "measure without scale" "$smpdoc" measure --no-items "$sample"
grep -q '"per_cm2" : null' "$tmp/out" && ok "measure: no scale gives null" || bad "measure: no scale gives null"
grep -q '"code" : "no_scale"' "$tmp/out" && ok "measure: no_scale warning" || bad "measure: no_scale warning"
run 0 "measure two photos" "$smpdoc" measure --no-items "$sample" samples/archive/c02/0/top.jpg
head -c 1 "$tmp/out" | grep -q '\[' && ok "measure: array for several" || bad "measure: array for several"
run 1 "measure bad + good" "$smpdoc" measure --no-items "$tmp/empty.jpg" "$sample"
one_line "measure names the bad file" "empty.jpg"
# Same numbers on every kernel path and thread count (timings aside).
"$smpdoc" measure --no-timing --px-per-mm 20 "$sample" >"$tmp/m-default" 2>/dev/null
SMP_SIMD=scalar "$smpdoc" measure --no-timing --px-per-mm 20 "$sample" >"$tmp/m-scalar" 2>/dev/null
"$smpdoc" measure --no-timing --px-per-mm 20 --vips-concurrency=1 "$sample" >"$tmp/m-1" 2>/dev/null
"$smpdoc" measure --no-timing --px-per-mm 20 --vips-concurrency=2 "$sample" >"$tmp/m-2" 2>/dev/null
[ -s "$tmp/m-default" ] && cmp -s "$tmp/m-default" "$tmp/m-scalar" && ok "measure: scalar = default path" || bad "measure: scalar = default path"
cmp -s "$tmp/m-1" "$tmp/m-2" && cmp -s "$tmp/m-1" "$tmp/m-default" && ok "measure: 1 thread = 2 threads" || bad "measure: 1 thread = 2 threads"
# Region of interest: 600 x 750 px of the 1000 x 750 photo by polygon
# (clipped at the bottom), and a bad polygon.
run 0 "measure --roi" "$smpdoc" measure --no-items --px-per-mm 20 --roi "0,0;600,0;600,900;0,900" "$sample"
grep -q '"roi_px" : 450000' "$tmp/out" && grep -q '"roi_source" : "option"' "$tmp/out" && ok "measure: roi_px of the polygon" || bad "measure: roi_px of the polygon"
run 1 "measure --roi bad polygon" "$smpdoc" measure --no-items --roi "0,0;6" "$sample"
one_line "measure: bad roi named" "roi polygon"
printf '[detect]\nroi_polygon=0,0;600,0;600,900;0,900\n' >"$tmp/roi.pipeline"
run 0 "pair with a pipeline roi" "$smpdoc" pair "$sample" samples/archive/c01/1/top.jpg -o "$tmp/roipair" --pipeline "$tmp/roi.pipeline" --px-per-mm 20 --no-timing
grep -q '"roi_source" : "pipeline"' "$tmp/roipair"/*.json && ok "pair: roi from the pipeline" || bad "pair: roi from the pipeline"

# --- synth ------------------------------------------------------------------
run 0 "synth" "$smpdoc" synth -o "$tmp/synth" --seed 7 --width 640 --height 480 --clients 1
[ -s "$tmp/synth/manifest.csv" ] && ok "synth writes a manifest" || bad "synth writes a manifest"
[ -s "$tmp/synth/truth.json" ] && ok "synth writes truth" || bad "synth writes truth"
head -n1 "$tmp/synth/manifest.csv" | grep -q 'client' && ok "manifest has a header" || bad "manifest has a header"

# --- sticker scale and SMP measures -------------------------------------------
run 0 "synth with a sticker" "$smpdoc" synth -o "$tmp/st" --seed 3 --width 800 --height 600 --pairs 0 --orientation 1 --px-per-mm 16 --sticker-mm 10 --sticker-x 0.3
grep -q '"sticker":{"diameter_mm":10' "$tmp/st/truth.json" && ok "synth: sticker in truth" || bad "synth: sticker in truth"
run 0 "measure --sticker-mm" "$smpdoc" measure --no-items --sticker-mm 10 --px-per-mm 30 --hairline top "$tmp/st/c01/0/top.jpg"
grep -q '"scale_source" : "sticker"' "$tmp/out" && ok "measure: scale from the sticker" || bad "measure: scale from the sticker"
grep -q '"px_per_mm" : 1[56]\.' "$tmp/out" && ok "measure: sticker px/mm" || bad "measure: sticker px/mm"
grep -q '"side" : "top"' "$tmp/out" && ok "measure: --hairline" || bad "measure: --hairline"
run 0 "measure, sticker absent" "$smpdoc" measure --no-items --sticker-mm 10 "$sample"
grep -q '"code" : "sticker_not_found"' "$tmp/out" && grep -q '"per_cm2" : null' "$tmp/out" && ok "measure: sticker_not_found, no density" || bad "measure: sticker_not_found, no density"
run 2 "measure --hairline bad" "$smpdoc" measure --hairline up "$sample"

# Growth across sessions on rendered photos: every persisting dot (no
# natural follicles) grown by 10% in the after photo, against 0%, on
# light, medium and dark skin (small photos keep it quick).
for t in 0 2 4; do
	for g in 0 10; do
		"$smpdoc" synth -o "$tmp/grow$t-$g" --seed 11 --tone $t \
			--follicle-per-cm2 0 --grow $g --width 800 --height 600 >/dev/null 2>&1
		"$smpdoc" pair "$tmp/grow$t-$g/c01/0/top.jpg" \
			"$tmp/grow$t-$g/c01/1/top.jpg" -o "$tmp/growp$t-$g" >/dev/null 2>&1
	done
	grep -q '"grow_pct":10,' "$tmp/grow$t-10/truth.json" && ok "synth --grow: truth.json pair grow_pct (tone $t)" || bad "synth --grow: truth.json pair grow_pct (tone $t)"
	g0=$(sed -n 's/.*"growth_pct_median" : \(-\{0,1\}[0-9.]*\).*/\1/p' "$tmp/growp$t-0/top-top.json")
	g10=$(sed -n 's/.*"growth_pct_median" : \(-\{0,1\}[0-9.]*\).*/\1/p' "$tmp/growp$t-10/top-top.json")
	echo "      growth measured on tone $t: ${g0:-none}% for 0%, ${g10:-none}% for 10%"
	awk -v a="$g10" 'BEGIN { exit !(a >= 9 && a <= 11) }' && ok "pair: dots grown 10% measure 9..11% (tone $t)" || bad "pair: dots grown 10% measure 9..11% (tone $t: $g10)"
	awk -v a="$g0" -v b="$g10" 'BEGIN { exit !(a > -2 && a < 2 && b - a > 6) }' && ok "pair: 0% growth told from 10% (tone $t)" || bad "pair: 0% growth told from 10% (tone $t: $g0, $g10)"
done

e2e_end
