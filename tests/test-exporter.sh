#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# v4via6 exporter on the seed's router, scraped by a real Prometheus (Debian's
# /usr/bin/prometheus, its own config and data dir in a tmpdir, every 1 s).
# Both run in the router's namespace, on its loopback: nothing listens on the
# host's network. While A pings B through the router, Prometheus' HTTP API
# shows the forwarded-packets counter rising by at least the frames sent, and
# the per-nexthop series of the seed's two next hops by at least the pings.
# The exporter follows detach --all and attach under it (v4via6_up 0, then 1),
# stops cleanly on SIGTERM, and refuses bad input (port in use, bad address,
# missing pin dir) with exit 1. Also: the systemd unit passes systemd-analyze
# verify, and the scrape time is printed.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/seed-topology.sh"
lib_init exporter

T=$(mktemp -d /tmp/v4via6-exporter.XXXXXX)
on_cleanup "rm -rf '$T'"
PORT=9469
PROM_PORT=19090
URL=http://127.0.0.1:$PORT/metrics

if ! command -v curl >/dev/null; then
	skip all "curl not installed"
	exit 0
fi
seed_topology_or_exit "$T"

# setup_v4via6: attach on the router, routes and neighbours for A and B (XDP forwards both ways)
setup_v4via6() {
	v6 r attach r0 r1 &&
		v6 r route add "$B_IP/32" via inet6 "$B_LL" dev r1 &&
		v6 r route add "$A_IP/32" via inet6 "$A_LL" dev r0 &&
		v6 r neigh add "$B_LL" lladdr "$B_MAC" dev r1 &&
		v6 r neigh add "$A_LL" lladdr "$A_MAC" dev r0
}
if ! out=$(setup_v4via6 2>&1); then
	fail setup "v4via6 attach/route/neigh failed" "$out"
	exit 1
fi

# scrape [PATH]: the exporter's answer, from inside the router's namespace
scrape() { nsx r curl -sf --max-time 5 "http://127.0.0.1:$PORT${1:-/metrics}"; }
# sample NAME{LABELS} < metrics: a sample's value
sample() { awk -v m="$1" '$1 == m { print $2 }'; }

# start_exporter ARGS...: the exporter in the router's namespace (nsenter itself: $! is v4via6)
start_exporter() {
	nsenter --net=/run/netns/"$(ns r)" "$V4VIA6" exporter "$@" 2>>"$T/exporter.log" &
	EXP_PID=$!
	LIB_PIDS+=("$EXP_PID")
}

t=serves
start_exporter
if ! wait_for 3000 scrape; then
	fail $t "no answer at $URL" "$(cat "$T/exporter.log")"
	exit 1
fi
scrape >"$T/s0"
hdr=$(nsx r curl -sf -o /dev/null -w '%{content_type}' "$URL")
if ! grep -qx 'v4via6_up 1' "$T/s0"; then
	fail $t "no v4via6_up 1" "$(cat "$T/s0")"
elif [ "$hdr" != "text/plain; version=0.0.4; charset=utf-8" ]; then
	fail $t "content type '$hdr'"
elif ! out=$(promtool check metrics <"$T/s0" 2>&1) || [ -n "$out" ]; then
	fail $t "promtool check metrics" "$out"
elif ss -ltn | grep -q ":$PORT "; then
	fail $t "something listens on :$PORT in the host's namespace" "$(ss -ltnp | grep ":$PORT ")"
else
	pass $t
fi

t=http-errors
c404=$(nsx r curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/nope")
c405=$(nsx r curl -s -o /dev/null -w '%{http_code}' -X POST "$URL")
if [ "$c404" = 404 ] && [ "$c405" = 405 ] && scrape / | grep -q /metrics; then pass $t; else
	fail $t "/nope gave $c404 (want 404), POST gave $c405 (want 405)"
fi

t=scrape-time
# 20 scrapes: the median wall time as curl sees it, and the exporter's CPU time per scrape (the
# wall time follows the machine's load); the router holds 2 routes here, see the README for 1M
cpu() { awk '{ print $14 + $15 }' /proc/"$EXP_PID"/stat; }
c0=$(cpu)
for i in $(seq 20); do
	nsx r curl -sf -o /dev/null -w '%{time_total}\n' "$URL"
done | sort -n | sed -n 10p >"$T/median"
c1=$(cpu)
pass "$t (median $(awk '{ printf "%.2f", $1 * 1000 }' "$T/median") ms wall, $(((c1 - c0) * 1000 / $(getconf CLK_TCK) / 20)) ms CPU a scrape)"

# --- a real Prometheus --------------------------------------------------------------------------
# prom_query EXPR: the value of an instant query (the first series), empty when none
prom_query() {
	nsx r curl -sf --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/query" \
		--data-urlencode "query=$1" | "$PYTHON" -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")'
}
# prom_at_least EXPR MIN: the query's value is >= MIN
prom_at_least() {
	local v
	v=$(prom_query "$1") && [ -n "$v" ] && awk -v v="$v" -v m="$2" 'BEGIN { exit !(v + 0 >= m) }'
}

if [ ! -x /usr/bin/prometheus ]; then
	skip prometheus "/usr/bin/prometheus not installed (Debian package prometheus)"
else
	mkdir -p "$T/prom"
	cat >"$T/prom/prometheus.yml" <<-YML
		global:
		  scrape_interval: 1s
		  evaluation_interval: 1s
		scrape_configs:
		  - job_name: v4via6
		    static_configs:
		      - targets: ['127.0.0.1:$PORT']
	YML
	nsenter --net=/run/netns/"$(ns r)" /usr/bin/prometheus \
		--config.file="$T/prom/prometheus.yml" --storage.tsdb.path="$T/prom/data" \
		--web.listen-address=127.0.0.1:$PROM_PORT >"$T/prom/log" 2>&1 &
	PROM_PID=$!
	LIB_PIDS+=("$PROM_PID")
	on_cleanup "kill $PROM_PID; wait $PROM_PID"

	t=prometheus-scrapes
	if ! wait_for 20000 prom_at_least 'up{job="v4via6"}' 1; then
		fail $t "Prometheus never scraped the exporter up" "$(tail -20 "$T/prom/log")"
	else
		pass $t
		t=prometheus-sees-forwarding
		# once a sample is in, the counter's value now; then the pings
		PINGS=30
		q='v4via6_packets_total{outcome="fwd"}'
		wait_for 5000 prom_at_least "$q" 0
		sleep 1.2
		v0=$(prom_query "$q")
		i0=$(prom_query 'v4via6_interface_fwd_packets_total{interface="r0"}')
		# the seed's next hops: B's carries the requests, A's the replies
		qb="v4via6_nexthop_packets_total{nexthop=\"$B_LL\",interface=\"r1\"}"
		qa="v4via6_nexthop_packets_total{nexthop=\"$A_LL\",interface=\"r0\"}"
		b0=$(prom_query "$qb")
		a0=$(prom_query "$qa")
		nsx a ping -q -c $PINGS -i 0.02 -W 1 "$B_IP" >"$T/ping" 2>&1
		# each ping and its reply are forwarded: 2 frames a ping, PINGS of them entering on r0
		if [ -z "$v0" ] || ! wait_for 10000 prom_at_least "$q" $((v0 + 2 * PINGS)); then
			fail $t "$q went from '$v0' to '$(prom_query "$q")', expected + $((2 * PINGS))" \
				"$(cat "$T/ping")"
		elif ! wait_for 5000 prom_at_least 'v4via6_interface_fwd_packets_total{interface="r0"}' \
			$((i0 + PINGS)); then
			fail $t "r0's forwarded packets did not rise by $PINGS from $i0"
		else
			pass "$t ($q: $v0 -> $(prom_query "$q"))"
		fi
		t=prometheus-per-nexthop
		if [ -z "$b0" ] || [ -z "$a0" ]; then
			fail $t "no per-nexthop series for the seed's next hops before the pings" \
				"$(scrape | grep nexthop)"
		elif ! wait_for 10000 prom_at_least "$qb" $((b0 + PINGS)) ||
			! wait_for 5000 prom_at_least "$qa" $((a0 + PINGS)); then
			fail $t "$qb went from $b0 to '$(prom_query "$qb")', $qa from $a0 to '$(prom_query "$qa")', expected + $PINGS each" \
				"$(scrape | grep nexthop)"
		else
			pass "$t ($B_LL: $b0 -> $(prom_query "$qb"), $A_LL: $a0 -> $(prom_query "$qa"))"
		fi
	fi
fi

t=detach-attach
# the program goes away under the running exporter, and comes back with new maps
v6 r detach --all >"$T/detach" 2>&1
prom_down() { [ "$(prom_query v4via6_up)" = 0 ]; }
if ! scrape >"$T/s1" || ! grep -qx 'v4via6_up 0' "$T/s1"; then
	fail $t "after detach --all: no v4via6_up 0 (exporter alive: $(kill -0 $EXP_PID && echo yes))" \
		"$(cat "$T/detach" "$T/s1" "$T/exporter.log")"
elif [ -n "${PROM_PID:-}" ] && ! wait_for 5000 prom_down; then
	fail $t "Prometheus does not see v4via6_up 0 after detach --all"
elif ! out=$(setup_v4via6 2>&1); then
	fail $t "attach again failed" "$out"
else
	nsx a ping -q -c 5 -i 0.02 -W 1 "$B_IP" >/dev/null 2>&1
	scrape >"$T/s2"
	f=$(sample 'v4via6_packets_total{outcome="fwd"}' <"$T/s2")
	if ! grep -qx 'v4via6_up 1' "$T/s2" || [ -z "$f" ] || [ "$f" -lt 10 ] || [ "$f" -gt 20 ]; then
		fail $t "after attach: want v4via6_up 1 and the new maps' fwd count (10 to 20), got ${f:-none}" \
			"$(cat "$T/s2")"
	elif [ -n "${PROM_PID:-}" ] && ! wait_for 5000 prom_at_least 'v4via6_up' 1; then
		fail $t "Prometheus does not see v4via6_up 1 again"
	else
		pass $t
	fi
fi

t=sigterm
kill -TERM $EXP_PID
if wait $EXP_PID && grep -q 'exporter: stopped' "$T/exporter.log"; then pass $t; else
	fail $t "exporter did not exit 0 on SIGTERM" "$(cat "$T/exporter.log")"
fi

# expect_fail NAME STATUS MESSAGE ARGS...: v4via6 ARGS in the router exits STATUS saying MESSAGE
expect_fail() {
	local name=$1 want=$2 msg=$3 out rc
	shift 3
	out=$(timeout 5 nsenter --net=/run/netns/"$(ns r)" "$V4VIA6" "$@" 2>&1)
	rc=$?
	if [ $rc != "$want" ] || ! grep -qF -- "$msg" <<<"$out"; then
		fail "$name" "v4via6 $*: exit $rc (want $want), expected '$msg'" "$out"
		return 1
	fi
}

t=bad-input
ok=1
# a port in use: another exporter holds it
start_exporter
wait_for 3000 scrape
expect_fail $t 1 "v4via6: exporter: listening on 127.0.0.1:$PORT: Address already in use" \
	exporter || ok=0
kill -TERM $EXP_PID && wait $EXP_PID
expect_fail $t 1 "v4via6: exporter: --listen 300.1.2.3:9469: not an IP address and port" \
	exporter --listen 300.1.2.3:9469 || ok=0
expect_fail $t 1 "v4via6: exporter: --listen 127.0.0.1: not an IP address and port" \
	exporter --listen 127.0.0.1 || ok=0
expect_fail $t 1 "v4via6: exporter: --listen 127.0.0.1:99999: not an IP address and port" \
	exporter --listen 127.0.0.1:99999 || ok=0
expect_fail $t 1 "v4via6: exporter: --pin-dir /sys/fs/bpf/v4via6-none-$LIB_PREFIX: No such file or directory" \
	--pin-dir /sys/fs/bpf/v4via6-none-$LIB_PREFIX exporter || ok=0
expect_fail $t 2 "v4via6: exporter: --frob: unknown argument" exporter --frob || ok=0
[ $ok = 1 ] && pass $t

t=ipv6-listen
start_exporter --listen "[::1]:$PORT"
if wait_for 3000 nsx r curl -sf "http://[::1]:$PORT/metrics" -o /dev/null; then pass $t; else
	fail $t "no answer on [::1]:$PORT" "$(cat "$T/exporter.log")"
fi
kill -TERM $EXP_PID && wait $EXP_PID

t=systemd-unit
unit=$here/../loader/systemd/v4via6-exporter.service
if ! command -v systemd-analyze >/dev/null; then
	skip $t "systemd-analyze not installed"
else
	# verify wants the binary the unit names: install a copy where the unit says
	mkdir -p "$T/unit"
	sed "s|/usr/local/sbin/v4via6|$V4VIA6|" "$unit" >"$T/unit/v4via6-exporter.service"
	if out=$(systemd-analyze verify "$T/unit/v4via6-exporter.service" 2>&1) && [ -z "$out" ]; then
		pass $t
	else
		fail $t "systemd-analyze verify" "$out"
	fi
fi

exit $((LIB_FAILS > 0))
