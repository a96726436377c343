#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Crash consistency (issue 8): `v4via6 apply` of 1M routes replacing 1M routes
# (every one to another next hop), killed at random points of its run (spread
# over the time a whole replacing apply takes), kill -9
# and SIGINT (and SIGTERM) in turn. After each kill, the tables may be left
# dirty (`status` must then say so), the next command (`route show 10.0.0.0/8`, or
# `route check`, which must find nothing left to repair) must repair them and
# mark them clean, and then an independent audit of all 2^24
# /24 entries and the tbl8 blocks (tests/audit_fib24.c: the trie dumped,
# painted shortest first, compared with tbl24, tbl8 and its owners, the
# nexthops slots, their counts and MACs) must find no difference. One line in
# 20 of routegen's table is a route longer than /24 (/25../32, four to a /24:
# 12,500 tbl8 blocks at 1M routes), so that the kills land in tbl8 block
# writes too. At the
# end, apply runs whole and `route check` finds nothing to repair.
#   CRASH_ROUTES=N CRASH_KILLS=K tests/test-crash.sh
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/seed-topology.sh"
lib_init crash

ROUTES=${CRASH_ROUTES:-1000000}
KILLS=${CRASH_KILLS:-8}
AUDIT=${BUILD:-build}/audit_fib24
ROUTEGEN=${BUILD:-build}/routegen
for b in "$AUDIT" "$ROUTEGEN"; do
	if [ ! -x "$b" ]; then
		skip setup "$b not built (make binaries)"
		exit 0
	fi
done

T=$(mktemp -d /tmp/v4via6-crash.XXXXXX)
on_cleanup "rm -rf '$T'"
if ! add_ns r x >"$T/topo" 2>&1 || ! link r r0 x x0 >>"$T/topo" 2>&1; then
	fail topology "could not make the namespace" "$(cat "$T/topo")"
	exit 1
fi
forget_pins r
PIN=$(pin_dir_of r)

# two files with the same prefixes, each route via another next hop; routes
# longer than /24 one line in 20 (routegen's default), nested in its /24s
"$ROUTEGEN" "$ROUTES" 4 20 >"$T/routes" || exit 1
for f in a b; do
	base=$([ $f = a ] && echo 1 || echo 11)
	{
		echo "attach r0"
		awk -v b="$base" '{ printf "route %s via inet6 fe80::%d dev r0\n", $1, $2 + b }' "$T/routes"
	} >"$T/$f.conf"
done

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# audit NAME: every /24 against the trie; fails NAME when one differs
audit() {
	local out
	if ! out=$("$AUDIT" "$PIN" 2>&1); then
		fail "$1" "tbl24 differs from the trie" "$out"
		return 1
	fi
}

t=apply_whole
start=$(now_ms)
if ! out=$(v6 r apply "$T/a.conf" 2>&1); then
	fail $t "apply of $ROUTES routes failed" "$out"
	exit 1
fi
audit $t && pass "$t ($ROUTES routes in $(($(now_ms) - start)) ms)"

# replacing every route takes longer than adding them (here, twice as long):
# the kill points are spread over the time of a replacing apply
t=apply_replace
start=$(now_ms)
if ! out=$(v6 r apply "$T/b.conf" 2>&1); then
	fail $t "apply of $ROUTES routes failed" "$out"
	exit 1
fi
whole=$(($(now_ms) - start))
audit $t && pass "$t ($ROUTES routes in $whole ms)"

# kill point k of KILLS: a random moment inside the k-th slice of the run
t=kill_apply
sigs=(KILL INT KILL TERM)
dirty=0 finished=0 bad=0 repair_ms=
cur=a
for ((k = 0; k < KILLS; k++)); do
	sig=${sigs[k % ${#sigs[@]}]}
	at=$((whole * k / KILLS + RANDOM % (whole / KILLS + 1)))
	# a background job of a script ignores SIGINT unless told otherwise; not
	# through a shell function, which would be a subshell: $! must be v4via6
	nsenter --net=/run/netns/"$(ns r)" env --default-signal=INT "$V4VIA6" apply "$T/$cur.conf" \
		>"$T/apply.out" 2>&1 &
	pid=$!
	sleep "$(printf '%d.%03d' $((at / 1000)) $((at % 1000)))"
	kill -s "$sig" "$pid" 2>/dev/null
	{ wait "$pid"; } 2>/dev/null # not the shell's "Killed" line
	rc=$?
	[ $rc = 0 ] && finished=$((finished + 1))
	# dirty or not: the state word, slot 0 of nexthops (FIB24_DIRTY, "drty");
	# status (which reads the whole trie) is asked the first time it is dirty
	word=$(bpftool map lookup pinned "$PIN/nexthops" key 0 0 0 0 2>&1 | grep -o '"used": [0-9]*')
	state=clean
	if [ "${word#\"used\": }" = $((0x64727479)) ]; then
		state=dirty
		dirty=$((dirty + 1))
		if ((dirty == 1)) && ! v6 r status 2>&1 |
			grep -q '^tables: dirty (a writer was interrupted; the next command repairs it)$'; then
			fail $t "status does not say the tables are dirty" "$(v6 r status 2>&1)"
			bad=1
			break
		fi
		if ((dirty == 1)) && ! v6 r -j status 2>&1 | grep -q '"tables":"dirty"'; then
			fail $t "status -j does not say the tables are dirty" "$(v6 r -j status 2>&1)"
			bad=1
			break
		fi
	elif [ -z "$word" ]; then
		fail $t "cannot read the state word with bpftool" "$(bpftool map lookup pinned "$PIN/nexthops" key 0 0 0 0 2>&1)"
		bad=1
		break
	fi
	# the next command repairs: route show, or route check
	start=$(now_ms)
	if ((k % 2)); then
		out=$(v6 r route check 2>&1)
	else
		out=$(v6 r route show 10.0.0.0/8 2>&1) || out="route show failed: $out"
	fi
	[ $state = dirty ] && repair_ms="$repair_ms $(($(now_ms) - start))"
	if grep -q "differ\|failed" <<<"$out"; then
		fail $t "kill $k (SIG$sig at $at ms, rc $rc): the next command did not find the tables repaired" "$out"
		bad=1
		break
	fi
	# the audit also fails when the tables are still marked dirty
	if ! audit "$t"; then
		echo "    (kill $k: SIG$sig at $at ms of $whole, apply exit status $rc)"
		bad=1
		break
	fi
	[ $rc = 0 ] && cur=$([ $cur = a ] && echo b || echo a)
done
if ((!bad)); then
	pass "$t ($KILLS kills; $dirty left the tables dirty, $finished came after apply ended; repairs took${repair_ms:- -} ms)"
	if ((dirty == 0)); then
		skip kill_apply_dirty "no kill landed while apply was writing (machine too slow or too fast?)"
	fi
fi

t=apply_after_kills
if ! out=$(v6 r apply "$T/$cur.conf" 2>&1); then
	fail $t "apply failed" "$out"
elif audit $t; then
	if ! out=$(v6 r route check 2>&1); then
		fail $t "route check found the tables wrong" "$out"
	elif ! v6 r status 2>&1 | grep -q '^tables: clean$'; then
		fail $t "status does not say clean" "$(v6 r status 2>&1)"
	else
		pass $t
	fi
fi
v6 r detach --all >/dev/null 2>&1
exit $((LIB_FAILS > 0))
