#!/bin/sh
# Batch throughput: photos per hour for 12 MP pairs with -j 1 and -j 2,
# peak memory of the whole run, and the cost of --resume on a complete
# output. Timings only; nothing fails on a number.
# Usage: bench/bench_batch.sh BUILD [CLIENTS]   (default 4 clients × 1 pair
# × 1 view = 8 photos of 4000×3000)
# SPDX-License-Identifier: MIT
set -eu
build=${1:-build}
clients=${2:-4}
smpdoc="$build/smpdoc"
dir=$(mktemp -d "${TMPDIR:-/tmp}/smpdoc-bbatch-XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM

"$smpdoc" synth -o "$dir/arch" --seed 3 --clients "$clients" --pairs 1 \
	--width 4000 --height 3000 >/dev/null
photos=$(($(wc -l <"$dir/arch/manifest.csv") - 1))

# run NAME ARGS...: wall seconds and peak RSS (MiB) of one batch run.
run() {
	name=$1
	shift
	/usr/bin/time -f "%e %M" -o "$dir/time" "$smpdoc" batch \
		"$dir/arch/manifest.csv" --progress never -q "$@" >/dev/null 2>&1 || true
	read -r secs kib <"$dir/time"
	echo "$name $secs $((kib / 1024))"
}

echo "### Batch ($photos photos of 4000×3000, $((photos / 2)) pairs)"
echo
echo "| run | wall s | photos/hour | peak RSS MiB |"
echo "|---|---:|---:|---:|"
for j in 1 2; do
	set -- $(run "j$j" -o "$dir/out$j" -j "$j")
	secs=$2
	echo "| -j $j | $secs | $(awk -v n="$photos" -v s="$secs" 'BEGIN { printf "%.0f", n * 3600 / s }') | $3 |"
	[ "$j" = 2 ] && full=$secs
done
set -- $(run "resume" -o "$dir/out2" -j 2 --resume)
echo "| --resume on the complete -j 2 output | $2 | – | $3 |"
echo
awk -v r="$2" -v f="$full" 'BEGIN {
	printf "--resume on a complete output costs %.1f%% of processing it.\n",
		100 * r / f }'
awk -v n="$photos" -v s="$full" 'BEGIN {
	per_h = n * 3600 / s
	printf "At %.0f photos/hour per 2-core machine, 10^6 photos in a 10-hour " \
		"night need %d such machines.\n", per_h, int(1e6 / (per_h * 10)) + 1 }'
