#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# v4via6 sync against random churn of the kernel's routes, in the spirit of the
# kernel's selftest fib_nexthops.sh: a router namespace with three links (r1 and
# r2 attached, r3 not), sync running, and tests/sync_churn.py making changes
# (route add/append/prepend/replace/del via inet6, via nexthop objects, IPv4
# gateways, blackhole, connected, ECMP, seg6 encapsulation, an mtu metric;
# nexthop objects and groups added, replaced and deleted; links down and up),
# comparing the routes map with what the kernel uses after every change. First
# the fixed scenarios of issue 8 (aliases; encapsulation and mtu as throw).
#   CHURN_STEPS (default 300), CHURN_SEED (default: random, printed) and CHURN_BUDGET
#   (seconds, default 45: the churn stops there on a slow machine, saying how far it got).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/seed-topology.sh"
lib_init sync-churn

T=$(mktemp -d /tmp/v4via6-churn.XXXXXX)
on_cleanup "rm -rf '$T'"
STEPS=${CHURN_STEPS:-300}
SEED=${CHURN_SEED:-$RANDOM}

sync_router_or_exit "$T"
nsenter --net=/run/netns/"$(ns r)" "$V4VIA6" sync 2>"$T/sync.log" &
SYNC_PID=$!
LIB_PIDS+=("$SYNC_PID")
if ! wait_for 20000 grep -q started "$T/sync.log"; then
	fail start "sync did not start" "$(cat "$T/sync.log"; kill -0 "$SYNC_PID" && echo "(still running)")"
	exit 1
fi

"$PYTHON" "$here/sync_churn.py" "$(ns r)" "$V4VIA6" "$SEED" "$STEPS" |
	sed "s|^FAIL sync-churn/|FAIL $LIB_NAME/|; s|^PASS sync-churn/|PASS $LIB_NAME/|"
rc=${PIPESTATUS[0]}
if ! kill -0 "$SYNC_PID" 2>/dev/null; then
	fail alive "sync exited during the churn" "$(tail -20 "$T/sync.log")"
elif [ "$rc" != 0 ]; then
	echo "    sync's log (last lines):"
	tail -8 "$T/sync.log" | sed 's/^/    /'
fi
kill "$SYNC_PID" 2>/dev/null
wait "$SYNC_PID" 2>/dev/null
exit 0
