#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# v4via6 metrics and stats -w on the seed's router under traffic: promtool
# accepts the metrics with no warning; the outcome, byte and per-interface
# counters move by the pings that crossed the router (A->B enters on r0, the
# replies on r1), and so do the per-nexthop ones (requests via B's next hop,
# replies via A's); the gauges count routes, neighbours, nexthop objects, tbl8
# blocks and interfaces; a pin dir without the per-interface map (a router still running
# the previous build) is reported as such, not a crash; stats -w prints two
# intervals of rates, as text blocks and as JSON lines; the README's alert
# rules pass promtool check rules.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/seed-topology.sh"
lib_init metrics

T=$(mktemp -d /tmp/v4via6-metrics.XXXXXX)
on_cleanup "rm -rf '$T'"

if ! command -v promtool >/dev/null; then
	skip all "promtool not installed (Debian package prometheus)"
	exit 0
fi
seed_topology_or_exit "$T"

t=not-loaded
if ! out=$(v6 r metrics 2>&1); then
	fail $t "metrics exited non-zero with nothing loaded" "$out"
elif ! grep -qx 'v4via6_up 0' <<<"$out"; then
	fail $t "no v4via6_up 0" "$out"
else
	pass $t
fi

if ! out=$({ v6 r attach r0 r1 &&
	v6 r route add "$B_IP/32" via inet6 "$B_LL" dev r1 &&
	v6 r route add "$A_IP/32" via inet6 "$A_LL" dev r0 &&
	v6 r route add 10.9.0.0/16 via inet6 "$B_LL" dev r1 &&
	v6 r route add throw 10.9.9.0/24 &&
	v6 r neigh add "$B_LL" lladdr "$B_MAC" dev r1 &&
	v6 r neigh add "$A_LL" lladdr "$A_MAC" dev r0; } 2>&1); then
	fail setup "v4via6 attach/route/neigh failed" "$out"
	exit 1
fi

# metric NAME [LABELS]: the value of one sample of the metrics in file $1
metric() {
	local m=$2
	[ -n "${3:-}" ] && m="$2{$3}"
	awk -v m="$m" '$1 == m { print $2 }' "$1"
}
ifindex_of() { ip -n "$(ns r)" -o link show "$1" | awk -F': ' '{ print $1 }'; }

PINGS=20
v6 r metrics >"$T/m0" 2>"$T/m0.err"
nsx a ping -q -c $PINGS -i 0.02 -W 1 "$B_IP" >"$T/ping" 2>&1
v6 r metrics >"$T/m1" 2>"$T/m1.err"

t=promtool-check
if ! out=$(promtool check metrics <"$T/m1" 2>&1); then
	fail $t "promtool check metrics failed" "$out"
elif [ -n "$out" ]; then
	fail $t "promtool warns" "$out"
elif [ -s "$T/m1.err" ]; then
	fail $t "metrics wrote on stderr" "$(cat "$T/m1.err")"
else
	pass "$t ($(grep -vc '^#' "$T/m1") samples)"
fi

t=outcome-counters
f0=$(metric "$T/m0" v4via6_packets_total 'outcome="fwd"')
f1=$(metric "$T/m1" v4via6_packets_total 'outcome="fwd"')
rx1=$(metric "$T/m1" v4via6_rx_packets_total)
sum1=$(awk '$1 ~ /^v4via6_packets_total\{/ { s += $2 } END { print s + 0 }' "$T/m1")
if ! grep -q " 0% packet loss" "$T/ping"; then
	fail $t "pings lost" "$(cat "$T/ping")"
elif [ -z "$f0" ] || [ $((f1 - f0)) -lt $((2 * PINGS)) ]; then
	fail $t "outcome fwd moved by $((f1 - f0)), expected >= $((2 * PINGS))" "$(cat "$T/m1")"
elif [ "$sum1" != "$rx1" ]; then
	fail $t "outcomes add up to $sum1, rx_packets is $rx1" "$(cat "$T/m1")"
elif ! grep -q '^v4via6_packets_total{outcome="pass_no_neigh"} ' "$T/m1" ||
	! grep -q '^v4via6_fwd_bytes_total ' "$T/m1" ||
	! grep -q '^v4via6_fwd_fib_packets_total ' "$T/m1"; then
	fail $t "a counter of struct fwd_stats is missing" "$(cat "$T/m1")"
else
	pass "$t (fwd +$((f1 - f0)))"
fi

t=per-interface
i0=$(ifindex_of r0) i1=$(ifindex_of r1)
ok=1
for dev in r0 r1; do
	ix=$(ifindex_of $dev)
	l="interface=\"$dev\",ifindex=\"$ix\""
	a=$(metric "$T/m0" v4via6_interface_fwd_packets_total "$l")
	b=$(metric "$T/m1" v4via6_interface_fwd_packets_total "$l")
	ra=$(metric "$T/m0" v4via6_interface_rx_bytes_total "$l")
	rb=$(metric "$T/m1" v4via6_interface_rx_bytes_total "$l")
	# each ping and each reply: one 98-byte frame (ICMP 64 + IPv4 20 + Ethernet 14)
	if [ -z "$a" ] || [ $((b - a)) -lt $PINGS ] || [ $((rb - ra)) -lt $((98 * PINGS)) ]; then
		ok=0
		fail $t "$dev: fwd_packets moved by $((b - a)), rx_bytes by $((rb - ra)), expected >= $PINGS and $((98 * PINGS))" \
			"$(grep interface "$T/m1")"
	fi
done
[ $ok = 1 ] && pass "$t (r0 ifindex $i0, r1 ifindex $i1)"

t=gauges
# nexthop objects: fe80::b on r1 (10.0.8.3/32 and 10.9.0.0/16), fe80::a on r0, the throw
# route's; tbl8 blocks: 10.0.8.0/24 (its /32s)
want="v4via6_up 1
v4via6_routes 4
v4via6_neighbours 2
v4via6_interfaces_attached 2
v4via6_nexthops 3
v4via6_nexthops_limit 65535
v4via6_nexthop_slots_used 3
v4via6_tbl8_blocks_used 1
v4via6_sync_up 0"
got=$(grep -E '^v4via6_(up|routes|neighbours|nexthops|nexthops_limit|nexthop_slots_used|tbl8_blocks_used|interfaces_attached|sync_up) ' "$T/m1")
t8=$(($(metric "$T/m1" v4via6_tbl8_blocks_used) + $(metric "$T/m1" v4via6_tbl8_blocks_free)))
if [ "$got" != "$want" ]; then
	fail $t "gauges differ from the state" "$(diff <(echo "$want") <(echo "$got"))"
elif [ "$t8" != "$(v6 r -j status | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["tbl8_blocks_total"])')" ]; then
	fail $t "tbl8 blocks used + free = $t8, not status's tbl8_blocks_total" "$(grep tbl8 "$T/m1")"
else
	pass $t
fi

t=per-nexthop
# one series per next hop, labelled with it; the pings' requests go through B's, the replies
# through A's, and nothing else was forwarded: their sum moved as the fwd outcome did
ok=1
for hop in "$B_LL r1" "$A_LL r0"; do
	read -r addr dev <<<"$hop"
	l="nexthop=\"$addr\",interface=\"$dev\",ifindex=\"$(ifindex_of "$dev")\""
	p0=$(metric "$T/m0" v4via6_nexthop_packets_total "$l")
	p1=$(metric "$T/m1" v4via6_nexthop_packets_total "$l")
	b0=$(metric "$T/m0" v4via6_nexthop_bytes_total "$l")
	b1=$(metric "$T/m1" v4via6_nexthop_bytes_total "$l")
	if [ -z "$p0" ] || [ -z "$b1" ] || [ $((p1 - p0)) -lt $PINGS ] || [ $((b1 - b0)) -lt $((98 * PINGS)) ]; then
		fail $t "$addr on $dev: packets moved by $((p1 - p0)), bytes by $((b1 - b0)), expected >= $PINGS and $((98 * PINGS))" \
			"$(grep nexthop "$T/m1")"
		ok=0
	fi
done
s0=$(awk '$1 ~ /^v4via6_nexthop_packets_total\{/ { s += $2 } END { print s + 0 }' "$T/m0")
s1=$(awk '$1 ~ /^v4via6_nexthop_packets_total\{/ { s += $2 } END { print s + 0 }' "$T/m1")
series=$(grep -c '^v4via6_nexthop_packets_total{' "$T/m1")
if [ $ok = 0 ]; then
	:
elif [ $((s1 - s0)) != $((f1 - f0)) ] || [ "$series" != 2 ]; then
	fail $t "$series series (want 2: no throw series) moved by $((s1 - s0)), the fwd outcome by $((f1 - f0))" \
		"$(grep nexthop "$T/m1")"
else
	pass "$t (+$((s1 - s0)))"
fi

t=old-pin-dir
# A pin dir made by the previous build has no if_stats: metrics and stats -w say so, and the
# rest still works. The pin is put back afterwards (the map lives on in the program).
pd=$(pin_dir_of r)
aside=/sys/fs/bpf/$LIB_PREFIX-if_stats
on_cleanup "rm -f '$aside'"
if ! mv "$pd/if_stats" "$aside" 2>"$T/mv"; then
	fail $t "could not move the if_stats pin aside" "$(cat "$T/mv")"
else
	out=$(v6 r metrics 2>&1)
	rc=$?
	w=$(v6 r stats -w 0.2 -c 1 2>&1)
	wrc=$?
	mv "$aside" "$pd/if_stats"
	if [ $rc != 0 ] || ! grep -qx 'v4via6_up 1' <<<"$out" || grep -q '^v4via6_interface_' <<<"$out" ||
		! grep -q 'per-interface counters unavailable' <<<"$out"; then
		fail $t "metrics without if_stats (exit $rc)" "$out"
	elif ! promtool check metrics <<<"$out" >"$T/pc" 2>&1 || [ -s "$T/pc" ]; then
		fail $t "promtool on metrics without if_stats" "$(cat "$T/pc")"
	elif [ $wrc != 0 ] || ! grep -q 'per interface: unavailable' <<<"$w"; then
		fail $t "stats -w without if_stats (exit $wrc)" "$w"
	elif [ ! -e "$pd/if_stats" ]; then
		fail $t "could not put the if_stats pin back"
	else
		pass $t
	fi
fi

t=stats-watch
# two intervals of 0.5 s while A pings B every 10 ms: each block shows rx and fwd rates
nsx a ping -q -c 150 -i 0.01 -W 1 "$B_IP" >/dev/null 2>&1 &
pp=$!
LIB_PIDS+=($pp)
sleep 0.2
out=$(v6 r stats -w 0.5 -c 2 2>&1)
rc=$?
wait $pp
blocks=$(grep -c '^v4via6 stats every 0.5 s' <<<"$out")
fwd_rates=$(awk '$1 == "fwd_packets" && $2 > 50 { n++ } END { print n + 0 }' <<<"$out")
r0_rows=$(awk '$1 == "r0" && $2 == "'"$(ifindex_of r0)"'" && $3 > 20 { n++ } END { print n + 0 }' <<<"$out")
if [ $rc != 0 ] || [ "$blocks" != 2 ] || [ "$fwd_rates" != 2 ] || [ "$r0_rows" != 2 ]; then
	fail $t "exit $rc, $blocks blocks, $fwd_rates fwd rates > 50/s, $r0_rows r0 rows (want 2 each)" "$out"
elif grep -q $'\033' <<<"$out"; then
	fail $t "terminal escapes on a pipe" "$out"
else
	pass $t
fi

t=stats-watch-json
nsx a ping -q -c 150 -i 0.01 -W 1 "$B_IP" >/dev/null 2>&1 &
pp=$!
LIB_PIDS+=($pp)
sleep 0.2
out=$(v6 r -j stats -w 0.5 -c 2 2>&1)
rc=$?
wait $pp
if ! chk=$("$PYTHON" -c '
import json, sys
lines = sys.stdin.read().splitlines()
assert len(lines) == 2, "%d lines" % len(lines)
for l in lines:
	o = json.loads(l)
	assert o["loaded"] and 0.4 < o["interval"] < 0.8, o
	assert o["rates"]["fwd_packets"] > 50, o["rates"]
	assert o["rates"]["rx_packets"] >= o["rates"]["fwd_packets"], o["rates"]
	ifs = {i["ifname"]: i for i in o["interfaces"]}
	assert ifs["r0"]["fwd_packets"] > 20 and ifs["r1"]["fwd_packets"] > 20, ifs
' <<<"$out" 2>&1) || [ $rc != 0 ]; then
	fail $t "exit $rc: $chk" "$out"
else
	pass $t
fi

t=stats-watch-sigint
# no -c: runs until SIGINT, then exits 0
# (nsenter itself, so that $! is v4via6, not a subshell that ignores SIGINT)
nsenter --net=/run/netns/"$(ns r)" "$V4VIA6" stats -w 0.2 >"$T/w" 2>&1 &
wp=$!
LIB_PIDS+=($wp)
sleep 0.7
kill -INT $wp
if wait $wp && [ "$(grep -c '^v4via6 stats every' "$T/w")" -ge 2 ]; then pass $t; else
	fail $t "stats -w did not exit 0 on SIGINT after 2 intervals" "$(cat "$T/w")"
fi

t=bad-usage
out=$(v6 r stats -w abc 2>&1)
rc=$?
if [ $rc != 2 ] || ! grep -q 'v4via6: stats: -w abc: not a number' <<<"$out"; then
	fail $t "stats -w abc: exit $rc" "$out"
elif out=$(v6 r metrics extra 2>&1) || [ $? != 2 ]; then
	fail $t "metrics extra: not a usage error" "$out"
else
	pass $t
fi

t=ifindex-catch-all
# an interface whose ifindex is beyond the if_stats array counts in slot 0, "other"
# add_ns outside $( ): a subshell's LIB_NS would not reach the cleanup, and x would outlive the test
add_ns x >"$T/addx" 2>&1
if ! out=$({ cat "$T/addx" && [ -e /run/netns/"$(ns x)" ] && no_dad x && ip link add r9 netns "$(ns r)" index 1500 address 02:00:00:00:00:09 \
	type veth peer name x9 netns "$(ns x)" address 02:00:00:00:00:19 && ip -n "$(ns r)" link set r9 up &&
	ip -n "$(ns x)" link set x9 up && v6 r attach r9; } 2>&1); then
	fail $t "could not make and attach r9 with ifindex 1500" "$out"
else
	wait_for 3000 ll_ready r r9 fe80::ff:fe00:9
	wait_for 3000 ll_ready x x9 fe80::ff:fe00:19
	nsx x ping -q -c 5 -i 0.05 -W 1 fe80::ff:fe00:9%x9 >"$T/p9" 2>&1
	v6 r metrics >"$T/m9"
	o=$(metric "$T/m9" v4via6_interface_rx_packets_total 'interface="other",ifindex="0"')
	if [ "${o:-0}" -lt 5 ] || grep -q 'ifindex="1500"' "$T/m9"; then
		fail $t "slot 0 counted ${o:-nothing}, expected >= 5 (the pings to r9)" \
			"$(cat "$T/p9"; grep interface "$T/m9")"
	elif ! promtool check metrics <"$T/m9" >"$T/pc" 2>&1 || [ -s "$T/pc" ]; then
		fail $t "promtool" "$(cat "$T/pc")"
	else
		pass "$t ($o frames)"
	fi
fi

t=sync-metrics
# a running sync: its status file becomes metrics; gone when it stops
nsenter --net=/run/netns/"$(ns r)" "$V4VIA6" sync 2>"$T/sync.log" &
sp=$!
LIB_PIDS+=($sp)
sync_up() { v6 r metrics | grep -qx 'v4via6_sync_up 1'; }
if ! wait_for 15000 sync_up; then
	fail $t "no v4via6_sync_up 1 with sync running" "$(cat "$T/sync.log"; ls -l /run/v4via6; ps -o pid,stat,wchan:30,args -p $sp; v6 r metrics | grep sync)"
else
	v6 r metrics >"$T/ms"
	mirrored=$(metric "$T/ms" v4via6_sync_kernel_routes 'reason="mirrored"')
	last=$(metric "$T/ms" v4via6_sync_last_resync_timestamp_seconds)
	if ! promtool check metrics <"$T/ms" >"$T/pc" 2>&1 || [ -s "$T/pc" ]; then
		fail $t "promtool with sync's metrics" "$(cat "$T/pc")"
	elif [ "${mirrored:-0}" -lt 2 ] || [ $(($(date +%s) - ${last:-0})) -gt 60 ] ||
		[ "$(metric "$T/ms" v4via6_sync_info 'table="254"')" != 1 ] ||
		[ "$(metric "$T/ms" v4via6_sync_resyncs_total)" != 1 ]; then
		fail $t "sync's metrics: mirrored ${mirrored:-none} (want >= 2), last resync ${last:-none}" \
			"$(grep sync "$T/ms")"
	else
		pass $t
		# a kernel route added while sync runs: its batch's lag shows in the next status file
		t=sync-lag
		ip -n "$(ns r)" route add 10.77.0.0/24 via inet6 "$B_LL" dev r1
		lag_set() {
			v6 r metrics >"$T/ml"
			[ "$(metric "$T/ml" v4via6_sync_lag_max_seconds)" != "0.000000" ] &&
				v6 r route show 10.77.0.0/24 | grep -q "via inet6 $B_LL"
		}
		if ! wait_for 10000 lag_set; then
			fail $t "no lag measured, or the route not mirrored" "$(grep lag "$T/ml"; v6 r route show)"
		elif ! awk '/^v4via6_sync_lag_seconds / { l = $2 } /^v4via6_sync_lag_max_seconds / { m = $2 }
			END { exit !(l > 0 && l <= m && m < 10) }' "$T/ml"; then
			fail $t "lag not 0 < last <= max < 10 s" "$(grep lag "$T/ml")"
		elif ! promtool check metrics <"$T/ml" >"$T/pc" 2>&1 || [ -s "$T/pc" ]; then
			fail $t "promtool with the lag" "$(cat "$T/pc")"
		else
			pass $t "$(awk '/^v4via6_sync_lag_seconds / { printf "last batch %.0f us", $2 * 1e6 }' "$T/ml")"
		fi
		ip -n "$(ns r)" route del 10.77.0.0/24 2>/dev/null
		t=sync-stopped
		kill -TERM $sp
		wait $sp
		if v6 r metrics | grep -qx 'v4via6_sync_up 0'; then pass $t; else
			fail $t "v4via6_sync_up still 1 after sync stopped" "$(v6 r metrics | grep sync)"
		fi
	fi
fi

t=pin-dir-missing
out=$(v6 r --pin-dir /sys/fs/bpf/v4via6-no-such-dir metrics 2>&1)
rc=$?
if [ $rc != 1 ] || ! grep -q 'v4via6: metrics: --pin-dir /sys/fs/bpf/v4via6-no-such-dir: No such file or directory' <<<"$out"; then
	fail $t "exit $rc" "$out"
else
	pass $t
fi

t=readme-prometheus-config
# the scrape config and alert rules of the README's Monitoring section, as written there
awk '/^```yaml$/ { y = 1; n++; next } /^```$/ { y = 0 } y { print > (T "/readme" n ".yml") }' \
	T="$T" "$here/../README.md"
rules=$(grep -l '^groups:' "$T"/readme*.yml 2>/dev/null | head -1)
if [ -z "$rules" ]; then
	fail $t "no rules file (a yaml block starting with groups:) in README.md"
elif ! out=$(promtool check rules "$rules" 2>&1); then
	fail $t "promtool check rules failed" "$out"
elif ! grep -q 'SUCCESS: 2 rules found' <<<"$out"; then
	fail $t "expected 2 rules" "$out"
elif ! out=$(promtool check config "$(grep -l '^scrape_configs:' "$T"/readme*.yml | head -1)" 2>&1); then
	fail $t "the README's scrape config: promtool check config failed" "$out"
else
	pass $t
fi

exit $((LIB_FAILS > 0))
