#!/bin/sh
# usage: VAR=... bench/probe_merged/grid2.sh label  (seeds 31,5 and the held-out 7,13; error ranges, touching-0 excess)
cd "$(dirname "$0")/../.."
out=${TMPDIR:-/tmp}/probe_merged_g_$1.txt
for S in 31,5 7,13; do SEEDS=$S bench/probe_merged/meval 0 | grep "^H"; done > "$out"
awk -v L="$1" '{s=$2; f=$4; v=$8+0; t=$6+0; e=$10; sub("%","",e); e=e+0; g=(s==31||s==5)?"A":"B"; k=g f; if (f=="0.30"||f=="0.15") {if (!(k in mn) || e<mn[k]) mn[k]=e; if (!(k in mx) || e>mx[k]) mx[k]=e} else {if (v-t>z[g]) z[g]=v-t}} END{printf "%-40s A: .3 [%+.1f,%+.1f] .15 [%+.1f,%+.1f] 0 +%.3f | B: .3 [%+.1f,%+.1f] .15 [%+.1f,%+.1f] 0 +%.3f\n", L, mn["A0.30"], mx["A0.30"], mn["A0.15"], mx["A0.15"], z["A"], mn["B0.30"], mx["B0.30"], mn["B0.15"], mx["B0.15"], z["B"]}' "$out"
