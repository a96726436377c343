#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The router's own traffic with routes given by `v4via6 route` and `apply` (not
# sync): the seed's router gets IPv4 addresses (a /24 on r1, a /32 on lo) and a
# v4via6 default route towards B. What the kernel delivers locally (its local
# table: each address, each subnet's broadcast) must reach the kernel, not be
# forwarded by XDP: a ping to the router's address is answered by the router
# (pass_throw moves, fwd_packets does not), a frame to the subnet's broadcast
# goes up. The local entries stay out of route show, apply and route flush,
# are counted by status, and go with the address at the next command.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/seed-topology.sh"
lib_init local

T=$(mktemp -d /tmp/v4via6-local.XXXXXX)
on_cleanup "rm -rf '$T'"

R_IP=10.0.20.1     # on r1, a /24: its subnet's broadcast is 10.0.20.255
R_BCAST=10.0.20.255
R_LO=192.0.2.77    # on lo, a /32: no broadcast route

seed_topology_or_exit "$T"
# the list of local entries kept next to sync's status file (loader/local.h)
on_cleanup "rm -f /run/v4via6/sys_fs_bpf_v4via6-$(ns r).local"

# ok NAME cmd...: run cmd in the router's namespace, fail NAME with its output when it fails
ok() {
	local name=$1 out
	shift
	out=$(v6 r "$@" 2>&1) && return 0
	fail "$name" "v4via6 $* failed" "$out"
	return 1
}

# lines_are NAME WHAT FILE LINES...: FILE holds exactly LINES (in any order)
lines_are() {
	local name=$1 what=$2 f=$3
	shift 3
	if [ $# -gt 0 ]; then printf '%s\n' "$@"; fi | sort >"$f.want"
	sort "$f" >"$f.got"
	diff -u "$f.want" "$f.got" >"$f.diff" && return 0
	fail "$name" "$what" "$(cat "$f.diff")"
	return 1
}

# want_delta NAME OLD NEW COUNTER OP VALUE (as in test-seed.sh)
want_delta() {
	local name=$1 old=$2 new=$3 c=$4 op=$5 v=$6 d
	d=$(delta "$old" "$new" "$c")
	test "$d" "$op" "$v" && return 0
	fail "$name" "$c moved by $d, expected $op $v" "$(paste "$old" "$new")"
	return 1
}

ip -n "$(ns r)" addr add "$R_IP/24" dev r1 &&
	ip -n "$(ns r)" addr add "$R_LO/32" dev lo || {
	fail setup "could not add the router's addresses"
	exit 1
}

t=attach-and-default
# B's MAC in the map: the kernel has no route to the router's addresses once they are gone,
# so the fast path could not take B's MAC from it (address-removed)
if ok $t attach r0 r1 && ok $t route add "$A_IP/32" via inet6 "$A_LL" dev r0 &&
	ok $t route add default via inet6 "$B_LL" dev r1 &&
	ok $t neigh add "$B_LL" lladdr "$B_MAC" dev r1; then
	v6 r route show >"$T/show" 2>&1
	lines_are $t "route show lists the operator's routes only" "$T/show" \
		"$A_IP/32 via inet6 $A_LL dev r0" "default via inet6 $B_LL dev r1" && pass $t
fi

t=show-local
v6 r route show local >"$T/local" 2>&1
v6 r -j route show table local | "$PYTHON" -c '
import json, sys
for r in json.load(sys.stdin):
	print(r["type"], r["dst"])' >"$T/jlocal" 2>&1
lines_are $t "route show local lists the local table's addresses" "$T/local" \
	"local $R_IP/32" "local $R_BCAST/32" "local $R_LO/32" &&
	lines_are $t "-j route show table local" "$T/jlocal" \
		"local $R_IP/32" "local $R_BCAST/32" "local $R_LO/32" && pass $t

t=status-counts
out=$(v6 r status 2>&1)
if grep -qx 'routes: 2' <<<"$out" && grep -qx 'local addresses: 3' <<<"$out" &&
	v6 r -j status | "$PYTHON" -c 'import json,sys; s=json.load(sys.stdin); sys.exit(s["local_addresses"] != 3 or s["routes"] != 2)'; then
	pass $t
else
	fail $t "status should count 2 routes and 3 local addresses" "$out"
fi

# ping_router NAME ADDR: A pings ADDR, the router answers, and XDP passed the requests up
# (throw) rather than forwarding them; otherwise fails NAME
ping_router() {
	local name=$1 addr=$2 out
	snap r >"$T/s0"
	if ! out=$(nsx a ping -q -c 3 -i 0.05 -W 1 "$addr" 2>&1); then
		fail "$name" "ping $addr from A: the router did not answer" "$out"
		return 1
	fi
	snap r >"$T/s1"
	want_delta "$name" "$T/s0" "$T/s1" fwd_packets -eq 0 &&
		want_delta "$name" "$T/s0" "$T/s1" pass_throw -ge 3
}
ping_router ping-router-address "$R_IP" && pass ping-router-address
ping_router ping-router-lo "$R_LO" && pass ping-router-lo

# A frame to the broadcast address of the router's subnet on r1, sent by A to r0's MAC
# (a directed broadcast): the kernel takes it, XDP must not forward it to B.
t=subnet-broadcast
snap r >"$T/s0"
nsx a "$PYTHON" "$here/frames.py" send a0 "$A_MAC" "$R0_MAC" "$A_IP" "$R_BCAST" echo-ttl64
sleep 0.2
snap r >"$T/s1"
want_delta $t "$T/s0" "$T/s1" fwd_packets -eq 0 &&
	want_delta $t "$T/s0" "$T/s1" pass_throw -eq 1 && pass $t

t=route-add-local-refused
if out=$(v6 r route add "$R_IP/32" via inet6 "$B_LL" dev r1 2>&1); then
	fail $t "route add of the router's own address succeeded" "$out"
elif ! grep -q "route add: $R_IP/32: a local address of this router" <<<"$out"; then
	fail $t "no clear error" "$out"
elif ! v6 r route show local | grep -qx "local $R_IP/32"; then
	fail $t "the local entry is gone" "$(v6 r route show local 2>&1)"
else
	pass $t
fi

# An address added since the last command has no local entry yet: a route written at it
# gives way at once, with a warning (the kernel's table is read after the route is written).
t=route-add-new-address
ip -n "$(ns r)" addr add 192.0.2.88/32 dev lo
out=$(v6 r route add 192.0.2.88/32 via inet6 "$B_LL" dev r1 2>&1)
if ! grep -q "warning: 192.0.2.88/32 is a local address of this router: its route via inet6 $B_LL dev r1 gives way" <<<"$out"; then
	fail $t "no warning" "$out"
elif v6 r route show | grep -q 192.0.2.88 || ! v6 r route show local | grep -qx "local 192.0.2.88/32"; then
	fail $t "192.0.2.88/32 should be a local entry" "$(v6 r route show 2>&1; v6 r route show local 2>&1)"
else
	pass $t
fi
ip -n "$(ns r)" addr del 192.0.2.88/32 dev lo

t=route-del-local-refused
if out=$(v6 r route del "$R_IP/32" 2>&1); then
	fail $t "route del of a local entry succeeded" "$out"
elif ! grep -q "route del: $R_IP/32: a local address of this router, not a route" <<<"$out"; then
	fail $t "no clear error" "$out"
else
	pass $t
fi

# A throw route at a local prefix is the operator's: it takes the local entry's place, and
# once deleted the local entry is back.
t=throw-over-local
if ok $t route check && ! v6 r route show local | grep -q 192.0.2.88 && ok $t route add throw "$R_LO/32" && v6 r route show | grep -qx "throw $R_LO/32" &&
	! v6 r route show local | grep -qx "local $R_LO/32" && ok $t route del "$R_LO/32" &&
	v6 r route show local | grep -qx "local $R_LO/32" &&
	! v6 r route show | grep -q "$R_LO"; then
	pass $t
else
	fail $t "throw over a local entry" "$(v6 r route show 2>&1; v6 r route show local 2>&1)"
fi

t=flush-keeps-local
if ok $t route flush; then
	v6 r route show >"$T/show" 2>&1
	v6 r route show local >"$T/local" 2>&1
	lines_are $t "route show after flush" "$T/show" &&
		lines_are $t "route show local after flush" "$T/local" \
			"local $R_IP/32" "local $R_BCAST/32" "local $R_LO/32" &&
		ping_router $t "$R_IP" && pass $t
fi

# apply: a file with a route at the router's address warns with FILE:LINE and installs the
# rest; the local entries are not the file's business (not removed, not counted as changes).
cat >"$T/router.conf" <<EOF
attach r0
attach r1
route $A_IP/32 via inet6 $A_LL dev r0
route $R_IP/32 via inet6 $B_LL dev r1
route default via inet6 $B_LL dev r1
neigh $B_LL lladdr $B_MAC dev r1
EOF
t=apply-local
if ! out=$(v6 r apply "$T/router.conf" 2>&1); then
	fail $t "apply failed" "$out"
elif ! grep -q "router.conf:4: warning: $R_IP/32 is a local address of this router" <<<"$out"; then
	fail $t "no FILE:LINE warning for the route at the router's address" "$out"
elif ! out2=$(v6 r apply "$T/router.conf" 2>&1) || ! grep -qx 'apply: no changes' <<<"$out2"; then
	fail $t "the same file again should change nothing" "$out2"
else
	v6 r route show >"$T/show" 2>&1
	v6 r route show local >"$T/local" 2>&1
	lines_are $t "route show after apply" "$T/show" \
		"$A_IP/32 via inet6 $A_LL dev r0" "default via inet6 $B_LL dev r1" &&
		lines_are $t "route show local after apply" "$T/local" \
			"local $R_IP/32" "local $R_BCAST/32" "local $R_LO/32" &&
		ping_router $t "$R_IP" && pass $t
fi

# route show is still what route add accepts back
t=show-roundtrip
v6 r route show >"$T/show" 2>&1
if ok $t route flush && while read -r line; do
	# shellcheck disable=SC2086
	v6 r route add $line || exit 1
done <"$T/show"; then
	v6 r route show >"$T/show2" 2>&1
	diff -u "$T/show" "$T/show2" >"$T/rt.diff" && pass $t ||
		fail $t "route show changed through flush and add" "$(cat "$T/rt.diff")"
fi

# An address removed: its entry goes at the next command, and the default route then
# takes the address (XDP forwards to B, as the kernel's own routes say nothing else).
t=address-removed
ip -n "$(ns r)" addr del "$R_IP/24" dev r1
if ok $t route check; then
	v6 r route show local >"$T/local" 2>&1
	if lines_are $t "route show local after ip addr del" "$T/local" "local $R_LO/32"; then
		snap r >"$T/s0"
		nsx a "$PYTHON" "$here/frames.py" send a0 "$A_MAC" "$R0_MAC" "$A_IP" "$R_IP" echo-ttl64
		sleep 0.2
		snap r >"$T/s1"
		want_delta $t "$T/s0" "$T/s1" fwd_packets -ge 1 && pass $t
	fi
fi

# The address comes back while an operator's route holds its /32: the local entry wins, and
# the command says so.
t=address-over-route
if ok $t route add "$R_IP/32" via inet6 "$B_LL" dev r1; then
	ip -n "$(ns r)" addr add "$R_IP/24" dev r1
	out=$(v6 r route check 2>&1)
	if ! grep -q "warning: $R_IP/32 is a local address of this router: its route via inet6 $B_LL dev r1 gives way" <<<"$out"; then
		fail $t "no warning for the route that gave way" "$out"
	elif v6 r route show | grep -q "$R_IP/32"; then
		fail $t "the operator's route is still shown" "$(v6 r route show 2>&1)"
	else
		ping_router $t "$R_IP" && pass $t
	fi
fi

# sync mirrors the local table itself (throw entries): a command run next to it must not
# fight it. After sync --once, the local prefixes are throws of sync's or local entries,
# never both and never missing; another command and another sync leave the map as it was.
t=sync-agrees
dump() { v6 r route show; v6 r route show local; }
if ok $t sync --once && dump >"$T/d1" 2>&1 && ok $t route check && ok $t sync --once &&
	dump >"$T/d2" 2>&1 && ok $t attach r0 && dump >"$T/d3" 2>&1; then
	missing=
	for a in "$R_IP" "$R_BCAST" "$R_LO"; do
		[ "$(grep -cE "^(local|throw) $a/32$" "$T/d3")" = 1 ] || missing="$missing $a"
	done
	if [ -n "$missing" ]; then
		fail $t "local prefixes without exactly one entry:$missing" "$(cat "$T/d3")"
	elif ! diff -u "$T/d2" "$T/d3" >"$T/sd.diff"; then
		fail $t "attach changed what sync left" "$(cat "$T/sd.diff")"
	else
		ping_router $t "$R_IP" && pass $t
	fi
fi
# A running sync owns the map: an address added now gets sync's throw (or a local entry, if a
# command comes first); a command next to it changes nothing; a removed address leaves both.
t=sync-running
nsenter --net=/run/netns/"$(ns r)" "$V4VIA6" sync 2>"$T/sync.log" &
sync_pid=$!
LIB_PIDS+=("$sync_pid")
one_entry() { [ "$(dump | grep -cE "^(local|throw) $1/32$")" = 1 ]; }
no_entry() { ! dump | grep -qE "^(local|throw) $1/32$"; }
if ! wait_for 15000 grep -q "sync: started" "$T/sync.log"; then
	fail $t "sync did not start" "$(cat "$T/sync.log"; ps -o pid,stat,wchan:30,cmd -p "$sync_pid")"
else
	ip -n "$(ns r)" addr add 192.0.2.99/32 dev lo
	if ! wait_for 2000 one_entry 192.0.2.99; then
		fail $t "sync did not mirror the new address" "$(dump 2>&1)"
	elif ! ok $t route check || ! dump >"$T/d4" 2>&1 || ! sleep 0.3 ||
		! dump >"$T/d5" 2>&1 || ! diff -u "$T/d4" "$T/d5" >"$T/sr.diff"; then
		fail $t "the map moved after route check next to sync" "$(cat "$T/sr.diff" 2>&1)"
	elif ! one_entry 192.0.2.99 || ! one_entry "$R_IP"; then
		fail $t "a local prefix lost its entry or has two" "$(cat "$T/d5")"
	else
		ip -n "$(ns r)" addr del 192.0.2.99/32 dev lo
		if ! wait_for 2000 no_entry 192.0.2.99; then
			fail $t "the removed address keeps an entry" "$(dump 2>&1)"
		elif grep -q 'map errors [1-9]' "$T/sync.log"; then
			fail $t "sync reported errors" "$(cat "$T/sync.log")"
		else
			pass $t
		fi
	fi
fi
kill "$sync_pid" 2>/dev/null
wait "$sync_pid" 2>/dev/null

# detach --all leaves nothing: no pins, no list of local entries
t=detach-all
list=/run/v4via6/sys_fs_bpf_v4via6-$(ns r).local
if ! test -s "$list"; then
	fail $t "no list of local entries at $list"
elif ok $t detach --all && test -e "$list"; then
	fail $t "$list is left after detach --all"
elif test -e "$(pin_dir_of r)"; then
	fail $t "$(pin_dir_of r) is left after detach --all"
else
	pass $t
fi
exit $((LIB_FAILS > 0))
