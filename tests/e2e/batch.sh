#!/bin/sh
# End-to-end tests of `smpdoc batch`: a synthetic archive of a few hundred
# small photos with a handful of bad files; failures listed and the run
# going on; kill -9 at several points then --resume equal to an
# uninterrupted run; four shards under GNU parallel merged equal to one
# run; dry run; pipeline typos; timeline.
# Usage: tests/e2e/batch.sh BUILD
# SPDX-License-Identifier: MIT
set -u
suite=batch
. tests/e2e/lib.sh "$@"

# The whole state of an output folder that must match between runs: every
# output file's bytes, and the catalogue's rows without run timings.
# On a difference, say which files or rows differ (the check alone
# cannot: the resume check has failed intermittently).
show_diff() {
	cmp -s "$1" "$2" || { echo "      differs:"; diff "$1" "$2" | head -n 20; }
}

state() {
	(cd "$1" && find . -type f ! -name 'catalog.sqlite*' | LC_ALL=C sort |
		xargs sha256sum)
	sqlite3 "$1/catalog.sqlite" \
		"SELECT key, status, source, output, dot_count, per_cm2, coverage,
		        error FROM photos ORDER BY key;
		 SELECT key, status, composite, sidecar, per_cm2_pct, error
		   FROM pairs ORDER BY key;"
}

# --- a synthetic archive with a handful of bad files -------------------------
arch="$tmp/archive"
# 72 photos, 48 pairs: enough for four shards, a kill in the middle and
# four bad files (c12 is the highest client they need). Volume is the
# benchmark's job (bench/bench_batch.sh), not this suite's.
clients=12
"$smpdoc" synth -o "$arch" --seed 11 --clients "$clients" --pairs 2 \
	--views top,crown --width 320 --height 240 >/dev/null 2>&1
photos=$(tail -n +2 "$arch/manifest.csv" | wc -l)
check "synthetic archive of $photos photos" '[ "$photos" -ge $((clients * 6)) ]'
printf 'not a photo\n' >"$arch/c03/1/top.jpg"
: >"$arch/c07/2/crown.jpg"
head -c 3000 "$arch/c11/0/top.jpg" >"$tmp/t" && mv "$tmp/t" "$arch/c11/0/top.jpg"
head -c 100 "$arch/c12/1/crown.jpg" >"$tmp/t" && mv "$tmp/t" "$arch/c12/1/crown.jpg"
bad_photos=4
# c11's before photo is bad: both its top pairs fail with it.
bad_pairs=5
pairs=$((photos / 3 * 2))

# --- one uninterrupted run -----------------------------------------------------
"$smpdoc" batch "$arch/manifest.csv" -o "$tmp/ref" -j 2 --progress never \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
check "batch with bad files exits 1" '[ $rc -eq 1 ]'
# Say why in the log when it did not.
[ "$rc" -eq 1 ] || { echo "exit $rc; stderr ends:"; tail -n 5 "$tmp/err"; }
n=$(tail -n +2 "$tmp/ref/errors.csv" | wc -l)
check "errors.csv lists every bad photo and pair ($n)" \
	'[ "$n" -eq $((bad_photos + bad_pairs)) ]'
for f in c03/1/top.jpg c07/2/crown.jpg c11/0/top.jpg c12/1/crown.jpg; do
	check "errors.csv names $f with a reason" \
		"grep -q '^$f,photo,..*' '$tmp/ref/errors.csv'"
	check "stderr names $f" "grep -q '$f' '$tmp/err'"
done
n=$(find "$tmp/ref" -name '*-s0-s*.jpg' | wc -l)
check "every good pair has a composite ($n)" '[ "$n" -eq $((pairs - bad_pairs)) ]'
n=$(sqlite3 "$tmp/ref/catalog.sqlite" "SELECT count(*) FROM photos WHERE status='done'")
check "catalogue holds every good photo ($n)" '[ "$n" -eq $((photos - bad_photos)) ]'
check "catalogue is in WAL mode" \
	'[ "$(sqlite3 "$tmp/ref/catalog.sqlite" "PRAGMA journal_mode")" = wal ]'
check "no temporary files" '[ -z "$(find "$tmp/ref" -name ".*")" ]'
state "$tmp/ref" >"$tmp/ref.state"

# --- resume on a complete output: nothing to do ------------------------------
"$smpdoc" batch "$arch/manifest.csv" -o "$tmp/ref" --resume --progress never \
	2>"$tmp/err"
check "resume of a complete run redoes nothing" \
	"grep -q 'photos 0 done, $bad_photos failed, $((photos - bad_photos)) already complete' '$tmp/err'"
state "$tmp/ref" >"$tmp/ref2.state"
check "resume leaves the outputs as they were" 'cmp -s "$tmp/ref.state" "$tmp/ref2.state"'
show_diff "$tmp/ref.state" "$tmp/ref2.state"

# --- kill -9 at several points, then resume ----------------------------------
for t in 0.4 1.1 2.3; do
	"$smpdoc" batch "$arch/manifest.csv" -o "$tmp/killed" --resume -j 2 \
		--progress never >/dev/null 2>&1 &
	pid=$!
	sleep "$t"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done
"$smpdoc" batch "$arch/manifest.csv" -o "$tmp/killed" --resume -j 2 \
	--progress never >/dev/null 2>&1
check "resumed run exits 1 (bad files)" '[ $? -eq 1 ]'
check "no temporary files after resume" '[ -z "$(find "$tmp/killed" -name ".*")" ]'
state "$tmp/killed" >"$tmp/killed.state"
check "killed + resumed equals uninterrupted" 'cmp -s "$tmp/ref.state" "$tmp/killed.state"'
show_diff "$tmp/ref.state" "$tmp/killed.state"

# --- four shards under GNU parallel, merged ---------------------------------
parallel --will-cite -j 2 "$smpdoc" batch "$arch/manifest.csv" \
	-o "$tmp/shard{}" --shard {}/4 -j 1 --progress never ::: 0 1 2 3 \
	>/dev/null 2>&1
"$smpdoc" merge "$tmp/shard0" "$tmp/shard1" "$tmp/shard2" "$tmp/shard3" \
	-o "$tmp/merged" 2>"$tmp/err"
check "merge exits 0" '[ $? -eq 0 ]'
state "$tmp/merged" >"$tmp/merged.state"
check "four shards merged equal one run" 'cmp -s "$tmp/ref.state" "$tmp/merged.state"'
show_diff "$tmp/ref.state" "$tmp/merged.state"
n=0
for k in 0 1 2 3; do
	[ -s "$tmp/shard$k/catalog.sqlite" ] && n=$((n + 1))
done
check "each shard has its own catalogue" '[ "$n" -eq 4 ]'

# --- directory input, dry run, pipelines, timeline ---------------------------
"$smpdoc" batch "$arch" -o "$tmp/dirrun" -j 2 --progress never --format png >/dev/null 2>&1
# --format png: the composites, their sidecars and the catalogue say .png.
n=$(find "$tmp/dirrun" -name '*-s0-s*.png' | wc -l)
check "batch --format png writes PNG composites" '[ "$n" -gt 0 ] && [ -z "$(find "$tmp/dirrun" -name "*.jpg")" ]'
n=$(sqlite3 "$tmp/dirrun/catalog.sqlite" "SELECT count(*) FROM pairs WHERE status = 'done' AND composite NOT LIKE '%.png'")
check "catalogue names the PNG composites" '[ "$n" -eq 0 ]'
# The folder carries no scale or dates: the same photos and pairs, done or
# failed alike, but densities per megapixel only.
keys() {
	sqlite3 "$1/catalog.sqlite" "SELECT key, status FROM photos
		ORDER BY key; SELECT key, status FROM pairs ORDER BY key;"
}
keys "$tmp/dirrun" >"$tmp/dir.rows"
keys "$tmp/ref" >"$tmp/ref.rows"
check "archive folder finds the manifest's photos and pairs" 'cmp -s "$tmp/dir.rows" "$tmp/ref.rows"'
"$smpdoc" batch "$arch/manifest.csv" --dry-run >"$tmp/out" 2>&1
check "dry run lists every photo" "[ \$(grep -c '^measure ' '$tmp/out') -eq $photos ]"
check "dry run lists every pair" "[ \$(grep -c '^pair ' '$tmp/out') -eq $pairs ]"
printf '[detect]\ndot_diameter_min_mm=0.2\ndot_diamter_max_mm=1\n' >"$tmp/typo.pipeline"
"$smpdoc" batch "$arch/manifest.csv" -o "$tmp/typo" --pipeline "$tmp/typo.pipeline" 2>"$tmp/err"
check "pipeline typo is a usage error (2)" '[ $? -eq 2 ]'
check "pipeline typo names file and line" "grep -q 'typo.pipeline:3: .*dot_diamter_max_mm' '$tmp/err'"
check "nothing written for a bad pipeline" '[ ! -e "$tmp/typo" ]'
"$smpdoc" timeline c01 "$tmp/ref" --json >"$tmp/out" 2>&1
check "timeline lists c01's sessions" "[ \$(grep -c '\"session\"' '$tmp/out') -eq 6 ]"
"$smpdoc" batch "$tmp/no-such.csv" -o "$tmp/x" 2>"$tmp/err"
check "missing manifest fails with its name" "grep -q 'no-such.csv' '$tmp/err'"

# --- the region of interest is part of the key -------------------------------
# A manifest roi naming a mask: --resume redoes the photo whose mask file
# changed, then the one whose roi cell did, and only that one. The masks
# are other photos of the same size (non-zero nearly everywhere: only
# their bytes differ; libvips blocks the loaders of simpler formats).
roi="$tmp/roiarch"
mkdir -p "$roi/c01"
cp -r "$arch/c01/0" "$arch/c01/1" "$roi/c01/"
cp "$arch/c01/2/top.jpg" "$roi/mask.jpg"
{
	echo 'client,session,taken,view,path,px_per_mm,consent,roi'
	grep '^c01,[01],[^,]*,top,' "$arch/manifest.csv" |
		sed '1s/$/,mask.jpg/; 2s/$/,/'
} >"$roi/manifest.csv"
roi_run() {
	"$smpdoc" batch "$roi/manifest.csv" -o "$tmp/roiout" --resume \
		--progress never 2>"$tmp/err"
}
roi_run
check "roi archive: both photos done" \
	"grep -q 'photos 2 done, 0 failed, 0 already complete' '$tmp/err'"
cp "$arch/c01/2/crown.jpg" "$roi/mask.jpg"
roi_run
check "--resume redoes the photo whose mask file changed" \
	"grep -q 'photos 1 done, 0 failed, 1 already complete' '$tmp/err'"
sed -i '2s/mask\.jpg$/"0,0;160,0;160,240;0,240"/' "$roi/manifest.csv"
roi_run
check "--resume redoes the photo whose manifest roi changed" \
	"grep -q 'photos 1 done, 0 failed, 1 already complete' '$tmp/err'"
roi_run
check "an unchanged roi is complete" \
	"grep -q 'photos 0 done, 0 failed, 2 already complete' '$tmp/err'"

e2e_end
