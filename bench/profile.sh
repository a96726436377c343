#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/profile.sh ROUTES [PATTERN...]: where v4via6's live cost per packet goes.
#
# The live set-up of make bench (trafgen -> router -> sink over veth, in
# namespaces made here), v4via6 on the router with the first ROUTES routes of
# bench/routegen's table. For each PATTERN, while trafgen sends it:
#   runtime  the program's run_time_ns / run_cnt (kernel.bpf_stats_enabled=1
#            during the window only; the previous value comes back), and the pps
#            at the sink; PROFILE_RUNS windows, each alone, the median last;
#   stat     perf stat -a of the hardware events (those this machine lacks are
#            named) and of a few software ones, per packet;
#   record   perf record -a -g, then the top 20 symbols (perf report
#            --no-children --sort sym) and the program's share of the CPU time;
#   bpftool  bpftool prog profile of the live program (per-run figures).
# PATTERN (the frames trafgen sends in turn, 64-byte UDP):
#   spread        4096 destinations spread over the ROUTES routes, as make bench
#   stride:S:F    F destinations, the i-th in the /24 number i*S counted from
#                 1.0.0.0/24, so S (in /24s) sets how far apart their tbl24
#                 entries lie (4 bytes each: S=16 is one cache line apart, S=1024
#                 one 4 KiB page apart, S=0 all the same entry); a route
#                 0.0.0.0/1 is loaded after the ROUTES routes so that each has one.
# Knobs (environment): PROFILE_SECONDS (5), PROFILE_RUNS (3), PROFILE_TOOLS
# ("runtime stat record bpftool"), BUILD, PYTHON. Root. Reports; never fails on
# a figure. A line "profile: ..." per pattern sums it up.
set -u
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$here/../build}
PYTHON=${PYTHON:-/usr/bin/python3}
SECS=${PROFILE_SECONDS:-5}
RUNS=${PROFILE_RUNS:-3}
TOOLS=${PROFILE_TOOLS:-runtime stat record bpftool}
HW_EVENTS=cycles,instructions,cache-misses,LLC-load-misses,dTLB-load-misses,dTLB-loads,iTLB-load-misses
SW_EVENTS=cpu-clock,context-switches,page-faults

usage() {
	echo "usage: profile.sh ROUTES [spread | stride:S:F]..." >&2
	exit 2
}
[ $# -ge 1 ] && [[ $1 =~ ^[1-9][0-9]*$ ]] || usage
N=$1
shift
PATTERNS=("${@:-spread}")
stride=0
for p in "${PATTERNS[@]}"; do
	case $p in
	spread) ;;
	stride:*)
		[[ $p =~ ^stride:([0-9]+):([1-9][0-9]*)$ ]] || usage
		# the /24s of 1.0.0.0 to 126.255.255.255: no martian destination
		if ((BASH_REMATCH[1] * (BASH_REMATCH[2] - 1) >= 126 * 65536)); then
			echo "v4via6-profile: $p: the destinations go past 126.255.255.255" >&2
			exit 2
		fi
		stride=1
		;;
	*) usage ;;
	esac
done
# shellcheck source=lib-live.sh
source "$here/lib-live.sh" # check_needs, R0_MAC, GW1, GW2, gw_args, neighs
check_needs v4via6-profile "xdpctl routegen" "trafgen bpftool perf"

# shellcheck source=../tests/lib.sh
source "$here/../tests/lib.sh"
live_workspace profile "${PROFILE_KEEP:-}"
STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
on_cleanup "sysctl -qw kernel.bpf_stats_enabled=$STATS_WAS"
XDPCTL=$BUILD/xdpctl

# The world: gen -(g0 r0)- rt -(r1 s1)- snk, as in bench/run.sh; the router has
# no IPv4 address and its kernel FIB no route (every packet has a neighbour in
# v4via6's map, so the program never asks the FIB).
add_ns gen rt snk || exit 1
link gen g0 rt r0 02:00:00:00:00:10 "$R0_MAC" &&
	link rt r1 snk s1 02:00:00:00:00:02 02:00:00:00:00:21 || exit 1
nsx rt sysctl -qw net.ipv4.ip_forward=1
neighs rt r1 fe80::1: "$R0_MAC" || exit 1
"$BUILD/routegen" "$N" >"$WORK/routes.txt" || exit 1
count=$N
if [ $stride = 1 ]; then
	echo "0.0.0.0/1 0" >>"$WORK/routes.txt"
	count=$((N + 1))
fi
echo "table: $count routes, $(awk '{ split($1, a, "/"); if (a[2] > 24) n++ } END { print n + 0 }' \
	"$WORK/routes.txt") of them longer than /24"
"$XDPCTL" load sink "$PIN/sink" && nsx snk "$XDPCTL" attach "$PIN/sink" s1 || exit 1
t0=$(date +%s.%N)
# shellcheck disable=SC2046
nsx rt "$XDPCTL" load v4via6 "$PIN/v4via6" --routes "$WORK/routes.txt" --count "$count" \
	--out r1 --in r0 $(gw_args "${GW1[@]}") || exit 1
nsx rt "$XDPCTL" attach "$PIN/v4via6" r0 || exit 1
echo "v4via6 loaded with $count routes in $(awk -v a="$t0" -v b="$(date +%s.%N)" \
	'BEGIN { printf "%.1f", b - a }') s"
PROG_ID=$(bpftool prog show pinned "$PIN/v4via6/prog" | sed -n '1s/^\([0-9]*\):.*/\1/p')
PROG_TAG=$(bpftool prog show pinned "$PIN/v4via6/prog" | sed -n '1s/.* tag \([0-9a-f]*\).*/\1/p')
echo "program id $PROG_ID tag $PROG_TAG (bpftool prog dump jited id $PROG_ID: the JIT image)"

sink_packets() { "$XDPCTL" count "$PIN/sink" | cut -d' ' -f1; }
# "run_time_ns run_cnt" of the live program (0 0 while the statistics are off)
prog_runtime() {
	bpftool prog show id "$PROG_ID" |
		sed -n 's/.*run_time_ns \([0-9]*\) run_cnt \([0-9]*\).*/\1 \2/p' | grep . || echo 0 0
}
median() { tr ' ' '\n' | grep '^[0-9]' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
per() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b ? "%.1f" : "n/a"), b ? a / b : 0 }'; }

# dests_cfg PATTERN: the trafgen file of PATTERN, and its destinations' /24s in $WORK/dests.txt
dests_cfg() {
	local s f
	case $1 in
	spread) "$PYTHON" "$here/trafgen_cfg.py" "$WORK/routes.txt" "$N" 4096 "$R0_MAC" \
		02:00:00:00:00:10 >"$WORK/traffic.cfg" || return 1 ;;
	stride:*)
		s=${1#stride:} f=${s#*:} s=${s%%:*}
		awk -v s="$s" -v f="$f" 'BEGIN { for (i = 0; i < f; i++) { x = 65536 + i * s;
			printf "%d.%d.%d.0/24 0\n", x / 65536, x / 256 % 256, x % 256 } }' >"$WORK/stride.txt"
		"$PYTHON" "$here/trafgen_cfg.py" "$WORK/stride.txt" "$f" "$f" "$R0_MAC" \
			02:00:00:00:00:10 >"$WORK/traffic.cfg" || return 1
		;;
	esac
	# bytes 30..32 of each frame: the IPv4 destination's top 24 bits, its tbl24 index
	"$PYTHON" -c 'import sys
for l in sys.stdin:
    b = [int(x, 16) for x in l.strip("{} \n").split(",")]
    print(b[30] << 16 | b[31] << 8 | b[32])' <"$WORK/traffic.cfg" >"$WORK/dests.txt"
}

# tbl8_share: how many of the distinct destination /24s hold routes longer than
# /24 (their tbl24 entry names a tbl8 block: V4VIA6_T24_TBL8, bit 31), i.e. how
# many of them read tbl8 too. A tbl24 key is a /16, its value the 256 entries
# of its /24s (4 bytes each, little-endian here).
tbl8_share() {
	sort -un "$WORK/dests.txt" >"$WORK/dests.uniq"
	awk -v pin="$PIN/v4via6/tbl24" '{ printf "map lookup pinned %s key 0x%02x 0x%02x 0 0\n",
		pin, int($1 / 256) % 256, int($1 / 65536) % 256 }' "$WORK/dests.uniq" >"$WORK/lookups.batch"
	bpftool -j batch file "$WORK/lookups.batch" 2>/dev/null | "$PYTHON" -c 'import json, sys
dests = [int(l) for l in open(sys.argv[1])]
out = json.load(sys.stdin)
n = sum(int(r["output"]["value"][(d % 256) * 4 + 3], 16) >> 7 for d, r in zip(dests, out))
print("%d of %d" % (n, len(out)))' "$WORK/dests.uniq"
}

TG=
start_traffic() {
	local try c0
	for try in 1 2 3; do
		nsx gen timeout $((SECS * (RUNS + 4) + 20)) trafgen --cpp -q -P1 -i "$WORK/traffic.cfg" \
			-o g0 >>"$WORK/trafgen.log" 2>&1 &
		TG=$!
		LIB_PIDS+=("$TG")
		sleep 1.5 # trafgen's start (cpp, ring setup), and the first frames
		c0=$(sink_packets)
		sleep 0.5
		[ "$(sink_packets)" != "$c0" ] && return 0
		# seen: trafgen's first runs after the veths came up sent nothing
		echo "  trafgen sends nothing (try $try of 3): $(tail -1 "$WORK/trafgen.log")" >&2
		stop_traffic
	done
	return 1
}
stop_traffic() {
	kill "$TG" 2>/dev/null
	wait "$TG" 2>/dev/null
}

# window_runtime: "ns_per_run pps" over SECS seconds
window_runtime() {
	local r0 n0 r1 n1 c0 c1 t0 t1
	sysctl -qw kernel.bpf_stats_enabled=1
	read -r r0 n0 <<<"$(prog_runtime)"
	c0=$(sink_packets) t0=$("$XDPCTL" now)
	sleep "$SECS"
	read -r r1 n1 <<<"$(prog_runtime)"
	c1=$(sink_packets) t1=$("$XDPCTL" now)
	sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS"
	echo "$(per $((r1 - r0)) $((n1 - n0))) $(((c1 - c0) * 1000000000 / (t1 - t0)))"
}

# window_stat: perf stat -a, per packet forwarded in the window
window_stat() {
	local c0 c1 pk
	c0=$(sink_packets)
	perf stat -a -x, -e "$HW_EVENTS,$SW_EVENTS" -o "$WORK/stat.csv" -- sleep "$SECS" 2>/dev/null
	c1=$(sink_packets)
	pk=$((c1 - c0))
	echo "  perf stat -a, $SECS s, $pk packets at the sink:"
	awk -F, -v pk="$pk" '/^[^#]/ && NF > 2 {
		if ($1 ~ /not (supported|counted)/) { miss = miss " " $3; next }
		v = $1; u = ""
		if ($2 == "msec") { v *= 1e6; u = " ns" }
		printf "    %-18s %14s %-5s %12.3f%s per packet\n", $3, $1, $2, pk ? v / pk : 0, u }
		END { if (miss != "") print "    not available here:" miss }' "$WORK/stat.csv"
	if ! grep -q '^[0-9].*,cycles' "$WORK/stat.csv" && dmesg 2>/dev/null | grep -q 'PMU not available'; then
		echo "    (dmesg: $(dmesg | grep -m1 -o 'PMU not available.*'))"
	fi
}

# window_record: perf record -a -g; the top 20 symbols and the program's share
window_record() {
	local c0 c1 pk share
	c0=$(sink_packets)
	perf record -q -a -g -o "$WORK/perf.data" -- sleep "$SECS" >/dev/null 2>&1
	c1=$(sink_packets)
	pk=$((c1 - c0))
	perf report -i "$WORK/perf.data" --no-children --sort sym --stdio -g none 2>/dev/null |
		grep -v '^#' | grep . >"$WORK/report.txt"
	echo "  perf record -a -g, $SECS s ($(perf evlist -i "$WORK/perf.data" 2>/dev/null | head -1)" \
		"sampling), $pk packets; top 20 (--no-children --sort sym):"
	head -20 "$WORK/report.txt" | sed 's/^/    /'
	# the machine is shared: the packet path alone (the softirqs run in trafgen's context)
	echo "  the same, the packet path only (comms trafgen, ksoftirqd/*; % of their samples):"
	perf report -i "$WORK/perf.data" --no-children --sort sym --stdio -g none --percentage relative \
		--comms "trafgen$(printf ',ksoftirqd/%d' $(seq 0 $(($(nproc) - 1))))" 2>/dev/null |
		grep -v '^#' | grep . | head -20 | sed 's/^/    /'
	# of all the CPU time (2 CPUs x SECS, idle included): the program's part, per packet
	share=$(awk -v re="bpf_prog_${PROG_TAG}_v4via6_xdp" '$0 ~ re { sub("%", "", $1); s += $1 } END { print s + 0 }' \
		"$WORK/report.txt")
	echo "  the program (bpf_prog_${PROG_TAG}_v4via6_xdp; others of that tag too): $share% of the CPU time," \
		"$(awk -v s="$share" -v c="$(nproc)" -v t="$SECS" -v p="$pk" \
			'BEGIN { printf (p ? "%.0f" : "n/a"), p ? s / 100 * c * t * 1e9 / p : 0 }') ns per packet"
	echo "$share" >"$WORK/share"
	# where in the program: a stalled load's samples land on the instruction after it
	echo "  its hottest instructions (offsets in the JIT image; % of the program's samples):"
	perf script -i "$WORK/perf.data" -F ip,sym,symoff -G 2>/dev/null |
		grep -o "bpf_prog_${PROG_TAG}_v4via6_xdp+0x[0-9a-f]*" | sed 's/.*+/+/' | sort | uniq -c |
		sort -rn | awk '{ c[NR] = $1; o[NR] = $2; t += $1 } END {
			for (i = 1; i <= 5 && i <= NR; i++) printf "    %s %.1f%%\n", o[i], 100 * c[i] / t }'
}

window_bpftool() {
	local out
	echo "  bpftool prog profile id $PROG_ID duration $SECS cycles instructions llc_misses itlb_misses dtlb_misses:"
	if out=$(bpftool prog profile id "$PROG_ID" duration "$SECS" cycles instructions llc_misses \
		itlb_misses dtlb_misses 2>&1); then
		echo "$out" | grep . | sed 's/^/    /'
	else
		echo "    failed: $(echo "$out" | grep . | tail -1)"
	fi
}

for p in "${PATTERNS[@]}"; do
	dests_cfg "$p" || exit 1
	echo "== $count routes, traffic $p: $(sort -u "$WORK/dests.txt" | wc -l) distinct /24s," \
		"$(awk '{ print int($1 / 1024) }' "$WORK/dests.txt" | sort -u | wc -l) distinct tbl24 pages;" \
		"through tbl8 for $(tbl8_share) of them"
	start_traffic || { echo "v4via6-profile: trafgen sent nothing" >&2; exit 1; }
	rts=() pps=()
	share=n/a
	for tool in $TOOLS; do
		case $tool in
		runtime)
			for ((r = 1; r <= RUNS; r++)); do
				read -r ns rate <<<"$(window_runtime)"
				echo "  run $r: $ns ns/run, $rate pps at the sink"
				rts+=("$ns") pps+=("$rate")
			done
			;;
		stat) window_stat ;;
		record) window_record && share=$(cat "$WORK/share")% ;;
		bpftool) window_bpftool ;;
		esac
	done
	stop_traffic
	echo "profile: routes $count traffic $p ns_per_run_median $(echo "${rts[*]:-}" | median)" \
		"runs ${rts[*]:-n/a} pps_median $(echo "${pps[*]:-}" | median) prog_cpu_share $share"
done
