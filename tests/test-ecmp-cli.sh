#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# ECMP commands on the seed's router with a third link to host C (which answers for B's
# address): nexthop add|replace|del|show by id, groups with weights, routes by nhid and with
# next hops of their own (multipath), route show and nexthop show printed as ip prints them
# and read back (show pasted into add gives the same show), -j that parses, -s per member
# counters that add up to the pings forwarded, every bad input with its message and exit
# status and nothing changed, and the same statements in an apply file (continuation lines,
# objects removed when the file drops them, every bad line as FILE:LINE).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/seed-topology.sh"
lib_init ecmp-cli

T=$(mktemp -d /tmp/v4via6-ecmp-cli.XXXXXX)
on_cleanup "rm -rf '$T'"

seed_topology_or_exit "$T"
if ! seed_add_c >"$T/topo-c" 2>&1; then
	fail topology "could not add host C" "$(cat "$T/topo-c")"
	exit 1
fi
if ! out=$({ v6 r attach r0 r1 r2 &&
	v6 r neigh add "$A_LL" lladdr "$A_MAC" dev r0 &&
	v6 r neigh add "$B_LL" lladdr "$B_MAC" dev r1 &&
	v6 r neigh add "$C_LL" lladdr "$C_MAC" dev r2 &&
	v6 r route add "$A_IP/32" via inet6 "$A_LL" dev r0; } 2>&1); then
	fail setup "v4via6 attach/neigh/route failed" "$out"
	exit 1
fi

# state: what every bad input must leave as it was
state() {
	v6 r route show 2>&1
	v6 r nexthop show 2>&1
}

# --- nexthop objects and groups, shown as ip nexthop shows them ------------------------------
t=nexthop-add-show
want="id 1 via $B_LL dev r1
id 2 via $C_LL dev r2
id 10 group 1/2,3"
if ! out=$({ v6 r nexthop add id 1 via inet6 "$B_LL" dev r1 &&
	v6 r nexthop add id 2 via "$C_LL" dev r2 &&
	v6 r nexthop add id 10 group 1/2,3; } 2>&1); then
	fail $t "nexthop add" "$out"
elif [ "$(v6 r nexthop show 2>&1 | grep '^id ')" != "$want" ]; then
	fail $t "nexthop show differs" "$(diff <(echo "$want") <(v6 r nexthop show 2>&1))"
elif [ "$(v6 r nexthop show id 10 2>&1)" != "id 10 group 1/2,3" ] ||
	[ "$(v6 r nexthop show id 2 2>&1)" != "id 2 via $C_LL dev r2" ]; then
	fail $t "nexthop show id N" "$(v6 r nexthop show id 10 2>&1; v6 r nexthop show id 2 2>&1)"
elif [ "$(v6 r nexthop show dev r2 2>&1 | grep '^id ')" != "id 2 via $C_LL dev r2
id 10 group 1/2,3" ]; then
	fail $t "nexthop show dev r2: want object 2 and group 10 (a member on r2)" \
		"$(v6 r nexthop show dev r2 2>&1)"
else
	pass $t
fi

# --- what show prints is read back by add: the same show ---------------------------------------
t=nexthop-round-trip
before=$(v6 r nexthop show | grep '^id ')
if ! out=$({ v6 r nexthop del id 10 && v6 r nexthop del id 1 && v6 r nexthop del id 2; } 2>&1); then
	fail $t "nexthop del" "$out"
elif v6 r nexthop show | grep -q '^id '; then
	fail $t "objects left after del" "$(v6 r nexthop show 2>&1)"
else
	ok=1
	while read -r line; do
		# shellcheck disable=SC2086 # the words of the line are the arguments
		if ! out=$(v6 r nexthop add $line 2>&1); then
			fail $t "nexthop add $line" "$out"
			ok=0
			break
		fi
	done <<<"$before"
	if [ $ok = 1 ] && [ "$(v6 r nexthop show | grep '^id ')" != "$before" ]; then
		fail $t "show after pasting differs" "$(diff <(echo "$before") <(v6 r nexthop show 2>&1))"
	elif [ $ok = 1 ]; then
		pass $t
	fi
fi

# --- routes by id and multipath routes, printed as ip route prints them, read back ----------
t=route-nhid
if ! out=$(v6 r route add 10.0.20.0/24 nhid 10 2>&1); then
	fail $t "route add nhid 10" "$out"
elif [ "$(v6 r route show 10.0.20.0/24 2>&1)" != "10.0.20.0/24 nhid 10" ]; then
	fail $t "route show" "$(v6 r route show 2>&1)"
else
	line=$(v6 r route show 10.0.20.0/24)
	# shellcheck disable=SC2086
	if ! out=$({ v6 r route del 10.0.20.0/24 && v6 r route add $line; } 2>&1) ||
		[ "$(v6 r route show 10.0.20.0/24 2>&1)" != "$line" ]; then
		fail $t "route show pasted into route add" "$out$(v6 r route show 2>&1)"
	else
		pass $t
	fi
fi

t=route-multipath
want="10.0.21.0/24
	nexthop via inet6 $B_LL dev r1 weight 1
	nexthop via inet6 $C_LL dev r2 weight 2"
if ! out=$(v6 r route add 10.0.21.0/24 nexthop via inet6 "$B_LL" dev r1 weight 1 \
	nexthop via "$C_LL" dev r2 weight 2 2>&1); then
	fail $t "route add with two next hops" "$out"
elif [ "$(v6 r route show 10.0.21.0/24 2>&1)" != "$want" ]; then
	fail $t "route show differs" "$(diff <(echo "$want") <(v6 r route show 10.0.21.0/24 2>&1))"
else
	text=$(v6 r route show 10.0.21.0/24)
	# word splitting joins the lines: what ip route show | xargs would do
	# shellcheck disable=SC2086
	if ! out=$({ v6 r route del 10.0.21.0/24 && v6 r route add $text; } 2>&1) ||
		[ "$(v6 r route show 10.0.21.0/24 2>&1)" != "$want" ]; then
		fail $t "route show pasted into route add" "$out$(v6 r route show 2>&1)"
	elif ! out=$(v6 r route replace 10.0.21.0/24 nexthop via inet6 "$B_LL" dev r1 weight 5 2>&1) ||
		[ "$(v6 r route show 10.0.21.0/24 2>&1)" != "10.0.21.0/24
	nexthop via inet6 $B_LL dev r1 weight 5" ]; then
		fail $t "replace by a multipath route of one next hop (weighted)" \
			"$out$(v6 r route show 10.0.21.0/24 2>&1)"
	elif ! out=$(v6 r route replace $text 2>&1); then
		fail $t "replace back" "$out"
	else
		pass $t
	fi
fi

# --- -j ---------------------------------------------------------------------------------------
t=json
rj=$(v6 r -j route show 2>&1)
nj=$(v6 r -j nexthop show -s 2>&1)
if ! chk=$("$PYTHON" -c '
import json, sys
r = {o["dst"]: o for o in json.loads(sys.argv[1])}
assert r["10.0.20.0/24"] == {"dst": "10.0.20.0/24", "nhid": 10}, r["10.0.20.0/24"]
m = r["10.0.21.0/24"]["nexthops"]
assert [(h["via"]["host"], h["dev"], h["weight"]) for h in m] == \
	[(sys.argv[3], "r1", 1), (sys.argv[4], "r2", 2)], m
n = json.loads(sys.argv[2])
ids = {o["id"]: o for o in n if "id" in o}
assert set(ids) == {1, 2, 10}, ids
assert ids[1]["gateway"] == sys.argv[3] and ids[1]["dev"] == "r1", ids[1]
assert [(g["id"], g["weight"]) for g in ids[10]["group"]] == [(1, 1), (2, 3)], ids[10]
assert all(set(g["stats"]) == {"packets", "bytes"} for g in ids[10]["group"]), ids[10]
assert set(ids[1]["stats"]) == {"packets", "bytes"}, ids[1]
assert all("object" in o for o in n if "id" not in o), n
' "$rj" "$nj" "$B_LL" "$C_LL" 2>&1); then
	fail $t "route -j show / nexthop -j show -s: $chk" "$rj$(printf '\n')$nj"
else
	pass $t
fi

# --- -s: the members' counters add up to what the group forwarded ------------------------------
t=stats-per-member
PINGS=20
if ! out=$(v6 r route add "$B_IP/32" nhid 10 2>&1); then
	fail $t "route add $B_IP/32 nhid 10" "$out"
else
	sum_members() {
		v6 r -j nexthop show -s id 10 | "$PYTHON" -c '
import json, sys
g = json.load(sys.stdin)[0]["group"]
print(sum(m["stats"]["packets"] for m in g))'
	}
	p0=$(sum_members)
	snap r >"$T/s0"
	nsx a ping -q -c $PINGS -i 0.02 -W 1 "$B_IP" >"$T/ping" 2>&1
	snap r >"$T/s1"
	p1=$(sum_members)
	txt=$(v6 r nexthop show -s id 10 2>&1)
	fwd=$(delta "$T/s0" "$T/s1" fwd_packets)
	if ! grep -q " 0% packet loss" "$T/ping"; then
		fail $t "pings lost through the group" "$(cat "$T/ping")"
	elif [ $((p1 - p0)) -lt $PINGS ] || [ $((p1 - p0)) -gt "$fwd" ]; then
		fail $t "members +$((p1 - p0)) packets: want >= $PINGS (requests) and <= fwd +$fwd" "$txt"
	elif [ "$(sed -n 2p <<<"$txt")" != "  stats:" ] ||
		! grep -qE "^    id 1 packets [0-9]+ bytes [0-9]+$" <<<"$txt" ||
		! grep -qE "^    id 2 packets [0-9]+ bytes [0-9]+$" <<<"$txt"; then
		fail $t "nexthop show -s id 10: want a stats: line and one line per member" "$txt"
	else
		pass "$t (members +$((p1 - p0)), fwd +$fwd)"
	fi
fi

# --- status: routes by id and multipath routes are not "via interfaces not attached" ---------
t=status-group-routes
out=$(v6 r status 2>&1)
if ! grep -qx "routes: 4" <<<"$out"; then
	fail $t "want routes: 4 (two through groups, none unattached)" "$out"
else
	pass $t
fi

# --- replace: every route follows, show says so ----------------------------------------------
t=nexthop-replace
if ! out=$(v6 r nexthop replace id 10 group 2 2>&1); then
	fail $t "nexthop replace id 10 group 2" "$out"
elif [ "$(v6 r nexthop show id 10 2>&1)" != "id 10 group 2" ] ||
	[ "$(v6 r route show 10.0.20.0/24 2>&1)" != "10.0.20.0/24 nhid 10" ]; then
	fail $t "show after replace" "$(state)"
elif ! nsx a ping -q -c 2 -i 0.05 -W 1 "$B_IP" >/dev/null 2>&1; then
	fail $t "ping through the replaced group (to C)"
elif ! out=$({ v6 r nexthop replace id 10 group 1/2,3 && v6 r nexthop replace id 3 via "$B_LL" dev r1 &&
	v6 r nexthop del id 3; } 2>&1); then
	fail $t "replace back / replace creating id 3 / del" "$out"
else
	pass $t
fi

# --- bad input: message, exit status, nothing changed ------------------------------------------
# bad NAME RC MESSAGE ARGS...: v4via6 ARGS exits RC with MESSAGE in its error, state unchanged
bad() {
	local name=$1 want_rc=$2 msg=$3 before after out rc
	shift 3
	before=$(state)
	out=$(v6 r "$@" 2>&1)
	rc=$?
	after=$(state)
	if [ $rc != "$want_rc" ]; then
		fail "bad-$name" "v4via6 $*: exit $rc, want $want_rc" "$out"
	elif ! grep -q "^v4via6: .*$msg" <<<"$out"; then
		fail "bad-$name" "v4via6 $*: want '$msg'" "$out"
	elif [ "$before" != "$after" ]; then
		fail "bad-$name" "the state changed" "$(diff <(echo "$before") <(echo "$after"))"
	else
		pass "bad-$name"
	fi
}
many=$(seq -s / 11 43)
bad unknown-nhid 1 "route add: nhid 99: no such nexthop object" route add 10.0.30.0/24 nhid 99
bad nhid-zero 1 "nhid 0: not a nexthop id" route add 10.0.30.0/24 nhid 0
bad group-self 1 "id 11 names itself" nexthop add id 11 group 1/11
bad group-unknown-member 1 "nexthop id 99: no such nexthop object" nexthop add id 11 group 1/99
bad group-of-group 1 "nexthop id 10 is a group" nexthop add id 11 group 1/10
bad member-becomes-group 1 "member of group 10" nexthop replace id 1 group 2
bad weight-zero 1 "weight 0: not a weight (1..65535)" nexthop add id 11 group 1,0/2
bad weight-big 1 "weight 65536: not a weight (1..65535)" nexthop add id 11 group 1/2,65536
bad too-many-members 1 "more than 32 members" nexthop add id 44 group "$many"
bad member-twice 1 "member 1 named twice" nexthop add id 11 group 1/2/1
bad id-zero 1 "id 0: not a nexthop id" nexthop add id 0 via "$B_LL" dev r1
bad exists 1 "id 1: exists (v4via6 nexthop replace overwrites)" nexthop add id 1 via "$C_LL" dev r2
bad dev-unknown 1 "dev nosuch0: no such interface" nexthop add id 11 via "$B_LL" dev nosuch0
bad dev-not-attached 1 "dev lo: not attached" nexthop add id 11 via "$B_LL" dev lo
bad del-member 1 "id 1: in use by group 10" nexthop del id 1
bad del-in-use 1 "id 10: in use by route" nexthop del id 10
bad del-unknown 1 "id 77: no such nexthop object" nexthop del id 77
bad mp-weight-zero 1 "weight 0: not a weight" route add 10.0.30.0/24 nexthop via "$B_LL" dev r1 weight 0 \
	nexthop via "$C_LL" dev r2
bad mp-not-attached 1 "dev lo: not attached" route add 10.0.30.0/24 nexthop via "$B_LL" dev r1 \
	nexthop via "$C_LL" dev lo
# shellcheck disable=SC2046 # one word per argument
bad mp-33 1 "more than 32 next hops" route add 10.0.30.0/24 $(for i in $(seq 1 33); do
	echo "nexthop via fe80::$i dev r1"; done)
bad usage-add 2 "nexthop add: missing \"id ID\"" nexthop add
bad usage-add-via 2 "missing \"via inet6 ADDR\" or \"group" nexthop add id 11
bad usage-add-word 2 "bogus: unexpected argument" nexthop add id 11 via "$B_LL" dev r1 bogus
bad usage-del 2 "nexthop del: missing \"id ID\"" nexthop del
bad usage-route-nhid 2 "nhid: missing argument" route add 10.0.30.0/24 nhid
bad usage-show-id 2 "id 0: not a nexthop id" nexthop show id 0
bad show-unknown 1 "id 77: no such nexthop object" nexthop show id 77

t=bad-json
js=$(v6 r -j nexthop del id 1 2>/dev/null)
js2=$(v6 r -j nexthop show id 77 2>/dev/null)
if [ "$js" != '{"error":"nexthop del: id 1: in use by group 10 (v4via6 nexthop replace id 10 without it, or del id 10, first)"}' ]; then
	fail $t "-j nexthop del of a member: want a JSON error" "$js"
elif [ "$js2" != '{"error":"nexthop show: id 77: no such nexthop object"}' ]; then
	fail $t "-j nexthop show id 77: want a JSON error" "$js2"
else
	pass $t
fi

# --- apply: the same statements in a file -----------------------------------------------------
# the file of the current state, made from what show prints: pasted, it changes nothing
t=apply-from-show
{
	echo "attach r0"
	echo "attach r1"
	echo "attach r2"
	v6 r neigh show | sed 's/^/neigh /'
	v6 r nexthop show | grep '^id ' | sed 's/^/nexthop /'
	v6 r route show | sed -E '/^\t/!s/^/route /'
} >"$T/state.conf"
before=$(state)
if ! out=$(v6 r apply "$T/state.conf" 2>&1); then
	fail $t "apply of the state's own file" "$out$(printf '\n')$(cat "$T/state.conf")"
elif [ "$out" != "apply: no changes" ] || [ "$(state)" != "$before" ]; then
	fail $t "want no changes" "$out$(printf '\n')$(diff <(echo "$before") <(state))"
else
	pass $t
fi

t=apply-ecmp
cat >"$T/ecmp.conf" <<EOF
attach r0
attach r1
attach r2
neigh $A_LL lladdr $A_MAC dev r0
neigh $B_LL lladdr $B_MAC dev r1
neigh $C_LL lladdr $C_MAC dev r2
nexthop id 20 group 21,2/22
nexthop id 21 via inet6 $B_LL dev r1
nexthop id 22 via $C_LL dev r2
route $A_IP/32 via inet6 $A_LL dev r0
route $B_IP/32 nhid 20
route 10.0.40.0/24
	nexthop via inet6 $B_LL dev r1 weight 3
	nexthop via inet6 $C_LL dev r2 weight 1
EOF
want_routes="$B_IP/32 nhid 20
$A_IP/32 via inet6 $A_LL dev r0
10.0.40.0/24
	nexthop via inet6 $B_LL dev r1 weight 3
	nexthop via inet6 $C_LL dev r2 weight 1"
if ! out=$(v6 r apply "$T/ecmp.conf" 2>&1); then
	fail $t "apply" "$out"
elif [ "$(v6 r route show 2>&1)" != "$want_routes" ]; then
	fail $t "route show differs from the file" "$(diff <(echo "$want_routes") <(v6 r route show 2>&1))"
elif [ "$(v6 r nexthop show | grep '^id ')" != "id 20 group 21,2/22
id 21 via $B_LL dev r1
id 22 via $C_LL dev r2" ]; then
	fail $t "nexthop show: objects 1, 2, 10 should be gone, 20..22 there" "$(v6 r nexthop show 2>&1)"
elif ! grep -q "3 nexthop objects added, 0 replaced, 3 removed" <<<"$out"; then
	fail $t "summary" "$out"
elif ! out2=$(v6 r apply "$T/ecmp.conf" 2>&1) || [ "$out2" != "apply: no changes" ]; then
	fail $t "the same file again: want no changes" "$out2"
elif ! nsx a ping -q -c 3 -i 0.05 -W 1 "$B_IP" >/dev/null 2>&1; then
	fail $t "ping through group 20"
else
	pass $t
fi

t=apply-json
if ! js=$(v6 r -j apply "$T/ecmp.conf" 2>&1) || ! "$PYTHON" -c '
import json, sys
o = json.loads(sys.argv[1])
assert o["nexthops"] == {"added": 0, "replaced": 0, "removed": 0}, o' "$js" 2>/dev/null; then
	fail $t "-j apply: want a nexthops object" "$js"
else
	pass $t
fi

# a member becoming a group: the group that named it is written first; a group the file
# removes (after the routes) keeps it: FILE:LINE before anything changes
t=apply-member-becomes-group
head -6 "$T/ecmp.conf" >"$T/head.conf"
{
	cat "$T/head.conf"
	echo "nexthop id 21 via $B_LL dev r1"
	echo "nexthop id 22 via $C_LL dev r2"
	echo "nexthop id 25 group 21/22"
	echo "route $A_IP/32 via inet6 $A_LL dev r0"
	echo "route $B_IP/32 nhid 25"
} >"$T/g1.conf"
sed -e 's|^nexthop id 21 .*|nexthop id 21 group 22|' -e 's|^nexthop id 25 .*|nexthop id 25 group 22|' \
	"$T/g1.conf" >"$T/g2.conf"
sed -e 's|^nexthop id 21 .*|nexthop id 21 group 22|' -e '/^nexthop id 25 /d' \
	-e "s|^route $B_IP/32 .*|route $B_IP/32 nhid 21|" "$T/g1.conf" >"$T/g3.conf"
line3=$(grep -n '^nexthop id 21 ' "$T/g3.conf" | cut -d: -f1)
if ! out=$(v6 r apply "$T/g1.conf" 2>&1); then
	fail $t "apply of the base file" "$out"
elif ! out=$(v6 r apply "$T/g2.conf" 2>&1); then
	fail $t "apply: 21 becomes a group, 25 lets go of it" "$out"
elif [ "$(v6 r nexthop show | grep '^id ')" != "id 21 group 22
id 22 via $C_LL dev r2
id 25 group 22" ]; then
	fail $t "nexthop show after" "$(v6 r nexthop show 2>&1)"
elif ! out=$(v6 r apply "$T/g1.conf" 2>&1); then
	fail $t "apply of the base file again (21 a single next hop again)" "$out"
else
	before=$(state)
	out=$(v6 r apply "$T/g3.conf" 2>&1)
	rc=$?
	if [ $rc != 1 ] || ! grep -qF "$T/g3.conf:$line3: nexthop id 21: a member of group 25, which the file removes" <<<"$out"; then
		fail $t "21 a group while 25, dropped, names it: exit $rc, want 1 and FILE:LINE" "$out"
	elif [ "$(state)" != "$before" ]; then
		fail $t "the state changed" "$(diff <(echo "$before") <(state))"
	else
		pass $t
	fi
fi
v6 r apply "$T/ecmp.conf" >/dev/null 2>&1

# apply_bad NAME LINES...: the good file plus LINES: each reported as FILE:LINE, exit 1, nothing
# changed. With only_line=N set, only the Nth of LINES is (a statement's continuation is
# reported at the statement's first line).
base=$(wc -l <"$T/ecmp.conf")
apply_bad() {
	local name=$1 f="$T/bad-$1.conf" rc line before
	shift
	{
		cat "$T/ecmp.conf"
		printf '%s\n' "$@"
	} >"$f"
	before=$(state)
	v6 r apply "$f" >"$T/out" 2>&1
	rc=$?
	if [ $rc != 1 ]; then
		fail "apply-bad-$name" "exit $rc, want 1" "$(cat "$T/out")"
		return
	fi
	for ((line = base + 1; line <= base + $#; line++)); do
		[ -n "${only_line:-}" ] && [ "$line" != $((base + only_line)) ] && continue
		if ! grep -qF "$f:$line: " "$T/out"; then
			fail "apply-bad-$name" "no '$f:$line: ...' message" "$(cat "$T/out")"
			return
		fi
	done
	if [ "$before" != "$(state)" ]; then
		fail "apply-bad-$name" "the state changed" "$(diff <(echo "$before") <(state))"
		return
	fi
	pass "apply-bad-$name"
}
apply_bad unknown-nhid "route 10.0.50.0/24 nhid 99"
apply_bad duplicate-id "nexthop id 21 via $C_LL dev r2"
apply_bad id-zero "nexthop id 0 via $C_LL dev r2"
apply_bad group-self "nexthop id 23 group 21/23"
apply_bad group-unknown "nexthop id 23 group 21/99"
apply_bad group-of-group "nexthop id 23 group 21/20"
apply_bad weight-zero "nexthop id 23 group 21,0"
apply_bad weight-big "route 10.0.50.0/24 nexthop via $B_LL dev r1 weight 65536"
apply_bad too-many "nexthop id 23 group $many"
apply_bad not-attached "nexthop id 23 via $B_LL dev lo"
only_line=1 apply_bad mp-not-attached "route 10.0.50.0/24" "	nexthop via $B_LL dev lo weight 1"
# indented after a statement that is not a route: no route to continue
only_line=2 apply_bad orphan-continuation "# a comment" "	nexthop via $B_LL dev r1 weight 1"
only_line=2 apply_bad continuation-after-nexthop "nexthop id 23 via $B_LL dev r1" \
	"	nexthop via $B_LL dev r1 weight 1"
apply_bad missing-dev "nexthop id 23 via $B_LL"
apply_bad several "nexthop id 23 group 21/23" "route 10.0.50.0/24 nhid 98" "nexthop id 21 via $B_LL dev r1" \
	"nexthop id 24 group 21,0"

# capacity: more objects used by routes than group slots, more objects than nh_defs holds
t=apply-capacity
{
	cat "$T/ecmp.conf"
	for i in $(seq 1000 5095); do echo "nexthop id $i via $B_LL dev r1"; done
	for i in $(seq 1000 5095); do echo "route 10.$((i / 256)).$((i % 256)).0/24 nhid $i"; done
} >"$T/cap.conf"
before=$(state)
v6 r apply "$T/cap.conf" >"$T/out" 2>&1
rc=$?
# line of the 4096th route by id (route $B_IP/32 nhid 20 counts as the first)
line=$((base + 4096 + 4094))
if [ $rc != 1 ] || ! grep -qF "$T/cap.conf:$line: too many nexthop objects used by routes" "$T/out"; then
	fail $t "4097 objects used by routes: want line $line reported, exit 1 (got $rc)" "$(head -5 "$T/out")"
elif [ "$before" != "$(state)" ]; then
	fail $t "the state changed"
else
	{
		cat "$T/ecmp.conf"
		for i in $(seq 1000 17382); do echo "nexthop id $i via $B_LL dev r1"; done
	} >"$T/cap2.conf"
	v6 r apply "$T/cap2.conf" >"$T/out" 2>&1
	rc=$?
	line=$((base + 16384 - 3 + 1))
	if [ $rc != 1 ] || ! grep -qF "$T/cap2.conf:$line: too many nexthop objects: the nh_defs map holds 16384" "$T/out"; then
		fail $t "16387 objects: want line $line reported, exit 1 (got $rc)" "$(head -5 "$T/out")"
	else
		pass $t
	fi
fi

# --- a link down (links_down, as sync writes it on RTM_NEWLINK; here by hand): shown as ip shows it
t=linkdown-shown
ifx=$(ip -n "$(ns r)" -o link show dev r2 | awk -F': ' '{ print $1 }')
key=$(printf '%d %d %d %d' $((ifx & 255)) $((ifx >> 8 & 255)) $((ifx >> 16 & 255)) $((ifx >> 24)))
# shellcheck disable=SC2086 # the key's bytes are separate words
if ! out=$(bpftool map update pinned "$(pin_dir_of r)/links_down" key $key value 1 0 0 0 2>&1); then
	fail $t "bpftool map update links_down" "$out"
else
	rs=$(v6 r route show 10.0.40.0/24 2>&1)
	ns_=$(v6 r nexthop show id 22 2>&1)
	js=$(v6 r -j route show 10.0.40.0/24 2>&1)
	# shellcheck disable=SC2086
	if ! grep -qx "	nexthop via inet6 $C_LL dev r2 weight 1 linkdown" <<<"$rs" ||
		! grep -qx "	nexthop via inet6 $B_LL dev r1 weight 3" <<<"$rs"; then
		fail $t "route show: want linkdown after the r2 hop only" "$rs"
	elif [ "$ns_" != "id 22 via $C_LL dev r2 linkdown" ]; then
		fail $t "nexthop show id 22: want linkdown" "$ns_"
	elif ! "$PYTHON" -c '
import json, sys
h = json.loads(sys.argv[1])[0]["nexthops"]
assert [x["flags"] for x in h] == [[], ["linkdown"]], h' "$js" 2>/dev/null; then
		fail $t "-j route show: want flags [\"linkdown\"] on the r2 hop" "$js"
	elif ! out=$(v6 r route replace $rs 2>&1) || ! out=$(v6 r nexthop replace $ns_ 2>&1); then
		fail $t "show with linkdown pasted back" "$out"
	else
		pass $t
	fi
	# shellcheck disable=SC2086
	bpftool map delete pinned "$(pin_dir_of r)/links_down" key $key >/dev/null 2>&1
	# the buckets written while "down" are repaired to the link's real state
	v6 r route check >/dev/null 2>&1
fi

# --- a multipath route at an address of the router gives way to a local entry, with a warning --
t=local-address
ip -n "$(ns r)" addr add 10.0.77.1/32 dev lo
out=$(v6 r route add 10.0.77.1/32 nexthop via "$B_LL" dev r1 weight 1 nexthop via "$C_LL" dev r2 2>&1)
rc=$?
if [ $rc != 0 ] || ! grep -q "warning: 10.0.77.1/32 is a local address of this router: its route with next hops of its own gives way to a local entry" <<<"$out"; then
	fail $t "exit $rc, want 0 and a warning naming the route" "$out"
elif ! v6 r route show local | grep -qx "local 10.0.77.1/32" || v6 r route show | grep -q 10.0.77.1; then
	fail $t "want a local entry in place of the route" "$(v6 r route show local 2>&1; v6 r route show 2>&1)"
elif out=$(v6 r route add 10.0.77.1/32 nhid 20 2>&1) ||
	! grep -q "10.0.77.1/32: a local address of this router" <<<"$out"; then
	fail $t "route add nhid at a known local address: want it refused" "$out"
else
	pass $t
fi
ip -n "$(ns r)" addr del 10.0.77.1/32 dev lo

exit $((LIB_FAILS > 0))
