#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench-ecmp: the ECMP part of the bench alone (bench/ecmpcost.c): program
# cost through groups of 1, 2, 8 members against a plain next hop, and the
# convergence of a table whose routes all share one group when a member's link
# goes down, at each size of BENCH_ECMP_SIZES ("1000,1000000"). bench/run.sh
# runs the same in its own world and prints it with the rest. A namespace made
# here (tests/lib.sh), removed by a trap on every exit path; JSON on stdout,
# or in $1 when given.
set -u
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$here/../build}
SIZES=${BENCH_ECMP_SIZES:-1000,1000000}
RUNS=${BENCH_RUNS:-5}

# shellcheck source=lib-live.sh
source "$here/lib-live.sh"
check_needs v4via6-bench-ecmp "ecmpcost routegen" ""
# shellcheck source=../tests/lib.sh
source "$here/../tests/lib.sh"
live_workspace bench-ecmp "${BENCH_KEEP:-}"

max=0
for n in ${SIZES//,/ }; do [ "$n" -gt "$max" ] && max=$n; done
add_ns rt || exit 1
link rt r0 rt g0 02:00:00:00:00:01 02:00:00:00:00:10 &&
	link rt r1 rt s1 02:00:00:00:00:02 02:00:00:00:00:21 &&
	link rt r2 rt s2 02:00:00:00:00:03 02:00:00:00:00:22 &&
	link rt h0 rt h1 || exit 1
"$BUILD/routegen" "$max" 4 "${BENCH_LONG_EVERY:-20}" >"$WORK/routes.txt" || exit 1
nsx rt "$BUILD/ecmpcost" --routes "$WORK/routes.txt" --in r0 --out r1 --alt r2 \
	--sizes "$SIZES" --runs "$RUNS" --park h0,h1 >"${1:-/dev/stdout}"
