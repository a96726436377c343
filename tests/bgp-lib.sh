# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Routing daemons in the tests' namespaces, shared by tests/test-bird.sh and tests/test-bgp-ecmp.sh:
# BIRD 2 and FRR 8.4 started in a namespace (killed at cleanup), their control sockets, v4via6 sync
# beside them, and what v4via6 and the kernel hold for a prefix. Source it after lib.sh and
# seed-topology.sh, and set BGP_DIR to the test's temporary directory first: configurations,
# sockets, pid files and logs go there (NAME.conf for BIRD, frr-NAME/ for FRR, sync-NAME.log).

FRR=/usr/lib/frr

# bird_missing: why BIRD cannot run here (empty when it can); installs bird2 when it is absent
bird_missing() {
	command -v bird >/dev/null && command -v birdc >/dev/null && return 0
	apt-get install -y -q bird2 >/dev/null 2>&1 ||
		echo "bird2 is not installed and could not be installed (apt-get install bird2)"
}

# frr_missing: why FRR cannot run here (empty when it can)
frr_missing() {
	[ -x $FRR/bgpd ] && [ -x $FRR/zebra ] && command -v vtysh >/dev/null ||
		echo "FRR is not installed (apt-get install frr)"
}

# bird_start NS: BIRD in namespace NS with $BGP_DIR/NS.conf; control socket $BGP_DIR/NS.ctl
bird_start() {
	# nsenter execs bird (no subshell in between): the pid is bird's
	nsenter --net=/run/netns/"$(ns "$1")" bird -f -c "$BGP_DIR/$1.conf" -s "$BGP_DIR/$1.ctl" \
		-P "$BGP_DIR/$1.pid" 2>>"$BGP_DIR/$1.err" &
	LIB_PIDS+=($!)
}

# birdc_ NS ARGS...: a birdc command to the BIRD of NS
birdc_() { birdc -s "$BGP_DIR/$1.ctl" "${@:2}"; }

# bird_established NS PROTO: BIRD's BGP protocol PROTO in NS is Established
bird_established() { birdc_ "$1" show protocols "$2" | grep -q Established; }

# frr_start NS: zebra and bgpd in namespace NS, bgpd configured by $BGP_DIR/frr-NS/bgpd.conf
# (written before); vty sockets in $BGP_DIR/frr-NS
frr_start() {
	local d="$BGP_DIR/frr-$1" daemon
	# the daemons drop to user frr: their directory is frr's, and BGP_DIR must let frr in
	chmod 755 "$BGP_DIR"
	mkdir -p "$d"
	: >"$d/zebra.conf"
	chown -R frr:frr "$d"
	for daemon in zebra bgpd; do
		nsenter --net=/run/netns/"$(ns "$1")" $FRR/$daemon -u frr -g frr -f "$d/$daemon.conf" \
			-i "$d/$daemon.pid" -z "$d/zserv.api" --vty_socket "$d" \
			--log "file:$d/$daemon.log" >>"$d/$daemon.out" 2>&1 &
		LIB_PIDS+=($!)
		# bgpd connects to zebra's socket: zebra first
		[ $daemon = zebra ] && wait_for 5000 test -S "$d/zserv.api"
	done
	return 0
}

# vtysh_ NS CMD...: vtysh of the FRR in NS, one -c per CMD
vtysh_() {
	local n=$1 a=()
	shift
	for c in "$@"; do a+=(-c "$c"); done
	vtysh --vty_socket "$BGP_DIR/frr-$n" "${a[@]}"
}

# frr_established NS PEER: bgpd in NS has an Established IPv4 unicast session with PEER (an interface):
# the summary shows a prefix count in place of a state (Idle, Active, Connect...)
frr_established() {
	vtysh_ "$1" "show bgp ipv4 unicast summary" | awk -v p="$2" '$1 == p && $10 ~ /^[0-9]+$/ { ok = 1 }
		END { exit !ok }'
}

# sync_start NS: v4via6 sync in NS, its log in $BGP_DIR/sync-NS.log
sync_start() {
	nsenter --net=/run/netns/"$(ns "$1")" "$V4VIA6" sync 2>>"$BGP_DIR/sync-$1.log" &
	LIB_PIDS+=($!)
}

has_route() { v6 "$1" route show | grep -qxF "$2"; }
no_route() { ! v6 "$1" route show | grep -q "^$2 "; }

# kernel_paths NS PREFIX: the next hops of PREFIX in the kernel of NS, one "via inet6 ADDR dev DEV"
# per line, sorted; a route through a nexthop object or group shows them too (the kernel expands them
# with nexthop_compat_mode=1, the default)
kernel_paths() {
	ip -n "$(ns "$1")" -4 route show "$2" | via_dev | sort
}

# v6_paths NS PREFIX: the same for v4via6's route to PREFIX (`route show`), a route by nexthop id
# (`PREFIX nhid N`) followed through `nexthop show id N`, and a group's members (`group A,W/B`)
# through theirs
v6_paths() {
	local route id
	# route show prints an inline multipath route over several lines (its nexthops indented)
	route=$(v6 "$1" route show | awk -v p="$2" '/^[^ \t]/ { on = $1 == p } on')
	id=$(sed -n 's/.*nhid \([0-9]*\).*/\1/p' <<<"$route")
	if [ -n "$id" ]; then
		v6_nexthop_paths "$1" "$id"
	else
		via_dev <<<"$route"
	fi | sort
}

# v6_nexthop_paths NS ID: the next hops of v4via6's nexthop object ID (a group's members' too)
v6_nexthop_paths() {
	local obj m
	obj=$(v6 "$1" nexthop show id "$2" | grep "^id $2 ")
	if grep -q ' group ' <<<"$obj"; then
		for m in $(sed 's/.* group \([^ ]*\).*/\1/; s/,[0-9]*//g; s|/| |g' <<<"$obj"); do
			v6 "$1" nexthop show id "$m" | grep "^id $m " | via_dev
		done
	else
		via_dev <<<"$obj"
	fi
}

# via_dev: the "via [inet6] ADDR dev DEV" pairs of its input, one per line, spelt "via inet6 ADDR dev
# DEV" (`ip nexthop` and `nexthop show` print no family)
via_dev() { grep -o 'via \(inet6 \)\?[^ ]* dev [^ ]*' | sed 's/^via \(inet6 \)\?/via inet6 /'; }

# kernel_has_paths|v6_has_paths NS PREFIX WANT: the kernel's or v4via6's paths to PREFIX are
# exactly WANT (lines as above, in any order)
kernel_has_paths() { [ "$(kernel_paths "$1" "$2")" = "$(sort <<<"$3")" ]; }
v6_has_paths() { [ "$(v6_paths "$1" "$2")" = "$(sort <<<"$3")" ]; }
