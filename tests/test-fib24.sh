#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The forwarding table (tbl24, tbl8) next to the routes trie, through the
# command line: several v4via6 processes writing nested routes at once,
# shorter and longer than /24 in the same /24s (they take turns on the state
# lock), leave the tables equal to the trie (`route check` exits 0, and the
# independent audit, tests/audit_fib24.c, agrees); a reader running the
# pinned program while writers change a route and its siblings in one /24
# sees that route's old or new next hop, never another; apply keeps them equal;
# `route check` finds a damaged tbl24 entry and a damaged tbl8 entry (each
# written by hand with bpftool), says so (exit 1) and repairs it; 40,000 next
# hops replaced by 40,000 others in one apply; detach --all removes the new
# pins. (With the lock taken out, concurrent_writers failed about one run in
# three here.)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/seed-topology.sh"
lib_init fib24

T=$(mktemp -d /tmp/v4via6-fib24.XXXXXX)
on_cleanup "rm -rf '$T'"

if ! add_ns r x >"$T/topo" 2>&1 || ! link r r0 x x0 >>"$T/topo" 2>&1; then
	fail topology "could not make the namespace" "$(cat "$T/topo")"
	exit 1
fi
forget_pins r
if ! out=$(v6 r attach r0 2>&1); then
	fail attach "v4via6 attach r0 failed" "$out"
	exit 1
fi

# nested and overlapping prefixes, shorter and longer than /24
# (wide ones take milliseconds to write into tbl24: the writers overlap)
# (routes longer than /24 in 10.1.2.0/24 and 10.1.3.0/24 take and give back tbl8 blocks)
prefixes=(0/0 0/1 0/2 8.0.0.0/5 10.0.0.0/7 10.0.0.0/8 10.0.0.0/9 10.1.0.0/16 10.1.2.0/23
	10.1.2.0/24 10.1.2.128/25 10.1.2.130/32 10.1.0.0/20 10.1.2.0/28 10.1.2.192/26
	10.1.3.0/24 10.1.3.64/26 10.1.3.7/32 10.1.3.128/25 10.1.3.200/29)

# writer N: random replaces and deletes, each a separate process
writer() {
	local i p
	RANDOM=$1
	for ((i = 0; i < 60; i++)); do
		p=${prefixes[RANDOM % ${#prefixes[@]}]}
		if ((RANDOM % 3)); then
			v6 r route replace "$p" via "fe80::$((RANDOM % 5 + 1))" dev r0
		else
			v6 r route del "$p" 2>/dev/null
		fi
	done
}

AUDIT=${BUILD:-build}/audit_fib24
# audit: the independent check of every /24 and tbl8 block (nothing when not built)
audit() {
	[ ! -x "$AUDIT" ] || "$AUDIT" "$(pin_dir_of r)"
}

t=concurrent_writers
for n in 1 2 3 4 5 6; do writer $n >"$T/w$n" 2>&1 & done
wait
if ! out=$(v6 r route check 2>&1); then
	fail $t "route check after 6 concurrent writers: the tables differ" "$out$(cat "$T"/w*)"
elif ! out=$(audit 2>&1); then
	fail $t "the audit finds differences after 6 concurrent writers" "$out"
elif grep -hv '^v4via6: waiting for another v4via6 command' "$T"/w* | grep -q .; then
	fail $t "a writer failed" "$(cat "$T"/w*)"
else
	pass "$t ($(v6 r route show | wc -l) routes left)"
fi

t=writers_reader_old_or_new
# one writer switches 10.9.3.128/25 between fe80::1 and fe80::2, two others
# change sibling routes in the same /24 and routes that take and give back
# tbl8 blocks in other /24s; meanwhile a reader runs a frame to 10.9.3.150
# (inside the /25 only, under 10.9.0.0/16 via fe80::9) through the pinned
# program (bpftool prog run): every answer must be the /25's, old or new
# (forwarded to fe80::1's or fe80::2's MAC), never the /16's nor another
v6 r route add 10.9.0.0/16 via fe80::9 dev r0 >"$T/wr" 2>&1
v6 r route add 10.9.3.128/25 via fe80::1 dev r0 >>"$T/wr" 2>&1
for n in 1 2 9; do
	v6 r neigh add fe80::$n lladdr 02:00:00:00:0$n:0$n dev r0 >>"$T/wr" 2>&1
done
# Ethernet (to any unicast MAC: no ingress interface), IPv4 10.9.9.9 -> 10.9.3.150, TTL 64
"$PYTHON" -c 'import struct, sys
h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 1, 0, 64, 17, 0, bytes([10, 9, 9, 9]), bytes([10, 9, 3, 150]))
s = sum(struct.unpack("!10H", h)); s = (s & 0xffff) + (s >> 16); s = (s & 0xffff) + (s >> 16)
h = h[:10] + struct.pack("!H", ~s & 0xffff) + h[12:]
sys.stdout.buffer.write(bytes([2, 0, 0, 0, 0, 0xaa, 2, 0, 0, 0, 0, 0xbb, 8, 0]) + h + bytes(8) + bytes(18))' >"$T/frame"
switcher() {
	local i
	for ((i = 0; i < 60; i++)); do
		v6 r route replace 10.9.3.128/25 via fe80::$((i % 2 + 1)) dev r0
	done
}
siblings=(10.9.3.0/26 10.9.3.64/27 10.9.3.192/26 10.9.3.200/29 10.9.3.255/32 10.9.4.7/32
	10.9.5.128/25 10.9.6.0/24 10.9.6.96/27)
sibling_writer() {
	local i p
	RANDOM=$1
	for ((i = 0; i < 60; i++)); do
		p=${siblings[RANDOM % ${#siblings[@]}]}
		if ((RANDOM % 3)); then
			v6 r route replace "$p" via "fe80::$((RANDOM % 5 + 3))" dev r0
		else
			v6 r route del "$p" 2>/dev/null
		fi
	done
}
switcher >"$T/s0" 2>&1 &
pids=$!
sibling_writer 7 >"$T/s1" 2>&1 &
pids="$pids $!"
sibling_writer 8 >"$T/s2" 2>&1 &
pids="$pids $!"
runs=0 bad=0 first=
while kill -0 $pids 2>/dev/null; do
	rv=$(bpftool prog run pinned "$(pin_dir_of r)/prog" data_in "$T/frame" data_out "$T/out" 2>&1 |
		sed -n 's/^Return value: \([0-9]*\).*/\1/p')
	mac=$(od -An -tx1 -N6 "$T/out" | tr -d ' \n')
	runs=$((runs + 1))
	if [ "$rv" != 4 ] || { [ "$mac" != 020000000101 ] && [ "$mac" != 020000000202 ]; }; then
		bad=$((bad + 1))
		[ -n "$first" ] || first="return value $rv, destination MAC $mac"
	fi
done
wait
if ((runs == 0)); then
	fail $t "the reader never ran" "$(cat "$T/wr")"
elif ((bad)); then
	fail $t "$bad of $runs answers were not 10.9.3.128/25's; first: $first" "$(cat "$T/wr")"
elif grep -hv '^v4via6: waiting for another v4via6 command' "$T"/s? | grep -q .; then
	fail $t "a writer failed" "$(cat "$T"/s?)"
elif ! out=$(v6 r route check 2>&1); then
	fail $t "route check after the writers: the tables differ" "$out"
elif ! out=$(audit 2>&1); then
	fail $t "the audit finds differences after the writers" "$out"
else
	pass "$t ($runs runs)"
fi

t=apply_keeps_tbl24
{
	echo "attach r0"
	for ((i = 0; i < 200; i++)); do
		echo "route 10.$((i / 64)).$((i % 64 * 4)).0/$((22 + i % 11)) via fe80::$((i % 7 + 1)) dev r0"
	done
	echo "route 10.0.0.0/8 via fe80::9 dev r0"
	echo "route throw 10.3.0.0/16"
} | awk '!seen[$2]++' >"$T/conf"
if ! out=$(v6 r apply "$T/conf" 2>&1); then
	fail $t "apply failed" "$out"
elif ! out=$(v6 r route check 2>&1); then
	fail $t "route check after apply: tbl24 differs" "$out"
else
	pass $t
fi

t=apply_many_nexthops
# issue 8, defect 1: 40,000 /24s each via a next hop of its own, then the same
# prefixes via 40,000 others: the slots fill up in the middle of the second
# apply, which must still leave every /24 on its own next hop
for g in 1 2; do
	awk -v g=$g 'BEGIN { print "attach r0"
		for (k = 0; k < 40000; k++)
			printf "route 10.%d.%d.0/24 via fe80::%d:%x dev r0\n", k / 256, k % 256, g, k + 1 }' >"$T/many$g"
done
if ! out=$(v6 r apply "$T/many1" 2>&1) || ! out=$(v6 r apply "$T/many2" 2>&1); then
	fail $t "apply failed" "$out"
elif ! out=$(v6 r route check 2>&1); then
	fail $t "route check after the second apply: tbl24 differs" "$out"
elif ! out=$(audit 2>&1); then
	fail $t "the audit of every /24 finds differences" "$out"
elif ! out=$(v6 r apply "$T/many2" 2>&1) || [ "$out" != "apply: no changes" ]; then
	fail $t "the same apply again should change nothing" "$out"
else
	pass $t
fi

# entry_get MAP KEY IDX / entry_set MAP KEY IDX VALUE: entry IDX (a __u32) of
# block KEY of tbl24 (KEY: a /16) or tbl8 (KEY: a block), read or written with
# bpftool (the whole block of 256 entries is the map's value)
le32() { printf '%02x %02x %02x %02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
entry_get() {
	bpftool -j map lookup pinned "$(pin_dir_of r)/$1" key hex $(le32 "$2") |
		"$PYTHON" -c 'import json, sys
v = json.load(sys.stdin)["value"]; i = int(sys.argv[1]) * 4
print(int("".join(b[2:] for b in reversed(v[i:i + 4])), 16))' "$3"
}
entry_set() {
	local v
	v=$(bpftool -j map lookup pinned "$(pin_dir_of r)/$1" key hex $(le32 "$2") |
		"$PYTHON" -c 'import json, sys
v = [b[2:] for b in json.load(sys.stdin)["value"]]; i = int(sys.argv[1]) * 4
v[i:i + 4] = ["%02x" % (int(sys.argv[2]) >> s & 255) for s in (0, 8, 16, 24)]
print(" ".join(v))' "$3" "$4") &&
		bpftool map update pinned "$(pin_dir_of r)/$1" key hex $(le32 "$2") value hex $v
}

# check_damage NAME WHAT: route check (then the audit) must find the damage, say
# so, and repair it
check_damage() {
	local out
	if out=$(v6 r route check 2>&1); then
		fail $1 "route check did not notice $2" "$out"
	elif ! grep -q "differ" <<<"$out"; then
		fail $1 "route check did not say why it failed" "$out"
	elif ! out=$(v6 r route check 2>&1); then
		fail $1 "route check did not repair $2" "$out"
	elif ! out=$(audit 2>&1); then
		fail $1 "the audit finds differences after the repair" "$out"
	else
		pass $1
	fi
}

t=check_repairs
# entry 10.0.0.0/24 (block 10.0/16, entry 0) made "no route" by hand, as a
# writer dying half-way could leave it
if ! out=$(entry_set tbl24 $((0x0a00)) 0 0 2>&1); then
	fail $t "bpftool map update failed" "$out"
else
	check_damage $t "a damaged tbl24 entry"
fi

t=check_repairs_tbl8
# a /25 in 10.0.0.0/24 gives it a tbl8 block; its entry for 10.0.0.144 (the
# /25's) is made "no route" by hand: route check must find and repair it, and
# the audit must find it too (an audit that misses it proves nothing)
if ! out=$(v6 r route add 10.0.0.128/25 via fe80::7 dev r0 2>&1); then
	fail $t "route add failed" "$out"
elif ! e=$(entry_get tbl24 $((0x0a00)) 0 2>&1) || ((!(e >> 31))); then
	fail $t "10.0.0.0/24 has no tbl8 block after a /25 (tbl24 entry $e)" "$out"
elif g=$((e & 0x7fffff)) && ! out=$(entry_set tbl8 $g $((0x90)) 0 2>&1); then
	fail $t "bpftool map update failed" "$out"
elif out=$(audit 2>&1) && [ -x "$AUDIT" ]; then
	fail $t "the audit did not notice the damaged tbl8 entry" "$out"
else
	check_damage $t "a damaged tbl8 entry"
fi

t=check_repairs_index_out_of_range
# hand-written entries naming what does not exist: 10.0.1.0/24 a nexthop object
# beyond the nexthops array, 10.0.2.0/24 a tbl8 block beyond the pool (the
# program passes their packets as no route; route check must repair both)
if ! out=$(entry_set tbl24 $((0x0a00)) 1 $(((1 << 30) | (24 << 24) | 0xffffff)) 2>&1) ||
	! out=$(entry_set tbl24 $((0x0a00)) 2 $(((1 << 31) | 0x7fffff)) 2>&1); then
	fail $t "bpftool map update failed" "$out"
else
	check_damage $t "entries naming a nexthop object and a block out of range"
fi

t=dirty_status_and_repair
# what a writer killed half-way leaves: the state word (slot 0 of nexthops,
# FIB24_DIRTY "drty") set; status says so (while the lock is held: being
# written), and the next command repairs
pd=$(pin_dir_of r)
# (struct nexthop_slot: the next hop, 20 bytes, used, the MAC word, 8 bytes)
bpftool map update pinned "$pd/nexthops" key 0 0 0 0 value hex \
	00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 79 74 72 64 \
	00 00 00 00 00 00 00 00 >"$T/bt" 2>&1
# a writer at work holds the state lock (loader/lock.c: byte 0 of /run/v4via6/<pin dir>.lock)
lk=/run/v4via6/$(echo "${pd#/}" | tr / _).lock
mkdir -p /run/v4via6
"$PYTHON" -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.lockf(fd, fcntl.LOCK_EX, 1, 0)
time.sleep(2)
' "$lk" &
sleep 0.5
busy=$(v6 r status 2>&1)
wait
if ! grep -q '^tables: being written' <<<"$busy"; then
	fail $t "status while the lock is held should say being written" "$busy$(cat "$T/bt")"
elif ! out=$(v6 r status 2>&1) ||
	! grep -q '^tables: dirty (a writer was interrupted; the next command repairs it)$' <<<"$out"; then
	fail $t "status does not say dirty" "$out"
elif ! v6 r -j status 2>&1 | grep -q '"tables":"dirty"'; then
	fail $t "status -j does not say dirty" "$(v6 r -j status 2>&1)"
elif ! out=$(v6 r route show 2>&1 >/dev/null) || ! grep -q "left dirty.*rebuilt" <<<"$out"; then
	fail $t "route show did not repair" "$out"
elif ! out=$(v6 r status 2>&1) || ! grep -q '^tables: clean$' <<<"$out"; then
	fail $t "status after the repair does not say clean" "$out"
elif ! out=$(v6 r route check 2>&1); then
	fail $t "route check after the repair" "$out"
else
	pass $t
fi

t=detach_all_removes_pins
if ! out=$(v6 r detach --all 2>&1); then
	fail $t "detach --all failed" "$out"
else
	left=
	for m in tbl24 tbl8 tbl8_owners nexthops nh_stats; do
		[ ! -e "$(pin_dir_of r)/$m" ] || left="$left $m"
	done
	if [ -n "$left" ]; then
		fail $t "still pinned:$left" "$(ls -la "$(pin_dir_of r)")"
	else
		pass $t
	fi
fi
exit $((LIB_FAILS > 0))
