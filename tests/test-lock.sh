#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The state lock: writing commands run one at a time, each as a whole. Two applies at once end
# as one of the files (issue 8, defect 4), random pairs of writing commands run at once end in
# the state of one of their two serial orders, a busy sync does not starve the commands, a
# waiting command says whom it waits for, a killed holder frees the lock, readers and other pin
# dirs never wait.
#   tests/test-lock.sh [--seed N] [--pairs N]
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
lib_init lock

SEED=$RANDOM
PAIRS=30
while [ $# -gt 0 ]; do
	case $1 in
	--seed) SEED=$2 && shift ;;
	--pairs) PAIRS=$2 && shift ;;
	*) echo "usage: $0 [--seed N] [--pairs N]" >&2 && exit 2 ;;
	esac
	shift
done

T=$(mktemp -d /tmp/v4via6-lock.XXXXXX)
on_cleanup "rm -rf '$T'"

# the router r, its interfaces r0..r3 linked to p0..p3 in p
if ! { add_ns r p && for i in 0 1 2 3; do link r r$i p p$i || exit 1; done; }; then
	fail topology "could not build the namespaces"
	exit 1
fi
PIN=/sys/fs/bpf/v4via6-$(ns r)
OTHER=/sys/fs/bpf/v4via6-$(ns r)-other
LOCK=/run/v4via6/sys_fs_bpf_v4via6-$(ns r).lock
on_cleanup "rm -rf '$PIN' '$OTHER' '$LOCK' /run/v4via6/sys_fs_bpf_v4via6-$(ns r)-other.lock; rmdir /sys/fs/bpf/xdp"
on_cleanup "nsx r '$V4VIA6' detach --all"

v6() { nsx r "$V4VIA6" "$@"; }
# v6t ARGS...: the same, failing after 5 s rather than waiting for ever
v6t() { timeout 5 nsenter --net=/run/netns/"$(ns r)" "$V4VIA6" "$@"; }

# routes the kernel has, for sync --once: one via an interface of the base file, one via r2. No
# neighbour entries: sync asks the kernel to resolve its next hops, which nobody answers here, so
# that sync's result never depends on how far a resolution has gone.
if ! { ip -n "$(ns r)" route add 10.50.0.0/16 via inet6 fe80::5:1 dev r0 &&
	ip -n "$(ns r)" route add 10.51.0.0/16 via inet6 fe80::5:2 dev r2; }; then
	fail topology "could not add the kernel's routes"
	exit 1
fi

# conf FILE TAG IF1 IF2 N: attach IF1 and IF2, N /32 routes via them, a /16, their neighbours
conf() {
	awk -v tag="$2" -v i1="$3" -v i2="$4" -v n="$5" 'BEGIN {
		printf "attach %s\nattach %s\n", i1, i2
		for (k = 0; k < n; k++)
			printf "route 10.%d.%d.%d/32 via inet6 fe80::%d:%d dev %s\n", tag, int(k / 256) % 256,
				k % 256, tag, k % 2 + 1, k % 2 ? i2 : i1
		printf "route 10.100.0.0/16 via inet6 fe80::%d:1 dev %s\n", tag, i2
		printf "neigh fe80::%d:1 lladdr 02:00:00:00:%02d:01 dev %s\n", tag, tag, i1
		printf "neigh fe80::%d:2 lladdr 02:00:00:00:%02d:02 dev %s\n", tag, tag, i2
	}' >"$1"
}
conf "$T/base.conf" 1 r0 r1 300
conf "$T/a.conf" 2 r0 r1 3000
conf "$T/b.conf" 3 r2 r3 3000
conf "$T/c.conf" 4 r1 r2 1000
conf "$T/big-a.conf" 5 r0 r1 20000
conf "$T/big-b.conf" 6 r2 r3 20000

# state: what the writers change, in a stable form (program ids, which change at each load, left out)
state() {
	echo "# routes"
	v6 -j route show 2>&1
	echo "# neighbours"
	v6 -j neigh show 2>&1
	echo "# status"
	v6 status 2>&1 | sed -e 's/^program: .* id [0-9]*$/program: loaded/' -e '/^sync:/d'
	echo "# xdp"
	ip -n "$(ns r)" -d link show 2>/dev/null | awk '/^[0-9]+:/ { dev = $2 } /prog\/xdp/ { print dev }'
}

# reset: the base state, from whatever state (apply loads the program when needed)
reset() { v6 apply "$T/base.conf" >/dev/null 2>&1; }

if ! reset || ! v6 route show >/dev/null 2>&1; then
	fail setup "v4via6 apply of the base file failed" "$(v6 apply "$T/base.conf" 2>&1)"
	exit 1
fi

# --- defect 4: two applies at once end as one of the two files ------------------------------
t=two-applies
v6 apply "$T/big-a.conf" >/dev/null 2>&1 && state >"$T/big-a.state"
v6 apply "$T/big-b.conf" >/dev/null 2>&1 && state >"$T/big-b.state"
bad=
for round in 1 2 3; do
	v6 apply "$T/big-a.conf" >/dev/null 2>&1
	v6 apply "$T/big-a.conf" >"$T/ap1" 2>&1 &
	p1=$!
	v6 apply "$T/big-b.conf" >"$T/ap2" 2>&1 &
	p2=$!
	wait $p1
	r1=$?
	wait $p2
	r2=$?
	state >"$T/two.state"
	if [ $r1 != 0 ] || [ $r2 != 0 ]; then
		bad="round $round: exit statuses $r1 and $r2"
		break
	fi
	if ! cmp -s "$T/two.state" "$T/big-a.state" && ! cmp -s "$T/two.state" "$T/big-b.state"; then
		bad="round $round: the state is neither file's"
		break
	fi
done
if [ -n "$bad" ]; then
	fail $t "$bad" "$(cat "$T/ap1" "$T/ap2"; diff "$T/big-b.state" "$T/two.state" | grep -v '^[<>] \[' | head -20)"
else
	pass $t
fi

# --- random pairs of writing commands at once: the state of one of the two serial orders ----
declare -A CMD=(
	[apply-a]="apply $T/a.conf"
	[apply-b]="apply $T/b.conf"
	[apply-c]="apply $T/c.conf"
	[route-add]="route add 10.9.9.0/24 via inet6 fe80::9 dev r1"
	[route-replace]="route replace 10.100.0.0/16 via inet6 fe80::9 dev r0"
	[route-del]="route del 10.100.0.0/16"
	[route-flush]="route flush"
	[route-check]="route check"
	[neigh-add]="neigh add fe80::9 lladdr 02:00:00:00:09:09 dev r1"
	[neigh-del]="neigh del fe80::1:1 dev r0"
	[neigh-flush]="neigh flush"
	[attach]="attach r2"
	[attach-two]="attach r3 r0"
	[detach]="detach r0"
	[detach-all]="detach --all"
	[sync-once]="sync --once"
)
# the pairs the issue names, then random ones; sync --once and route check (which read and write
# all 128 MiB of the /24 table) only in the pairs named, to keep the test short
pairs=("apply-a apply-b" "apply-a route-add" "apply-a detach-all" "attach detach-all"
	"route-add neigh-add" "sync-once apply-a" "route-check apply-b")
kinds=()
for k in "${!CMD[@]}"; do
	case $k in sync-once | route-check) ;; *) kinds+=("$k") ;; esac
done
RANDOM=$SEED
declare -A seen
for p in "${pairs[@]}"; do seen[$p]=1; done
while [ ${#pairs[@]} -lt "$PAIRS" ]; do
	a=${kinds[RANDOM % ${#kinds[@]}]}
	b=${kinds[RANDOM % ${#kinds[@]}]}
	[ "$a" = "$b" ] || [ -n "${seen["$a $b"]}" ] || [ -n "${seen["$b $a"]}" ] && continue
	seen["$a $b"]=1
	pairs+=("$a $b")
done

run() { v6 ${CMD[$1]} >/dev/null 2>&1; }

# serial A B: from the base state, A then B; prints both exit statuses (A's first) and the state
serial() {
	local ra rb
	reset
	run "$1"
	ra=$?
	run "$2"
	rb=$?
	echo "exit $ra $rb"
	state
}

t=random-pairs
bad=()
for p in "${pairs[@]}"; do
	read -r a b <<<"$p"
	serial "$a" "$b" >"$T/ab"
	serial "$b" "$a" | sed '1s/exit \(.*\) \(.*\)/exit \2 \1/' >"$T/ba"
	reset
	run "$a" &
	pa=$!
	run "$b" &
	pb=$!
	wait $pa
	ra=$?
	wait $pb
	rb=$?
	{
		echo "exit $ra $rb"
		state
	} >"$T/both"
	if ! cmp -s "$T/both" "$T/ab" && ! cmp -s "$T/both" "$T/ba"; then
		bad+=("$a | $b: $(diff "$T/ab" "$T/both" | head -8 | tr '\n' ' ')")
	fi
done
if [ ${#bad[@]} = 0 ]; then
	pass "$t"
else
	fail "$t" "${#bad[@]} of ${#pairs[@]} pairs (seed $SEED) ended in a state of neither order" \
		"$(printf '%s\n' "${bad[@]}")"
fi

# --- a busy sync does not starve the commands -----------------------------------------------
# sync follows kernel routes added and deleted again and again, faster than it reads them; route
# add still gets its turn within a batch, as sync lets waiting commands go first. (Without the
# queue, the first route add waited 7.5 s here: until the churn stopped.)
t=busy-sync-no-starving
reset
# three writers of kernel routes, so that notifications come faster than sync reads them
for w in 0 1 2; do
	for op in add del; do
		for ((k = 0; k < 2000; k++)); do
			echo "route $op 10.6$w.$((k / 256)).$((k % 256))/32 via inet6 fe80::5:1 dev r0"
		done >"$T/churn-$op-$w"
	done
done
nsenter --net=/run/netns/"$(ns r)" "$V4VIA6" sync >"$T/sync.out" 2>&1 &
sync_pid=$!
LIB_PIDS+=("$sync_pid")
churn_pids=()
for w in 0 1 2; do
	(while [ ! -e "$T/churn-stop" ]; do
		ip -n "$(ns r)" -force -batch "$T/churn-add-$w"
		ip -n "$(ns r)" -force -batch "$T/churn-del-$w"
	done) >/dev/null 2>&1 &
	churn_pids+=($!)
	LIB_PIDS+=($!)
done
slow= times=
# its first reconciliation (a rebuild of all of tbl24) is one batch: measure once it is done
wait_for 30000 grep -q 'sync: started' "$T/sync.out" || slow="sync did not start"
for k in 1 2 3 4 5 6; do
	[ -n "$slow" ] && break
	start=$(date +%s%N)
	if ! out=$(timeout 20 nsenter --net=/run/netns/"$(ns r)" "$V4VIA6" route add \
		"10.70.$k.0/24" via inet6 fe80::6 dev r0 2>&1); then
		slow="route add $k failed or waited more than 20 s"
		break
	fi
	ms=$((($(date +%s%N) - start) / 1000000))
	times+=" $ms"
	((ms > 5000)) && slow="route add $k took $ms ms"
done
touch "$T/churn-stop"
wait "${churn_pids[@]}"
kill "$sync_pid" 2>/dev/null
wait "$sync_pid"
sync_rc=$?
for w in 0 1 2; do ip -n "$(ns r)" -force -batch "$T/churn-del-$w" >/dev/null 2>&1; done
if [ -n "$slow" ]; then
	fail $t "$slow while sync was busy (route add took$times ms)" "$out$(cat "$T/sync.out")"
elif [ "$sync_rc" != 0 ]; then
	fail $t "sync exited with $sync_rc" "$(tail -5 "$T/sync.out")"
else
	pass $t
fi

# --- a waiting command, readers, another pin dir, a killed holder ---------------------------
# hold: holds the lock as a v4via6 command would (its byte 0, its pid in the file) until killed
reset
mkdir -p /run/v4via6
"$PYTHON" -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.lockf(fd, fcntl.LOCK_EX, 1, 0)
os.pwrite(fd, b"%-11d\n" % os.getpid(), 0)
open(sys.argv[2], "w").close()
time.sleep(60)
' "$LOCK" "$T/held" &
holder=$!
LIB_PIDS+=("$holder")
disown $holder # no "Killed" line from bash when the test kills it
t=waits-for-holder
if ! wait_for 3000 test -e "$T/held"; then
	fail $t "the lock holder did not start"
else
	v6 route add 10.8.8.0/24 via inet6 fe80::8 dev r0 >"$T/wait.out" 2>&1 &
	waiter=$!
	sleep 1.5
	if ! kill -0 $waiter 2>/dev/null; then
		fail $t "route add did not wait for the holder" "$(cat "$T/wait.out")"
	elif ! grep -q "waiting for another v4via6 command (pid $holder)" "$T/wait.out"; then
		fail $t "no message naming the holder after a second" "$(cat "$T/wait.out")"
	else
		pass $t
	fi
	t=readers-do-not-wait
	if out=$({ v6t route show && v6t -j neigh show && v6t status && v6t stats; } 2>&1); then
		pass $t
	else
		fail $t "a reader waited for the lock (or failed)" "$out"
	fi
	t=other-pin-dir-does-not-wait
	if out=$(v6t --pin-dir "$OTHER" attach r3 2>&1 && v6t --pin-dir "$OTHER" detach --all 2>&1); then
		pass $t
	else
		fail $t "a writer of another pin dir waited (or failed)" "$out"
	fi
	t=killed-holder-frees
	kill -9 $holder
	if wait_for 3000 bash -c "! kill -0 $waiter 2>/dev/null" && wait $waiter &&
		v6 route show | grep -q '^10.8.8.0/24 via inet6 fe80::8 dev r0$'; then
		pass $t
	else
		fail $t "route add did not run once the holder was killed" "$(cat "$T/wait.out")"
	fi
fi
kill $holder 2>/dev/null

# --- detach --all leaves no lock file -------------------------------------------------------
t=no-lock-file-left
if v6 detach --all >/dev/null 2>&1 && [ ! -e "$LOCK" ] && [ ! -e "$PIN" ]; then
	pass $t
else
	fail $t "detach --all left $LOCK or $PIN" "$(ls -la /run/v4via6 2>&1)"
fi
exit 0
