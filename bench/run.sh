#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench: v4via6 against the kernel and a bpf_fib_lookup forwarder (fibfwd).
#   1. program cost under BPF_PROG_TEST_RUN (progcost) with 1 to 1M routes, and
#      live; v4via6 also without its per-nexthop counters (v4via6_nocount);
#      the maps' memory at each size;
#   2. forwarding rate end to end: trafgen -> router -> sink over veth;
#   3. control plane: apply / ip -batch / sync --once at 1M routes, map memory,
#      route replace under traffic;
#   4. ECMP (bench/ecmpcost.c): program cost through nexthop groups of 1, 2, 8
#      members against a plain next hop, and the convergence of 1k and the
#      largest table whose routes all share one group when a member's link
#      goes down (fib24_link_set);
#   5. a table on stdout, bench/results/<date>.json and .png, results/latest.png.
# Everything runs in namespaces made here (tests/lib.sh), removed with the pins
# and processes by a trap on every exit path. Benchmarks report; they never fail
# on a threshold. Knobs (environment): BENCH_SIZES ("1 1000 100000 1000000"),
# BENCH_RUNS (5), BENCH_SECONDS (5), BENCH_ROUNDS (3), BENCH_OUT (bench/results),
# BENCH_LONG_EVERY (20: one route in 20 is longer than /24; 0: none, the table
# of the runs before tbl8).
set -u
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$here/../build}
PYTHON=${PYTHON:-/usr/bin/python3}
V4VIA6=${V4VIA6:-$BUILD/v4via6}
SIZES=${BENCH_SIZES:-1 1000 100000 1000000}
RUNS=${BENCH_RUNS:-5}
SECONDS_PER=${BENCH_SECONDS:-5}
ROUNDS=${BENCH_ROUNDS:-3}
LONG_EVERY=${BENCH_LONG_EVERY:-20}
OUT=${BENCH_OUT:-$here/results}
export BUILD PYTHON V4VIA6

# shellcheck source=lib-live.sh
source "$here/lib-live.sh" # check_needs, R0_MAC, GW1, GW2, gw_args, neighs
check_needs v4via6-bench "progcost ecmpcost xdpctl routegen" "trafgen bpftool gnuplot"

# shellcheck source=../tests/lib.sh
source "$here/../tests/lib.sh"
live_workspace bench "${BENCH_KEEP:-}"
XDPCTL=$BUILD/xdpctl
START=$(date +%s)
MAX=0
for n in $SIZES; do [ "$n" -gt "$MAX" ] && MAX=$n; done

# since T0: seconds from T0 (date +%s.%N) to now
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }'; }
step() { printf '[%3ss] %s\n' $(($(date +%s) - START)) "$*"; }


# routes_batch FIRST LAST DEV GWPREFIX: ip -batch lines for table lines FIRST..LAST
routes_batch() {
	sed -n "$1,$2p" "$WORK/routes.txt" |
		awk -v dev="$3" -v gw="$4" '{ printf "route add %s via inet6 %s%d dev %s\n", $1, gw, $2 + 1, dev }'
}

#
# The world: gen -(g0 r0)- rt -(r1 s1)- snk, and rt -(r2 s2)- snk for route
# replace; h0..h3 in rt hold the programs progcost parks. The router has no IPv4
# address, like the seed's IPv6-only router.
#
step "setup: namespaces, veths, $MAX routes generated"
add_ns gen rt snk || exit 1
link gen g0 rt r0 02:00:00:00:00:10 02:00:00:00:00:01 &&
	link rt r1 snk s1 02:00:00:00:00:02 02:00:00:00:00:21 &&
	link rt r2 snk s2 02:00:00:00:00:03 02:00:00:00:00:22 &&
	link rt h0 rt h1 && link rt h2 rt h3 || exit 1
nsx rt sysctl -qw net.ipv4.ip_forward=1
neighs rt r1 fe80::1: "$R0_MAC" && neighs rt r2 fe80::2: 02:00:00:00:02:0 || exit 1
"$BUILD/routegen" "$MAX" 4 "$LONG_EVERY" >"$WORK/routes.txt" || exit 1
{
	echo "nproc $(nproc)"
	echo "kernel $(uname -r)"
	echo "cpu $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
	echo "load_start $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "long_every $LONG_EVERY"
	# on, it adds two clock reads to every program run (and to progcost's figures)
	echo "bpf_stats_enabled_sysctl $(sysctl -n kernel.bpf_stats_enabled)"
} >"$WORK/machine.txt"

#
# The programs of the live runs: fibfwd and the sinks (s1, s2 and the
# router's own r0 for the ceiling).
#
step "setup: fibfwd and the sinks"
nsx rt "$XDPCTL" load fibfwd "$PIN/fibfwd" --out r1 &&
	"$XDPCTL" load sink "$PIN/ceiling" &&
	"$XDPCTL" load sink "$PIN/sink1" && "$XDPCTL" load sink "$PIN/sink2" || exit 1
on_cleanup "nsx rt '$XDPCTL' detach r0"
nsx snk "$XDPCTL" attach "$PIN/sink1" s1 && nsx snk "$XDPCTL" attach "$PIN/sink2" s2 || exit 1

count() { "$XDPCTL" count "$PIN/$1" | cut -d' ' -f1; }
# the router's IpForwDatagrams: packets the kernel forwarded
kernel_forwarded() { nsx rt awk '/^Ip: [0-9]/ { print $7 }' /proc/net/snmp; }
# v4via6's fwd_packets, summed over the CPUs
v4via6_fwd() { "$XDPCTL" fwd "$PIN/v4via6" 2>/dev/null | cut -d' ' -f2 || echo 0; }
# run_time_ns run_cnt of the mode's program (0 0 for the kernel)
runtime() { if [ "$1" = kernel ]; then echo 0 0; else "$XDPCTL" runtime "$PIN/$1"; fi; }
first_seen() { [ "$("$XDPCTL" count "$PIN/$1" | cut -d' ' -f3)" != 0 ]; }

# measure MODE SINK CFG [SECONDS]: pps arriving at SINK while trafgen sends CFG
measure() {
	local mode=$1 sink=$2 cfg=$3 secs=${4:-$SECONDS_PER} c0 c1 t0 t1 tg sh
	case $mode in
	kernel) ;;
	*) nsx rt "$XDPCTL" attach "$PIN/$mode" r0 || return 1 ;;
	esac
	# the kernel's run_time_ns/run_cnt, for the program's cost on the live path:
	# on only while trafgen runs (they would inflate progcost's figures), and
	# through BPF_ENABLE_STATS, which ends with its process (the sysctl stays)
	"$XDPCTL" stats-hold $((secs + 5)) &
	sh=$!
	nsx gen timeout $((secs + 3)) trafgen --cpp -q -P1 -i "$cfg" -o g0 >>"$WORK/trafgen.log" 2>&1 &
	tg=$!
	sleep 1.5 # trafgen's start (cpp, ring setup), and the first frames
	c0=$(count "$sink") t0=$("$XDPCTL" now) k0=$(kernel_forwarded) s0=$(v4via6_fwd)
	read -r rt0 rc0 <<<"$(runtime "$mode")"
	sleep "$secs"
	c1=$(count "$sink") t1=$("$XDPCTL" now) k1=$(kernel_forwarded) s1=$(v4via6_fwd)
	read -r rt1 rc1 <<<"$(runtime "$mode")"
	wait "$tg"
	kill "$sh"
	wait "$sh" 2>/dev/null
	[ "$mode" = kernel ] || nsx rt "$XDPCTL" detach r0
	# pps; what the kernel forwarded and v4via6 redirected in the window (an
	# XDP mode that left its packets to the kernel would measure the kernel);
	# the program's own ns per run on the live path (0 for the kernel)
	echo "$(((c1 - c0) * 1000000000 / (t1 - t0))) $((k1 - k0)) $((s1 - s0))" \
		"$(awk -v t=$((rt1 - rt0)) -v c=$((rc1 - rc0)) 'BEGIN { printf "%.1f", c ? t / c : 0 }')"
}

# measure_sure ARGS: measure, again when nothing arrived (seen: trafgen's first
# runs after the veths came up sent nothing, "Flushing TX_RING failed: Resource
# temporarily unavailable")
measure_sure() {
	local m try
	for try in 1 2 3; do
		m=$(measure "$@") || return 1
		[ "${m%% *}" != 0 ] && break
		step "$1: nothing arrived (try $try of 3); trafgen said: $(grep -v 'socket memory' \
			"$WORK/trafgen.log" | tail -2 | tr '\n' ' ')" >&2
	done
	echo "$m"
}

# A first trafgen run into the ceiling sink: the first runs after the veths
# came up have been seen to send nothing.
"$PYTHON" "$here/trafgen_cfg.py" "$WORK/routes.txt" 1 16 02:00:00:00:00:01 \
	02:00:00:00:00:10 >"$WORK/warmup.cfg" 2>/dev/null || exit 1
measure_sure ceiling ceiling "$WORK/warmup.cfg" 1 >/dev/null || exit 1

#
# 1. Program cost: the kernel's FIB grows to each size in turn (ip -batch of the
# new lines), and progcost loads the same first N routes into v4via6's map.
# test_run repeats each frame, so the lookups run with warm caches; the live
# cost follows: v4via6 (with the same N routes), v4via6_nocount (on v4via6's
# maps) and fibfwd attached to r0 in turn, trafgen sending to 4096
# destinations spread over the N routes (one in 20 to a route longer than /24).
# Then what v4via6's maps take (memlock, as the kernel accounts it) and how
# many tbl8 blocks the table uses.
#
MEM_MAPS="routes tbl24 tbl8 tbl8_owners nexthops nh_stats neighs egress tx_ports stats if_stats"
: >"$WORK/progcost.jsonl"
: >"$WORK/fib_install.txt"
: >"$WORK/live.txt"
: >"$WORK/live_tbl8.txt"
: >"$WORK/memory.txt"
have=0
for n in $SIZES; do
	if [ "$n" -gt "$have" ]; then
		step "program cost, $n routes: kernel FIB += $((n - have)) routes (ip -batch)"
		t0=$(date +%s.%N)
		routes_batch $((have + 1)) "$n" r1 fe80::1: | ip -n "$(ns rt)" -batch - || exit 1
		echo "$have $n $(since "$t0")" >>"$WORK/fib_install.txt"
		have=$n
	fi
	step "program cost, $n routes: progcost ($RUNS runs of drop, v4via6, v4via6_nocount, fibfwd)"
	# shellcheck disable=SC2046
	nsx rt "$BUILD/progcost" --routes "$WORK/routes.txt" --count "$n" --in r0 --out r1 \
		$(gw_args "${GW1[@]}") --runs "$RUNS" --frames 256 --calls 2 --repeat 250 \
		--park h0,h1,h2,r2 >>"$WORK/progcost.jsonl" 2> >(sed -u 's/^/       /' >&2) || exit 1

	step "program cost, $n routes: live cost (v4via6, v4via6_nocount, fibfwd; 4096 destinations)"
	"$PYTHON" "$here/trafgen_cfg.py" "$WORK/routes.txt" "$n" 4096 02:00:00:00:00:01 \
		02:00:00:00:00:10 >"$WORK/spread.cfg" 2>"$WORK/spread.tbl8" || exit 1
	echo "$n $(cut -d' ' -f2 "$WORK/spread.tbl8") 4096" >>"$WORK/live_tbl8.txt"
	rm -rf "$PIN/v4via6" "$PIN/v4via6_nocount"
	# shellcheck disable=SC2046
	nsx rt "$XDPCTL" load v4via6 "$PIN/v4via6" --routes "$WORK/routes.txt" --count "$n" \
		--out r1 --in r0 $(gw_args "${GW1[@]}") || exit 1
	"$XDPCTL" load v4via6_nocount "$PIN/v4via6_nocount" --maps "$PIN/v4via6" || exit 1
	for map in $MEM_MAPS; do
		echo "$n $map $(bpftool -j map show pinned "$PIN/v4via6/$map" |
			"$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["bytes_memlock"])')"
	done >>"$WORK/memory.txt"
	echo "$n tbl8_blocks $("$XDPCTL" tbl8 "$PIN/v4via6")" >>"$WORK/memory.txt"
	for mode in v4via6 v4via6_nocount fibfwd; do
		m=$(measure_sure "$mode" sink1 "$WORK/spread.cfg" 2) || exit 1
		read -r pps kfwd xfwd live <<<"$m"
		echo "$n $mode $live $pps $kfwd" >>"$WORK/live.txt"
		step "program cost, $n routes: live $mode $live ns/run ($pps pps, kernel forwarded $kfwd)"
	done
done

#
# 2. End to end with the whole table ($MAX routes, loaded in v4via6 by the last
# step of 1.). The sink on s1 counts what arrives; "ceiling" is a sink on the
# router's own r0 (drops at ingress).
#
: >"$WORK/e2e.txt"
for ((r = 1; r <= ROUNDS; r++)); do
	for mode in ceiling kernel v4via6 v4via6_nocount fibfwd; do
		sink=sink1
		[ "$mode" = ceiling ] && sink=ceiling
		m=$(measure_sure "$mode" "$sink" "$WORK/spread.cfg") || exit 1
		read -r pps kfwd xfwd live <<<"$m"
		step "end to end, round $r/$ROUNDS: $mode $pps pps (in the window: kernel forwarded" \
			"$kfwd, v4via6 $xfwd; XDP program $live ns/run)"
		echo "$r $mode $m" >>"$WORK/e2e.txt"
	done
done
nsx rt "$XDPCTL" detach r0 2>/dev/null
rm -rf "$PIN/v4via6" "$PIN/v4via6_nocount" "$PIN/fibfwd" # frees the bench's own 1M-route map

#
# 4. ECMP, run before 3 (whose 1M kernel routes come and go in a namespace of
# their own), in the router's namespace: ecmpcost loads its own v4via6 (members
# on r1 and r2, the parked programs on h0 and h1, free again after step 1). A
# failure is reported, and the rest of the bench goes on.
#
ECMP_SIZES=1000
[ "$MAX" -gt 1000 ] && ECMP_SIZES="1000,$MAX"
step "ECMP: program cost through groups of 1, 2, 8 members; convergence at $ECMP_SIZES routes"
if ! nsx rt "$BUILD/ecmpcost" --routes "$WORK/routes.txt" --in r0 --out r1 --alt r2 \
	--sizes "$ECMP_SIZES" --runs "$RUNS" --park h0,h1 >"$WORK/ecmp.json" 2>"$WORK/ecmp.log"; then
	echo "{\"error\": \"$(grep -v '^  ecmpcost:' "$WORK/ecmp.log" | tail -1 | tr -d '"\\')\"}" \
		>"$WORK/ecmp.json"
fi
sed 's/^/       /' "$WORK/ecmp.log" >&2

#
# 3. Control plane, with the product's command where it has landed.
#
: >"$WORK/control.txt"
cp_note() { echo "$1 $2" >>"$WORK/control.txt"; }
cp_time() { # cp_time KEY cmd...: seconds the command took, or n/a with its error
	local key=$1 t0 out
	shift
	t0=$(date +%s.%N)
	if out=$("$@" 2>&1); then
		cp_note "$key" "$(since "$t0")"
	else
		cp_note "$key" "n/a: failed: $(echo "$out" | tail -1)"
		return 1
	fi
}

# The config: attach lines, the gateways' neighbours, and every route via r1.
{
	echo "attach r0"
	echo "attach r1"
	echo "attach r2"
	for k in 1 2 3 4; do
		echo "neigh fe80::1:$k lladdr $R0_MAC dev r1"
		echo "neigh fe80::2:$k lladdr 02:00:00:00:02:0$k dev r2"
	done
	awk '{ printf "route %s via inet6 fe80::1:%d dev r1\n", $1, $2 + 1 }' "$WORK/routes.txt"
} >"$WORK/router.conf"

step "control plane: ip -batch of $MAX routes into a fresh namespace"
add_ns cp || exit 1
link cp r0 cp p0 && link cp r1 cp p1 && link cp r2 cp p2 || exit 1
neighs cp r1 fe80::1: "$R0_MAC" && neighs cp r2 fe80::2: 02:00:00:00:02:0 || exit 1
routes_batch 1 "$MAX" r1 fe80::1: >"$WORK/routes.batch"
cp_time kernel_ip_batch_s ip -n "$(ns cp)" -batch "$WORK/routes.batch"

if [ ! -x "$V4VIA6" ] || "$V4VIA6" --help 2>&1 | grep -q "not built yet"; then
	for k in apply_s sync_once_s routes_map_bytes route_replace_ms; do
		cp_note $k "n/a: v4via6 command not available"
	done
else
	V=("$V4VIA6" --pin-dir "$PIN/cp")
	on_cleanup "nsx cp '$V4VIA6' --pin-dir '$PIN/cp' detach --all"
	step "control plane: v4via6 apply of $MAX routes (empty state)"
	cp_time apply_s nsx cp "${V[@]}" apply "$WORK/router.conf"
	bytes=$(bpftool -j map show pinned "$PIN/cp/routes" 2>/dev/null |
		"$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["bytes_memlock"])' 2>/dev/null)
	cp_note routes_map_bytes "${bytes:-n/a: bpftool map show failed}"
	cp_note routes_map_entries "$(nsx cp "${V[@]}" route show 2>/dev/null | wc -l)"
	step "control plane: v4via6 apply of the same file again (no change)"
	cp_time apply_again_s nsx cp "${V[@]}" apply "$WORK/router.conf"
	if "$V4VIA6" sync --help >/dev/null 2>&1; then
		step "control plane: v4via6 sync --once, $MAX kernel routes into an empty map"
		nsx cp "${V[@]}" route flush >/dev/null 2>&1
		cp_time sync_once_s nsx cp "${V[@]}" sync --once
		cp_note sync_map_entries "$(nsx cp "${V[@]}" route show 2>/dev/null | wc -l)"
	else
		cp_note sync_once_s "n/a: sync not available"
	fi
	nsx cp "${V[@]}" detach --all >/dev/null 2>&1
	ip netns del "$(ns cp)" # 1M kernel routes: free them before the next step

	# Route replace under traffic: one destination, v4via6 on the router, the
	# prefix moved between r1 and r2 in turn; the new sink's first frame is timed.
	step "control plane: route replace under traffic (v4via6 apply, then 6 replaces)"
	V=("$V4VIA6" --pin-dir "$PIN/rt")
	on_cleanup "nsx rt '$V4VIA6' --pin-dir '$PIN/rt' detach --all"
	# a /24 of the table with no longer route inside: its packets follow the replace
	awk '{ split($1, a, "/"); split(a[1], b, "."); k = b[1] "." b[2] "." b[3] }
		a[2] > 24 { long[k] = 1 } a[2] == 24 { c[NR] = k; l[NR] = $0 }
		END { for (i = 1; i <= NR; i++) if (i in l && !(c[i] in long)) { print l[i]; exit } }' \
		"$WORK/routes.txt" >"$WORK/one.txt"
	pfx=$(cut -d' ' -f1 "$WORK/one.txt")
	"$PYTHON" "$here/trafgen_cfg.py" "$WORK/one.txt" 1 1 02:00:00:00:00:01 \
		02:00:00:00:00:10 >"$WORK/one.cfg" 2>/dev/null || exit 1
	if nsx rt "${V[@]}" apply "$WORK/router.conf" >"$WORK/apply.log" 2>&1; then
		nsx gen timeout 30 trafgen --cpp -q -P1 -i "$WORK/one.cfg" -o g0 >/dev/null 2>&1 &
		tg=$!
		sleep 1.5
		: >"$WORK/replace.txt"
		for i in 1 2 3 4 5 6; do
			if ((i % 2)); then dev=r2 sink=sink2 gw=fe80::2:1; else dev=r1 sink=sink1 gw=fe80::1:1; fi
			"$XDPCTL" zero "$PIN/$sink"
			t0=$("$XDPCTL" now)
			nsx rt "${V[@]}" route replace "$pfx" via inet6 "$gw" dev "$dev" || break
			t1=$("$XDPCTL" now)
			wait_for 2000 first_seen "$sink"
			first=$("$XDPCTL" count "$PIN/$sink" | cut -d' ' -f3)
			[ "$first" != 0 ] && echo "$(((first - t0) / 1000)) $(((t1 - t0) / 1000))" >>"$WORK/replace.txt"
			sleep 0.2
		done
		kill "$tg" 2>/dev/null
		wait "$tg" 2>/dev/null
		if [ -s "$WORK/replace.txt" ]; then
			cp_note route_replace_us "$(cut -d' ' -f1 "$WORK/replace.txt" | tr '\n' ' ')"
			cp_note route_replace_cmd_us "$(cut -d' ' -f2 "$WORK/replace.txt" | tr '\n' ' ')"
		else
			cp_note route_replace_us "n/a: no frame reached the new next hop within 2 s"
		fi
	else
		cp_note route_replace_us "n/a: v4via6 apply failed: $(tail -1 "$WORK/apply.log")"
	fi
	nsx rt "${V[@]}" detach --all >/dev/null 2>&1
fi

#
# 5. Report.
#
echo "load_end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$WORK/machine.txt"
echo "duration_s $(($(date +%s) - START))" >>"$WORK/machine.txt"
mkdir -p "$OUT"
stamp=$(date -u +%Y-%m-%d-%H%M)
step "report: $OUT/$stamp.json, $OUT/$stamp.png"
"$PYTHON" "$here/report.py" "$WORK" "$OUT/$stamp.json" "$WORK/plot.dat" || exit 1
gnuplot -e "datafile='$WORK/plot.dat'; outfile='$OUT/$stamp.png'" "$here/plot.gp" &&
	cp "$OUT/$stamp.png" "$OUT/latest.png"
