#!/bin/sh
# End-to-end tests of `smpdoc report`: a batch over samples/archive, then
# the report: files written, nothing remote, exit codes; then, when Debian's
# chromium is installed, the page in headless Chromium from file:// with the
# network cut (tests/browser, playwright-core): no console error, no
# request, the slider moves by drag and by keyboard, every image exists.
# Screenshots are kept in BUILD/report-e2e/.
# Usage: tests/e2e/report.sh BUILD
# SPDX-License-Identifier: MIT
set -u
suite=report
. tests/e2e/lib.sh "$@"
chromium=${SMP_CHROMIUM:-/usr/bin/chromium}
shots="$(pwd)/$build/report-e2e"

# --- a batch output and its report -------------------------------------------
"$smpdoc" batch samples/archive/manifest.csv -o "$tmp/out" -j 2 \
	--progress never >/dev/null 2>"$tmp/err"
check "batch over samples/archive" '[ $? -eq 0 ]'
pairs=$(find "$tmp/out" -name '*-s0-s*.json' | wc -l)
"$smpdoc" report "$tmp/out" >"$tmp/stdout" 2>"$tmp/err"
check "report exits 0" '[ $? -eq 0 ]'
check "report prints nothing on stdout" '[ ! -s "$tmp/stdout" ]'
r="$tmp/out/report"
for f in index.html data/report.json data/pairs.jsonl data/errors.csv; do
	check "report writes $f" '[ -s "$r/$f" ]'
done
n=$(find "$r/thumbs" -name '*.jpg' | wc -l)
check "two thumbnails per pair ($n for $pairs pairs)" \
	'[ "$pairs" -gt 0 ] && [ "$n" -eq $((2 * pairs)) ]'
n=$(grep -c '<input class="slider" type="range"' "$r/index.html")
check "one slider per pair ($n)" '[ "$n" -eq "$pairs" ]'
check "no remote URL in the page" '! grep -qE "https?://" "$r/index.html"'
check "thumbnails are JPEGs" \
	'head -c 3 "$r/thumbs/p0000-before.jpg" | od -An -tx1 | grep -q "ff d8 ff"'
check "no temporary files left" \
	'[ -z "$(find "$r" -name ".*" ! -name . 2>/dev/null)" ]'
# Every src/href of the page (fragments aside) names a file that exists.
missing=0
for ref in $(grep -oE '(src|href)="[^"#][^"]*"' "$r/index.html" |
	sed -E 's/^(src|href)="//; s/"$//'); do
	[ -f "$r/$ref" ] || { missing=$((missing + 1)); echo "      missing: $ref"; }
done
check "every referenced file exists" '[ "$missing" -eq 0 ]'
# A second run replaces the report in place.
"$smpdoc" report -q "$tmp/out" 2>"$tmp/err"
check "report runs again over its own output" '[ $? -eq 0 ] && [ ! -s "$tmp/err" ]'

# --- a single pair folder ------------------------------------------------------
"$smpdoc" pair samples/archive/c01/0/top.jpg samples/archive/c01/1/top.jpg \
	-o "$tmp/pair" --px-per-mm 20 --format webp >/dev/null 2>&1
"$smpdoc" report -q "$tmp/pair" 2>"$tmp/err"
check "report over a pair folder" '[ $? -eq 0 ] && [ -s "$tmp/pair/report/index.html" ]'
check "report links the WebP composite" 'grep -q "top-s0-s1.webp\|-top.webp" "$tmp/pair/report/index.html"'
n=$(ls "$tmp/pair/report/thumbs" 2>/dev/null | wc -l)
check "report cuts thumbnails from the WebP composite" '[ "$n" -eq 2 ]'
n=$(grep -c '<input class="slider" type="range"' "$tmp/pair/report/index.html" 2>/dev/null)
check "pair folder: one slider" '[ "${n:-0}" -eq 1 ]'

# --- errors ------------------------------------------------------------------
"$smpdoc" report "$tmp/no-such-dir" 2>"$tmp/err"
check "missing folder exits 3" '[ $? -eq 3 ]'
check "missing folder is named" 'grep -q "no-such-dir" "$tmp/err"'
mkdir "$tmp/empty"
"$smpdoc" report "$tmp/empty" 2>"$tmp/err"
check "folder without outputs exits 3, named" '[ $? -eq 3 ] && grep -q empty "$tmp/err"'
"$smpdoc" report 2>/dev/null
check "no folder is a usage error (2)" '[ $? -eq 2 ]'

# --- the page in headless Chromium -------------------------------------------------
browser=tests/browser
if [ ! -x "$chromium" ]; then
	echo "skip  browser checks: $chromium not installed (apt-get install chromium)"
elif [ -d "$browser/node_modules/playwright-core" ] && command -v node >/dev/null; then
	mkdir -p "$shots"
	node "$browser/report.test.js" "$r/index.html" "$shots" >"$tmp/browser" 2>&1
	cat "$tmp/browser"
	p=$(grep -c '^ok ' "$tmp/browser")
	f=$(grep -c '^FAIL ' "$tmp/browser")
	passed=$((passed + p))
	failed=$((failed + f))
	check "browser checks ran" '[ "$p" -gt 0 ]'
	check "screenshots kept in $shots" '[ -s "$shots/report-light.png" ] && [ -s "$shots/report-dark.png" ]'
else
	# Without playwright-core: at least load the page and keep a picture.
	mkdir -p "$shots" "$tmp/profile"
	"$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking \
		--disable-component-update --disable-sync \
		--user-data-dir="$tmp/profile" --window-size=1200,2400 \
		--screenshot="$shots/report-light.png" "file://$r/index.html" \
		>/dev/null 2>&1
	check "chromium renders the page" '[ -s "$shots/report-light.png" ]'
	echo "skip  slider checks: run 'npm install' in $browser for playwright-core"
fi

e2e_end
