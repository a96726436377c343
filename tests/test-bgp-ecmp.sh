#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# ECMP from a routing daemon (issue 11): a leaf and two spines, IPv6 link-local only, unnumbered eBGP
# with extended next hop (RFC 8950), both spines announcing the same prefix P, multipath on the leaf:
#
#                                  l1|s1l  spine1 (AS 65100)  s1d|d1 -- sink 10.2.2.2 (P = 10.2.2.0/24)
#   host 10.1.1.2 -- h0|lh  leaf (AS 65001)
#                                  l2|s2l  spine2 (AS 65100)  s2d|d2 -- sink 10.2.2.2
#
# The spines share an AS, as in most fabrics: both paths have the same AS path, which BIRD needs to
# merge them (and FRR to count them as multipath). BIRD 2 first: its kernel protocol, with `merge
# paths on`, installs P on the leaf as one RTA_MULTIPATH route; then FRR 8.4, whose zebra installs it
# through a kernel nexthop group (RTA_NH_ID -> NHA_GROUP). Each time: the leaf's kernel has both paths,
# v4via6 sync (on the leaf, attached to its three interfaces) mirrors both, and 256 UDP flows from the
# host (distinct source ports) are forwarded by the leaf's XDP over both spines (counted at each spine
# by its IpForwDatagrams: the spines forward in their kernels; the leaf's fwd_packets move, its
# IpForwDatagrams do not). One spine's session withdrawn leaves one path in the kernel and in v4via6,
# and every flow goes to the other spine; the session back brings the second path back, and the flows
# spread again.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/seed-topology.sh"
source "$here/bgp-lib.sh"
lib_init bgp-ecmp

T=$(mktemp -d /tmp/v4via6-bgp-ecmp.XXXXXX)
on_cleanup "rm -rf '$T'"
BGP_DIR=$T

H_MAC=02:00:00:00:03:0a LH_MAC=02:00:00:00:03:01
L1_MAC=02:00:00:00:03:11 S1L_MAC=02:00:00:00:03:12 S1D_MAC=02:00:00:00:03:13 D1_MAC=02:00:00:00:03:1d
L2_MAC=02:00:00:00:03:21 S2L_MAC=02:00:00:00:03:22 S2D_MAC=02:00:00:00:03:23 D2_MAC=02:00:00:00:03:2d
H_LL=fe80::ff:fe00:30a LH_LL=fe80::ff:fe00:301
L1_LL=fe80::ff:fe00:311 S1L_LL=fe80::ff:fe00:312 S1D_LL=fe80::ff:fe00:313 D1_LL=fe80::ff:fe00:31d
L2_LL=fe80::ff:fe00:321 S2L_LL=fe80::ff:fe00:322 S2D_LL=fe80::ff:fe00:323 D2_LL=fe80::ff:fe00:32d
H_IP=10.1.1.2 NET1=10.1.1.0/24 P=10.2.2.0/24 DST=10.2.2.2
# the leaf's two paths to P, as kernel_paths and v6_paths print them
VIA1="via inet6 $S1L_LL dev l1" VIA2="via inet6 $S2L_LL dev l2"
BOTH="$VIA1
$VIA2"
FLOWS=256 ROUNDS=4 # 1024 datagrams a run

# spine_side S D S_LL SD_MAC SD_LL D_MAC D_LL: spine S's link to its sink D (the link to the leaf is
# made already, S_LL its address there), its kernel route to P
spine_side() {
	local s=$1 d=$2
	link "$d" "$d" "$s" "${s}d" "$6" "$4" || return 1
	ip netns exec "$(ns "$s")" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.forwarding=1 ||
		return 1
	# the leaf's XDP redirects into this veth: its end must run NAPI (README "Known limits")
	ip netns exec "$(ns "$s")" ethtool -K "${s}l" gro on >/dev/null || return 1
	# the sink has P's address and no route: no ICMP error comes back to be counted as traffic
	ip -n "$(ns "$d")" addr add "$DST/32" dev "$d" || return 1
	ip -n "$(ns "$s")" route add "$P" via inet6 "$7" dev "${s}d" || return 1
	wait_for 3000 ll_ready "$s" "${s}l" "$3" && wait_for 3000 ll_ready "$s" "${s}d" "$5" &&
		wait_for 3000 ll_ready "$d" "$d" "$7"
}

topology() {
	add_ns h leaf s1 s2 d1 d2 || return 1
	for n in h leaf s1 s2 d1 d2; do no_dad $n || return 1; done
	link h h0 leaf lh "$H_MAC" "$LH_MAC" || return 1
	link leaf l1 s1 s1l "$L1_MAC" "$S1L_MAC" || return 1
	link leaf l2 s2 s2l "$L2_MAC" "$S2L_MAC" || return 1
	ip netns exec "$(ns leaf)" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.forwarding=1 ||
		return 1
	host_side h h0 "$H_IP" "$LH_LL" || return 1
	# whole UDP checksums: a partial one (veth offload) does not survive an XDP redirect
	ip netns exec "$(ns h)" ethtool -K h0 tx off >/dev/null || return 1
	# the leaf reaches its host's prefix; the daemons learn it from the kernel and announce it
	ip -n "$(ns leaf)" route add "$NET1" via inet6 "$H_LL" dev lh || return 1
	spine_side s1 d1 "$S1L_LL" "$S1D_MAC" "$S1D_LL" "$D1_MAC" "$D1_LL" || return 1
	spine_side s2 d2 "$S2L_LL" "$S2D_MAC" "$S2D_LL" "$D2_MAC" "$D2_LL" || return 1
	wait_for 3000 ll_ready leaf lh "$LH_LL" && wait_for 3000 ll_ready leaf l1 "$L1_LL" &&
		wait_for 3000 ll_ready leaf l2 "$L2_LL" && wait_for 3000 ll_ready h h0 "$H_LL"
}

if ! topology >"$T/topo" 2>&1; then
	fail topology "could not build the namespaces" "$(cat "$T/topo")"
	exit 1
fi
forget_pins leaf
if ! out=$(v6 leaf attach lh l1 l2 2>&1); then
	fail attach "v4via6 attach lh l1 l2 in the leaf" "$out"
	exit 1
fi
sync_start leaf

# state: what the leaf's kernel and v4via6 hold for P, and sync's last words (for FAIL lines)
state() {
	echo "== leaf kernel: ip route show $P; ip nexthop"
	ip -n "$(ns leaf)" route show "$P"
	ip -n "$(ns leaf)" nexthop
	echo "== leaf v4via6: route show; nexthop show -s"
	v6 leaf route show
	v6 leaf nexthop show -s
	echo "== leaf sync log (last lines)"
	tail -5 "$T/sync-leaf.log"
} 2>&1

# flows_send: FLOWS UDP flows (source ports 20000 and up) from the host to DST, ROUNDS datagrams
# each, paced a little so that no veth ring overflows
flows_send() {
	nsx h "$PYTHON" -c '
import socket, sys, time
flows, rounds, dst = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
socks = []
for i in range(flows):
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind(("", 20000 + i))
	socks.append(s)
for r in range(rounds):
	for i, s in enumerate(socks):
		s.sendto(b"v4via6 ecmp flow", (dst, 9))
		if i % 32 == 31:
			time.sleep(0.002)
' "$FLOWS" "$ROUNDS" "$DST"
}

# flow_ports PCAP: the source ports (flows) of the datagrams in PCAP, one per line, sorted
flow_ports() {
	tcpdump -n -r "$1" 2>/dev/null | awk '{ n = split($3, a, "."); print a[n] }' | sort -u
}

# uplink_packets DEV: what the leaf's XDP forwarded to next hops on DEV: the counters of the forwarding
# table's objects (`nexthop show -s`: a group's members count in their next hops' objects)
uplink_packets() {
	v6 leaf nexthop show -s | awk -v d="$1" '
		/^object [0-9]+ via inet6 / {
			on = 0
			for (i = 1; i < NF; i++)
				if ($i == "dev" && $(i + 1) == d)
					on = 1
			next
		}
		/^[^ ]/ { on = 0 }
		on && $1 == "forwarded:" { s += $3 }
		END { print s + 0 }'
}

# flows_run: send the flows and count where they went: S1 and S2 (datagrams each spine forwarded),
# F1, F2 and FB (flows seen at spine1, at spine2, at both: captured on each spine's uplink), M1 and M2
# (the leaf's own per-uplink counters), FWD and KFWD (the leaf's fwd_packets and IpForwDatagrams); SENT
# is what the host sent
flows_run() {
	local s1 s2 c1 c2 m1 m2
	# one datagram first: the host's and the spines' neighbours resolved, before counting
	FLOWS=64 ROUNDS=1 flows_send >/dev/null 2>&1
	sleep 0.2
	cap_start s1 s1l "$T/s1.pcap" udp dst port 9 && c1=$CAP_PID || return 1
	cap_start s2 s2l "$T/s2.pcap" udp dst port 9 && c2=$CAP_PID || return 1
	snap leaf >"$T/leaf.0" && s1=$(ip_fwd s1) && s2=$(ip_fwd s2)
	m1=$(uplink_packets l1) m2=$(uplink_packets l2)
	flows_send || return 1
	sleep 0.3
	snap leaf >"$T/leaf.1"
	S1=$(($(ip_fwd s1) - s1)) S2=$(($(ip_fwd s2) - s2)) SENT=$((FLOWS * ROUNDS))
	M1=$(($(uplink_packets l1) - m1)) M2=$(($(uplink_packets l2) - m2))
	cap_stop "$c1"
	cap_stop "$c2"
	flow_ports "$T/s1.pcap" >"$T/s1.ports"
	flow_ports "$T/s2.pcap" >"$T/s2.ports"
	F1=$(wc -l <"$T/s1.ports") F2=$(wc -l <"$T/s2.ports")
	FB=$(comm -12 "$T/s1.ports" "$T/s2.ports" | wc -l)
	FWD=$(delta "$T/leaf.0" "$T/leaf.1" fwd_packets)
	KFWD=$(delta "$T/leaf.0" "$T/leaf.1" IpForwDatagrams)
	COUNTS="sent $SENT in $FLOWS flows; spine1 +$S1 ($F1 flows), spine2 +$S2 ($F2 flows),"
	COUNTS+=" $FB flows on both;"
	COUNTS+=" leaf: nexthop show -s l1 +$M1, l2 +$M2, fwd_packets +$FWD, IpForwDatagrams +$KFWD"
}

# xdp_spreads NAME: the flows are forwarded by the leaf's XDP over both spines, each taking at least
# a fifth of them (256 flows over 2 equal members: a share under 20% would be 9 standard deviations
# off), every flow on one spine only, the leaf's per-uplink counters agreeing; a few datagrams may
# be lost or pass through the kernel on a loaded machine
xdp_spreads() {
	local t=$1
	if ! flows_run >"$T/flows.out" 2>&1; then
		fail "$t" "could not send the flows" "$(cat "$T/flows.out")"
		return
	fi
	if [ $((S1 * 5)) -ge "$SENT" ] && [ $((S2 * 5)) -ge "$SENT" ] &&
		[ $(((S1 + S2) * 10)) -ge $((SENT * 9)) ] && [ $((FWD * 10)) -ge $((SENT * 9)) ] &&
		[ "$KFWD" -le 5 ] && [ "$FB" -eq 0 ] && [ $((M1 * 5)) -ge "$SENT" ] &&
		[ $((M2 * 5)) -ge "$SENT" ]; then
		pass "$t ($COUNTS)"
	else
		fail "$t" "not spread over both spines by XDP, one spine per flow: $COUNTS" "$(state)"
	fi
}

# xdp_one_spine NAME: every flow goes to spine2, forwarded by the leaf's XDP
xdp_one_spine() {
	local t=$1
	if ! flows_run >"$T/flows.out" 2>&1; then
		fail "$t" "could not send the flows" "$(cat "$T/flows.out")"
		return
	fi
	if [ "$S1" -eq 0 ] && [ "$F1" -eq 0 ] && [ "$M1" -eq 0 ] && [ $((S2 * 10)) -ge $((SENT * 9)) ] &&
		[ $((FWD * 10)) -ge $((SENT * 9)) ] && [ "$KFWD" -le 5 ]; then
		pass "$t ($COUNTS)"
	else
		fail "$t" "not all on spine2 by XDP: $COUNTS" "$(state)"
	fi
}

# paths_check NAME WANT WHAT: the leaf's kernel, then v4via6, have exactly the paths WANT to P; they
# have 10 s to get there (a daemon's decision, then sync's)
paths_check() {
	local t=$1 want=$2 what=$3 T0
	T0=$(date +%s%N)
	if ! wait_for 10000 kernel_has_paths leaf "$P" "$want"; then
		fail "$t" "the leaf's kernel does not have $what" "$(state)"
	elif ! wait_for 5000 v6_has_paths leaf "$P" "$want"; then
		fail "$t" "the kernel has $what, v4via6 does not" "$(state)"
	else
		pass "$t ($what in both after $((($(date +%s%N) - T0) / 1000000)) ms)"
	fi
}

# --- BIRD 2: RTA_MULTIPATH ---------------------------------------------------------------------

# bird_leaf: the leaf's configuration: one session per spine, and the kernel protocol merging the
# equal routes from both into one multipath route
bird_leaf() {
	cat <<CONF
log "$T/bird-leaf.log" all;
# no IPv4 address on the box: the router id must be given
router id 192.0.2.10;

protocol device { scan time 10; }

protocol kernel kernel4 {
	ipv4 {
		import all;
		export where source = RTS_BGP;
	};
	learn;
	scan time 10;
	# ECMP: the best route and those equal to it (same AS path length, origin, MED, neighbour
	# AS...) go to the kernel as one RTA_MULTIPATH route
	merge paths on;
}

template bgp spine {
	local as 65001;
	connect delay time 1;
	connect retry time 2;
	ipv4 {
		# RFC 8950: IPv4 routes with an IPv6 (here link-local) next hop
		extended next hop on;
		# eBGP requires explicit filters
		import all;
		export where proto = "kernel4";
	};
}

protocol bgp spine1 from spine { neighbor $S1L_LL%l1 as 65100; }
protocol bgp spine2 from spine { neighbor $S2L_LL%l2 as 65100; }
CONF
}

# bird_spine ROUTER_ID LEAF_LL IFACE: a spine's configuration: one session to the leaf, announcing P
bird_spine() {
	cat <<CONF
log "$T/bird-$1.log" all;
router id $1;

protocol device { scan time 10; }

protocol kernel kernel4 {
	ipv4 {
		import all;
		export where source = RTS_BGP;
	};
	learn;
	scan time 10;
}

protocol bgp leaf {
	local as 65100;
	neighbor $2%$3 as 65001;
	connect delay time 1;
	connect retry time 2;
	ipv4 {
		extended next hop on;
		import all;
		export where proto = "kernel4";
	};
}
CONF
}

bird_phase() {
	local t
	bird_leaf >"$T/leaf.conf"
	bird_spine 192.0.2.11 "$L1_LL" s1l >"$T/s1.conf"
	bird_spine 192.0.2.12 "$L2_LL" s2l >"$T/s2.conf"
	for r in leaf s1 s2; do bird_start $r; done

	t=bird-sessions
	T0=$(date +%s%N)
	if wait_for 30000 bird_established leaf spine1 && wait_for 10000 bird_established leaf spine2; then
		pass "$t (both Established after $((($(date +%s%N) - T0) / 1000000)) ms)"
	else
		fail $t "the leaf's sessions to the spines are not Established" \
			"$(birdc_ leaf show protocols all 2>&1; cat "$T"/bird-*.log "$T"/*.err)"
		return 1
	fi

	paths_check bird-ecmp "$BOTH" "both paths (RTA_MULTIPATH)"
	xdp_spreads bird-xdp-both-spines

	# spine1's session goes down on the leaf: P keeps one path, through spine2
	birdc_ leaf disable spine1 >/dev/null
	paths_check bird-withdraw-one "$VIA2" "only spine2's path"
	xdp_one_spine bird-xdp-one-spine

	birdc_ leaf enable spine1 >/dev/null
	wait_for 20000 bird_established leaf spine1
	paths_check bird-restore "$BOTH" "both paths again"
	xdp_spreads bird-xdp-both-again

	# BIRD stops: it removes its routes from the kernel, and sync from the maps
	t=bird-stop
	for r in leaf s1 s2; do birdc_ $r down >/dev/null 2>&1; done
	if wait_for 10000 no_route leaf "$P"; then pass $t; else
		fail $t "BIRD's route still in the leaf's maps after it stopped" "$(state)"
	fi
}

# --- FRR 8.4: nexthop groups ---------------------------------------------------------------------

# frr_conf ROUTER_ID AS IFACE...: bgpd's configuration: an unnumbered eBGP session on each IFACE
# (extended next hop is automatic on them), announcing the kernel's routes, up to 8 equal paths
# installed (as a kernel nexthop group)
frr_conf() {
	local i
	echo "router bgp $2"
	echo " bgp router-id $1"
	echo " no bgp ebgp-requires-policy"
	for i in "${@:3}"; do
		echo " neighbor $i interface remote-as external"
		echo " neighbor $i timers connect 1"
	done
	echo " address-family ipv4 unicast"
	echo "  redistribute kernel"
	echo "  maximum-paths 8"
	echo " exit-address-family"
}

frr_phase() {
	local t kr nh
	mkdir -p "$T/frr-leaf" "$T/frr-s1" "$T/frr-s2"
	frr_conf 192.0.2.10 65001 l1 l2 >"$T/frr-leaf/bgpd.conf"
	frr_conf 192.0.2.11 65100 s1l >"$T/frr-s1/bgpd.conf"
	frr_conf 192.0.2.12 65100 s2l >"$T/frr-s2/bgpd.conf"
	for r in leaf s1 s2; do frr_start $r; done

	t=frr-sessions
	T0=$(date +%s%N)
	if wait_for 40000 frr_established leaf l1 && wait_for 20000 frr_established leaf l2; then
		pass "$t (both Established after $((($(date +%s%N) - T0) / 1000000)) ms)"
	else
		fail $t "the leaf's sessions to the spines are not Established" \
			"$(vtysh_ leaf "show bgp ipv4 unicast summary" 2>&1; tail -n 20 "$T"/frr-*/bgpd.log)"
		return 1
	fi

	paths_check frr-ecmp "$BOTH" "both paths"
	# zebra installs P through a nexthop group: the route names it (nhid), the group has two
	# members; v4via6's route names the same object, a group of the same members
	t=frr-nexthop-group
	kr=$(ip -n "$(ns leaf)" route show "$P")
	nh=$(sed -n 's/.*nhid \([0-9]*\).*/\1/p' <<<"$kr" | head -1)
	kg=$(ip -n "$(ns leaf)" nexthop show id "${nh:-0}" 2>/dev/null | grep -o 'group [^ ]*')
	vr=$(v6 leaf route show | grep "^$P ")
	vg=$(v6 leaf nexthop show id "${nh:-0}" 2>/dev/null | grep -o 'group [^ ]*')
	if [ -z "$nh" ] || ! grep -q '^group [0-9]*/[0-9]*$' <<<"$kg"; then
		fail $t "P is not installed through a kernel nexthop group of two" "$(state)"
	elif [ "$vr" != "$P nhid $nh" ] || [ "$vg" != "$kg" ]; then
		fail $t "the kernel's route: nhid $nh, $kg; v4via6's: $vr, $vg" "$(state)"
	else
		pass "$t (kernel and v4via6: $P nhid $nh, id $nh $kg)"
	fi
	xdp_spreads frr-xdp-both-spines

	vtysh_ leaf "configure terminal" "router bgp 65001" "neighbor l1 shutdown" >/dev/null
	paths_check frr-withdraw-one "$VIA2" "only spine2's path"
	xdp_one_spine frr-xdp-one-spine

	vtysh_ leaf "configure terminal" "router bgp 65001" "no neighbor l1 shutdown" >/dev/null
	wait_for 30000 frr_established leaf l1
	paths_check frr-restore "$BOTH" "both paths again"
	xdp_spreads frr-xdp-both-again
}

# BGP_DAEMONS="bird frr" (the default) or one of them
for d in ${BGP_DAEMONS:-bird frr}; do
	why=$(${d}_missing)
	if [ -n "$why" ]; then skip "$d" "$why"; else ${d}_phase; fi
done
exit 0
