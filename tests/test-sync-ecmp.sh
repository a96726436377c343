#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# v4via6 sync mirrors the kernel's ECMP (issue 11): multipath routes with their
# weights (BIRD's RTA_MULTIPATH), nexthop objects and groups with 16-bit
# weights (FRR's RTA_NH_ID), their replacement and deletion; a route with a
# hop XDP cannot take is left to the kernel whole. Router r with links r1, r2
# (attached) and r3 (not) to a peer p; the peer's link-local addresses are the
# next hops (nothing needs to answer: the maps are what is checked).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/seed-topology.sh"
lib_init sync-ecmp

T=$(mktemp -d /tmp/v4via6-sync-ecmp.XXXXXX)
on_cleanup "rm -rf '$T'"

sync_router_or_exit "$T"
R=$(ns r)
nsenter --net=/run/netns/"$R" "$V4VIA6" sync 2>>"$T/sync.log" &
LIB_PIDS+=($!)
if ! wait_for 20000 grep -q started "$T/sync.log"; then
	fail start "sync did not start" "$(cat "$T/sync.log")"
	exit 1
fi
P1=fe80::1:1
P2=fe80::1:2
P3=fe80::1:3

# block PREFIX: what `route show` prints for PREFIX: its line and the member lines under it,
# whitespace squeezed
block() {
	v6 r route show | awk -v p="$1" '
		$1 == p || ($1 == "throw" && $2 == p) { on = 1; $1 = $1; print; next }
		on && /^[ \t]/ { $1 = $1; print; next }
		{ on = 0 }'
}
# has_block PREFIX LINE...: the block is exactly these lines (in any order)
has_block() {
	local p=$1
	shift
	[ "$(block "$p" | sort)" = "$(printf '%s\n' "$@" | sort)" ]
}
# nh_line ID: what `nexthop show` prints for object ID (one line)
nh_line() { v6 r nexthop show | grep -E "^id $1 "; }
# group_is ID MEMBER,WEIGHT...: `nexthop show` has object ID as a group of these members and
# weights (a weight of 1 may be left out, as iproute2 does)
group_is() {
	local id=$1 line
	shift
	line=$(nh_line "$id") || return 1
	"$PYTHON" - "$line" "$@" <<'PY'
import sys
f = sys.argv[1].split()
g = f[f.index("group") + 1]
got = sorted(tuple(map(int, (m + ",1").split(",")[:2])) for m in g.split("/"))
want = sorted(tuple(map(int, w.split(","))) for w in sys.argv[2:])
sys.exit(got != want)
PY
}

# --- RTA_MULTIPATH (BIRD) -------------------------------------------------------------------
t=multipath-weights
nsx r ip route add 10.40.0.0/16 nexthop via inet6 $P1 dev r1 weight 2 \
	nexthop via inet6 $P2 dev r2 weight 3
want=("10.40.0.0/16" "nexthop via inet6 $P1 dev r1 weight 2" "nexthop via inet6 $P2 dev r2 weight 3")
if wait_for 3000 has_block 10.40.0.0/16 "${want[@]}"; then pass $t; else
	fail $t "want both hops with their weights" "$(block 10.40.0.0/16; tail -3 "$T/sync.log")"
fi
t=multipath-replace
nsx r ip route replace 10.40.0.0/16 nexthop via inet6 $P1 dev r1 weight 200 \
	nexthop via inet6 $P2 dev r2 nexthop via inet6 $P3 dev r2
want=("10.40.0.0/16" "nexthop via inet6 $P1 dev r1 weight 200" "nexthop via inet6 $P2 dev r2 weight 1"
	"nexthop via inet6 $P3 dev r2 weight 1")
if wait_for 3000 has_block 10.40.0.0/16 "${want[@]}"; then pass $t; else
	fail $t "want the three new hops" "$(block 10.40.0.0/16)"
fi
# one hop on an interface v4via6 is not attached to: the kernel's, whole
t=multipath-not-attached
nsx r ip route add 10.41.0.0/16 nexthop via inet6 $P1 dev r1 nexthop via inet6 $P3 dev r3
if wait_for 3000 has_block 10.41.0.0/16 "throw 10.41.0.0/16" &&
	grep -q "10.41.0.0/16 has 2 next hops, not all of which XDP can take" "$T/sync.log"; then
	pass $t
else
	fail $t "want a throw route and a warning" "$(block 10.41.0.0/16; tail -3 "$T/sync.log")"
fi
t=multipath-del
nsx r ip route del 10.40.0.0/16
nsx r ip route del 10.41.0.0/16
if wait_for 3000 has_block 10.40.0.0/16 && has_block 10.41.0.0/16; then pass $t; else
	fail $t "routes stayed after ip route del" "$(v6 r route show)"
fi

# --- nexthop objects and groups (FRR) -------------------------------------------------------
t=nexthop-objects
nsx r ip nexthop add id 1 via $P1 dev r1
nsx r ip nexthop add id 2 via $P2 dev r2
nsx r ip nexthop add id 10 group 1,1/2,200
nsx r ip route add 10.50.0.0/16 nhid 10
nsx r ip route add 10.51.0.0/16 nhid 1
if wait_for 3000 has_block 10.50.0.0/16 "10.50.0.0/16 nhid 10" &&
	has_block 10.51.0.0/16 "10.51.0.0/16 nhid 1" && group_is 10 1,1 2,200 &&
	nh_line 1 | grep -Eq "^id 1 via (inet6 )?$P1 dev r1( |$)"; then
	pass $t
else
	fail $t "want the routes by id and the objects as the kernel has them" \
		"$(v6 r route show; v6 r nexthop show; tail -3 "$T/sync.log")"
fi

# nexthop_grp: NHA_GROUP with 16-bit weights (weight_high, Linux 6.12); iproute2 6.1 (Debian 12)
# refuses weights above 255, so the message is sent here. ARGS: ID MEMBER,WEIGHT...
nl_group() {
	nsx r "$PYTHON" - "$@" <<'PY'
import socket, struct, sys
NLM_F_REQUEST, NLM_F_ACK, NLM_F_CREATE, NLM_F_REPLACE = 1, 4, 0x400, 0x100
RTM_NEWNEXTHOP, NHA_ID, NHA_GROUP = 104, 1, 2
def attr(t, data):
    a = struct.pack("HH", 4 + len(data), t) + data
    return a + bytes(-len(a) % 4)
gid, members = int(sys.argv[1]), sys.argv[2:]
grp = b""
for m in members:
    i, w = map(int, m.split(","))
    grp += struct.pack("IBBH", i, (w - 1) & 0xFF, (w - 1) >> 8, 0)
body = struct.pack("BBBBI", socket.AF_UNSPEC, 0, 0, 0, 0) + attr(NHA_ID, struct.pack("I", gid)) + attr(NHA_GROUP, grp)
msg = struct.pack("IHHII", 16 + len(body), RTM_NEWNEXTHOP,
                  NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, 1, 0) + body
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
s.send(msg)
ans = s.recv(4096)
err = struct.unpack("i", ans[16:20])[0]
if err:
    sys.exit("RTM_NEWNEXTHOP: %s" % __import__("os").strerror(-err))
PY
}
t=group-weight-above-255
if ! out=$(nl_group 10 1,3 2,300 2>&1); then
	skip $t "the kernel refused a 16-bit group weight: $out"
elif wait_for 3000 group_is 10 1,3 2,300 && has_block 10.50.0.0/16 "10.50.0.0/16 nhid 10"; then
	pass "$t (rewritten in place: the route still names nhid 10)"
else
	fail $t "want group 1,3/2,300" "$(nsx r ip nexthop show id 10; nh_line 10; tail -3 "$T/sync.log")"
fi
t=group-weight-65535
if ! out=$(nl_group 10 1,65535 2,1 2>&1); then
	skip $t "the kernel refused a 16-bit group weight: $out"
elif wait_for 3000 group_is 10 1,65535 2,1; then pass $t; else
	fail $t "want group 1,65535/2" "$(nh_line 10)"
fi

t=nexthop-replace
nsx r ip nexthop replace id 1 via $P3 dev r1
if wait_for 3000 eval 'nh_line 1 | grep -Eq "^id 1 via (inet6 )?$P3 dev r1( |$)"' &&
	has_block 10.51.0.0/16 "10.51.0.0/16 nhid 1"; then
	pass $t
else
	fail $t "want id 1 via $P3" "$(nh_line 1; block 10.51.0.0/16)"
fi

# a member the kernel deletes leaves the group (the kernel removes it from the group)
t=member-del
nsx r ip route del 10.51.0.0/16
nsx r ip nexthop del id 2
if wait_for 3000 group_is 10 1,65535 && ! nh_line 2 >/dev/null &&
	has_block 10.50.0.0/16 "10.50.0.0/16 nhid 10"; then
	pass $t
else
	fail $t "want group 10 of member 1 only, object 2 gone" \
		"$(v6 r nexthop show; nsx r ip nexthop show; block 10.50.0.0/16)"
fi

# a group with a member on an interface v4via6 is not attached to: the route is the kernel's
t=group-not-attached
nsx r ip nexthop add id 3 via $P3 dev r3
nsx r ip nexthop add id 11 group 1/3
nsx r ip route add 10.52.0.0/16 nhid 11
if wait_for 3000 has_block 10.52.0.0/16 "throw 10.52.0.0/16" && ! nh_line 11 >/dev/null; then
	pass $t
else
	fail $t "want a throw route, object 11 not mirrored" "$(block 10.52.0.0/16; nh_line 11)"
fi

t=nexthop-del
nsx r ip route del 10.52.0.0/16
nsx r ip nexthop del id 11
nsx r ip nexthop del id 3
nsx r ip nexthop del id 10
if wait_for 3000 has_block 10.50.0.0/16 && ! nh_line 10 >/dev/null; then pass $t; else
	fail $t "route or object 10 stayed after the kernel deleted it" "$(v6 r route show; v6 r nexthop show)"
fi

# a restart finds the objects the kernel has, and deletes those it no longer has
t=restart
nsx r ip nexthop add id 20 via $P2 dev r2
nsx r ip nexthop add id 21 group 1/20,7
nsx r ip route add 10.60.0.0/16 nhid 21
wait_for 3000 group_is 21 1,1 20,7
kill "${LIB_PIDS[-1]}"
wait "${LIB_PIDS[-1]}" 2>/dev/null
nsx r ip route del 10.60.0.0/16
nsx r ip nexthop del id 21
nsx r ip nexthop add id 22 group 1,2/20
nsx r ip route add 10.61.0.0/16 nhid 22
nsenter --net=/run/netns/"$R" "$V4VIA6" sync --once 2>>"$T/sync.log"
if has_block 10.61.0.0/16 "10.61.0.0/16 nhid 22" && group_is 22 1,2 20,1 &&
	! nh_line 21 >/dev/null && has_block 10.60.0.0/16; then
	pass $t
else
	fail $t "want 10.61/16 via 22, object 21 and 10.60/16 gone" "$(v6 r route show; v6 r nexthop show)"
fi

# an attached link without carrier when sync starts: out of the groups from the start, and said
t=link-down-at-start
ip -n "$(ns p)" link set p1 down
nsenter --net=/run/netns/"$R" "$V4VIA6" sync --once 2>"$T/once.log"
if grep -q "link r1 (ifindex [0-9]*) down or without carrier" "$T/once.log" &&
	grep -q "links down 1;" "$T/once.log"; then
	pass $t
else
	fail $t "sync --once did not take r1 out of the groups" "$(cat "$T/once.log")"
fi
ip -n "$(ns p)" link set p1 up
nsenter --net=/run/netns/"$R" "$V4VIA6" sync --once 2>"$T/once.log"
grep -q "links down 0;" "$T/once.log" ||
	fail $t-up "r1 back with its carrier: want links down 0" "$(cat "$T/once.log")"
exit 0
