#!/bin/sh
# usage: VAR=... bench/probe_merged/grid.sh label  (seeds 31,5: error ranges at 0.3 and 0.15, worst fraction at 0)
cd "$(dirname "$0")/../.."
bench/probe_merged/meval 0 | grep "^H" | awk -v L="$1" '{f=$4; v=$8+0; e=$10; sub("%","",e); e=e+0; if (f=="0.30"||f=="0.15") {if (!(f in mn) || e<mn[f]) mn[f]=e; if (!(f in mx) || e>mx[f]) mx[f]=e} else {if (v>z) z=v}} END{printf "%s: 0.30 [%+.1f, %+.1f]  0.15 [%+.1f, %+.1f]  0 max %.3f\n", L, mn["0.30"], mx["0.30"], mn["0.15"], mx["0.15"], z}'
