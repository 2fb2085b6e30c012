#!/bin/sh
# make check: the bad-input corpus. Every file of the shared hostile
# collections (expectations in tests/e2e/corpus.expect) and cases made here
# at test time (truncations, wrong magic, declared 10^5 x 10^5, EXIF with
# absurd counts, offsets and orientations, odd but valid photos, untrusted
# formats, hostile manifests and pipelines, hostile names). Each ends in a
# result, or in exit 1/2 with one stderr line naming the file and the
# reason; nothing crashes, nothing is written outside the output folder.
# Usage: tests/e2e/corpus.sh BUILD
# SPDX-License-Identifier: MIT
set -u
suite=corpus
. tests/e2e/lib.sh "$@"
expect="$(pwd)/tests/e2e/corpus.expect"
seeds="$(pwd)/tests/fuzz/corpus/load"
data="${SMP_SHARED_DATA:-../shared/data}"
data=$(cd "$data" && pwd)
files=0
cases=0


# outcome ERR OUT PATH WANT LABEL: PATH's outcome in a run over many files.
# WANT "ok": no stderr line names it and OUT holds its record; otherwise
# exactly one stderr line names it, and it contains WANT.
outcome() {
	n=$(grep -cF "smpdoc: $3: " "$1")
	if [ "$4" = ok ]; then
		if [ "$n" -eq 0 ] && grep -qF "\"file\" : \"$3\"" "$2"; then ok "$5"
		else bad "$5: want a result, got: $(grep -F "smpdoc: $3: " "$1" | head -n 1)"; fi
	elif [ "$n" -eq 1 ] && grep -F "smpdoc: $3: " "$1" | grep -qF -- "$4"; then
		ok "$5"
	else
		bad "$5: want one line with '$4', got $n: $(grep -F "smpdoc: $3: " "$1" | head -n 1)"
	fi
}

# exits CODE LABEL: the last command's exit status was CODE.
exits() {
	if [ "$rc" -eq "$1" ]; then ok "$2"; else bad "$2 (exit $rc, want $1)"; fi
}

# one_line LABEL TEXT...: stderr is one line holding every TEXT.
one_line() {
	label=$1; shift
	n=$(wc -l <"$tmp/err")
	for t in "$@"; do
		grep -qF -- "$t" "$tmp/err" || n=-1
	done
	if [ "$n" -eq 1 ]; then ok "$label"; else bad "$label: $(head -n 2 "$tmp/err")"; fi
}

# --- the shared collections -------------------------------------------------
# One process per command over every file: the exit code says some failed,
# each line names its file.
list=$(grep -v '^#' "$expect" | cut -d'|' -f1 | tr -d ' ')
files=$(echo "$list" | wc -l)
(cd "$data" && "$smpdoc" measure --max-megapixels 1.5 --no-items --no-timing \
	$list >"$tmp/m.out" 2>"$tmp/m.err")
rc=$?
exits 1 "collections: measure exits 1 (some files are bad)"
(cd "$data" && "$smpdoc" inspect --json $list >"$tmp/i.out" 2>"$tmp/i.err")
rc=$?
exits 1 "collections: inspect exits 1"
want_m=0
want_i=0
grep -v '^#' "$expect" | while IFS='|' read -r path m i; do
	path=$(echo "$path" | tr -d ' ')
	m=$(echo "$m" | sed 's/^ *//; s/ *$//')
	i=$(echo "$i" | sed 's/^ *//; s/ *$//')
	outcome "$tmp/m.err" "$tmp/m.out" "$path" "$m" "measure $path: $m"
	outcome "$tmp/i.err" "$tmp/i.out" "$path" "$i" "inspect $path: $i"
	echo "$passed $failed" >"$tmp/count"
done
read -r passed failed <"$tmp/count"
want_m=$(grep -v '^#' "$expect" | cut -d'|' -f2 | grep -vc '^ *ok *$')
want_i=$(grep -v '^#' "$expect" | cut -d'|' -f3 | grep -vc '^ *ok *$')
[ "$(wc -l <"$tmp/m.err")" -eq "$want_m" ] && ok "measure: no stray stderr line" ||
	bad "measure: $(wc -l <"$tmp/m.err") stderr lines, want $want_m"
[ "$(wc -l <"$tmp/i.err")" -eq "$want_i" ] && ok "inspect: no stray stderr line" ||
	bad "inspect: $(wc -l <"$tmp/i.err") stderr lines, want $want_i"
# The large corrupt photo at the default limit: the decoder's complaint.
"$smpdoc" measure --no-items "$data/exif-samples/invalid/corrupted.jpg" \
	>/dev/null 2>"$tmp/err"
rc=$?
exits 1 "corrupted.jpg at the default limit fails"
one_line "corrupted.jpg: one line, decoder reason" "corrupted.jpg: load:" "Corrupt JPEG data"

# --- generated photos ---------------------------------------------------------
# le16 / le32 N: N as little-endian bytes (printf with octal escapes).
le16() { printf "\\$(printf %o $(($1 & 255)))\\$(printf %o $(($1 >> 8 & 255)))"; }
le32() { le16 $(($1 & 65535)); le16 $(($1 >> 16 & 65535)); }
# patch FILE OFFSET: overwrite FILE at OFFSET with stdin, size unchanged.
patch() { dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

g="$tmp/gen"
mkdir -p "$g"
"$smpdoc" synth -o "$tmp/synth" --seed 5 --width 320 --height 240 \
	--orientation 6 --clients 1 >/dev/null 2>&1
src="$tmp/synth/c01/0/top.jpg"
size=$(wc -c <"$src")
: >"$g/empty.jpg"
for k in 1 2 3 4 5 6 7 8 9; do
	head -c $((size * k / 10)) "$src" >"$g/truncated-${k}0pct.jpg"
done
# Wrong magic: a JPEG whose first bytes are not a JPEG's; a PNG under a
# JPEG's name is still a PNG (the content decides, not the suffix).
{ printf 'XXXX'; tail -c +5 "$src"; } >"$g/wrong-magic.jpg"
cp "$seeds/crop-rgb.png" "$g/png-named.jpg"
# A TIFF header declaring 100000 x 100000 grey pixels, no pixel data.
{
	printf 'II*\000'; le32 8; le16 9
	for e in "256 4 100000" "257 4 100000" "258 3 8" "259 3 1" "262 3 1" \
		"273 4 122" "277 3 1" "278 4 1" "279 4 100000"; do
		set -- $e
		le16 "$1"; le16 "$2"; le32 1
		if [ "$2" -eq 3 ]; then le16 "$3"; le16 0; else le32 "$3"; fi
	done
	le32 0
} >"$g/declared-100000x100000.tif"
# EXIF of the synthetic photo (little-endian TIFF at byte 12; IFD0 at 20,
# its first entry the orientation): absurd orientations, counts, offsets.
at=$(grep -obUaP '\x12\x01\x03\x00\x01\x00\x00\x00' "$src" | head -n 1 | cut -d: -f1)
if [ "${at:-0}" -ne 22 ]; then
	bad "synthetic photo has its orientation entry at byte 22 (got ${at:-none})"
fi
for o in 0 9 65535; do
	cp "$src" "$g/orientation-$o.jpg"
	le16 "$o" | patch "$g/orientation-$o.jpg" 30
done
cp "$src" "$g/exif-count-4294967295.jpg"
le32 4294967295 | patch "$g/exif-count-4294967295.jpg" 26
cp "$src" "$g/exif-ifd0-count-65535.jpg"
le16 65535 | patch "$g/exif-ifd0-count-65535.jpg" 20
cp "$src" "$g/exif-ifd0-offset-2147483647.jpg"
le32 2147483647 | patch "$g/exif-ifd0-offset-2147483647.jpg" 16
# Odd but valid photos (small seeds of the load fuzz target).
cp "$seeds/grey16.png" "$g/grey-16bit.png"
cp "$seeds/cmyk.jpg" "$g/cmyk.jpg"
cp "$seeds/alpha.png" "$g/alpha.png"
cp "$seeds/grey.webp" "$g/grey.webp"
cp "$seeds/animated.gif" "$g/animated.gif"
cp "$data/pngsuite-corrupt/s01n3p01.png" "$g/one-by-one.png"
# Formats only untrusted libvips loaders read: refused, not parsed.
printf '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64"/></svg>\n' >"$g/drawing.svg"
printf '%%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/MediaBox[0 0 64 64]/Parent 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%%%EOF\n' >"$g/document.pdf"
{ printf 'BM'; le32 70; le32 0; le32 54; le32 40; le32 2; le32 2; le16 1; le16 24
	le32 0; le32 16; le32 2835; le32 2835; le32 0; le32 0
	printf '\377\377\377\000\000\000\000\000\377\377\377\000\000\000\000\000'; } >"$g/bitmap.bmp"

# file WANT: measure of one generated file gives a result (WANT "ok") or
# exit 1 and one line naming it with WANT.
cd "$g" || exit 1
for spec in "empty.jpg|empty file" \
	"truncated-10pct.jpg|load:" "truncated-20pct.jpg|load:" \
	"truncated-30pct.jpg|load:" "truncated-40pct.jpg|load:" \
	"truncated-50pct.jpg|load:" "truncated-60pct.jpg|load:" \
	"truncated-70pct.jpg|load:" "truncated-80pct.jpg|load:" \
	"truncated-90pct.jpg|load:" \
	"wrong-magic.jpg|not an image in a supported format" \
	"png-named.jpg|ok" \
	"declared-100000x100000.tif|100000x100000 is 10000.0 megapixels, over the 100.0 megapixel limit" \
	"orientation-0.jpg|ok" "orientation-9.jpg|ok" "orientation-65535.jpg|ok" \
	"exif-count-4294967295.jpg|ok" "exif-ifd0-count-65535.jpg|ok" \
	"exif-ifd0-offset-2147483647.jpg|ok" \
	"grey-16bit.png|ok" "cmyk.jpg|ok" "alpha.png|ok" "grey.webp|ok" \
	"animated.gif|ok" "one-by-one.png|at least 8x8 px" \
	"drawing.svg|not an image in a supported format" \
	"document.pdf|not an image in a supported format" \
	"bitmap.bmp|not an image in a supported format"; do
	f=${spec%%|*}
	want=${spec#*|}
	cases=$((cases + 1))
	"$smpdoc" measure --no-items --no-timing "$f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$want" = ok ]; then
		if [ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ] && grep -q '"count" : [0-9]' "$tmp/out"; then
			ok "$f: a result"
		else
			bad "$f: want a result (exit $rc): $(head -n 1 "$tmp/err")"
		fi
	else
		exits 1 "$f: exit 1"
		one_line "$f: one line naming it: $want" "$f: " "$want"
	fi
done
# Out-of-range orientations are applied as 1 and said so.
"$smpdoc" inspect --json orientation-65535.jpg >"$tmp/out" 2>&1
grep -q '"orientation" : 1' "$tmp/out" && grep -q '"code" : "bad_orientation"' "$tmp/out" &&
	ok "orientation 65535: applied as 1, with a warning" || bad "orientation 65535: applied as 1, with a warning"
cd - >/dev/null || exit 1

# --- hostile manifests and pipelines -----------------------------------------
m="$tmp/man"
mkdir -p "$m/archive/c1/1" "$m/archive/c1/2" "$m/outside"
cp "$tmp/synth/c01/0/top.jpg" "$m/archive/c1/1/top.jpg"
cp "$tmp/synth/c01/1/top.jpg" "$m/archive/c1/2/top.jpg"
cp "$tmp/synth/c01/1/top.jpg" "$m/outside/secret.jpg"
hdr='client,session,view,path'
printf '%s\nc1,1,top,c1/1/top.jpg\nc1,2,top,../outside/secret.jpg\n' "$hdr" >"$m/archive/dotdot.csv"
printf '%s\nc1,1,top,c1/1/top.jpg\nc1,2,top,%s\n' "$hdr" "$m/outside/secret.jpg" >"$m/archive/absolute.csv"
printf 'client,session,path\nc1,1,c1/1/top.jpg\n' >"$m/archive/missing-column.csv"
printf '%s\nc1,1,top,c1/1/top.jpg\nc1,2,to\000p,c1/2/top.jpg\n' "$hdr" >"$m/archive/nul.csv"
{ printf '%s\nc1,1,top,' "$hdr"; head -c 100000 /dev/zero | tr '\0' 'a'; printf '\n'; } >"$m/archive/long-line.csv"
printf '%s\nc1,1,top\n' "$hdr" >"$m/archive/short-row.csv"
for spec in "dotdot.csv|dotdot.csv:3:|leaves the manifest's folder" \
	"absolute.csv|absolute.csv:3:|is absolute" \
	"missing-column.csv|missing-column.csv|view" \
	"nul.csv|nul.csv|NUL" \
	"long-line.csv|long-line.csv:2:|4096" \
	"short-row.csv|short-row.csv:2:|fields"; do
	f=${spec%%|*}
	rest=${spec#*|}
	where=${rest%%|*}
	want=${rest#*|}
	cases=$((cases + 1))
	"$smpdoc" batch "$m/archive/$f" -o "$m/out-$f" --progress never >/dev/null 2>"$tmp/err"
	rc=$?
	exits 2 "manifest $f: exit 2"
	one_line "manifest $f: one line, $where ... $want" "$where" "$want"
	[ ! -e "$m/out-$f" ] && ok "manifest $f: nothing written" || bad "manifest $f: nothing written"
done
# Unknown keys and groups, and a NUL byte, in pipeline files.
printf '[detect]\nmin_contrast = 0.1\nmin_contrst = 0.1\n' >"$m/typo.pipeline"
printf '[loader]\nmax_megapixels = 5\n' >"$m/group.pipeline"
printf '[detect]\nmin_contrast = 0.1\000\n' >"$m/nul.pipeline"
for spec in "typo.pipeline|typo.pipeline:3:|unknown key 'min_contrst'" \
	"group.pipeline|group.pipeline:1:|unknown group [loader]" \
	"nul.pipeline|nul.pipeline|NUL"; do
	f=${spec%%|*}
	rest=${spec#*|}
	where=${rest%%|*}
	want=${rest#*|}
	cases=$((cases + 1))
	"$smpdoc" measure --pipeline "$m/$f" "$m/archive/c1/1/top.jpg" >/dev/null 2>"$tmp/err"
	rc=$?
	exits 2 "pipeline $f: exit 2"
	one_line "pipeline $f: one line, $where ... $want" "$where" "$want"
done
# A symlink in an archive folder that points outside it is not followed.
cases=$((cases + 1))
mkdir -p "$m/archive/c2/1"
ln -s "$m/outside/secret.jpg" "$m/archive/c2/1/top.jpg"
"$smpdoc" batch "$m/archive" -o "$m/out-links" -j 1 --progress never >/dev/null 2>"$tmp/err"
rc=$?
exits 0 "archive with a symlink out: the rest is done"
[ ! -e "$m/out-links/c2" ] && ok "symlink out of the archive: not followed" ||
	bad "symlink out of the archive: not followed"
[ -s "$m/out-links/c1/top-s1.json" ] && [ -s "$m/out-links/c1/top-s2.json" ] &&
	ok "symlink archive: the real photos measured" ||
	bad "symlink archive: the real photos measured"
# A manifest row naming a symlink that leads outside the manifest's folder:
# that photo fails with the reason, the other is measured.
cases=$((cases + 1))
printf '%s\nc1,1,top,c1/1/top.jpg\nc2,1,top,c2/1/top.jpg\n' "$hdr" >"$m/archive/link.csv"
"$smpdoc" batch "$m/archive/link.csv" -o "$m/out-link-csv" -j 1 --progress never >/dev/null 2>"$tmp/err"
rc=$?
exits 1 "manifest naming a symlink out: exit 1 (one photo failed)"
grep -q "c2/1/top.jpg: leads to .*secret.jpg, outside the manifest's folder" "$m/out-link-csv/errors.csv" &&
	ok "manifest symlink out: refused in errors.csv with the reason" ||
	bad "manifest symlink out: refused in errors.csv with the reason"
[ -s "$m/out-link-csv/c1/top-s1.json" ] && ok "manifest symlink out: the other photo measured" ||
	bad "manifest symlink out: the other photo measured"

# --- limits: a photo over its time budget fails alone, the run goes on -------
cases=$((cases + 1))
"$smpdoc" batch "$m/archive" -o "$m/out-budget" -j 1 --progress never \
	--timeout-per-file 0.000001 >/dev/null 2>"$tmp/err"
rc=$?
exits 1 "batch --timeout-per-file: exit 1"
n=$(grep -c 'over the 1e-06 s time budget per file (--timeout-per-file)' "$m/out-budget/errors.csv")
[ "$n" -eq 2 ] && ok "batch --timeout-per-file: each photo failed alone, in errors.csv" ||
	bad "batch --timeout-per-file: $n photos failed on time, want 2"
"$smpdoc" measure --timeout-per-file 3600 --no-items "$m/archive/c1/1/top.jpg" >/dev/null 2>"$tmp/err"
rc=$?
exits 0 "measure within its time budget"
"$smpdoc" measure --timeout-per-file -1.5 "$m/archive/c1/1/top.jpg" >/dev/null 2>"$tmp/err"
rc=$?
exits 2 "--timeout-per-file must not be negative"

# --- hostile names: outputs stay inside the output folder ----------------------
# A '/' in a client or view fails the manifest; "..", ".", hidden and
# overlong names are made safe (smp_manifest_safe_name) and kept apart.
box="$tmp/box"
mkdir -p "$box/in/p"
cp "$tmp/synth/c01/0/top.jpg" "$box/in/p/0.jpg"
cp "$tmp/synth/c01/1/top.jpg" "$box/in/p/1.jpg"
cases=$((cases + 1))
printf 'client,session,view,path\n"../../escape",0,top,p/0.jpg\n' >"$box/in/slash.csv"
"$smpdoc" batch "$box/in/slash.csv" -o "$box/out-slash" --progress never >/dev/null 2>"$tmp/err"
rc=$?
exits 2 "client with '/': exit 2"
one_line "client with '/': one line naming the row" "slash.csv:2:" "contains '/'"
cases=$((cases + 1))
long=$(head -c 300 /dev/zero | tr '\0' 'x')
{
	echo 'client,session,view,path'
	# One pair (its composite and sidecar names), measurements for the rest.
	printf '..,0,..,p/0.jpg\n..,1,..,p/1.jpg\n'
	for c in . .hidden "$long" 'a\b'; do
		printf '"%s",1,..,p/0.jpg\n"%s",2,..,p/1.jpg\n' "$c" "$c"
	done
} >"$box/in/names.csv"
"$smpdoc" batch "$box/in/names.csv" -o "$box/out" -j 1 --progress never >/dev/null 2>"$tmp/err"
rc=$?
exits 0 "hostile client and view names: batch runs"
extra=$(cd "$box" && find . -newer "$box/in/names.csv" ! -path './out' ! -path './out/*' \
	! -path './out-slash*' ! -name . | head -n 3)
[ -z "$extra" ] && ok "hostile names: nothing written outside the output folder" ||
	bad "hostile names: written outside: $extra"
n=$(find "$box/out" -name '*.json' | wc -l)
[ "$n" -eq 11 ] && ok "hostile names: 10 measurements and a sidecar, kept apart" ||
	bad "hostile names: $n JSON files, want 11"
if find "$box/out" -mindepth 1 -name '.*' | grep -q .; then
	bad "hostile names: a hidden or dot-dot name in the output folder"
else
	ok "hostile names: no hidden or dot-dot names"
fi
find "$box/out" -mindepth 1 | awk -F/ '{ if (length($NF) > 255) bad = 1 } END { exit bad }' &&
	ok "hostile names: every name within NAME_MAX" || bad "hostile names: a name over NAME_MAX"

# --- no shell: smpdoc imports nothing that runs another program ---------------
if nm -D --undefined-only "$smpdoc" >"$tmp/imports" 2>/dev/null; then
	if grep -qwE 'system|popen|exec[lv]p?e?|posix_spawnp?|g_spawn_[a-z_]+' "$tmp/imports"; then
		bad "smpdoc imports a way to run programs: $(grep -wE 'system|popen|exec[lv]p?e?|posix_spawnp?|g_spawn_[a-z_]+' "$tmp/imports" | tr '\n' ' ')"
	else
		ok "smpdoc never runs a shell or another program (no system, popen, exec, spawn)"
	fi
fi

echo "corpus: $((files)) shared files, $cases generated cases"
e2e_end
