#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The seed's scenario end to end: host A - IPv6-only router - host B, the kernel
# forwarding alone first, then v4via6 attached on the router. Each test proves
# which path carried the traffic with counters: v4via6's fwd_packets for XDP,
# the router's IpForwDatagrams for the kernel.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/seed-topology.sh"
lib_init seed

T=$(mktemp -d /tmp/v4via6-seed.XXXXXX)
on_cleanup "rm -rf '$T'"

# ping_ok NAME ARGS...: ping from A; fails NAME with ping's output when a reply is missing
ping_ok() {
	local name=$1 out
	shift
	out=$(nsx a ping -q -W 1 "$@" 2>&1) && return 0
	fail "$name" "ping $* from A lost replies" "$out"
	return 1
}

# want_delta NAME OLD NEW COUNTER OP VALUE: COUNTER's move between two snaps compares to VALUE
# (OP as for test: -eq, -ge...); otherwise fail NAME with both snaps
want_delta() {
	local name=$1 old=$2 new=$3 c=$4 op=$5 v=$6 d
	if ! grep -q "^$c " "$old" || ! grep -q "^$c " "$new"; then
		fail "$name" "no counter $c: v4via6 -j stats failed?" "$(cat "$old" "$new")"
		return 1
	fi
	d=$(delta "$old" "$new" "$c")
	test "$d" "$op" "$v" && return 0
	fail "$name" "$c moved by $d, expected $op $v" "$(paste "$old" "$new")"
	return 1
}

seed_topology_or_exit "$T"

# --- The kernel alone: the slow path this project accelerates --------------------------------
t=kernel-forwarding
before=$(ip_fwd r)
if ping_ok $t -c 3 -i 0.05 "$B_IP"; then
	after=$(ip_fwd r)
	if [ $((after - before)) -ge 6 ]; then pass $t; else
		fail $t "IpForwDatagrams moved by $((after - before)), expected >= 6"; fi
fi

# The frame checker against the kernel's own forwarding: proves the checker, not v4via6.
t=kernel-frames
"$PYTHON" "$here/frames.py" list >"$T/cases" 2>&1 || {
	fail frames-list "frames.py list failed" "$(cat "$T/cases")"
	exit 1
}
mapfile -t fwd_cases < <(awk '$2 == "fwd_packets" { print $1 }' "$T/cases")
if cap_start b b0 "$T/k.pcap" ip src "$A_IP"; then
	nsx a "$PYTHON" "$here/frames.py" send a0 "$A_MAC" "$R0_MAC" "$A_IP" "$B_IP" "${fwd_cases[@]}"
	cap_stop "$CAP_PID"
	if out=$("$PYTHON" "$here/frames.py" check "$T/k.pcap" "$R1_MAC" "$B_MAC" "$A_IP" "$B_IP" \
		"${fwd_cases[@]}" 2>&1); then pass $t; else fail $t "kernel-forwarded frames" "$out"; fi
else
	fail $t "tcpdump did not start in B"
fi

# --- v4via6 --------------------------------------------------------------------------------------
if ! v6 r attach --help >/dev/null 2>&1; then
	skip v4via6 "$V4VIA6 is not usable yet (--help fails)"
	exit $((LIB_FAILS > 0))
fi

# Every command its own `ip netns exec`, as an operator would type them: each gets a fresh
# mount namespace, and v4via6 must still find the pins the previous one made.
t=netns-exec-separate
if ! { rx=$(ip netns exec "$(ns r)" "$V4VIA6" attach r0 r1 2>&1) &&
	ry=$(ip netns exec "$(ns r)" "$V4VIA6" route add "$B_IP/32" via inet6 "$B_LL" dev r1 2>&1) &&
	rz=$(ip netns exec "$(ns r)" "$V4VIA6" route show 2>&1) &&
	rs=$(ip netns exec "$(ns r)" "$V4VIA6" stats 2>&1); }; then
	fail $t "a command failed" "$rx$ry$rz$rs"
elif ! grep -qx "$B_IP/32 via inet6 $B_LL dev r1" <<<"$rz"; then
	fail $t "route show in a later invocation lacks the route" "$rz"
elif ! grep -q rx_packets <<<"$rs"; then
	fail $t "stats shows no rx_packets" "$rs"
elif ! v6 r route show 2>&1 | grep -qx "$B_IP/32 via inet6 $B_LL dev r1"; then
	fail $t "the state is not the one nsenter sees (pin dir differs?)" "$(v6 r status 2>&1)"
else
	pass $t
fi

t=attached
out=$(ip -n "$(ns r)" link show 2>&1)
if [ "$(grep -c 'prog/xdp' <<<"$out")" -ge 2 ] && v6 r status >"$T/status" 2>&1 &&
	grep -q r0 "$T/status" && grep -q r1 "$T/status"; then
	pass $t
else
	fail $t "r0 and r1 should carry an XDP program and be listed by status" \
		"$out$(printf '\n--- status:\n')$(cat "$T/status")"
fi

check route-add-back v6 r route add "$A_IP/32" via inet6 "$A_LL" dev r0

# The neighbours the kernel resolved for its own forwarding above: bpf_fib_lookup finds them.
t=ping-xdp-kernel-neigh
v6 r neigh flush >/dev/null 2>&1
snap r >"$T/s0"
if ping_ok $t -c 5 -i 0.05 "$B_IP"; then
	snap r >"$T/s1"
	want_delta $t "$T/s0" "$T/s1" fwd_packets -ge 10 &&
		want_delta $t "$T/s0" "$T/s1" fwd_fib -ge 10 &&
		want_delta $t "$T/s0" "$T/s1" IpForwDatagrams -eq 0 && pass $t
fi

t=neigh-add
if v6 r neigh add "$B_LL" lladdr "$B_MAC" dev r1 >"$T/out" 2>&1 &&
	v6 r neigh add "$A_LL" lladdr "$A_MAC" dev r0 >>"$T/out" 2>&1; then
	out=$(v6 r neigh show 2>&1)
	# the words of `neigh add`, in the order given or in ip neigh's (dev before lladdr)
	if grep -qxE "$B_LL (lladdr $B_MAC dev r1|dev r1 lladdr $B_MAC)" <<<"$out" &&
		grep -qxE "$A_LL (lladdr $A_MAC dev r0|dev r0 lladdr $A_MAC)" <<<"$out"; then pass $t; else
		fail $t "neigh show does not list what was added" "$out"; fi
else
	fail $t "neigh add failed" "$(cat "$T/out")"
fi

t=ping-xdp-map-neigh
snap r >"$T/s0"
if ping_ok $t -c 5 -i 0.05 "$B_IP"; then
	snap r >"$T/s1"
	want_delta $t "$T/s0" "$T/s1" fwd_packets -ge 10 &&
		want_delta $t "$T/s0" "$T/s1" fwd_fib -eq 0 &&
		want_delta $t "$T/s0" "$T/s1" IpForwDatagrams -eq 0 && pass $t
fi

# Frames built whole by scapy, one per case; the forwarded ones compared byte for byte at B.
t=xdp-frames
snap r >"$T/s0"
if cap_start b b0 "$T/x.pcap" ip src "$A_IP"; then
	nsx a "$PYTHON" "$here/frames.py" send a0 "$A_MAC" "$R0_MAC" "$A_IP" "$B_IP"
	cap_stop "$CAP_PID"
	snap r >"$T/s1"
	n=${#fwd_cases[@]}
	if ! out=$("$PYTHON" "$here/frames.py" check "$T/x.pcap" "$R1_MAC" "$B_MAC" "$A_IP" \
		"$B_IP" 2>&1); then
		fail $t "forwarded frames differ" "$out"
	else
		# requests forwarded by XDP, plus B's answers to them; every other case moves its
		# own pass_* counter exactly once (a counter shared by N cases, N times). The kernel
		# forwards only the packet with IP options (B answers it without options, through XDP).
		ok=1
		while read -r counter times; do
			want_delta $t "$T/s0" "$T/s1" "$counter" -eq "$times" || { ok=0 && break; }
		done < <(awk '$2 != "fwd_packets" { n[$2]++ } END { for (c in n) print c, n[c] }' \
			"$T/cases")
		[ $ok = 1 ] && want_delta $t "$T/s0" "$T/s1" fwd_packets -ge "$n" &&
			want_delta $t "$T/s0" "$T/s1" IpForwDatagrams -eq 1 && pass $t
	fi
else
	fail $t "tcpdump did not start in B"
fi

# Traffic from sockets, not only pings and crafted frames. The senders' checksum offload is
# off: over veth, a socket's UDP/TCP carries a partial checksum that the receiver rejects
# after an XDP redirect (README "Known limits").
ip netns exec "$(ns a)" ethtool -K a0 tx off >/dev/null
ip netns exec "$(ns b)" ethtool -K b0 tx off >/dev/null
# udp_b: B's UDP NoPorts and InCsumErrors (a datagram to a closed port with a good checksum
# counts as NoPorts; one with a bad checksum as InCsumErrors)
udp_b() {
	nsx b awk '/^Udp:/ { if (!n) { for (i = 1; i <= NF; i++) col[$i] = i; n = 1 }
		else print $col["NoPorts"], $col["InCsumErrors"] }' /proc/net/snmp
}
t=udp-socket
read -r noports0 csum0 < <(udp_b)
snap r >"$T/s0"
nsx a bash -c 'for i in 1 2 3 4 5; do echo v4via6 >/dev/udp/'"$B_IP"'/5000; done'
sleep 0.2
snap r >"$T/s1"
read -r noports1 csum1 < <(udp_b)
if [ $((noports1 - noports0)) != 5 ] || [ "$csum1" != "$csum0" ]; then
	fail $t "B: NoPorts moved by $((noports1 - noports0)) (want 5), InCsumErrors by $((csum1 - csum0)) (want 0)"
else
	want_delta $t "$T/s0" "$T/s1" fwd_packets -ge 5 &&
		want_delta $t "$T/s0" "$T/s1" IpForwDatagrams -eq 0 && pass $t
fi

# 2 MB over TCP from A to B, both directions through XDP, checked by SHA-256 at both ends
t=tcp-transfer
head -c 2000000 /dev/urandom >"$T/data"
nsenter --net=/run/netns/"$(ns b)" "$PYTHON" -c '
import hashlib, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5001))
s.listen(1)
open(sys.argv[2], "w").close()  # listening
s.settimeout(10)
c, _ = s.accept()
h = hashlib.sha256()
while True:
    d = c.recv(65536)
    if not d:
        break
    h.update(d)
c.sendall(h.hexdigest().encode())
c.close()
' "$B_IP" "$T/listening" &
server=$!
LIB_PIDS+=("$server")
snap r >"$T/s0"
if ! wait_for 5000 test -e "$T/listening"; then
	fail $t "the TCP server in B did not start"
else
	got=$(nsx a "$PYTHON" -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 5001), timeout=10)
s.sendall(open(sys.argv[2], "rb").read())
s.shutdown(socket.SHUT_WR)
print(s.recv(100).decode())
' "$B_IP" "$T/data" 2>&1)
	snap r >"$T/s1"
	want=$(sha256sum <"$T/data" | cut -d' ' -f1)
	if [ "$got" != "$want" ]; then
		fail $t "B received something else (sha256 $want sent)" "$got"
	else
		want_delta $t "$T/s0" "$T/s1" fwd_packets -ge 1000 &&
			want_delta $t "$T/s0" "$T/s1" IpForwDatagrams -eq 0 && pass $t
	fi
fi
wait "$server" 2>/dev/null

t=ttl-exceeded
snap r >"$T/s0"
out=$(nsx a ping -c 1 -t 1 -W 1 "$B_IP" 2>&1)
snap r >"$T/s1"
if grep -q "From 192.0.0.8 .*Time to live exceeded" <<<"$out"; then
	want_delta $t "$T/s0" "$T/s1" pass_ttl -eq 1 && pass $t
else
	fail $t "no time exceeded from 192.0.0.8" "$out"
fi

# A next hop nobody resolved yet: the program passes the first packets up (pass_no_neigh), the
# kernel forwards them and resolves the neighbour, then bpf_fib_lookup finds it (fwd_fib).
# B's own IPv6 traffic to the router (neighbour solicitations) can teach the router B's MAC again
# between the flush and the first ping; then nothing is unresolved, so try again (3 times at most).
t=unresolved-neigh
v6 r neigh flush >/dev/null 2>&1
for try in 1 2 3; do
	ip -n "$(ns r)" -6 neigh flush dev r1
	snap r >"$T/s0"
	ping_ok $t -c 4 -i 0.1 "$B_IP" || break
	snap r >"$T/s1"
	[ "$(delta "$T/s0" "$T/s1" pass_no_neigh)" -ge 1 ] || [ $try = 3 ] || continue
	want_delta $t "$T/s0" "$T/s1" pass_no_neigh -ge 1 &&
		want_delta $t "$T/s0" "$T/s1" IpForwDatagrams -ge 1 &&
		want_delta $t "$T/s0" "$T/s1" fwd_fib -ge 2 && pass $t
	break
done
v6 r neigh add "$B_LL" lladdr "$B_MAC" dev r1 >/dev/null 2>&1
v6 r neigh add "$A_LL" lladdr "$A_MAC" dev r0 >/dev/null 2>&1

# A DF packet larger than the egress MTU: XDP leaves it to the kernel, which answers.
t=mtu-frag-needed
ip -n "$(ns r)" link set r1 mtu 1280
ip -n "$(ns b)" link set b0 mtu 1280 # B's answers must fit r1 too
if ! out=$(v6 r attach r1 2>&1); then
	fail $t "re-attach of r1 after its MTU change failed" "$out"
else
	snap r >"$T/s0"
	ping_ok $t -c 2 -i 0.05 -M "do" -s 1252 "$B_IP" # 1280 bytes: fits, XDP forwards
	snap r >"$T/s1"
	out=$(nsx a ping -c 1 -W 1 -M "do" -s 1400 "$B_IP" 2>&1)
	snap r >"$T/s2"
	if ! grep -q "Frag needed and DF set (mtu = 1280)" <<<"$out"; then
		fail $t "no fragmentation needed with mtu = 1280 for a 1428-byte DF packet" \
			"$out$(printf '\n')$(v6 r status 2>&1)"
	else
		want_delta $t "$T/s0" "$T/s1" fwd_packets -ge 4 &&
			want_delta $t "$T/s1" "$T/s2" pass_mtu -eq 1 &&
			want_delta $t "$T/s1" "$T/s2" fwd_packets -eq 0 && pass $t
	fi
fi
ip -n "$(ns r)" link set r1 mtu 1500
ip -n "$(ns b)" link set b0 mtu 1500
v6 r attach r1 >/dev/null 2>&1
ip -n "$(ns a)" route flush cache

# route replace / del on live traffic: point 10.0.8.3 at host C (v4via6 only; the kernel's
# route still says B), then delete v4via6's route and see the kernel carry it to B again.
t=route-replace-live
if ! seed_add_c >"$T/out" 2>&1 || ! v6 r attach r2 >>"$T/out" 2>&1 ||
	! v6 r neigh add "$C_LL" lladdr "$C_MAC" dev r2 >>"$T/out" 2>&1; then
	fail $t "could not add host C" "$(cat "$T/out")"
else
	cap_start b b0 "$T/b.pcap" icmp && pb=$CAP_PID
	cap_start c c0 "$T/c.pcap" icmp && pc=$CAP_PID
	out=$(v6 r route replace "$B_IP/32" via inet6 "$C_LL" dev r2 2>&1)
	snap r >"$T/s0"
	ping_ok $t -c 4 -i 0.05 "$B_IP"
	snap r >"$T/s1"
	cap_stop "$pb"
	cap_stop "$pc"
	nb=$(cap_count "$T/b.pcap")
	nc=$(cap_count "$T/c.pcap" 'icmp[icmptype] == icmp-echo')
	if [ "$nb" != 0 ] || [ "$nc" -lt 4 ]; then
		fail $t "after replace, B saw $nb frames (want 0), C saw $nc echo requests (want 4)" \
			"$out$(printf '\n')$(v6 r route show 2>&1)"
	else
		want_delta $t "$T/s0" "$T/s1" fwd_packets -ge 8 &&
			want_delta $t "$T/s0" "$T/s1" IpForwDatagrams -eq 0 && pass $t
	fi
fi

# route replace is one map update: a ping every 10 ms loses nothing while the route flips
# between B and C ten times, and both see some of it
t=route-flip-no-loss
cap_start b b0 "$T/b.pcap" 'icmp[icmptype] == icmp-echo' && pb=$CAP_PID
cap_start c c0 "$T/c.pcap" 'icmp[icmptype] == icmp-echo' && pc=$CAP_PID
snap r >"$T/s0"
nsx a ping -q -i 0.01 -c 200 -W 1 "$B_IP" >"$T/ping" 2>&1 &
ping_pid=$!
ok=1
for i in 1 2 3 4 5; do
	sleep 0.15
	v6 r route replace "$B_IP/32" via inet6 "$B_LL" dev r1 >>"$T/out" 2>&1 || ok=0
	sleep 0.15
	v6 r route replace "$B_IP/32" via inet6 "$C_LL" dev r2 >>"$T/out" 2>&1 || ok=0
done
wait "$ping_pid"
snap r >"$T/s1"
cap_stop "$pb"
cap_stop "$pc"
nb=$(cap_count "$T/b.pcap")
nc=$(cap_count "$T/c.pcap")
if [ $ok != 1 ]; then
	fail $t "route replace failed" "$(cat "$T/out")"
elif ! grep -q ' 200 received' "$T/ping"; then
	fail $t "the ping lost packets while the route flipped" "$(cat "$T/ping")"
elif [ "$nb" -lt 20 ] || [ "$nc" -lt 20 ] || [ $((nb + nc)) != 200 ]; then
	fail $t "B saw $nb and C saw $nc echo requests: want both >= 20, 200 in all"
else
	want_delta $t "$T/s0" "$T/s1" fwd_packets -ge 400 &&
		want_delta $t "$T/s0" "$T/s1" IpForwDatagrams -eq 0 && pass $t
fi

t=route-del-live
cap_start b b0 "$T/b.pcap" 'icmp[icmptype] == icmp-echo' && pb=$CAP_PID
out=$(v6 r route del "$B_IP/32" 2>&1)
snap r >"$T/s0"
ping_ok $t -c 4 -i 0.05 "$B_IP"
snap r >"$T/s1"
cap_stop "$pb"
nb=$(cap_count "$T/b.pcap")
if v6 r route show 2>&1 | grep -q "^$B_IP/32 "; then
	fail $t "route del left the route" "$out$(printf '\n')$(v6 r route show 2>&1)"
elif [ "$nb" -lt 4 ]; then
	fail $t "B saw $nb echo requests, want 4 (the kernel's route points to B)"
else
	# requests go up to the kernel (no route in v4via6), B's answers still take XDP
	want_delta $t "$T/s0" "$T/s1" IpForwDatagrams -ge 4 &&
		want_delta $t "$T/s0" "$T/s1" pass_no_route -ge 4 &&
		want_delta $t "$T/s0" "$T/s1" fwd_packets -ge 4 && pass $t
fi

t=route-add-live
snap r >"$T/s0"
if out=$(v6 r route add "$B_IP/32" via inet6 "$B_LL" dev r1 2>&1); then
	ping_ok $t -c 4 -i 0.05 "$B_IP"
	snap r >"$T/s1"
	want_delta $t "$T/s0" "$T/s1" fwd_packets -ge 8 &&
		want_delta $t "$T/s0" "$T/s1" IpForwDatagrams -eq 0 && pass $t
else
	fail $t "route add failed" "$out"
fi

# route show prints what route add accepts: flush, feed the lines back, same table.
t=route-show-roundtrip
v6 r route add 10.0.8.0/22 via inet6 "$B_LL" dev r1 >/dev/null 2>&1
v6 r route add default via inet6 "$A_LL" dev r0 >/dev/null 2>&1
v6 r route show >"$T/r1" 2>&1
if ! grep -qx "10.0.8.0/22 via inet6 $B_LL dev r1" "$T/r1" ||
	! grep -qx "default via inet6 $A_LL dev r0" "$T/r1"; then
	fail $t "route show does not print the routes as added" "$(cat "$T/r1")"
elif ! v6 r route flush >"$T/out" 2>&1 || [ -n "$(v6 r route show 2>&1)" ]; then
	fail $t "route flush left routes" "$(cat "$T/out"; v6 r route show 2>&1)"
else
	ok=1
	while read -r line; do
		# shellcheck disable=SC2086 # the words of the line are the arguments
		v6 r route add $line >>"$T/out" 2>&1 || ok=0
	done <"$T/r1"
	v6 r route show >"$T/r2" 2>&1
	if [ $ok = 1 ] && diff -u "$T/r1" "$T/r2" >"$T/diff"; then pass $t; else
		fail $t "route add of route show's lines" "$(cat "$T/out" "$T/diff")"; fi
fi
v6 r route del 10.0.8.0/22 >/dev/null 2>&1
v6 r route del default >/dev/null 2>&1

# detach: the kernel forwards alone again, v4via6's counters stand still
t=detach
prog_id=$(bpftool prog show pinned "$(pin_dir_of r)/prog" 2>/dev/null | awk -F: 'NR == 1 { print $1 }')
if ! out=$(v6 r detach r0 r1 r2 2>&1); then
	fail $t "detach failed" "$out"
elif ip -n "$(ns r)" link show | grep -q 'prog/xdp'; then
	fail $t "an XDP program is still attached" "$(ip -n "$(ns r)" link show)"
else
	snap r >"$T/s0"
	ping_ok $t -c 4 -i 0.05 "$B_IP"
	snap r >"$T/s1"
	want_delta $t "$T/s0" "$T/s1" IpForwDatagrams -ge 8 &&
		want_delta $t "$T/s0" "$T/s1" fwd_packets -eq 0 &&
		want_delta $t "$T/s0" "$T/s1" rx_packets -eq 0 && pass $t
fi

# generic (skb) mode: the same forwarding without driver support
t=skb-mode
if ! out=$(v6 r attach r0 r1 --mode skb 2>&1); then
	fail $t "attach --mode skb failed" "$out"
elif ! ip -n "$(ns r)" link show dev r0 | grep -q 'xdpgeneric'; then
	fail $t "r0 has no xdpgeneric program" "$(ip -n "$(ns r)" link show dev r0)"
else
	snap r >"$T/s0"
	if ping_ok $t -c 4 -i 0.05 "$B_IP"; then
		snap r >"$T/s1"
		want_delta $t "$T/s0" "$T/s1" fwd_packets -ge 8 &&
			want_delta $t "$T/s0" "$T/s1" IpForwDatagrams -eq 0 && pass $t
	fi
fi
v6 r detach r0 r1 >/dev/null 2>&1

# detach --all: no pins, and the program and maps are gone from the kernel. Checked by id:
# other engineers' runs may hold programs of the same name on this machine.
t=detach-all
v6 r attach r0 >/dev/null 2>&1
prog_id=$(bpftool prog show pinned "$(pin_dir_of r)/prog" 2>/dev/null | awk -F: 'NR == 1 { print $1 }')
map_ids=$(bpftool -j prog show id "${prog_id:-0}" 2>/dev/null |
	"$PYTHON" -c 'import json,sys; print(*json.load(sys.stdin).get("map_ids", []))' 2>/dev/null)
gone() { ! bpftool prog show id "$1" >/dev/null 2>&1; }
maps_gone() {
	local m
	for m in $map_ids; do bpftool map show id "$m" >/dev/null 2>&1 && return 1; done
	return 0
}
if [ -z "$prog_id" ] || [ -z "$map_ids" ]; then
	fail $t "could not find the pinned program and its maps before detach --all" \
		"$(ls -la "$(pin_dir_of r)" 2>&1)"
elif ! out=$(v6 r detach --all 2>&1); then
	fail $t "detach --all failed" "$out"
elif ls "$(pin_dir_of r)" >/dev/null 2>&1; then
	fail $t "the pin dir is still there" "$(ls -la "$(pin_dir_of r)")"
elif ip -n "$(ns r)" link show | grep -q 'prog/xdp'; then
	fail $t "an XDP program is still attached" "$(ip -n "$(ns r)" link show)"
elif ! wait_for 3000 gone "$prog_id"; then
	fail $t "program $prog_id still loaded" "$(bpftool prog show id "$prog_id" 2>&1)"
elif ! wait_for 3000 maps_gone; then
	fail $t "maps still exist (ids $map_ids)"
else
	pass $t
fi

exit $((LIB_FAILS > 0))
