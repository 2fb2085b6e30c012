#!/bin/sh
# End-to-end tests of portfolio output: a manifest mixing none, clinical
# and marketing consent writes outputs for marketing only (the whole tree
# walked); inputs carrying GPS, serial, owner, XMP, IPTC, a comment and a
# thumbnail give outputs without any, read back with exiftool and with
# smpdoc inspect (libexif + libvips); pseudonymous names; verify; consent
# withdrawn on a re-run removes the outputs and the catalogue says so;
# pair without consent or secret refused.
# Usage: tests/e2e/privacy.sh BUILD
# SPDX-License-Identifier: MIT
set -u
suite=privacy
. tests/e2e/lib.sh "$@"
portfolio="$(pwd)/pipelines/portfolio.pipeline"

# --- three clients: c01 marketing, c02 clinical, c03 none ---------------------
arch="$tmp/arch"
"$smpdoc" synth -o "$arch" --seed 5 --clients 3 --pairs 1 --width 400 \
	--height 300 >/dev/null 2>&1
check "synth consent mix" "grep -q '^c01,.*,marketing$' '$arch/manifest.csv' &&
	grep -q '^c02,.*,clinical$' '$arch/manifest.csv' &&
	grep -q '^c03,.*,none$' '$arch/manifest.csv'"
"$smpdoc" synth -o "$tmp/thumb" --seed 9 --width 160 --height 120 >/dev/null 2>&1
for s in 0 1; do
	exiftool -q -overwrite_original -GPSLatitude=48.85 -GPSLatitudeRef=N \
		-GPSLongitude=2.35 -GPSLongitudeRef=E -SerialNumber=SN-424242 \
		-OwnerName='Jane Client' -XMP-dc:Creator='Jane Client' \
		-DateTimeOriginal='2024:03:04 10:11:12' \
		-IPTC:By-line='Jane Client' -Comment='Jane Client, crown' \
		"-ThumbnailImage<=$tmp/thumb/c01/0/top.jpg" "$arch/c01/$s/top.jpg"
done
n=$(exiftool -s -GPSLatitude -SerialNumber -OwnerName -XMP-dc:Creator \
	-IPTC:By-line -Comment -ThumbnailImage "$arch/c01/1/top.jpg" | wc -l)
check "inputs carry GPS, serial, owner, XMP, IPTC, comment, thumbnail ($n)" \
	'[ "$n" -eq 7 ]'

# --- no secret, no portfolio ---------------------------------------------------
unset SMPDOC_PSEUDONYM_SECRET
"$smpdoc" batch "$arch/manifest.csv" -o "$tmp/nosecret" --pipeline "$portfolio" \
	--progress never 2>"$tmp/err"
check "portfolio without a secret is refused (2)" '[ $? -eq 2 ]'
check "the message says how to set the secret" \
	"grep -q 'SMPDOC_PSEUDONYM_SECRET' '$tmp/err'"
check "nothing written without a secret" '[ ! -e "$tmp/nosecret" ]'
export SMPDOC_PSEUDONYM_SECRET="e2e secret of the test clinic"

# --- the mixed run -----------------------------------------------------------
out="$tmp/out"
"$smpdoc" batch "$arch/manifest.csv" -o "$out" --pipeline "$portfolio" -j 2 \
	--progress never 2>"$tmp/err"
check "portfolio run with refusals exits 0" '[ $? -eq 0 ]'
check "summary counts 2 refused pairs" "grep -q '2 pairs refused' '$tmp/err'"
dirs=$(cd "$out" && find . -mindepth 1 -type d)
case "$dirs" in
./p[0-9a-f]*) pdir=${dirs#./} ;;
*) pdir="" ;;
esac
check "one folder, a pseudonym ($dirs)" \
	"printf '%s' '$pdir' | grep -Eqx 'p[0-9a-f]{16}'"
tree=$(cd "$out" && find . -mindepth 1 | LC_ALL=C sort | tr '\n' ' ')
want="./catalog.sqlite ./errors.csv ./$pdir ./$pdir/top-s0-s1.jpg ./$pdir/top-s0-s1.provenance.json "
check "nothing else under the output folder" '[ "$tree" = "$want" ]'
[ "$tree" = "$want" ] || echo "      tree: $tree"
check "errors.csv: c02 refused, consent clinical" \
	"grep -q ',refused,\"before photo: consent is clinical, marketing required\"' '$out/errors.csv'"
check "errors.csv: c03 refused, consent none" \
	"grep -q ',refused,\"before photo: consent is none, marketing required\"' '$out/errors.csv'"
check "no client id in errors.csv" "! grep -Eq 'c0[123]' '$out/errors.csv'"
check "no client id in the provenance record" \
	"! grep -q '\"c01' '$out/$pdir/top-s0-s1.provenance.json'"
check "no client id in the catalogue's pairs" \
	"[ \$(sqlite3 '$out/catalog.sqlite' \"SELECT count(*) FROM pairs WHERE client LIKE 'c0%'\") -eq 0 ]"
check "catalogue holds the provenance record" \
	"[ \$(sqlite3 '$out/catalog.sqlite' 'SELECT count(*) FROM provenance') -eq 1 ]"

# --- metadata read back with three readers -----------------------------------
jpg="$out/$pdir/top-s0-s1.jpg"
groups=$(exiftool -a -G1 -s "$jpg" | sed 's/^\[\([^]]*\)\].*/\1/' | sort -u |
	grep -Ev '^(ExifTool|System|File|JFIF|Composite|ICC_Profile|ICC-header|ICC-chrm|ICC-meas|ICC-view)$' |
	tr '\n' ' ')
check "exiftool: no metadata group but the ICC profile ('$groups')" '[ -z "$groups" ]'
check "exiftool: an sRGB profile" \
	"exiftool -s -ProfileDescription '$jpg' | grep -q sRGB"
check "exiftool: no comment, GPS, thumbnail" \
	"[ -z \"\$(exiftool -s -Comment -GPSLatitude -ThumbnailImage '$jpg')\" ]"
check "no 'Jane' anywhere in the file's bytes" "! grep -q Jane '$jpg'"
"$smpdoc" inspect --json "$jpg" >"$tmp/meta" 2>&1
for f in has_exif has_gps has_serial has_thumbnail has_makernote has_xmp has_iptc; do
	check "libexif/libvips: $f false" "grep -q '\"$f\" : false' '$tmp/meta'"
done
check "libvips: has_icc true" "grep -q '\"has_icc\" : true' '$tmp/meta'"

# --- verify --------------------------------------------------------------------
"$smpdoc" verify "$jpg" --originals "$arch" >"$tmp/v" 2>&1
check "verify: untouched composite matches (0)" '[ $? -eq 0 ] && grep -q ": match$" "$tmp/v"'
rec="$out/$pdir/top-s0-s1.provenance.json"
cp "$rec" "$tmp/rec"
sed -i 's/"jpeg_quality" : [0-9]*/"jpeg_quality" : 50/' "$rec"
"$smpdoc" verify "$jpg" --originals "$arch" >"$tmp/v" 2>&1
check "verify: other parameters rejected (1)" '[ $? -eq 1 ] && grep -q "mismatch" "$tmp/v"'
cp "$tmp/rec" "$rec"

# Measuring options change the pipeline: the record holds what ran.
"$smpdoc" pair "$arch/c01/0/top.jpg" "$arch/c01/1/top.jpg" -o "$tmp/opt" \
	--pipeline "$portfolio" --client c01 --consent marketing --sticker-mm 9 \
	--hairline left --symmetry-axis 0.4 >/dev/null 2>&1
orec=$(ls "$tmp"/opt/*.provenance.json 2>/dev/null | head -1)
check "pair with measuring options writes a record" '[ -n "$orec" ]'
python3 - "$orec" "$portfolio" >"$tmp/pl" 2>&1 <<'PY'
import hashlib, json, sys
pl = json.load(open(sys.argv[1]))["pipeline"]
text = pl["text"]
assert hashlib.sha256(text.encode()).hexdigest() == pl["sha256"], "hash"
assert pl["sha256"] != hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
for kv in ("scale_sticker_mm=9", "hairline=left", "symmetry_axis_x=0.4",
           "# set by the command-line option --sticker-mm"):
    assert kv in text.splitlines(), kv
print("ok")
PY
check "the record's pipeline text and hash carry the options" \
	'grep -qx ok "$tmp/pl"'
"$smpdoc" verify "$(ls "$tmp"/opt/*.jpg | head -1)" --originals "$arch" \
	>"$tmp/v" 2>&1
check "verify: a composite made with measuring options matches (0)" \
	'[ $? -eq 0 ] && grep -q ": match$" "$tmp/v"'

# --- PNG and WebP: the same metadata rules, read back with exiftool ---------
for f in png webp; do
	rm -rf "$tmp/pf"
	"$smpdoc" pair "$arch/c01/0/top.jpg" "$arch/c01/1/top.jpg" -o "$tmp/pf" \
		--pipeline "$portfolio" --consent marketing --client c01 --format $f \
		>/dev/null 2>&1
	check "portfolio $f written (0)" '[ $? -eq 0 ]'
	# The name is the pseudonym's: one composite in the folder.
	mv "$tmp"/pf/p*-s0-s1.$f "$tmp/pf/t.$f"
	groups=$(exiftool -a -G1 -s "$tmp/pf/t.$f" | sed 's/^\[\([^]]*\)\].*/\1/' |
		sort -u | grep -Ev '^(ExifTool|System|File|PNG|PNG-pHYs|RIFF|Composite|ICC_Profile|ICC-header|ICC-chrm|ICC-meas|ICC-view)$' |
		tr '\n' ' ')
	check "portfolio $f: no metadata group but the ICC profile ('$groups')" '[ -z "$groups" ]'
	check "portfolio $f: an sRGB profile" \
		"exiftool -s -ProfileDescription '$tmp/pf/t.$f' | grep -q sRGB"
	check "portfolio $f: no date" \
		"[ -z \"\$(exiftool -s -DateTimeOriginal '$tmp/pf/t.$f')\" ]"
	"$smpdoc" pair "$arch/c01/0/top.jpg" "$arch/c01/1/top.jpg" -o "$tmp/cf" \
		--format $f --name t >/dev/null 2>&1
	check "clinical $f: sRGB profile and the capture date" \
		"exiftool -s -ProfileDescription '$tmp/cf/t.$f' 2>/dev/null | grep -q sRGB &&
		exiftool -s -DateTimeOriginal '$tmp/cf/t.$f' 2>/dev/null | grep -q '2024:03:04 10:11:12'"
	check "clinical $f: no GPS, serial, owner, XMP, IPTC, thumbnail" \
		"[ -z \"\$(exiftool -s -GPSLatitude -SerialNumber -OwnerName -XMP-dc:Creator -IPTC:By-line -ThumbnailImage '$tmp/cf/t.$f' 2>/dev/null)\" ]"
done

# --- pair: consent stated explicitly ------------------------------------------
"$smpdoc" pair "$arch/c01/0/top.jpg" "$arch/c01/1/top.jpg" -o "$tmp/p1" \
	--pipeline "$portfolio" --client c01 2>"$tmp/err"
check "pair portfolio without --consent exits 1" '[ $? -eq 1 ]'
check "pair says marketing consent is required" \
	"grep -q 'consent is none, marketing required' '$tmp/err'"
check "pair without consent writes nothing" '[ ! -e "$tmp/p1" ]'
"$smpdoc" pair "$arch/c02/0/top.jpg" "$arch/c02/1/top.jpg" -o "$tmp/p1" \
	--pipeline "$portfolio" --client c02 --consent clinical 2>"$tmp/err"
check "pair portfolio with clinical consent exits 1" '[ $? -eq 1 ]'

# --- mismatch gate: synth rotates after photos by about 4 degrees ------------
sed 's/^max_rotation_mismatch_deg=.*/max_rotation_mismatch_deg=1/' \
	"$portfolio" >"$tmp/tight.pipeline"
"$smpdoc" batch "$arch/manifest.csv" -o "$tmp/mis" \
	--pipeline "$tmp/tight.pipeline" --progress never 2>"$tmp/err"
check "portfolio refuses a view mismatch, exit 0" '[ $? -eq 0 ]'
check "errors.csv gives the mismatch" \
	"grep -Eq ',refused,\"?mismatch: view rotated by' '$tmp/mis/errors.csv'"
tree=$(cd "$tmp/mis" && find . -mindepth 1 | LC_ALL=C sort | tr '\n' ' ')
check "nothing written for the refused pair" \
	'[ "$tree" = "./catalog.sqlite ./errors.csv " ]'
printf '[output]\nmax_rotation_mismatch_deg=1\n' >"$tmp/tightc.pipeline"
"$smpdoc" pair "$arch/c02/0/top.jpg" "$arch/c02/1/top.jpg" -o "$tmp/misc" \
	--name m --no-timing --pipeline "$tmp/tightc.pipeline" >/dev/null 2>&1
check "clinical output flags it (pair_mismatch)" \
	"grep -q '\"pair_mismatch\"' '$tmp/misc/m.json'"

# --- withdrawal ------------------------------------------------------------------
sed -i 's/^\(c01,1,.*\),marketing$/\1,clinical/' "$arch/manifest.csv"
"$smpdoc" batch "$arch/manifest.csv" -o "$out" --pipeline "$portfolio" \
	--resume --progress never 2>"$tmp/err"
check "re-run after withdrawal exits 0" '[ $? -eq 0 ]'
check "the client's portfolio files are gone" '[ ! -e "$out/$pdir" ]'
tree=$(cd "$out" && find . -mindepth 1 | LC_ALL=C sort | tr '\n' ' ')
check "only the catalogue and errors.csv remain" \
	'[ "$tree" = "./catalog.sqlite ./errors.csv " ]'
row=$(sqlite3 "$out/catalog.sqlite" "SELECT client, view, session_before,
	session_after, files FROM withdrawals" | tr '\n' ' ')
check "catalogue records the withdrawal ($row)" \
	"printf '%s' '$row' | grep -q '^$pdir|top|0|1|$pdir/top-s0-s1.jpg $pdir/top-s0-s1.provenance.json'"
check "withdrawal has a UTC date" \
	"sqlite3 '$out/catalog.sqlite' 'SELECT at FROM withdrawals' | grep -Eq '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T.*Z$'"
check "provenance row removed" \
	"[ \$(sqlite3 '$out/catalog.sqlite' 'SELECT count(*) FROM provenance') -eq 0 ]"
check "stderr says consent was withdrawn" "grep -q 'consent withdrawn' '$tmp/err'"

e2e_end
