#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# v4via6 sync while the kernel's tables change under its dumps (issue 8, defect 13):
# 65,536 nexthop objects added in one `ip -batch` (as FRR does with many groups),
# sync started in the middle of it, and a link flapping meanwhile (each flap makes
# sync dump everything again). The kernel flags such dumps NLM_F_DUMP_INTR; sync
# must dump again, never exit, and end with the map equal to the kernel.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/seed-topology.sh"
lib_init sync-dumpintr

T=$(mktemp -d /tmp/v4via6-dumpintr.XXXXXX)
on_cleanup "rm -rf '$T'"
N=65536

sync_router_or_exit "$T"
nsx r ip route add 10.1.0.0/16 via inet6 fe80::1 dev r1
awk -v n="$N" 'BEGIN { for (i = 1000; i < 1000 + n; i++)
	printf "nexthop add id %d via fe80::%x dev r2\n", i, i % 4000 + 1 }' >"$T/batch"

nsx r ip -batch "$T/batch" >"$T/batch.out" 2>&1 &
BATCH_PID=$!
LIB_PIDS+=("$BATCH_PID")
sleep 0.5
# started mid-batch: its first dumps race with the additions
nsenter --net=/run/netns/"$(ns r)" "$V4VIA6" sync 2>"$T/sync.log" &
SYNC_PID=$!
LIB_PIDS+=("$SYNC_PID")
# each flap of r3 makes sync dump everything again, while the batch goes on
flaps=0
while kill -0 "$BATCH_PID" 2>/dev/null && kill -0 "$SYNC_PID" 2>/dev/null; do
	sleep 0.5
	nsx r ip link set r3 down && nsx r ip link set r3 up && flaps=$((flaps + 1))
done
wait "$BATCH_PID"
batch_rc=$?

t=alive
if ! kill -0 "$SYNC_PID" 2>/dev/null; then
	wait "$SYNC_PID"
	fail $t "sync exited (status $?) while the nexthop objects were being added" \
		"$(tail -5 "$T/sync.log")"
	exit 0
fi
if [ "$batch_rc" != 0 ]; then
	fail $t "ip -batch failed" "$(tail -3 "$T/batch.out")"
	exit 0
fi
pass "$t (sync ran through the batch and $flaps link flaps)"

# a route through one of the new objects: mirrored once sync has caught up
nsx r ip route add 10.2.0.0/16 nhid 40000
t=map-equal
if out=$("$PYTHON" "$here/sync_churn.py" "$(ns r)" "$V4VIA6" compare 30 2>&1) &&
	v6 r route show | grep -qx "10.2.0.0/16 nhid 40000"; then
	pass "$t (after $N nexthop objects, $flaps link flaps)"
else
	fail $t "the map differs from the kernel" "$out$(v6 r route show; tail -5 "$T/sync.log")"
fi

t=dump-interrupted
status_field() {
	v6 r -j status | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["sync"].get(sys.argv[1], 0))' "$1"
}
# the status file is rewritten at most once a second
sleep 1.2
intr=$(status_field dumps_interrupted)
if [ "${intr:-0}" -gt 0 ]; then
	pass "$t ($intr interrupted dumps redone; sync still running: $(kill -0 "$SYNC_PID" && echo yes))"
else
	skip $t "no dump was interrupted in this run (the race was not hit; sync stayed up)"
fi
kill "$SYNC_PID" 2>/dev/null
wait "$SYNC_PID" 2>/dev/null
exit 0
