#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# v4via6 upgrade on the seed's topology, under a ping every 10 ms across the router:
# a build with other instructions replaces the program on both interfaces without
# detaching (0 loss, the kernel forwards none of it, the new program id on both);
# then a build with the next map layout (tests/upgrade_next.bpf.c, layout NEXT) gets
# new maps built from the old ones and swapped in, the same way. The "old" build is this tree's
# program compiled with other instructions (clang -mcpu=v3), loaded through
# V4VIA6_BPF_OBJ, so that the built-in program is the upgrade.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/seed-topology.sh"
lib_init upgrade

T=$(mktemp -d /tmp/v4via6-upgrade.XXXXXX)
on_cleanup "rm -rf '$T'"
# this build's map layout (include/v4via6.h), and the test build's (tests/upgrade_next.bpf.c)
LAYOUT=$(awk '$1 == "#define" && $2 == "V4VIA6_LAYOUT" { print $3 }' "$here/../include/v4via6.h")
NEXT=$((LAYOUT + 1))
NEXT_OBJ=$(realpath "$BUILD/upgrade_next.bpf.o" 2>/dev/null)
CLANG=${CLANG:-clang}

seed_topology_or_exit "$T"
PD=$(pin_dir_of r)
# the layout-NEXT state is read and removed by a build that knows layout NEXT
on_cleanup "V4VIA6_BPF_OBJ='$NEXT_OBJ' V4VIA6_BPF_LAYOUT=$NEXT nsx r '$V4VIA6' detach --all"

# prog_on NS IFACE: the id of the XDP program on IFACE
prog_on() { ip -n "$(ns "$1")" -d link show dev "$2" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -1; }
# pinned_id: the id of the pinned program
pinned_id() { bpftool prog show pinned "$PD/prog" 2>/dev/null | awk -F: 'NR == 1 { print $1 }'; }

# want_delta NAME OLD NEW COUNTER OP VALUE: COUNTER's move between two snaps compares to VALUE
want_delta() {
	local d
	d=$(delta "$2" "$3" "$4")
	test "$d" "$5" "$6" && return 0
	fail "$1" "$4 moved by $d, expected $5 $6" "$(paste "$2" "$3")"
	return 1
}

# ping_start FILE: a ping every 10 ms from A to B for 3 s in the background
ping_start() {
	nsx a ping -q -i 0.01 -c 300 -W 1 "$B_IP" >"$1" 2>&1 &
	PING_PID=$!
}
# ping_lossless FILE: every one of the 300 echoes answered
ping_lossless() { grep -q '300 packets transmitted, 300 received' "$1"; }
# not_hitless OLD_ID NEW_ID: why the upgrade just made under ping ($T/ping) was not
# hitless onto program NEW_ID (echoes lost, r0 or r1 not on it); nothing when it was
not_hitless() {
	if ! ping_lossless "$T/ping"; then
		echo "packets lost during the upgrade"
	elif [ "$(prog_on r r0)" != "$2" ] || [ "$(prog_on r r1)" != "$2" ] || [ "$2" = "$1" ]; then
		echo "not the new program on r0 and r1 (old $1, pinned $2)"
	fi
}

# --- the real layout 1 -> 2 upgrade ------------------------------------------------------
# The layout-1 program as released (tests/layout1/, built into $BUILD/layout1.bpf.o), its pin
# dir, maps and attachments made as the layout-1 loader made them (tests/layout1/state.py):
# routes of every kind (/32s and a /25 inside one /24, which layout 2 puts in a tbl8 block; a
# /24 and a /16 in tbl24 alone), neighbours for both next hops, traffic through it.
L1_OBJ=$(realpath "$BUILD/layout1.bpf.o" 2>/dev/null)
L1_ROUTES=("$A_IP/32 $A_LL r0" "$B_IP/32 $B_LL r1" "10.0.8.128/25 $B_LL r1" "10.0.9.0/24 $B_LL r1"
	"10.20.0.0/16 $A_LL r0")
# what route show and neigh show print for them (sorted)
l1_routes_shown() {
	local r
	for r in "${L1_ROUTES[@]}"; do
		set -- $r
		echo "$1 via inet6 $2 dev $3"
	done | sort
}
l1_neighs_shown() {
	printf '%s\n' "$A_LL dev r0 lladdr $A_MAC" "$B_LL dev r1 lladdr $B_MAC" | sort
}
# map_bytes MAP: the pinned map's entries as sorted "key = value" lines (raw bytes)
map_bytes() {
	bpftool -j map dump pinned "$PD/$1" | "$PYTHON" -c 'import json, sys
print("\n".join(sorted("%s = %s" % (" ".join(e["key"]), " ".join(e["value"]))
	for e in json.load(sys.stdin))))'
}
# stats_sum COUNTER: a fwd_stats counter summed over the CPUs, read with bpftool (this build
# refuses to read a layout-1 pin dir: only upgrade opens it)
stats_sum() {
	bpftool -j map dump pinned "$PD/stats" | "$PYTHON" -c 'import json, sys
print(sum(v["value"][sys.argv[1]] for e in json.load(sys.stdin)
	for v in e["formatted"]["values"]))' "$1"
}
# tbl24_of A.B.C: the layout-2 tbl24 entry of the /24 A.B.C (one fib_block of 256 per /16)
tbl24_of() {
	local IFS=. g
	set -- $1
	g=$(($1 * 256 + $2))
	bpftool -j map lookup pinned "$PD/tbl24" key $((g & 255)) $((g >> 8)) 0 0 | "$PYTHON" -c '
import json, sys
v = bytes(int(b, 16) for b in json.load(sys.stdin)["value"])
print(int.from_bytes(v[4 * int(sys.argv[1]):4 * int(sys.argv[1]) + 4], "little"))' "$3"
}

t=layout1-old-side
args=()
# shellcheck disable=SC2206 # each is "PREFIX LL IFACE": three arguments
for r in "${L1_ROUTES[@]}"; do args+=(route $r); done
if [ -z "$L1_OBJ" ] || ! [ -f "$L1_OBJ" ]; then
	skip $t "$BUILD/layout1.bpf.o not built (make binaries)"
elif ! nsx r "$PYTHON" "$here/layout1/state.py" "$PD" "$L1_OBJ" r0,r1 "${args[@]}" \
	neigh "$A_LL" "$A_MAC" r0 neigh "$B_LL" "$B_MAC" r1 >"$T/out" 2>&1; then
	fail $t "making the layout-1 state" "$(cat "$T/out")"
else
	fwd0=$(stats_sum fwd_packets) ipf0=$(ip_fwd r)
	out=$(v6 r route show 2>&1)
	rc=$?
	routes1=$(map_bytes routes) neighs1=$(map_bytes neighs)
	if ! nsx a ping -c 3 -i 0.1 -W 1 "$B_IP" >"$T/out" 2>&1; then
		fail $t "no ping through the layout-1 program" "$(cat "$T/out")"
	elif [ "$(($(stats_sum fwd_packets) - fwd0))" -lt 6 ] || [ "$(ip_fwd r)" != "$ipf0" ]; then
		fail $t "the layout-1 program did not forward the pings (fwd_packets $fwd0 -> \
$(stats_sum fwd_packets), IpForwDatagrams $ipf0 -> $(ip_fwd r))"
	elif [ $rc != 1 ] || ! grep -q "map layout 1, made by an older v4via6 (this one uses layout \
$LAYOUT): v4via6 upgrade moves the state to it" <<<"$out"; then
		fail $t "route show of this build on the layout-1 pin dir (exit $rc)" "$out"
	elif ! [ -e "$PD/layout-1" ] || [ -e "$PD/layout-$LAYOUT" ]; then
		fail $t "route show changed the layout-1 pin dir" "$(ls "$PD")"
	else
		pass "$t (layout-1 program id $(prog_on r r0) forwards; this build points to upgrade)"
	fi
fi

# upgrade under a ping every 10 ms: nothing lost, the kernel forwards none of it, the
# counters go on from the layout-1 ones, the maps are layout 2's, the routes and neighbours
# the same (the shown ones, and the trie's and neighbour map's bytes), tbl24 and tbl8 right
t=layout1-upgrade-hitless
if [ -e "$PD/layout-1" ] && [ "$(prog_on r r0)" ]; then
	old_id=$(prog_on r r0)
	fwd0=$(stats_sum fwd_packets) ipf0=$(ip_fwd r)
	ping_start "$T/ping"
	sleep 0.7
	out=$(v6 r upgrade 2>&1)
	rc=$?
	wait "$PING_PID"
	new_id=$(pinned_id)
	if [ $rc != 0 ] ||
		! grep -q "map layout 1 -> $LAYOUT: .* replaced by id $new_id on 2 interfaces: r0 r1" \
			<<<"$out"; then
		fail $t "upgrade exited $rc" "$out"
	elif why=$(not_hitless "$old_id" "$new_id") && [ -n "$why" ]; then
		fail $t "$why" "$out$(cat "$T/ping"; ip -n "$(ns r)" link show)"
	elif [ "$(ip_fwd r)" != "$ipf0" ]; then
		fail $t "the kernel forwarded packets (IpForwDatagrams $ipf0 -> $(ip_fwd r))"
	elif ! [ -e "$PD/layout-$LAYOUT" ] || [ -e "$PD/layout-1" ] || ! [ -e "$PD/tbl8" ] ||
		! [ -e "$PD/nh_stats" ] || ls -d "$PD"~tmp-* >/dev/null 2>&1; then
		fail $t "the pin dir is not layout $LAYOUT's alone" "$(ls -d "$PD" "$PD"~* 2>&1; ls "$PD")"
	elif [ "$(v6 r route show 2>&1 | sort)" != "$(l1_routes_shown)" ] ||
		[ "$(v6 r neigh show 2>&1 | sort)" != "$(l1_neighs_shown)" ]; then
		fail $t "routes or neighbours not carried over" "$(v6 r route show 2>&1
			v6 r neigh show 2>&1)"
	elif [ "$(map_bytes routes)" != "$routes1" ] || [ "$(map_bytes neighs)" != "$neighs1" ]; then
		fail $t "the routes or neighs map's bytes changed" "$(map_bytes routes; map_bytes neighs)"
	elif ! out2=$(v6 r route check 2>&1) || [ -n "$out2" ]; then
		fail $t "route check after the upgrade" "$out2"
	elif (($(tbl24_of 10.0.8) >> 31 != 1)) || (($(tbl24_of 10.0.9) >> 30 != 1)) ||
		(($(tbl24_of 10.20.255) >> 30 != 1)) || [ "$(tbl24_of 10.21.0)" != 0 ]; then
		fail $t "tbl24: 10.0.8 not a tbl8 block, 10.0.9 or 10.20.255 no route, 10.21.0 one" \
			"$(for p in 10.0.8 10.0.9 10.20.255 10.21.0; do echo "$p $(tbl24_of $p)"; done)"
	elif [ "$(($(stats_sum fwd_packets) - fwd0))" -lt 600 ]; then
		fail $t "fwd_packets not carried over or not moving: $fwd0 -> $(stats_sum fwd_packets)"
	else
		pass "$t ($out)"
	fi
else
	skip $t "no layout-1 state to upgrade"
fi

# after the upgrade, frames to each kind of route (a /32 and a /25 in the /24 with a tbl8 block,
# a /24 in tbl24), compared byte for byte at B; the MAC from the rebuilt nexthop objects
t=layout1-frames-after
"$PYTHON" "$here/frames.py" list >"$T/cases" 2>&1
mapfile -t fwd_cases < <(awk '$2 == "fwd_packets" { print $1 }' "$T/cases")
if ! [ -e "$PD/layout-$LAYOUT" ] || [ ${#fwd_cases[@]} = 0 ]; then
	skip $t "no layout-$LAYOUT state after the upgrade, or no frame cases: $(head -3 "$T/cases")"
else
	bad=""
	snap r >"$T/s0"
	for dst in "$B_IP" 10.0.8.200 10.0.9.7; do
		if ! cap_start b b0 "$T/f.pcap" ip src "$A_IP" and dst "$dst"; then
			bad+="$dst: tcpdump did not start in B"$'\n'
			continue
		fi
		nsx a "$PYTHON" "$here/frames.py" send a0 "$A_MAC" "$R0_MAC" "$A_IP" "$dst" \
			"${fwd_cases[@]}" >"$T/send" 2>&1
		cap_stop "$CAP_PID"
		out=$("$PYTHON" "$here/frames.py" check "$T/f.pcap" "$R1_MAC" "$B_MAC" "$A_IP" "$dst" \
			"${fwd_cases[@]}" 2>&1) || bad+="$dst: $out $(cat "$T/send")"$'\n'
	done
	snap r >"$T/s1"
	if [ -n "$bad" ]; then
		fail $t "forwarded frames differ" "$bad"
	else
		want_delta $t "$T/s0" "$T/s1" fwd_packets -ge $((3 * ${#fwd_cases[@]})) &&
			want_delta $t "$T/s0" "$T/s1" fwd_fib -eq 0 &&
			want_delta $t "$T/s0" "$T/s1" IpForwDatagrams -eq 0 &&
			pass "$t (${#fwd_cases[@]} cases to each of $B_IP 10.0.8.200 10.0.9.7)"
	fi
fi

# A layout-1 pin dir with a map this build cannot convert (neighs with 16-byte values, by hand):
# upgrade says which map and why, exits 1, and changes nothing (the tmp dir of new maps removed).
t=layout1-unconvertible-refused
v6 r detach --all >/dev/null 2>&1
rm -rf "$PD"
if [ -z "$L1_OBJ" ] || ! [ -f "$L1_OBJ" ]; then
	skip $t "$BUILD/layout1.bpf.o not built (make binaries)"
elif ! nsx r "$PYTHON" "$here/layout1/state.py" "$PD" "$L1_OBJ" r0,r1 "${args[@]}" \
	neigh "$A_LL" "$A_MAC" r0 neigh "$B_LL" "$B_MAC" r1 >"$T/out" 2>&1 || ! rm "$PD/neighs" ||
	! bpftool map create "$PD/neighs" type hash key 20 value 16 entries 16 name neighs \
		>>"$T/out" 2>&1; then
	fail $t "making the layout-1 state" "$(cat "$T/out")"
else
	old_id=$(prog_on r r0) before=$(ls "$PD")
	out=$(v6 r upgrade 2>&1)
	rc=$?
	want="upgrade: map neighs: this build cannot convert it from layout 1 to $LAYOUT (key 20 -> 20"
	want+=" bytes, value 16 -> 8 bytes)"
	if [ $rc != 1 ] || ! grep -qF "v4via6: $want" <<<"$out"; then
		fail $t "upgrade exited $rc" "$out"
	elif [ "$(ls "$PD")" != "$before" ] || [ "$(pinned_id)" != "$old_id" ] ||
		[ "$(prog_on r r0)" != "$old_id" ] || [ "$(prog_on r r1)" != "$old_id" ] ||
		ls -d "$PD"~* >/dev/null 2>&1; then
		fail $t "something changed" "$before / $(ls "$PD"; ls -d "$PD"~* 2>&1)"
	elif ! nsx a ping -c 2 -i 0.1 -W 1 "$B_IP" >"$T/out" 2>&1; then
		fail $t "the layout-1 program no longer forwards" "$(cat "$T/out")"
	else
		pass "$t ($out)"
	fi
fi
# l1_clear: no state at all (this build cannot read a layout-1 pin dir: its pins go by hand,
# the interfaces' programs too)
l1_clear() {
	ip -n "$(ns r)" link set dev r0 xdp off 2>/dev/null
	ip -n "$(ns r)" link set dev r1 xdp off 2>/dev/null
	v6 r detach --all >/dev/null 2>&1
	rm -rf "$PD" "$PD"~*
}
l1_clear

# The layout 1 -> 2 upgrade killed with -9 before the swap, after it, and after the first
# interface moved: running it again finishes it (both interfaces on the pinned layout-2
# program, the routes and neighbours whole, route check clean, nothing left over, forwarding).
t=layout1-upgrade-killed
if [ -z "$L1_OBJ" ] || ! [ -f "$L1_OBJ" ]; then
	skip $t "$BUILD/layout1.bpf.o not built (make binaries)"
else
	bad=""
	for point in copied swapped moved-1; do
		l1_clear
		if ! nsx r "$PYTHON" "$here/layout1/state.py" "$PD" "$L1_OBJ" r0,r1 "${args[@]}" \
			neigh "$A_LL" "$A_MAC" r0 neigh "$B_LL" "$B_MAC" r1 >"$T/out" 2>&1; then
			bad+="$point: making the layout-1 state: $(cat "$T/out")"$'\n'
			continue
		fi
		V4VIA6_TEST_KILL_AT=$point v6 r upgrade >"$T/out" 2>&1
		rc=$?
		[ $rc = 137 ] || bad+="$point: not killed there (exit $rc): $(cat "$T/out")"$'\n'
		out=$(v6 r upgrade 2>&1) || bad+="$point: upgrade after kill -9: $out"$'\n'
		p=$(pinned_id)
		[ "$(prog_on r r0)" = "$p" ] && [ "$(prog_on r r1)" = "$p" ] ||
			bad+="$point: r0 or r1 not on the pinned program $p: $out"$'\n'
		[ -e "$PD/layout-$LAYOUT" ] && ! [ -e "$PD/layout-1" ] ||
			bad+="$point: not layout $LAYOUT: $(ls "$PD")"$'\n'
		[ "$(v6 r route show 2>&1 | sort)" = "$(l1_routes_shown)" ] &&
			[ "$(v6 r neigh show 2>&1 | sort)" = "$(l1_neighs_shown)" ] ||
			bad+="$point: routes or neighbours: $(v6 r route show 2>&1)"$'\n'
		out=$(v6 r route check 2>&1) && [ -z "$out" ] || bad+="$point: route check: $out"$'\n'
		ls -d "$PD"~* >/dev/null 2>&1 && bad+="$point: temporary dirs left"$'\n'
		nsx a ping -c 2 -i 0.1 -W 1 "$B_IP" >/dev/null 2>&1 || bad+="$point: ping failed"$'\n'
	done
	if [ -n "$bad" ]; then
		fail $t "upgrade from layout 1 killed with -9, then run again" "$bad"
	else
		pass "$t (killed after the copy, after the swap, after the first move)"
	fi
fi
l1_clear

MULTIARCH=$(gcc -print-multiarch 2>/dev/null)
if ! "$CLANG" -target bpf -O2 -g -mcpu=v3 -I"$here/../include" -I"$here/../bpf" \
	-idirafter "/usr/include/$MULTIARCH" -c "$here/../bpf/v4via6.bpf.c" -o "$T/old.bpf.o" \
	>"$T/cc" 2>&1; then
	skip same-layout "cannot build a second copy of the program with $CLANG: $(head -1 "$T/cc")"
	exit 0
fi

if ! V4VIA6_BPF_OBJ=$T/old.bpf.o v6 r attach r0 r1 >"$T/out" 2>&1 ||
	! v6 r route add "$A_IP/32" via inet6 "$A_LL" dev r0 >>"$T/out" 2>&1 ||
	! v6 r route add "$B_IP/32" via inet6 "$B_LL" dev r1 >>"$T/out" 2>&1 ||
	! v6 r neigh add "$B_LL" lladdr "$B_MAC" dev r1 >>"$T/out" 2>&1 ||
	! v6 r neigh add "$A_LL" lladdr "$A_MAC" dev r0 >>"$T/out" 2>&1 ||
	! v6 r nexthop add id 1 via inet6 "$A_LL" dev r0 >>"$T/out" 2>&1 ||
	! v6 r nexthop add id 2 via inet6 "$B_LL" dev r1 >>"$T/out" 2>&1 ||
	! v6 r nexthop add id 10 group 1/2,3 >>"$T/out" 2>&1 ||
	! v6 r route add 10.30.0.0/16 nhid 10 >>"$T/out" 2>&1 ||
	! v6 r route add 10.31.0.0/16 nexthop via inet6 "$A_LL" dev r0 weight 2 \
		nexthop via inet6 "$B_LL" dev r1 >>"$T/out" 2>&1 ||
	! nsx a ping -c 3 -i 0.1 -W 1 "$B_IP" >>"$T/out" 2>&1; then
	fail setup "attaching the old build and routing through it" "$(cat "$T/out")"
	exit 1
fi
routes0=$(v6 r route show 2>&1)
neighs0=$(v6 r neigh show 2>&1)
# ECMP: the objects, and the flow hash's seed (random per router: an upgrade keeps it, or flows move)
nexthops0=$(v6 r nexthop show 2>&1)
seed0=$(bpftool map dump pinned "$PD/hash_seed" 2>&1)

# --- same layout: the program is replaced, the maps kept ---------------------------------
t=same-layout-hitless
old_id=$(prog_on r r0)
snap r >"$T/s0"
ping_start "$T/ping"
sleep 0.7
out=$(v6 r upgrade 2>&1)
rc=$?
wait "$PING_PID"
snap r >"$T/s1"
new_id=$(pinned_id)
if [ $rc != 0 ] || ! grep -q "replaced by id $new_id .* on 2 interfaces" <<<"$out"; then
	fail $t "upgrade exited $rc" "$out"
elif why=$(not_hitless "$old_id" "$new_id") && [ -n "$why" ]; then
	fail $t "$why" "$(cat "$T/ping"; ip -n "$(ns r)" link show)"
elif [ "$(v6 r route show 2>&1)" != "$routes0" ] || [ "$(v6 r neigh show 2>&1)" != "$neighs0" ]; then
	fail $t "routes or neighbours changed" "$(v6 r route show 2>&1; v6 r neigh show 2>&1)"
elif bpftool prog show id "$old_id" >/dev/null 2>&1; then
	fail $t "the old program (id $old_id) is still loaded"
else
	want_delta $t "$T/s0" "$T/s1" IpForwDatagrams -eq 0 &&
		want_delta $t "$T/s0" "$T/s1" fwd_packets -ge 600 && pass "$t ($out)"
fi

t=same-build-again
out=$(v6 r upgrade 2>&1)
rc=$?
jout=$(v6 r -j upgrade 2>&1)
if [ $rc != 0 ] || ! grep -q "is this build's already" <<<"$out" || [ "$(prog_on r r0)" != "$new_id" ]; then
	fail $t "a second upgrade with the same build (exit $rc)" "$out"
elif ! "$PYTHON" -c 'import json, sys; d = json.load(sys.stdin)
assert d["old_id"] == d["new_id"] == int(sys.argv[1]) and d["moved"] == []
assert d["layout"]["to"] == int(sys.argv[2])' \
	"$new_id" "$LAYOUT" <<<"$jout" >/dev/null 2>&1; then
	fail $t "-j upgrade: not the JSON expected" "$jout"
else
	pass $t
fi

# An upgrade interrupted after the pin moved (an interface still on the older program, as
# a kill -9 between the two leaves it): running it again finishes the job.
t=interrupted-finished
KEEP="$PD-keep"
on_cleanup "rm -f '$KEEP'"
if ! V4VIA6_BPF_OBJ=$T/old.bpf.o v6 r upgrade >"$T/out" 2>&1 ||
	! bpftool prog pin pinned "$PD/prog" "$KEEP" >>"$T/out" 2>&1 ||
	! v6 r upgrade >>"$T/out" 2>&1 ||
	! nsx r ip -force link set dev r1 xdpdrv pinned "$KEEP" >>"$T/out" 2>&1; then
	fail $t "leaving r1 on the older program" "$(cat "$T/out")"
elif [ "$(prog_on r r1)" = "$(pinned_id)" ]; then
	fail $t "r1 runs the pinned program: the test did not set it up" "$(cat "$T/out")"
else
	rm -f "$KEEP"
	out=$(v6 r upgrade 2>&1)
	if ! grep -q "already; moved to it: r1" <<<"$out" ||
		[ "$(prog_on r r1)" != "$(pinned_id)" ] || [ "$(prog_on r r0)" != "$(pinned_id)" ]; then
		fail $t "an interface left on another program" "$out$(ip -n "$(ns r)" link show)"
	else
		pass $t
	fi
fi

# Killed right after the new program is pinned, before any interface moved: again finishes it.
t=same-layout-killed
V4VIA6_BPF_OBJ=$T/old.bpf.o V4VIA6_TEST_KILL_AT=pinned v6 r upgrade >"$T/out" 2>&1
rc=$?
out=$(V4VIA6_BPF_OBJ=$T/old.bpf.o v6 r upgrade 2>&1)
if [ $rc != 137 ]; then
	fail $t "the upgrade was not killed at the test point (exit $rc)" "$(cat "$T/out")"
elif ! grep -q "already; moved to it: r0 r1" <<<"$out" ||
	[ "$(prog_on r r0)" != "$(pinned_id)" ] || [ "$(prog_on r r1)" != "$(pinned_id)" ]; then
	fail $t "running it again did not move both interfaces" "$out"
elif ! out=$(v6 r upgrade 2>&1); then
	fail $t "back to this build" "$out"
else
	pass $t
fi

# --- another map layout: new maps built from the old ones, swapped in ---------------------
t=layout-change-hitless
if [ -z "$NEXT_OBJ" ] || ! [ -f "$NEXT_OBJ" ]; then
	skip $t "$BUILD/upgrade_next.bpf.o not built"
	exit 0
fi
old_id=$(prog_on r r0)
snap r >"$T/s0"
ping_start "$T/ping"
sleep 0.7
out=$(V4VIA6_BPF_OBJ=$NEXT_OBJ V4VIA6_BPF_LAYOUT=$NEXT v6 r upgrade 2>&1)
rc=$?
wait "$PING_PID"
export V4VIA6_BPF_OBJ=$NEXT_OBJ V4VIA6_BPF_LAYOUT=$NEXT
snap r >"$T/s1"
new_id=$(pinned_id)
if [ $rc != 0 ] ||
	! grep -q "map layout $LAYOUT -> $NEXT: .* replaced by id $new_id on 2 interfaces" <<<"$out"; then
	fail $t "upgrade exited $rc" "$out"
elif why=$(not_hitless "$old_id" "$new_id") && [ -n "$why" ]; then
	fail $t "$why" "$(cat "$T/ping"; ip -n "$(ns r)" link show)"
elif ! [ -e "$PD/layout-$NEXT" ] || [ -e "$PD/layout-$LAYOUT" ] || ! [ -e "$PD/upgrade_test" ]; then
	fail $t "the pin dir is not layout $NEXT's" "$(ls "$PD")"
elif [ "$(v6 r route show 2>&1)" != "$routes0" ] || [ "$(v6 r neigh show 2>&1)" != "$neighs0" ]; then
	fail $t "routes or neighbours not carried over" "$(v6 r route show 2>&1; v6 r neigh show 2>&1)"
elif [ "$(v6 r nexthop show 2>&1)" != "$nexthops0" ]; then
	fail $t "nexthop objects not carried over" "$(diff <(echo "$nexthops0") <(v6 r nexthop show 2>&1))"
elif [ "$(bpftool map dump pinned "$PD/hash_seed" 2>&1)" != "$seed0" ] || ! grep -q "value" <<<"$seed0"; then
	fail $t "the flow hash seed changed" "$seed0 -> $(bpftool map dump pinned "$PD/hash_seed" 2>&1)"
elif ! out2=$(v6 r route check 2>&1); then
	fail $t "tbl24 (or a group's buckets) not rebuilt from the routes" "$out2"
elif ls -d "$PD"~tmp-* >/dev/null 2>&1; then
	fail $t "a temporary dir is left" "$(ls -d "$PD"~tmp-*)"
else
	want_delta $t "$T/s0" "$T/s1" IpForwDatagrams -eq 0 && pass "$t ($out)"
fi
unset V4VIA6_BPF_OBJ V4VIA6_BPF_LAYOUT

# This build (layout LAYOUT) refuses the newer layout instead of misreading it.
t=newer-layout-refused
out=$(v6 r route show 2>&1)
rc=$?
out2=$(v6 r upgrade 2>&1)
rc2=$?
if [ $rc != 1 ] || ! grep -q "map layout $NEXT, made by a newer v4via6" <<<"$out"; then
	fail $t "route show on a layout-$NEXT pin dir (exit $rc)" "$out"
elif [ $rc2 != 1 ] || ! grep -q "downgrade is not supported" <<<"$out2"; then
	fail $t "upgrade back to layout $LAYOUT (exit $rc2)" "$out2"
else
	pass $t
fi
# An upgrade to the new layout killed with -9 at random points: running it again finishes it
# (every interface on the pinned program, the routes and neighbours whole, nothing left over).
t=layout-change-killed
bad="" before=0 between=0 after=0
export V4VIA6_BPF_OBJ=$NEXT_OBJ V4VIA6_BPF_LAYOUT=$NEXT
# the first rounds die at named points (V4VIA6_TEST_KILL_AT), the others at random times
points=(copied swapped moved-1 "" "" "")
for round in 1 2 3 4 5 6; do
	point=${points[$((round - 1))]}
	v6 r detach --all >/dev/null 2>&1
	(
		unset V4VIA6_BPF_OBJ V4VIA6_BPF_LAYOUT
		v6 r attach r0 r1 && v6 r route add "$A_IP/32" via inet6 "$A_LL" dev r0 &&
			v6 r route add "$B_IP/32" via inet6 "$B_LL" dev r1 &&
			v6 r neigh add "$B_LL" lladdr "$B_MAC" dev r1 &&
			v6 r neigh add "$A_LL" lladdr "$A_MAC" dev r0 &&
			v6 r nexthop add id 1 via inet6 "$A_LL" dev r0 &&
			v6 r nexthop add id 2 via inet6 "$B_LL" dev r1 &&
			v6 r nexthop add id 10 group 1/2,3 &&
			v6 r route add 10.30.0.0/16 nhid 10 &&
			v6 r route add 10.31.0.0/16 nexthop via inet6 "$A_LL" dev r0 weight 2 \
				nexthop via inet6 "$B_LL" dev r1
	) >"$T/out" 2>&1 || bad+="round $round: setup: $(cat "$T/out")"$'\n'
	V4VIA6_TEST_KILL_AT=$point nsenter --net=/run/netns/"$(ns r)" "$V4VIA6" upgrade \
		>/dev/null 2>&1 &
	pid=$!
	if [ -z "$point" ]; then
		# an upgrade takes 0.5 to 5 s here (most of it tbl24 and tbl8: 96 MiB made and filled)
		sleep "$((RANDOM % 3)).$((RANDOM % 10))"
		kill -9 "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	# where the kill landed: before the swap, between the swap and the last move, or after
	if [ -e "$PD/layout-$LAYOUT" ]; then
		before=$((before + 1))
	elif [ "$(prog_on r r0)" != "$(pinned_id)" ] || [ "$(prog_on r r1)" != "$(pinned_id)" ]; then
		between=$((between + 1))
	else
		after=$((after + 1))
	fi
	out=$(v6 r upgrade 2>&1) || bad+="round $round: upgrade after kill -9: $out"$'\n'
	p=$(pinned_id)
	[ "$(prog_on r r0)" = "$p" ] && [ "$(prog_on r r1)" = "$p" ] ||
		bad+="round $round: r0 or r1 not on the pinned program $p: $out"$'\n'
	[ -e "$PD/layout-$NEXT" ] || bad+="round $round: not layout $NEXT: $(ls "$PD")"$'\n'
	[ "$(v6 r route show 2>&1)" = "$routes0" ] && [ "$(v6 r neigh show 2>&1)" = "$neighs0" ] ||
		bad+="round $round: routes or neighbours: $(v6 r route show 2>&1)"$'\n'
	[ "$(v6 r nexthop show 2>&1)" = "$nexthops0" ] ||
		bad+="round $round: nexthop objects: $(v6 r nexthop show 2>&1)"$'\n'
	v6 r route check >/dev/null 2>&1 || bad+="round $round: route check found damage"$'\n'
	ls -d "$PD"~tmp-* >/dev/null 2>&1 && bad+="round $round: temporary dirs left"$'\n'
	nsx a ping -c 2 -i 0.1 -W 1 "$B_IP" >/dev/null 2>&1 || bad+="round $round: ping failed"$'\n'
done
unset V4VIA6_BPF_OBJ V4VIA6_BPF_LAYOUT
if [ -n "$bad" ]; then
	fail $t "upgrade killed with -9, then run again" "$bad"
else
	pass "$t (killed before the swap $before, between swap and moves $between, after $after)"
fi
exit 0
