#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make demo: the seed's scenario in three namespaces, forwarded by v4via6.
#   host A (10.0.8.42) -- router (IPv6 link-local only, no IPv4 address) -- host B (10.0.8.3)
# Shows each command before running it; removes everything it made on every exit,
# Ctrl-C included (tests/lib.sh's trap).
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/seed-topology.sh"
lib_init demo

if [ "$(id -u)" != 0 ]; then
	echo "demo: must run as root (it creates namespaces and loads an XDP program)" >&2
	exit 1
fi
if [ ! -x "$V4VIA6" ]; then
	echo "demo: $V4VIA6 not found; run make first" >&2
	exit 1
fi
V4VIA6=$(cd "$(dirname "$V4VIA6")" && pwd)/$(basename "$V4VIA6")

# bold step titles on a terminal, plain text in a log
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
# run CMD...: show the command, run it, stop the demo if it fails
run() {
	printf '$ %s\n' "$*"
	"$@" || {
		echo "demo: the command above failed (exit $?)" >&2
		exit 1
	}
}

A=$(ns a) R=$(ns r) B=$(ns b)

step "Three namespaces: $A (host A), $R (router), $B (host B)"
seed_topology || {
	echo "demo: could not build the namespaces" >&2
	exit 1
}
forget_pins r
on_cleanup "ip netns exec '$R' '$V4VIA6' detach --all"
run ip -n "$A" -4 route show
run ip -n "$R" addr show r0
run ip -n "$R" -4 route show
echo "(the router has no IPv4 address; its IPv4 routes point to IPv6 link-local next hops)"

step "The kernel forwards by itself (the slow path)"
run ip netns exec "$A" ping -c 2 -i 0.2 "$B_IP"

step "Attach v4via6 to the router's two interfaces"
run ip netns exec "$R" "$V4VIA6" attach r0 r1
run ip netns exec "$R" "$V4VIA6" status

step "Give v4via6 the same routes, and the next hops' MACs"
run ip netns exec "$R" "$V4VIA6" route add "$B_IP/32" via inet6 "$B_LL" dev r1
run ip netns exec "$R" "$V4VIA6" route add "$A_IP/32" via inet6 "$A_LL" dev r0
run ip netns exec "$R" "$V4VIA6" neigh add "$B_LL" lladdr "$B_MAC" dev r1
echo "(A's neighbour is left to the kernel: the program asks it with bpf_fib_lookup)"
run ip netns exec "$R" "$V4VIA6" route show
run ip netns exec "$R" "$V4VIA6" neigh show

step "Counters before"
run ip netns exec "$R" "$V4VIA6" stats
before=$(snap r)

step "Ping A -> B, now through XDP"
run ip netns exec "$A" ping -c 5 -i 0.2 "$B_IP"

step "Counters after: fwd_packets moved, the kernel's IpForwDatagrams did not"
run ip netns exec "$R" "$V4VIA6" stats
after=$(snap r)
count() { awk -v k="$1" '$1 == k { print $2 }'; }
echo
echo "forwarded by XDP (v4via6 fwd_packets):    $(count fwd_packets <<<"$before") -> $(count fwd_packets <<<"$after")"
echo "forwarded by the kernel (IpForwDatagrams): $(count IpForwDatagrams <<<"$before") -> $(count IpForwDatagrams <<<"$after")"

step "Detach and remove everything"
run ip netns exec "$R" "$V4VIA6" detach --all
echo "(the namespaces go when the demo exits)"
