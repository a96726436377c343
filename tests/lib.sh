# SPDX-License-Identifier: GPL-2.0-only
# Shared by the shell tests and the demo: namespaces and veth pairs made by the
# test and removed by a trap on every exit path, and one PASS/FAIL/SKIP line
# per test. Source it; call `lib_init NAME` first.
#
# Namespaces are named "<prefix>-<name>" with a prefix unique to the run, so
# that a leftover from a killed run never collides with the next one. Nothing
# made here is linked to the host's interfaces.

V4VIA6=${V4VIA6:-${BUILD:-build}/v4via6}
PYTHON=${PYTHON:-/usr/bin/python3}
LIB_NS=()
LIB_PIDS=()
LIB_CLEANUP=()
LIB_FAILS=0

lib_init() {
	LIB_PREFIX="v6t$$"
	LIB_NAME=$1
	trap lib_cleanup EXIT
	trap 'exit 130' INT TERM
	mkdir -p /sys/fs/bpf 2>/dev/null
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
}

# ns NAME: the full name of a namespace of this run
ns() { echo "$LIB_PREFIX-$1"; }

# add_ns NAME...: create namespaces with lo up
add_ns() {
	local n
	for n in "$@"; do
		ip netns add "$(ns "$n")" || return 1
		LIB_NS+=("$(ns "$n")")
		ip -n "$(ns "$n")" link set lo up
	done
}

# nsx NAME cmd...: run cmd in the namespace, keeping our mounts (pins stay visible)
nsx() {
	local n=$1
	shift
	nsenter --net=/run/netns/"$(ns "$n")" "$@"
}

# link NS1 IF1 NS2 IF2 [MAC1 MAC2]: a veth pair between two namespaces, both ends up
link() {
	ip link add "$2" netns "$(ns "$1")" ${5:+address $5} type veth \
		peer name "$4" netns "$(ns "$3")" ${6:+address $6} || return 1
	ip -n "$(ns "$1")" link set "$2" up
	ip -n "$(ns "$3")" link set "$4" up
}

# bg cmd...: start a background process killed at cleanup
bg() {
	"$@" &
	LIB_PIDS+=($!)
}

# on_cleanup cmd: run cmd (a string) at cleanup, before namespaces go
on_cleanup() { LIB_CLEANUP+=("$1"); }

lib_cleanup() {
	local rc=$? i p n
	for ((i = ${#LIB_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${LIB_CLEANUP[$i]}" >/dev/null 2>&1
	done
	for p in "${LIB_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for n in "${LIB_NS[@]}"; do
		# processes left in the namespace (daemons) go with it
		ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	return $rc
}

pass() { echo "PASS $LIB_NAME/$1"; }
skip() { echo "SKIP $LIB_NAME/$1: $2"; }
# fail NAME WHY [OUTPUT]: output is printed indented under the line
fail() {
	echo "FAIL $LIB_NAME/$1: $2"
	[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/    /'
	LIB_FAILS=$((LIB_FAILS + 1))
	return 0
}

# check NAME cmd...: PASS when cmd succeeds, FAIL with its output otherwise
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "command failed: $*" "$out"; fi
}

# wait_for TIMEOUT_MS cmd...: poll cmd every 10 ms until it succeeds or TIMEOUT_MS
# of wall-clock time have passed (a slow cmd does not stretch the timeout)
wait_for() {
	local t=$1 end
	shift
	end=$(($(date +%s%N) / 1000000 + t))
	while (($(date +%s%N) / 1000000 < end)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.01
	done
	"$@" >/dev/null 2>&1
}
