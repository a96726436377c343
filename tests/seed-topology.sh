# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The seed's scenario, shared by the tests and the demo. Source it after lib.sh.
#
#   host A                    router (IPv6 link-local only)                host B
#   a0 10.0.8.42/32 ------- r0                       r1 ------- b0 10.0.8.3/32
#   default via inet6 R0_LL   10.0.8.42/32 via inet6 A_LL dev r0   default via inet6 R1_LL
#                             10.0.8.3/32  via inet6 B_LL dev r1
#
# Fixed MACs make the link-local addresses predictable (EUI-64: 02:00:00:00:00:xx
# becomes fe80::ff:fe00:xx), so the tests can name next hops without asking.
# The router has no IPv4 address at all: every IPv4 packet it forwards goes to
# an IPv6 next hop, which is the point of the project.

A_IP=10.0.8.42
B_IP=10.0.8.3
C_IP=$B_IP # host C answers for B's address: a second next hop for the same prefix
A_MAC=02:00:00:00:00:0a
R0_MAC=02:00:00:00:00:01
R1_MAC=02:00:00:00:00:02
R2_MAC=02:00:00:00:00:03
B_MAC=02:00:00:00:00:0b
C_MAC=02:00:00:00:00:0c
A_LL=fe80::ff:fe00:a
R0_LL=fe80::ff:fe00:1
R1_LL=fe80::ff:fe00:2
R2_LL=fe80::ff:fe00:3
B_LL=fe80::ff:fe00:b
C_LL=fe80::ff:fe00:c

# no_dad NS: new interfaces in NS get their link-local address without DAD, usable at once
no_dad() {
	ip netns exec "$(ns "$1")" sysctl -qw net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.accept_dad=0
}

# ll_ready NS IFACE ADDR: ADDR is on IFACE and no longer tentative
ll_ready() {
	ip -n "$(ns "$1")" -6 addr show dev "$2" scope link | grep -q "inet6 $3/64 scope link" &&
		! ip -n "$(ns "$1")" -6 addr show dev "$2" | grep -q tentative
}

# host_side NS IFACE IP GW: a host with one /32 address and a default route via the router's link-local
# (0/0, not "default": with "via inet6" alone, ip would make it an IPv6 default route)
host_side() {
	ip -n "$(ns "$1")" addr add "$3/32" dev "$2" || return 1
	ip -4 -n "$(ns "$1")" route add 0/0 via inet6 "$4" dev "$2" || return 1
	# a veth delivers redirected frames only when the receiving end runs NAPI (README "Known limits")
	ip netns exec "$(ns "$1")" ethtool -K "$2" gro on >/dev/null || return 1
}

# seed_topology: namespaces a, r and b, linked and addressed as drawn above, kernel
# forwarding only (no XDP). Returns non-zero, saying why, when a step fails.
seed_topology() {
	add_ns a r b || return 1
	no_dad a && no_dad r && no_dad b || return 1
	link a a0 r r0 "$A_MAC" "$R0_MAC" || return 1
	link r r1 b b0 "$R1_MAC" "$B_MAC" || return 1
	ip netns exec "$(ns r)" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.forwarding=1 ||
		return 1
	host_side a a0 "$A_IP" "$R0_LL" || return 1
	host_side b b0 "$B_IP" "$R1_LL" || return 1
	ip -n "$(ns r)" route add "$A_IP/32" via inet6 "$A_LL" dev r0 || return 1
	ip -n "$(ns r)" route add "$B_IP/32" via inet6 "$B_LL" dev r1 || return 1
	if ! { wait_for 3000 ll_ready a a0 "$A_LL" && wait_for 3000 ll_ready r r0 "$R0_LL" &&
		wait_for 3000 ll_ready r r1 "$R1_LL" && wait_for 3000 ll_ready b b0 "$B_LL"; }; then
		echo "seed_topology: link-local addresses did not come up" >&2
		return 1
	fi
}

# seed_add_c: host C on a third link r2<->c0, with B's address: a second place to
# send 10.0.8.3. The kernel's route still points to B; only v4via6 is pointed at C.
seed_add_c() {
	add_ns c && no_dad c || return 1
	link r r2 c c0 "$R2_MAC" "$C_MAC" || return 1
	host_side c c0 "$C_IP" "$R2_LL" || return 1
	wait_for 3000 ll_ready r r2 "$R2_LL" && wait_for 3000 ll_ready c c0 "$C_LL"
}

# pin_dir_of NS: where v4via6 keeps its pins for the named namespace NS (its default)
pin_dir_of() { echo "/sys/fs/bpf/v4via6-$(ns "$1")"; }

# forget_pins NS: at cleanup, remove what v4via6 pinned for NS and its files in /run/v4via6 (the
# state lock, the local entries' list, sync's status), so nothing outlives the run, and the empty
# directory libxdp makes on attach (/sys/fs/bpf/xdp; rmdir leaves it if anything is in it)
forget_pins() {
	local run="/run/v4via6/sys_fs_bpf_v4via6-$(ns "$1")"

	on_cleanup "rm -rf '$(pin_dir_of "$1")' '$run.lock' '$run.local' '$run.sync';
		rmdir /sys/fs/bpf/xdp"
}

# v6 NS ARGS...: run v4via6 in namespace NS, keeping our mounts (the pins stay visible)
v6() {
	local n=$1
	shift
	nsx "$n" "$V4VIA6" "$@"
}

# snap NS: one "NAME VALUE" line per counter: v4via6's fwd_stats (from `v4via6 -j stats`,
# per-CPU values summed, whatever the nesting) and the kernel's IpForwDatagrams of NS
snap() {
	v6 "$1" -j stats | "$PYTHON" -c '
import json, sys
def walk(o, acc):
	if isinstance(o, dict):
		for k, v in o.items():
			if isinstance(v, int) and not isinstance(v, bool):
				acc[k] = acc.get(k, 0) + v
			else:
				walk(v, acc)
	elif isinstance(o, list):
		for v in o:
			walk(v, acc)
acc = {}
walk(json.load(sys.stdin), acc)
for k, v in acc.items():
	print(k, v)
' || return 1
	echo IpForwDatagrams "$(ip_fwd "$1")"
}

# ip_fwd NS: the kernel's IpForwDatagrams in NS (/proc/net is the reader's network namespace)
ip_fwd() {
	nsx "$1" awk '/^Ip:/ { if (!n) { for (i = 1; i <= NF; i++) col[$i] = i; n = 1 }
			else print $col["ForwDatagrams"] }' /proc/net/snmp
}

# delta OLD NEW NAME: how much counter NAME moved between two snap outputs (files)
delta() {
	local a b
	a=$(awk -v k="$3" '$1 == k { print $2 }' "$1")
	b=$(awk -v k="$3" '$1 == k { print $2 }' "$2")
	echo $((${b:-0} - ${a:-0}))
}

# cap_start NS IFACE FILE [FILTER...]: capture into FILE in the background; returns once
# tcpdump has the file open, so that nothing sent afterwards is missed. Sets CAP_PID.
cap_start() {
	local n=$1 dev=$2 file=$3
	shift 3
	rm -f "$file"
	# nsenter itself (not the nsx function, which would fork a subshell) so that $! is
	# tcpdump's pid; --immediate-mode, or frames wait in the capture ring for its 1 s
	# block timeout and are lost when tcpdump is stopped; -Z root to write into our dir.
	nsenter --net=/run/netns/"$(ns "$n")" tcpdump --immediate-mode -Z root -q -n -U \
		-i "$dev" -w "$file" "$@" 2>/dev/null &
	CAP_PID=$!
	LIB_PIDS+=("$CAP_PID")
	wait_for 3000 test -s "$file"
}

# cap_stop PID: stop a capture (its frames are on disk: -U writes each at once)
cap_stop() {
	sleep 0.1
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# cap_count FILE [FILTER...]: how many frames in FILE match
cap_count() {
	local f=$1
	shift
	tcpdump -n -r "$f" "$@" 2>/dev/null | wc -l
}

# seed_topology_or_exit DIR: seed_topology, its output in DIR/topo; a FAIL line and exit 1 when
# it cannot be built. No pins are left from an earlier run of the same namespace names.
seed_topology_or_exit() {
	if ! seed_topology >"$1/topo" 2>&1; then
		fail topology "could not build the seed's namespaces" "$(cat "$1/topo")"
		exit 1
	fi
	forget_pins r
}

# sync_router_or_exit DIR: router r with three links to a peer p (r1..r3 / p1..p3), v4via6
# attached to r1 and r2 (r3 stays the kernel's); a FAIL line and exit 1 when it cannot be built.
# For the sync tests that follow the kernel's routes on r.
sync_router_or_exit() {
	local out
	if ! { add_ns r p && link r r1 p p1 && link r r2 p p2 && link r r3 p p3; } >"$1/topo" 2>&1; then
		fail topology "could not build the namespaces" "$(cat "$1/topo")"
		exit 1
	fi
	forget_pins r
	if ! out=$(v6 r attach r1 r2 2>&1); then
		fail attach "v4via6 attach r1 r2" "$out"
		exit 1
	fi
}
