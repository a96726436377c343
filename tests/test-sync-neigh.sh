#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# v4via6 sync's periodic neighbour refresh (NTF_USE) against the kernel's own
# neighbour entries: static ones (PERMANENT, NOARP) of next hops in use must be
# left exactly as they are, dynamic ones must keep being refreshed, and
# missing ones resolved.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/seed-topology.sh"
lib_init sync-neigh

T=$(mktemp -d /tmp/v4via6-sync-neigh.XXXXXX)
on_cleanup "rm -rf '$T'"

# two next hops on r1 that nobody answers for: only their static entries give them a MAC
P_LL=fe80::b:1
P_MAC=02:00:00:00:0b:01
N_LL=fe80::b:2
N_MAC=02:00:00:00:0b:02
# a third one, PERMANENT too, whose route comes while sync runs (refreshed at once when new)
L_LL=fe80::b:3
L_MAC=02:00:00:00:0b:03

if ! { seed_topology &&
	ip -n "$(ns r)" route add 10.9.1.0/24 via inet6 "$P_LL" dev r1 &&
	ip -n "$(ns r)" route add 10.9.2.0/24 via inet6 "$N_LL" dev r1 &&
	ip -n "$(ns r)" -6 neigh add "$P_LL" lladdr "$P_MAC" dev r1 nud permanent &&
	ip -n "$(ns r)" -6 neigh add "$N_LL" lladdr "$N_MAC" dev r1 nud noarp &&
	ip -n "$(ns r)" -6 neigh add "$L_LL" lladdr "$L_MAC" dev r1 nud permanent &&
	# a STALE entry is probed 1 s after its refresh, not 5
	ip netns exec "$(ns r)" sysctl -qw net.ipv6.neigh.r1.delay_first_probe_time=1; } \
	>"$T/topo" 2>&1; then
	fail topology "could not build the namespaces" "$(cat "$T/topo")"
	exit 1
fi
forget_pins r
if ! out=$(v6 r attach r0 r1 2>&1); then
	fail attach "v4via6 attach r0 r1" "$out"
	exit 1
fi

# every change the kernel makes to r1's neighbours while sync runs
nsx r ip -6 monitor neigh dev r1 >"$T/monitor" 2>&1 &
LIB_PIDS+=($!)
nsenter --net=/run/netns/"$(ns r)" "$V4VIA6" sync --refresh 1 2>>"$T/sync.log" &
LIB_PIDS+=($!)
if ! wait_for 20000 grep -q started "$T/sync.log"; then
	fail start "sync did not start" "$(cat "$T/sync.log")"
	exit 1
fi

# kernel_has ADDR MAC STATE: the kernel's entry for ADDR on r1 is in STATE with MAC
kernel_has() { nsx r ip -6 neigh show nud all dev r1 | grep -qx "$1 lladdr $2 $3 *"; }
map_has() { v6 r neigh show | grep -qx "$1 dev r1 lladdr $2"; }
kernel_r1() { nsx r ip -6 neigh show nud all dev r1; }

ip -n "$(ns r)" route add 10.9.3.0/24 via inet6 "$L_LL" dev r1
# a few refreshes (one a second)
wait_for 3000 map_has "$P_LL" "$P_MAC"
sleep 4
for x in "permanent $P_LL $P_MAC PERMANENT" "noarp $N_LL $N_MAC NOARP" \
	"permanent-new-route $L_LL $L_MAC PERMANENT"; do
	set -- $x
	t=$1-entry-kept
	if ! kernel_has "$2" "$3" "$4"; then
		fail $t "the kernel's $4 entry for $2 was changed" \
			"$(kernel_r1; echo '-- ip monitor:'; grep -F "$2 " "$T/monitor")"
	elif grep -qF "$2 " "$T/monitor"; then
		fail $t "the kernel's $4 entry for $2 was touched" "$(grep -F "$2 " "$T/monitor")"
	elif ! map_has "$2" "$3"; then
		fail $t "v4via6's neighbour map lost $2" "$(v6 r neigh show)"
	else
		pass "$t (kernel: $(kernel_r1 | grep -F "$2 "))"
	fi
done

# a STALE entry is refreshed as before: NTF_USE moves it to DELAY, the kernel probes, B answers
t=stale-entry-refreshed
nsx r ip -6 neigh replace "$B_LL" lladdr "$B_MAC" dev r1 nud stale
if wait_for 6000 kernel_has "$B_LL" "$B_MAC" REACHABLE && map_has "$B_LL" "$B_MAC"; then
	pass $t
else
	fail $t "not refreshed" "$(kernel_r1; v6 r neigh show)"
fi

# a missing entry is created and resolved
t=missing-entry-resolved
nsx r ip -6 neigh del "$B_LL" dev r1
if wait_for 6000 kernel_has "$B_LL" "$B_MAC" REACHABLE && wait_for 2000 map_has "$B_LL" "$B_MAC"; then
	pass $t
else
	fail $t "not resolved" "$(kernel_r1; v6 r neigh show)"
fi

[ "$LIB_FAILS" -eq 0 ]
