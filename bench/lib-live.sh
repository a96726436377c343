# SPDX-License-Identifier: GPL-2.0-only
# Shared by bench/run.sh and bench/profile.sh: what they need to run (check_needs,
# before anything is made) and the live set-up's next hops and their neighbours.

# check_needs WHO "BINARIES" "TOOLS": root, the binaries built in $BUILD and the
# tools installed, or a message naming what is missing and exit 1
check_needs() {
	local who=$1 b t
	if [ "$(id -u)" != 0 ]; then
		echo "$who: must run as root (loads BPF programs, creates namespaces)" >&2
		exit 1
	fi
	for b in $2; do
		if [ ! -x "$BUILD/$b" ]; then
			echo "$who: $BUILD/$b: missing (make BUILD=$BUILD first)" >&2
			exit 1
		fi
	done
	for t in $3; do
		command -v "$t" >/dev/null || { echo "$who: $t: not installed (make deps)" >&2; exit 1; }
	done
}

# live_workspace NAME KEEP (after tests/lib.sh): lib_init NAME, a work dir WORK (left in
# place when KEEP is not empty) and a pin dir PIN, both removed on exit
live_workspace() {
	lib_init "$1"
	WORK=$(mktemp -d "/tmp/v4via6-$1.XXXXXX")
	PIN=/sys/fs/bpf/v4via6-$1-$$
	mkdir -p "$PIN"
	[ -n "$2" ] || on_cleanup "rm -rf '$WORK'"
	on_cleanup "rm -rf '$PIN'"
}

# Gateways: four IPv6 link-local next hops on r1 and four on r2 (the sink
# counts whatever arrives, whatever its destination MAC). r1's gateways all
# have r0's MAC, for test_run's sake: it keeps a frame's changes from one
# repeat to the next, and v4via6 passes a frame that is not addressed to the
# ingress interface's MAC, so with any other MAC every repeat after the first
# would measure that early exit (progcost counts the verdicts and says so).
R0_MAC=02:00:00:00:00:01
GW1=() GW2=()
for k in 1 2 3 4; do
	GW1+=("fe80::1:$k,$R0_MAC")
	GW2+=("fe80::2:$k,02:00:00:00:02:0$k")
done
gw_args() { local g; for g in "$@"; do printf -- '--gw %s ' "$g"; done; }

# neighs NS DEV GWPREFIX MAC: permanent IPv6 neighbours for the four gateways;
# a MAC ending in ':0' gets the gateway's number appended
neighs() {
	local k mac
	for k in 1 2 3 4; do
		mac=$4
		[[ $mac == *:0 ]] && mac=$mac$k
		ip -n "$(ns "$1")" -6 neigh replace "$3$k" lladdr "$mac" dev "$2" nud permanent || return 1
	done
}
