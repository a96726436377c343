#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# v4via6 sync against the kernel, in the seed's namespaces plus host C (a
# second place for 10.0.8.3) and host D (on an interface left unattached):
# routes, nexthop objects, neighbours, interfaces, an overrun and a restart.
# Traffic is checked with counters: fwd_packets for XDP, the router's
# IpForwDatagrams for the kernel.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/seed-topology.sh"
lib_init sync

T=$(mktemp -d /tmp/v4via6-sync.XXXXXX)
on_cleanup "rm -rf '$T'"

D_MAC=02:00:00:00:00:0d
R3_MAC=02:00:00:00:00:04
D_LL=fe80::ff:fe00:d
NEW_B_MAC=02:00:00:00:00:bb
SYNC_PID=

if ! { seed_topology && seed_add_c && add_ns d && no_dad d && link r r3 d d0 "$R3_MAC" "$D_MAC"; } \
	>"$T/topo" 2>&1; then
	fail topology "could not build the namespaces" "$(cat "$T/topo")"
	exit 1
fi
forget_pins r
if ! out=$(v6 r attach r0 r1 r2 2>&1); then
	fail attach "v4via6 attach r0 r1 r2" "$out"
	exit 1
fi

# sync_start [ARGS...]: v4via6 sync in the router, its log in $T/sync.log. nsenter execs
# v4via6 (no function, no subshell), so that SYNC_PID is v4via6's own pid for kill -STOP.
sync_start() {
	nsenter --net=/run/netns/"$(ns r)" "$V4VIA6" sync "$@" 2>>"$T/sync.log" &
	SYNC_PID=$!
	LIB_PIDS+=("$SYNC_PID")
}
sync_stop() {
	kill "$SYNC_PID" 2>/dev/null
	wait "$SYNC_PID" 2>/dev/null
}

# has_route LINE: `v4via6 route show` prints LINE
has_route() { v6 r route show | grep -qxF "$1"; }
no_route() { ! v6 r route show | grep -Eq "^(throw )?$1 |^throw $1$"; }

# timed NAME LIMIT_MS WHAT cmd...: poll cmd every 10 ms; PASS with the time it took, or FAIL
# after LIMIT_MS. The clock (T0, set by the caller) starts when the kernel has the change, i.e.
# when `ip` returns; the time includes the probe's own cost (a v4via6 process, ~10 ms). On a
# machine so loaded that one probe takes more than half the limit, a late change cannot be told
# from a slow probe: SKIP, saying so (a change never seen within 3 s still FAILs).
timed() {
	local name=$1 limit=$2 what=$3 ms p0 took probe=0 ok
	shift 3
	while :; do
		p0=$(date +%s%N)
		"$@" >/dev/null 2>&1 && ok=1 || ok=
		took=$((($(date +%s%N) - p0) / 1000000))
		[ "$took" -gt "$probe" ] && probe=$took
		[ -n "$ok" ] && break
		ms=$((($(date +%s%N) - T0) / 1000000))
		if [ "$ms" -gt 3000 ]; then
			fail "$name" "$what: not after $ms ms" "$(v6 r route show 2>&1; tail -5 "$T/sync.log")"
			return 1
		fi
		sleep 0.01
	done
	ms=$((($(date +%s%N) - T0) / 1000000))
	if [ "$ms" -gt "$limit" ] && [ "$probe" -gt $((limit / 2)) ]; then
		skip "$name" "$what seen after $ms ms, but one probe takes $probe ms on this loaded machine: a $limit ms latency cannot be measured"
	elif [ "$ms" -gt "$limit" ]; then
		fail "$name" "$what: seen after $ms ms, more than $limit"
		return 1
	else
		pass "$name ($what in $ms ms)"
	fi
}

# settle LIMIT_MS cmd...: poll cmd (a slow one) every 200 ms until it succeeds, LIMIT_MS at most
settle() {
	local end=$(($(date +%s%N) / 1000000 + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $(($(date +%s%N) / 1000000)) -gt "$end" ] && return 1
		sleep 0.2
	done
}

# kernel_vs_map: the kernel's IPv4 routes with an IPv6 next hop, and v4via6's routes with a
# next hop, as two sorted lists "PREFIX via ADDR dev IFACE"; prints the difference, fails if any
kernel_vs_map() {
	nsx r ip -j -4 route show table main >"$T/kernel.json"
	v6 r route show >"$T/map.txt"
	"$PYTHON" - "$T/kernel.json" "$T/map.txt" <<'PY'
import json, sys
k = set()
for r in json.load(open(sys.argv[1])):
    via = r.get("via") or {}
    if via.get("family") != "inet6":
        continue
    dst = r["dst"]
    dst = "0.0.0.0/0" if dst == "default" else dst if "/" in dst else dst + "/32"
    k.add("%s via %s dev %s" % (dst, via["host"], r["dev"]))
m = set()
for line in open(sys.argv[2]):
    f = line.split()
    if len(f) >= 6 and f[1] == "via" and f[2] == "inet6" and f[4] == "dev" and f[5] != "if0":
        m.add("%s via %s dev %s" % (f[0], f[3], f[5]))
if k != m:
    print("kernel %d, map %d" % (len(k), len(m)))
    for x in sorted(k - m)[:10]:
        print("only in the kernel:", x)
    for x in sorted(m - k)[:10]:
        print("only in the map:", x)
    sys.exit(1)
print(len(k))
PY
}

# ping_a NAME ARGS...: ping from A; fails NAME with its output when a reply is missing
ping_a() {
	local name=$1 out
	shift
	out=$(nsx a ping -q -W 1 "$@" 2>&1) && return 0
	fail "$name" "ping $* from A lost replies" "$out"
	return 1
}

sync_start
t=start
# "started" once the first reconcile is over, /24 table rebuilt (seconds on a loaded machine):
# the latencies below are measured from then on
if wait_for 20000 grep -q started "$T/sync.log" &&
	wait_for 2000 has_route "$B_IP/32 via inet6 $B_LL dev r1" &&
	wait_for 3000 has_route "$A_IP/32 via inet6 $A_LL dev r0"; then pass $t; else
	fail $t "the seed's routes did not appear" "$(v6 r route show 2>&1; cat "$T/sync.log")"
	exit 1
fi

# --- routes: add, replace, del, each seen within 100 ms ---------------------------------------
nsx r ip route add 10.9.0.0/16 via inet6 "$B_LL" dev r1
T0=$(date +%s%N)
timed route-add 100 "route add" has_route "10.9.0.0/16 via inet6 $B_LL dev r1"
nsx r ip route replace 10.9.0.0/16 via inet6 "$C_LL" dev r2
T0=$(date +%s%N)
timed route-replace 100 "route replace" has_route "10.9.0.0/16 via inet6 $C_LL dev r2"
nsx r ip route del 10.9.0.0/16
T0=$(date +%s%N)
timed route-del 100 "route del" no_route 10.9.0.0/16

# Traffic follows: B's address moved to C in the kernel; A's pings are then answered by C,
# forwarded by XDP both ways (IpForwDatagrams still).
t=traffic-follows
nsx r ip route replace "$B_IP/32" via inet6 "$C_LL" dev r2
if wait_for 3000 has_route "$B_IP/32 via inet6 $C_LL dev r2" && cap_start c c0 "$T/c.pcap" icmp; then
	snap r >"$T/s0"
	if ping_a $t -c 5 -i 0.05 "$B_IP"; then
		snap r >"$T/s1"
		cap_stop "$CAP_PID"
		n=$(cap_count "$T/c.pcap" icmp and dst host "$B_IP")
		fwd=$(delta "$T/s0" "$T/s1" fwd_packets)
		kfwd=$(delta "$T/s0" "$T/s1" IpForwDatagrams)
		if [ "$n" -ge 5 ] && [ "$fwd" -ge 10 ] && [ "$kfwd" = 0 ]; then
			pass "$t (C got $n requests; fwd_packets +$fwd, IpForwDatagrams +$kfwd)"
		else
			fail $t "C got $n requests, fwd_packets +$fwd, IpForwDatagrams +$kfwd" \
				"$(paste "$T/s0" "$T/s1")"
		fi
	fi
else
	fail $t "route to C not mirrored, or no capture in C" "$(v6 r route show 2>&1)"
fi
nsx r ip route replace "$B_IP/32" via inet6 "$B_LL" dev r1

# --- nexthop objects (FRR's way) -----------------------------------------------------------------
t=nexthop-object
nsx r ip nexthop add id 10 via "$B_LL" dev r1
nsx r ip route add 10.9.0.0/16 nhid 10
# has_nh ID ADDR DEV: `nexthop show` has the kernel's object ID via ADDR dev DEV
has_nh() { v6 r nexthop show | grep -Eq "^id $1 via (inet6 )?$2 dev $3( |$)"; }
T0=$(date +%s%N)
if timed $t-route 100 "route via nhid 10" has_route "10.9.0.0/16 nhid 10" &&
	has_nh 10 "$B_LL" r1; then
	nsx r ip nexthop replace id 10 via "$C_LL" dev r2
	T0=$(date +%s%N)
	timed $t-replace 100 "nexthop replace" has_nh 10 "$C_LL" r2
	# traffic through the object: B's address via nhid 10 (now C)
	nsx r ip route replace "$B_IP/32" nhid 10
	snap r >"$T/s0"
	if wait_for 3000 has_route "$B_IP/32 nhid 10" &&
		ping_a $t-traffic -c 3 -i 0.05 "$B_IP"; then
		snap r >"$T/s1"
		fwd=$(delta "$T/s0" "$T/s1" fwd_packets)
		kfwd=$(delta "$T/s0" "$T/s1" IpForwDatagrams)
		if [ "$fwd" -ge 6 ] && [ "$kfwd" = 0 ]; then
			pass "$t-traffic (fwd_packets +$fwd, IpForwDatagrams +$kfwd)"
		else
			fail $t-traffic "fwd_packets +$fwd, IpForwDatagrams +$kfwd"
		fi
	fi
	nsx r ip route replace "$B_IP/32" via inet6 "$B_LL" dev r1
	nsx r ip nexthop del id 10
	T0=$(date +%s%N)
	timed $t-del 100 "nexthop del (its routes go)" no_route 10.9.0.0/16
fi

# --- ECMP: every next hop with its weight, as a group (test-sync-ecmp.sh has the rest) ---------
t=multipath
nsx r ip route add 10.40.0.0/16 nexthop via inet6 "$B_LL" dev r1 nexthop via inet6 "$C_LL" dev r2
if wait_for 3000 has_route "10.40.0.0/16" &&
	v6 r route show | grep -A2 -x "10.40.0.0/16" | grep -q "nexthop via inet6 $B_LL dev r1 weight 1" &&
	v6 r route show | grep -A2 -x "10.40.0.0/16" | grep -q "nexthop via inet6 $C_LL dev r2 weight 1"; then
	pass $t
else
	fail $t "not installed with both next hops" "$(v6 r route show; tail -3 "$T/sync.log")"
fi
nsx r ip route del 10.40.0.0/16
# a multipath default route, which route show names "default"
t=multipath-default
nsx r ip -4 route add 0/0 nexthop via inet6 "$B_LL" dev r1 nexthop via inet6 "$C_LL" dev r2
if wait_for 1000 has_route "default" &&
	v6 r route show | grep -A2 -x "default" | grep -q "nexthop via inet6 $C_LL dev r2 weight 1"; then
	pass $t
else
	fail $t "no multipath default" "$(v6 r route show; tail -3 "$T/sync.log")"
fi
nsx r ip -4 route del 0/0
wait_for 2000 no_route default || fail $t-del "default stayed after ip route del" "$(v6 r route show)"

# two default routes of one metric (append): the kernel picks by its neighbours' state
# (fib_select_default), so sync leaves the default to the kernel, and says so
t=default-aliases
nsx r ip -4 route add 0/0 via inet6 "$B_LL" dev r1
nsx r ip -4 route append 0/0 via inet6 "$C_LL" dev r2
if wait_for 2000 has_route "throw default" &&
	grep -q "warning: several default routes of one metric" "$T/sync.log"; then pass $t; else
	fail $t "want a throw default and a warning" "$(v6 r route show; nsx r ip route; tail -5 "$T/sync.log")"
fi
nsx r ip -4 route del 0/0 via inet6 "$C_LL" dev r2
wait_for 2000 has_route "default via inet6 $B_LL dev r1" ||
	fail $t-one-left "one default left: want it mirrored" "$(v6 r route show)"
nsx r ip -4 route del 0/0
wait_for 2000 no_route default || fail $t-del "default stayed after ip route del" "$(v6 r route show)"

# --- what stays with the kernel gets a kernel entry, so that 10/8 cannot capture it -------------
t=kernel-entries
nsx r ip route add 10.0.0.0/8 via inet6 "$B_LL" dev r1
nsx r ip route add 10.50.0.0/16 via 192.0.2.1 dev r1 onlink
nsx r ip route add blackhole 10.51.0.0/16
if wait_for 3000 has_route "10.0.0.0/8 via inet6 $B_LL dev r1" &&
	wait_for 3000 has_route "throw 10.50.0.0/16" &&
	wait_for 3000 has_route "throw 10.51.0.0/16"; then pass $t; else
	fail $t "10/8 mirrored, 10.50/16 and 10.51/16 as kernel entries expected" "$(v6 r route show)"
fi
# v4via6 status reads sync's status file (rewritten at most once a second)
t=status
status_has() { v6 r status | grep -q "$1"; }
if wait_for 1500 status_has "ipv4_gateway 1 .*blackhole 1 " && status_has "sync: running" &&
	v6 r -j status | "$PYTHON" -c '
import json, sys
s = json.load(sys.stdin)["sync"]
assert s["running"] and s["routes_blackhole"] == 1 and s["routes_ipv4_gateway"] == 1, s'; then
	pass $t
else
	fail $t "status does not show the running sync and its counts" "$(v6 r status; v6 r -j status)"
fi
nsx r ip route del 10.0.0.0/8
nsx r ip route del 10.50.0.0/16
nsx r ip route del blackhole 10.51.0.0/16
t=kernel-entries-gone
if wait_for 1000 no_route 10.50.0.0/16 && wait_for 1000 no_route 10.51.0.0/16 &&
	wait_for 1000 no_route 10.0.0.0/8; then pass $t; else
	fail $t "entries left after the kernel's routes went" "$(v6 r route show)"
fi

# --- interfaces: not attached is left to the kernel until attached --------------------------------
t=not-attached
nsx r ip route add 10.30.0.0/16 via inet6 "$D_LL" dev r3
if wait_for 3000 has_route "throw 10.30.0.0/16"; then
	v6 r attach r3 >"$T/attach3" 2>&1
	# attaching is no netlink event: sync looks at the egress map every second
	if wait_for 2500 has_route "10.30.0.0/16 via inet6 $D_LL dev r3"; then pass $t; else
		fail $t "not mirrored after attach r3" "$(cat "$T/attach3"; v6 r route show)"
	fi
else
	fail $t "route via unattached r3 not a kernel entry" "$(v6 r route show)"
fi
nsx r ip route del 10.30.0.0/16

# egress_of IFINDEX: "MAC MTU" of the egress map's entry
egress_of() {
	bpftool -j map dump pinned "$(pin_dir_of r)/egress" | "$PYTHON" -c '
import json, sys
for e in json.load(sys.stdin):
    f = e.get("formatted", e)
    if int(f["key"]) == int(sys.argv[1]):
        v = f["value"]
        print(":".join("%02x" % int(b) for b in v["mac"]), v["mtu"])
' "$1"
}
egress_is() { test "$(egress_of "$1")" = "$2"; }
t=egress-follows-link
r1=$(ip -n "$(ns r)" -o link show r1 | cut -d: -f1)
nsx r ip link set r1 mtu 1400
nsx r ip link set r1 address 02:00:00:00:00:22
if wait_for 1000 egress_is "$r1" "02:00:00:00:00:22 1400"; then pass $t; else
	fail $t "egress of r1 is '$(egress_of "$r1")', expected '02:00:00:00:00:22 1400'"
fi
nsx r ip link set r1 mtu 1500
nsx r ip link set r1 address "$R1_MAC"
wait_for 1000 egress_is "$r1" "$R1_MAC 1500"

# --- neighbours: a changed MAC is followed, and traffic goes to it -------------------------------
has_neigh() { v6 r neigh show | grep -q "$1.*$2"; }
t=neigh-mac-change
# the kernel's entry for B must be there first (NTF_USE keeps it)
wait_for 1000 has_neigh "$B_LL" "$B_MAC"
ip -n "$(ns b)" link set b0 address "$NEW_B_MAC"
nsx r ip neigh replace "$B_LL" lladdr "$NEW_B_MAC" dev r1
T0=$(date +%s%N)
if timed $t 100 "neighbour MAC change" has_neigh "$B_LL" "$NEW_B_MAC"; then
	t=neigh-traffic
	if cap_start b b0 "$T/b.pcap" icmp; then
		snap r >"$T/s0"
		ping_a $t -c 3 -i 0.05 "$B_IP"
		snap r >"$T/s1"
		cap_stop "$CAP_PID"
		n=$(cap_count "$T/b.pcap" -e ether dst "$NEW_B_MAC" and icmp)
		fwd=$(delta "$T/s0" "$T/s1" fwd_packets)
		if [ "$n" -ge 3 ] && [ "$fwd" -ge 6 ]; then
			pass "$t ($n frames to $NEW_B_MAC; fwd_packets +$fwd)"
		else
			fail $t "$n frames to $NEW_B_MAC, fwd_packets +$fwd"
		fi
	else
		fail $t "tcpdump did not start in B"
	fi
fi
ip -n "$(ns b)" link set b0 address "$B_MAC"
nsx r ip neigh replace "$B_LL" lladdr "$B_MAC" dev r1 nud reachable

# A next hop with no kernel entry: sync's periodic NTF_USE (every 3 s) makes the kernel resolve it,
# with no traffic at all, and the map follows
t=neigh-resolved-by-ntf-use
no_neigh() { ! v6 r neigh show | grep -q "$1"; }
wait_for 3000 has_neigh "$B_LL" "$B_MAC"
nsx r ip neigh flush dev r1
T0=$(date +%s%N)
if ! wait_for 1000 no_neigh "$B_LL"; then
	fail $t "the flushed entry stayed in the map" "$(v6 r neigh show)"
elif wait_for 5000 has_neigh "$B_LL" "$B_MAC"; then
	pass "$t (back after $((($(date +%s%N) - T0) / 1000000)) ms; kernel: $(nsx r ip -6 neigh show dev r1 | grep "$B_LL"))"
else
	fail $t "not resolved again" "$(nsx r ip -6 neigh show; v6 r neigh show)"
fi

# --- overrun: 10,000 routes in one batch through a tiny socket buffer ----------------------------
t=overrun
sync_stop
: >"$T/sync.log"
sync_start --rcvbuf 4096
# started means subscribed: stopped before that, it would miss the burst, not overrun (a loaded
# machine can take seconds to start it)
wait_for 20000 grep -q started "$T/sync.log"
for i in $(seq 0 9999); do
	echo "route add 10.$((100 + i / 256)).$((i % 256)).0/24 via inet6 $B_LL dev r1"
done >"$T/batch"
# stopped while the kernel sends 10,000 notifications, sync must overrun
kill -STOP "$SYNC_PID"
nsx r ip -batch "$T/batch"
T0=$(date +%s%N)
kill -CONT "$SYNC_PID"
if settle 20000 kernel_vs_map; then
	ms=$((($(date +%s%N) - T0) / 1000000))
	n=$(kernel_vs_map)
	# from SIGCONT to a map found equal (the check itself takes ~0.3 s with 10,000 routes)
	# the resync logs once its /24 table is rebuilt, after the routes are in the trie
	wait_for 20000 grep -q 'resync after an overrun' "$T/sync.log"
	overruns=$(grep -c 'resync after an overrun' "$T/sync.log")
	if [ "$overruns" -ge 1 ]; then
		pass "$t ($n routes equal in the map after $ms ms; $overruns resyncs after overruns)"
	else
		fail $t "maps equal, but no overrun happened: the test proved nothing" "$(cat "$T/sync.log")"
	fi
else
	fail $t "map differs from the kernel" "$(kernel_vs_map; tail -5 "$T/sync.log")"
fi
sed 's/^route add/route del/' "$T/batch" >"$T/unbatch"
kill -STOP "$SYNC_PID"
nsx r ip -batch "$T/unbatch"
kill -CONT "$SYNC_PID"
t=overrun-del
if settle 20000 kernel_vs_map; then pass "$t ($(kernel_vs_map) routes left)"; else
	fail $t "map differs from the kernel" "$(kernel_vs_map; tail -5 "$T/sync.log")"
fi

# --- restart: reconcile in place; B's route never leaves the map ----------------------------------
t=restart
nsx r ip route add 10.20.0.0/16 via inet6 "$B_LL" dev r1
nsx r ip route add 10.22.0.0/16 via inet6 "$B_LL" dev r1
wait_for 200 has_route "10.22.0.0/16 via inet6 $B_LL dev r1"
snap r >"$T/s0"
nsx a ping -q -c 150 -i 0.01 -W 1 "$B_IP" >"$T/ping" 2>&1 &
ping_pid=$!
sleep 0.3
sync_stop
nsx r ip route del 10.20.0.0/16
nsx r ip route add 10.21.0.0/16 via inet6 "$C_LL" dev r2
nsx r ip route replace 10.22.0.0/16 via inet6 "$C_LL" dev r2
sync_start
wait "$ping_pid"
ping_rc=$?
snap r >"$T/s1"
kfwd=$(delta "$T/s0" "$T/s1" IpForwDatagrams)
fwd=$(delta "$T/s0" "$T/s1" fwd_packets)
if ! settle 10000 kernel_vs_map; then
	fail $t "map differs from the kernel after the restart" "$(kernel_vs_map)"
elif [ "$ping_rc" != 0 ] || [ "$kfwd" != 0 ] || [ "$fwd" -lt 300 ]; then
	fail $t "during the restart: ping rc $ping_rc, fwd_packets +$fwd, IpForwDatagrams +$kfwd" \
		"$(cat "$T/ping")"
else
	pass "$t (map equal to the kernel; 150 pings, all by XDP: fwd_packets +$fwd, IpForwDatagrams +0)"
fi

# --- detach --all and attach again: sync follows the new maps ------------------------------------
t=reattach
v6 r detach --all >"$T/detach" 2>&1
v6 r attach r0 r1 r2 >>"$T/detach" 2>&1
# a new program and new, empty maps: sync notices within a second and fills them
if wait_for 10000 has_route "$B_IP/32 via inet6 $B_LL dev r1" && kill -0 "$SYNC_PID" &&
	settle 10000 kernel_vs_map; then pass "$t (map refilled: $(kernel_vs_map) routes)"; else
	fail $t "the new maps were not filled" "$(cat "$T/detach"; v6 r route show; tail -3 "$T/sync.log")"
fi

sync_stop
exit 0
