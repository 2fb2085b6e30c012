#!/bin/sh
# make check: a full disk and a read-only output folder during a batch, on
# a small tmpfs. The run ends with exit 75 and one clear line, leaves no
# partial or temporary file and a sound catalogue, and --resume finishes
# once there is space, with outputs identical to an undisturbed run.
# Needs mount(2) (root, or a container allowed to mount); otherwise the
# suite says so and passes on zero checks — test_faults covers the write
# paths with the linker's --wrap in every CI.
# Usage: tests/e2e/faults.sh BUILD
# SPDX-License-Identifier: MIT
set -u
suite=faults
show_err=1
. tests/e2e/lib.sh "$@"
mnt="$tmp/mnt"
cleanup() {
	mountpoint -q "$mnt" 2>/dev/null && umount "$mnt"
	rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$mnt"
if ! mount -t tmpfs -o size=200k tmpfs "$mnt" 2>/dev/null; then
	echo "skip  faults: cannot mount a tmpfs here (not root, or not allowed);" \
		"test_faults covers the write paths"
	echo "faults: 0 passed, 0 failed"
	exit 0
fi

"$smpdoc" synth -o "$tmp/a" --seed 9 --width 320 --height 240 --clients 3 \
	--pairs 1 >/dev/null 2>&1
"$smpdoc" batch "$tmp/a/manifest.csv" -o "$tmp/ref" -j 1 --progress never \
	>/dev/null 2>&1

# 200 KiB: the catalogue and a few outputs fit, the rest does not.
"$smpdoc" batch "$tmp/a/manifest.csv" -o "$mnt/out" -j 1 --progress never \
	>/dev/null 2>"$tmp/err"
rc=$?
check "disk full: exit 75" '[ "$rc" -eq 75 ]'
check "disk full: one line, says why and what to do" \
	'[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "No space left on device" "$tmp/err" && grep -q -- "--resume" "$tmp/err"'
check "disk full: no temporary file left" \
	'[ -z "$(find "$mnt/out" -name ".*" ! -name . )" ]'
same=1
for f in $(cd "$mnt/out" && find . -type f ! -name 'catalog.sqlite*'); do
	cmp -s "$mnt/out/$f" "$tmp/ref/$f" || same=0
done
check "disk full: every output there is whole" '[ "$same" -eq 1 ]'
check "disk full: catalogue sound" \
	'[ "$(sqlite3 "$mnt/out/catalog.sqlite" "PRAGMA integrity_check")" = ok ]'

# Read-only: the operator remounted it; nothing is attempted.
mount -o remount,ro "$mnt"
"$smpdoc" batch "$tmp/a/manifest.csv" -o "$mnt/out" --resume -j 1 \
	--progress never >/dev/null 2>"$tmp/err"
rc=$?
check "read-only output: exit 75" '[ "$rc" -eq 75 ]'
check "read-only output: one line naming the folder" \
	'[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "out: output: cannot write to this folder: Read-only file system" "$tmp/err"'

# Space back: --resume finishes the work, identical to the undisturbed run.
mount -o remount,rw,size=8m "$mnt"
"$smpdoc" batch "$tmp/a/manifest.csv" -o "$mnt/out" --resume -j 1 \
	--progress never >/dev/null 2>"$tmp/err"
rc=$?
check "space back: --resume exits 0" '[ "$rc" -eq 0 ]'
same=1
for f in $(cd "$tmp/ref" && find . -type f ! -name 'catalog.sqlite*'); do
	cmp -s "$mnt/out/$f" "$tmp/ref/$f" || same=0
done
check "space back: outputs identical to an undisturbed run" '[ "$same" -eq 1 ]'
rows=$(sqlite3 "$mnt/out/catalog.sqlite" \
	"SELECT count(*) FROM photos WHERE status = 'done'
	 UNION ALL SELECT count(*) FROM pairs WHERE status = 'done'" | tr '\n' ' ')
check "space back: catalogue has every photo and pair" '[ "$rows" = "6 3 " ]'

e2e_end
