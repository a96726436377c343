#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# v4via6 nexthop show on the seed's router: one line per nexthop object in use
# (two routes through one next hop share one), the MAC from the neighbour map
# or "kernel", throw objects, entries counted per route length; -s counters
# that add up to the router's fwd_packets under pings, per next hop; -j that
# parses; a neighbour's new MAC shown at once; released objects not shown;
# object and dev filters; bad arguments; status's nexthop and tbl8 lines. (The
# tables' objects are shown as `object N`; `id N` names nexthop objects by id,
# tests/test-ecmp-cli.sh.)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/seed-topology.sh"
lib_init nexthop

T=$(mktemp -d /tmp/v4via6-nexthop.XXXXXX)
on_cleanup "rm -rf '$T'"

seed_topology_or_exit "$T"

if ! out=$({ v6 r attach r0 r1 &&
	v6 r route add "$B_IP/32" via inet6 "$B_LL" dev r1 &&
	v6 r route add "$A_IP/32" via inet6 "$A_LL" dev r0 &&
	v6 r neigh add "$B_LL" lladdr "$B_MAC" dev r1 &&
	v6 r neigh add "$A_LL" lladdr "$A_MAC" dev r0; } 2>&1); then
	fail setup "v4via6 attach/route/neigh failed" "$out"
	exit 1
fi

# nh_lines: the lines of nexthop show without their slots (slot indexes come from a hash)
nh_lines() { v6 r nexthop show 2>&1 | sed -E 's/^object [0-9]+ //'; }
# nh_id NEXTHOP DEV: the slot of the nexthop object of that next hop
nh_id() { v6 r nexthop show | awk -v a="$1" -v d="$2" '$5 == a && $7 == d { print $2 }'; }

t=show
want="via inet6 $A_LL dev r0 lladdr $A_MAC entries 1
via inet6 $B_LL dev r1 lladdr $B_MAC entries 1"
got=$(nh_lines | sort)
if [ "$got" != "$want" ]; then
	fail $t "nexthop show differs" "$(diff <(echo "$want") <(echo "$got"))"
elif ! v6 r nexthop list >/dev/null 2>&1 || [ "$(v6 r nexthop 2>&1 | sed -E 's/^object [0-9]+ //' | sort)" != "$want" ]; then
	fail $t "nexthop list / nexthop alone differ from show" "$(v6 r nexthop 2>&1)"
else
	pass $t
fi

# counters: python reads -j -s into "ID PACKETS BYTES" lines
nh_counts() {
	v6 r -j nexthop show -s | "$PYTHON" -c '
import json, sys
for o in json.load(sys.stdin):
	print(o["gateway"] + "%" + o["dev"], o["stats"]["packets"], o["stats"]["bytes"])
'
}
cnt() { awk -v k="$2%$3" -v f="$4" '$1 == k { print $f }' "$1"; }

t=stats-match-fwd
PINGS=25
snap r >"$T/s0"
nh_counts >"$T/n0" 2>"$T/n0.err"
nsx a ping -q -c $PINGS -i 0.02 -W 1 "$B_IP" >"$T/ping" 2>&1
nh_counts >"$T/n1" 2>"$T/n1.err"
snap r >"$T/s1"
fwd=$(delta "$T/s0" "$T/s1" fwd_packets)
fwdb=$(delta "$T/s0" "$T/s1" fwd_bytes)
b_p=$(($(cnt "$T/n1" "$B_LL" r1 2) - $(cnt "$T/n0" "$B_LL" r1 2)))
a_p=$(($(cnt "$T/n1" "$A_LL" r0 2) - $(cnt "$T/n0" "$A_LL" r0 2)))
b_b=$(($(cnt "$T/n1" "$B_LL" r1 3) - $(cnt "$T/n0" "$B_LL" r1 3)))
a_b=$(($(cnt "$T/n1" "$A_LL" r0 3) - $(cnt "$T/n0" "$A_LL" r0 3)))
if ! grep -q " 0% packet loss" "$T/ping"; then
	fail $t "pings lost" "$(cat "$T/ping")"
elif [ -s "$T/n0.err" ] || [ -s "$T/n1.err" ] || ! [ -s "$T/n1" ]; then
	fail $t "nexthop -j show -s failed" "$(cat "$T/n0.err" "$T/n1.err")"
elif [ "$fwd" -lt $((2 * PINGS)) ] || [ $((a_p + b_p)) != "$fwd" ] || [ $((a_b + b_b)) != "$fwdb" ]; then
	fail $t "fwd_packets +$fwd bytes +$fwdb; nexthops: B +$b_p/$b_b, A +$a_p/$a_b (want the sums equal)" \
		"$(paste "$T/n0" "$T/n1")"
elif [ "$b_p" -lt $PINGS ] || [ "$a_p" -lt $PINGS ] || [ "$b_b" -lt $((98 * PINGS)) ]; then
	fail $t "B's nexthop +$b_p ($b_b bytes), A's +$a_p: want >= $PINGS each (98-byte frames)" \
		"$(paste "$T/n0" "$T/n1")"
else
	pass "$t (fwd +$fwd: B +$b_p, A +$a_p)"
fi

t=stats-text
id=$(nh_id "$B_LL" r1)
out=$(v6 r nexthop show -s object "$id" 2>&1)
p=$(awk '$1 == "forwarded:" && $2 == "packets" && $4 == "bytes" { print $3 }' <<<"$out")
if [ "$(wc -l <<<"$out")" != 2 ] || ! grep -qx "object $id via inet6 $B_LL dev r1 lladdr $B_MAC entries 1" <<<"$out" ||
	[ "${p:-0}" -lt $PINGS ]; then
	fail $t "nexthop show -s object $id: want its line and a forwarded: line with >= $PINGS packets" "$out"
else
	pass $t
fi

t=json
if ! out=$(v6 r -j nexthop show -s 2>&1) || ! chk=$("$PYTHON" -c '
import json, sys
a = json.loads(sys.argv[1])
assert isinstance(a, list) and len(a) == 2, a
for o in a:
	assert set(o) == {"object", "gateway", "dev", "ifindex", "lladdr", "entries", "stats"}, o
	assert 0 < o["object"] < 65536 and o["entries"] == 1, o
	assert set(o["stats"]) == {"packets", "bytes"}, o
' "$out" 2>&1); then
	fail $t "nexthop -j show -s" "$out$(printf '\n')$chk"
elif command -v jq >/dev/null && ! jq -e 'length == 2' <<<"$out" >/dev/null 2>&1; then
	fail $t "jq does not parse it" "$out"
elif ! v6 r -j nexthop show | "$PYTHON" -m json.tool >/dev/null 2>&1; then
	fail $t "nexthop -j show (no -s) is not JSON" "$(v6 r -j nexthop show 2>&1)"
else
	pass $t
fi

t=two-routes-one-nexthop
id=$(nh_id "$B_LL" r1)
if ! out=$(v6 r route add 10.9.0.0/16 via inet6 "$B_LL" dev r1 2>&1); then
	fail $t "route add 10.9.0.0/16" "$out"
else
	out=$(v6 r nexthop show 2>&1)
	# the /32 takes one entry of its /24 (a tbl8 block), the /16 256 tbl24 entries
	if [ "$(grep -c "via inet6 $B_LL dev r1 " <<<"$out")" != 1 ] ||
		! grep -qx "object $id via inet6 $B_LL dev r1 lladdr $B_MAC entries 257" <<<"$out" ||
		[ "$(wc -l <<<"$out")" != 2 ]; then
		fail $t "want one object $id for $B_LL with 257 entries" "$out"
	else
		pass $t
	fi
fi

t=throw
if ! out=$(v6 r route add throw 10.9.9.0/24 2>&1); then
	fail $t "route add throw 10.9.9.0/24" "$out"
else
	out=$(v6 r nexthop show 2>&1)
	tid=$(awk '$3 == "throw" { print $2 }' <<<"$out")
	js=$(v6 r -j nexthop show object "${tid:-1}" 2>&1)
	if ! grep -qx "object $tid throw entries 1" <<<"$out" ||
		! grep -qx "object $id via inet6 $B_LL dev r1 lladdr $B_MAC entries 256" <<<"$out"; then
		fail $t "want a throw object with 1 entry, $B_LL's down to 256" "$out"
	elif [ "$js" != "[{\"object\":$tid,\"throw\":true,\"entries\":1}]" ]; then
		fail $t "-j show object $tid" "$js"
	else
		pass $t
	fi
fi

t=neigh-mac-change
# one write to the neighbour map: the object shows the new MAC at once, then kernel without one
if ! out=$(v6 r neigh replace "$B_LL" lladdr 02:00:00:00:00:ee dev r1 2>&1); then
	fail $t "neigh replace" "$out"
elif ! v6 r nexthop show object "$id" | grep -qx "object $id via inet6 $B_LL dev r1 lladdr 02:00:00:00:00:ee entries 256"; then
	fail $t "the new MAC is not shown" "$(v6 r nexthop show 2>&1)"
elif ! out=$(v6 r neigh del "$B_LL" dev r1 2>&1) ||
	! v6 r nexthop show object "$id" | grep -qx "object $id via inet6 $B_LL dev r1 lladdr kernel entries 256" ||
	[ "$(v6 r -j nexthop show object "$id" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)[0]["lladdr"])')" != None ]; then
	fail $t "without a neighbour entry: want lladdr kernel (JSON null)" "$out$(v6 r nexthop show 2>&1)"
elif ! out=$(v6 r neigh add "$B_LL" lladdr "$B_MAC" dev r1 2>&1) ||
	! v6 r nexthop show object "$id" | grep -q "lladdr $B_MAC "; then
	fail $t "neigh add back" "$out$(v6 r nexthop show 2>&1)"
else
	pass $t
fi

t=dev-filter
out=$(v6 r nexthop show dev r0 2>&1)
if [ "$out" != "$(v6 r nexthop show | grep ' dev r0 ')" ] || [ "$(wc -l <<<"$out")" != 1 ]; then
	fail $t "show dev r0 should list A's object only" "$out"
else
	pass $t
fi

t=status
out=$(v6 r status 2>&1)
js=$(v6 r -j status 2>&1)
if ! grep -qx "nexthops: 3 in use of 65535" <<<"$out" ||
	! grep -qE "^tbl8 blocks: 1 used of [0-9]+ " <<<"$out"; then
	fail $t "status: want 3 nexthops (A, B, throw) and 1 tbl8 block (10.0.8.0/24)" "$out"
elif ! chk=$("$PYTHON" -c '
import json, sys
o = json.loads(sys.argv[1])
assert o["nexthops"] == 3 and o["nexthops_limit"] == 65535, o
assert o["tbl8_blocks_used"] == 1 and o["tbl8_blocks_total"] >= 1, o
' "$js" 2>&1); then
	fail $t "status -j: $chk" "$js"
else
	pass $t
fi

t=released-not-shown
if ! out=$({ v6 r route del throw 10.9.9.0/24 && v6 r route del 10.9.0.0/16; } 2>&1); then
	fail $t "route del" "$out"
else
	out=$(v6 r nexthop show 2>&1)
	err=$(v6 r nexthop show object "${tid:-1}" 2>&1)
	rc=$?
	if [ "$(wc -l <<<"$out")" != 2 ] || grep -q throw <<<"$out" ||
		! grep -qx "object $id via inet6 $B_LL dev r1 lladdr $B_MAC entries 1" <<<"$out"; then
		fail $t "after the throw and /16 routes went: want A and B, B with 1 entry" "$out"
	elif [ $rc != 1 ] || [ "$err" != "v4via6: nexthop show: object $tid: not in use" ]; then
		fail $t "show object $tid of a released object: exit $rc, want 1 and not in use" "$err"
	else
		pass $t
	fi
fi

t=bad-usage
ok=1
for args in "object" "object 0" "object 65536" "object x" "object -1" "id" "id 0" "id x" \
	"id 4294967296" "bogus" "object 1 extra" "id 1 object 2"; do
	# shellcheck disable=SC2086 # the words of args are the arguments
	out=$(v6 r nexthop show $args 2>&1)
	rc=$?
	if [ $rc != 2 ] || ! grep -q '^v4via6: nexthop show: ' <<<"$out"; then
		fail $t "nexthop show $args: exit $rc, want 2 and an error" "$out"
		ok=0
		break
	fi
done
if [ $ok = 1 ]; then
	out=$(v6 r nexthop show dev nosuchdev 2>&1)
	rc=$?
	js=$(v6 r -j nexthop show object 0 2>/dev/null)
	if [ $rc != 1 ] || [ "$out" != "v4via6: nexthop show: dev nosuchdev: no such interface" ]; then
		fail $t "show dev nosuchdev: exit $rc, want 1" "$out"
	elif [ "$js" != '{"error":"nexthop show: object 0: not a nexthops slot (1..65535)"}' ]; then
		fail $t "-j show object 0: want a JSON error" "$js"
	elif ! v6 r nexthop --help | grep -q '^       v4via6 nexthop show'; then
		fail $t "nexthop --help"
	else
		pass $t
	fi
fi

exit $((LIB_FAILS > 0))
