#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# v4via6 sync with a real routing daemon: two IPv6-only routers running BIRD 2,
# peering eBGP over a link-local-only link with extended next hop (RFC 8950),
# each announcing the IPv4 prefix of the host behind it:
#
#   host1 10.1.1.2 -- h1|r1h  R1 (AS 65001)  r1r ---- r2r  R2 (AS 65002)  r2h|h2 -- host2 10.2.2.2
#
# BIRD installs the learned prefix in each router's kernel (RTA_VIA inet6);
# v4via6 sync copies it into the maps; a ping between the hosts must then be
# forwarded by XDP on both routers (fwd_packets), not by the kernel
# (IpForwDatagrams still). Disabling the session withdraws the prefixes, and
# sync removes them from the maps.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/seed-topology.sh"
source "$here/bgp-lib.sh"
lib_init bird

why=$(bird_missing)
if [ -n "$why" ]; then
	skip bgp "$why"
	exit 0
fi

T=$(mktemp -d /tmp/v4via6-bird.XXXXXX)
on_cleanup "rm -rf '$T'"
BGP_DIR=$T

H1_MAC=02:00:00:00:01:0a R1H_MAC=02:00:00:00:01:01 R1R_MAC=02:00:00:00:01:02
H2_MAC=02:00:00:00:02:0a R2H_MAC=02:00:00:00:02:01 R2R_MAC=02:00:00:00:02:02
H1_LL=fe80::ff:fe00:10a R1H_LL=fe80::ff:fe00:101 R1R_LL=fe80::ff:fe00:102
H2_LL=fe80::ff:fe00:20a R2H_LL=fe80::ff:fe00:201 R2R_LL=fe80::ff:fe00:202
H1_IP=10.1.1.2 H2_IP=10.2.2.2 NET1=10.1.1.0/24 NET2=10.2.2.0/24

topology() {
	add_ns h1 r1 r2 h2 || return 1
	no_dad h1 && no_dad r1 && no_dad r2 && no_dad h2 || return 1
	link h1 h1 r1 r1h "$H1_MAC" "$R1H_MAC" || return 1
	link r1 r1r r2 r2r "$R1R_MAC" "$R2R_MAC" || return 1
	link r2 r2h h2 h2 "$R2H_MAC" "$H2_MAC" || return 1
	for r in r1 r2; do
		ip netns exec "$(ns $r)" sysctl -qw net.ipv4.ip_forward=1 \
			net.ipv4.conf.all.forwarding=1 || return 1
	done
	host_side h1 h1 "$H1_IP" "$R1H_LL" || return 1
	host_side h2 h2 "$H2_IP" "$R2H_LL" || return 1
	# each router reaches its own host's prefix; BIRD learns it from the kernel
	ip -n "$(ns r1)" route add "$NET1" via inet6 "$H1_LL" dev r1h || return 1
	ip -n "$(ns r2)" route add "$NET2" via inet6 "$H2_LL" dev r2h || return 1
	wait_for 3000 ll_ready r1 r1r "$R1R_LL" && wait_for 3000 ll_ready r2 r2r "$R2R_LL" &&
		wait_for 3000 ll_ready r1 r1h "$R1H_LL" && wait_for 3000 ll_ready r2 r2h "$R2H_LL" &&
		wait_for 3000 ll_ready h1 h1 "$H1_LL" && wait_for 3000 ll_ready h2 h2 "$H2_LL"
}

# bird_conf ROUTER_ID AS PEER_LL PEER_AS IFACE: the configuration of one router
bird_conf() {
	cat <<CONF
log "$T/bird-$2.log" all;
# no IPv4 address on the box: the router id must be given
router id $1;

protocol device { scan time 10; }

# the kernel's table: learn the host's prefix (added with ip route), install what BGP learned
protocol kernel kernel4 {
	ipv4 {
		import all;
		export where source = RTS_BGP;
	};
	learn;
	scan time 10;
}

protocol bgp peer {
	local as $2;
	neighbor $3%$5 as $4;
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
CONF
}

if ! topology >"$T/topo" 2>&1; then
	fail topology "could not build the namespaces" "$(cat "$T/topo")"
	exit 1
fi
forget_pins r1
forget_pins r2
for r in r1 r2; do
	if ! out=$(v6 $r attach ${r}h ${r}r 2>&1); then
		fail attach "v4via6 attach in $r" "$out"
		exit 1
	fi
done

bird_conf 192.0.2.1 65001 "$R2R_LL" 65002 r1r >"$T/r1.conf"
bird_conf 192.0.2.2 65002 "$R1R_LL" 65001 r2r >"$T/r2.conf"
for r in r1 r2; do
	bird_start $r
	sync_start $r
done

t=bgp-session
T0=$(date +%s%N)
if wait_for 30000 bird_established r1 peer && wait_for 5000 bird_established r2 peer; then
	pass "$t (Established after $((($(date +%s%N) - T0) / 1000000)) ms)"
else
	fail $t "no BGP session" "$(birdc_ r1 show protocols all peer 2>&1; cat "$T"/bird-*.log "$T"/*.err)"
	exit 1
fi

# BIRD installs R2's prefix in R1 via R2's link-local address, and the other way round
t=bird-routes-mirrored
if wait_for 10000 has_route r1 "$NET2 via inet6 $R2R_LL dev r1r" &&
	wait_for 5000 has_route r2 "$NET1 via inet6 $R1R_LL dev r2r"; then
	pass "$t (R1: $NET2 via $R2R_LL, R2: $NET1 via $R1R_LL)"
else
	fail $t "BIRD's routes not in the maps" \
		"$(for r in r1 r2; do
			echo "== $r kernel"; ip -n "$(ns $r)" route
			echo "== $r v4via6"; v6 $r route show
			echo "== $r sync"; cat "$T/sync-$r.log"
		done 2>&1)"
	exit 1
fi

# xdp_on_both NAME: a ping host1 -> host2 is forwarded by XDP on both routers, not by their kernels.
# 10 requests and 10 replies cross each router; the first may go through the kernel while a
# neighbour is resolved, hence >= 18.
xdp_on_both() {
	local t=$1 out f1 k1 f2 k2
	snap r1 >"$T/r1.0" && snap r2 >"$T/r2.0"
	if ! out=$(nsx h1 ping -q -c 10 -i 0.05 -W 1 "$H2_IP" 2>&1); then
		fail "$t" "ping host1 -> host2 failed" "$out"
		return
	fi
	snap r1 >"$T/r1.1" && snap r2 >"$T/r2.1"
	f1=$(delta "$T/r1.0" "$T/r1.1" fwd_packets) k1=$(delta "$T/r1.0" "$T/r1.1" IpForwDatagrams)
	f2=$(delta "$T/r2.0" "$T/r2.1" fwd_packets) k2=$(delta "$T/r2.0" "$T/r2.1" IpForwDatagrams)
	if [ "$f1" -ge 18 ] && [ "$f2" -ge 18 ] && [ "$k1" -le 2 ] && [ "$k2" -le 2 ]; then
		pass "$t (R1 fwd_packets +$f1 IpForwDatagrams +$k1; R2 fwd_packets +$f2 IpForwDatagrams +$k2)"
	else
		fail "$t" "R1 fwd_packets +$f1 IpForwDatagrams +$k1; R2 fwd_packets +$f2 IpForwDatagrams +$k2"
	fi
}

xdp_on_both xdp-forwards-both-routers

# the session goes down: BIRD withdraws both prefixes from the kernels, sync from the maps
t=bird-withdraw
birdc_ r1 disable peer >/dev/null
T0=$(date +%s%N)
if wait_for 5000 no_route r1 "$NET2" && wait_for 5000 no_route r2 "$NET1"; then
	pass "$t (gone from both maps in $((($(date +%s%N) - T0) / 1000000)) ms)"
else
	fail $t "withdrawn prefixes still in the maps" "$(v6 r1 route show; v6 r2 route show)"
fi
t=bird-readvertise
birdc_ r1 enable peer >/dev/null
if wait_for 20000 has_route r1 "$NET2 via inet6 $R2R_LL dev r1r" &&
	wait_for 5000 has_route r2 "$NET1 via inet6 $R1R_LL dev r2r"; then pass $t; else
	fail $t "prefixes not back after enable" "$(v6 r1 route show; v6 r2 route show)"
fi

# --- FRR 8.4 in the same namespaces: routes through nexthop objects --------------------------
# BIRD goes first: on exit it removes its routes from the kernels, and sync from the maps.
t=bird-stop
for r in r1 r2; do birdc_ $r down >/dev/null 2>&1; done
if wait_for 5000 no_route r1 "$NET2" && wait_for 5000 no_route r2 "$NET1"; then pass $t; else
	fail $t "BIRD's routes still in the maps after it stopped" "$(v6 r1 route show; v6 r2 route show)"
fi
why=$(frr_missing)
if [ -n "$why" ]; then
	skip frr "$why"
	exit 0
fi

# frr_conf ROUTER_ID AS IFACE: bgpd's configuration: an unnumbered eBGP session on IFACE
# (the peer's link-local address comes from its router advertisements), IPv4 unicast with
# extended next hop (automatic on such a session), announcing the kernel's route to the host
frr_conf() {
	cat <<CONF
router bgp $2
 bgp router-id $1
 no bgp ebgp-requires-policy
 neighbor $3 interface remote-as external
 neighbor $3 timers connect 1
 address-family ipv4 unicast
  redistribute kernel
 exit-address-family
CONF
}
mkdir -p "$T/frr-r1" "$T/frr-r2"
frr_conf 192.0.2.1 65001 r1r >"$T/frr-r1/bgpd.conf"
frr_conf 192.0.2.2 65002 r2r >"$T/frr-r2/bgpd.conf"
for r in r1 r2; do frr_start $r; done

# zebra installs each route through a nexthop object (nhid N): sync mirrors the object, and the
# route names it as the kernel's does
t=frr-routes-mirrored
T0=$(date +%s%N)
if wait_for 30000 v6_has_paths r1 "$NET2" "via inet6 $R2R_LL dev r1r" &&
	wait_for 5000 v6_has_paths r2 "$NET1" "via inet6 $R1R_LL dev r2r"; then
	kr=$(ip -n "$(ns r1)" route show "$NET2")
	vr=$(v6 r1 route show | grep "^$NET2 ")
	nh=$(sed -n 's/.*nhid \([0-9]*\).*/\1/p' <<<"$kr")
	if [ -z "$nh" ]; then
		fail $t "FRR did not install through a nexthop object: $kr"
	elif [ "$vr" != "$NET2 nhid $nh" ]; then
		fail $t "R1's kernel: $kr; v4via6's route does not name object $nh: $vr"
	else
		pass "$t (after $((($(date +%s%N) - T0) / 1000000)) ms; R1's kernel: $kr; v4via6: $vr)"
	fi
else
	fail $t "FRR's routes not in the maps" \
		"$(for r in r1 r2; do
			echo "== $r kernel"; ip -n "$(ns $r)" route; ip -n "$(ns $r)" nexthop
			echo "== $r v4via6"; v6 $r route show
			echo "== $r bgp"; vtysh_ $r "show bgp ipv4 unicast summary"
			echo "== $r sync"; tail -3 "$T/sync-$r.log"
		done 2>&1)"
	exit 1
fi

xdp_on_both frr-xdp-forwards

t=frr-withdraw
vtysh_ r1 "configure terminal" "router bgp 65001" "neighbor r1r shutdown" >/dev/null
T0=$(date +%s%N)
if wait_for 5000 no_route r1 "$NET2" && wait_for 5000 no_route r2 "$NET1"; then
	pass "$t (gone from both maps in $((($(date +%s%N) - T0) / 1000000)) ms)"
else
	fail $t "withdrawn prefixes still in the maps" "$(v6 r1 route show; v6 r2 route show)"
fi
exit 0
