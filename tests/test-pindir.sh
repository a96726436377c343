#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The pin dir: where its bpffs may be mounted (never over a directory in use),
# that it appears whole or not at all (concurrent first attaches, loads killed
# with -9), that a namespace's leftover pin dir is not inherited by a new
# namespace of the same name, and that an unknown map layout is refused.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/seed-topology.sh"
lib_init pindir

T=$(mktemp -d /tmp/v4via6-pindir.XXXXXX)
on_cleanup "rm -rf '$T'"
V4VIA6=$(realpath "$V4VIA6")

# v6 NS args...: v4via6 in namespace NS, keeping our mounts
v6() {
	local n=$1
	shift
	nsx "$n" "$V4VIA6" "$@"
}

# this build's map layout (include/v4via6.h)
LAYOUT=$(awk '$1 == "#define" && $2 == "V4VIA6_LAYOUT" { print $3 }' "$(dirname "$0")/../include/v4via6.h")

# complete DIR: every pin of a loaded state is there, and no temporary dir next to it
complete() {
	local d=$1 p
	for p in prog routes neighs egress tx_ports stats tbl24 tbl8 tbl8_owners nexthops nh_stats \
		layout-$LAYOUT; do
		[ -e "$d/$p" ] || { echo "$d/$p missing"; return 1; }
	done
	if ls -d "$d"~tmp-* 2>/dev/null; then
		echo "temporary dirs left next to $d"
		return 1
	fi
}

# --- defect 3: --pin-dir never mounts over a directory --------------------------------
# In a mount namespace (and network namespace) of our own, so that nothing the host
# sees is ever mounted over, whatever the outcome.
t=no-mount-over-dir
mkdir -p "$T/data" && echo keep >"$T/data/file"
out=$(unshare -m -n --propagation private bash -c '
	"$1" --pin-dir "$2/data/v4via6" attach lo 2>&1; echo "rc=$?"
	cat "$2/data/file" 2>&1
	findmnt -rn -o TARGET | grep -c "^$2" ' _ "$V4VIA6" "$T" 2>&1)
if ! grep -q '^rc=1$' <<<"$out"; then
	fail $t "attach with --pin-dir on a plain directory did not exit 1" "$out"
elif ! grep -q "v4via6: --pin-dir $T/data/v4via6: $T/data is not on a bpffs" <<<"$out"; then
	fail $t "no clear message" "$out"
elif ! grep -qx keep <<<"$out" || [ "$(tail -1 <<<"$out")" != 0 ]; then
	fail $t "the directory's file was hidden, or something was mounted" "$out"
elif [ "$(cat "$T/data/file")" != keep ] || [ -e "$T/data/v4via6" ]; then
	fail $t "the directory changed" "$(ls -la "$T/data")"
else
	pass $t
fi

t=no-mount-over-etc
out=$(unshare -m -n --propagation private bash -c '
	"$1" --pin-dir /etc/v4via6-pindir-test attach lo 2>&1; echo "rc=$?"
	test -e /etc/passwd && echo passwd-visible
	findmnt -rn -o TARGET /etc' _ "$V4VIA6" 2>&1)
if ! grep -q '^rc=1$' <<<"$out" || ! grep -q 'passwd-visible' <<<"$out" ||
	! grep -q '/etc is not on a bpffs' <<<"$out" || [ -e /etc/v4via6-pindir-test ]; then
	fail $t "--pin-dir /etc/...: want exit 1, a message, /etc untouched" "$out"
else
	pass $t
fi

# The default location is still mounted when nothing is mounted there (a fresh machine).
t=mount-default-when-missing
out=$(unshare -m -n --propagation private bash -c '
	umount /sys/fs/bpf 2>/dev/null
	mountpoint -q /sys/fs/bpf && { echo "could not unmount"; exit 0; }
	ip link add name pd0 type veth peer name pd1 && ip link set pd0 up && ip link set pd1 up
	"$1" attach pd0 2>&1; echo "rc=$?"
	mountpoint -q /sys/fs/bpf && echo mounted
	test -e /sys/fs/bpf/v4via6/prog && echo pinned
	"$1" detach --all 2>&1; echo "rc2=$?"' _ "$V4VIA6" 2>&1)
if grep -q 'could not unmount' <<<"$out"; then
	skip $t "/sys/fs/bpf cannot be unmounted in a private mount namespace here"
elif ! grep -q '^rc=0$' <<<"$out" || ! grep -q mounted <<<"$out" || ! grep -q pinned <<<"$out" ||
	! grep -q '^rc2=0$' <<<"$out"; then
	fail $t "attach with no bpffs mounted did not mount one at /sys/fs/bpf" "$out"
else
	pass $t
fi

# --- defect 5: the pin dir appears whole or not at all ---------------------------------
if ! add_ns r >"$T/topo" 2>&1; then
	fail topology "could not make the namespace" "$(cat "$T/topo")"
	exit 1
fi
for i in 0 1 2 3 4 5; do
	ip -n "$(ns r)" link add name "p$i" type veth peer name "q$i" >>"$T/topo" 2>&1
	ip -n "$(ns r)" link set "p$i" up && ip -n "$(ns r)" link set "q$i" up
done
forget_pins r
PD=$(pin_dir_of r)

t=concurrent-first-attach
bad=""
for round in 1 2 3 4 5 6; do
	pids=()
	for i in 0 1 2 3 4 5; do
		v6 r attach "p$i" >"$T/att$i" 2>&1 &
		pids+=($!)
	done
	for i in 0 1 2 3 4 5; do
		wait "${pids[$i]}" || bad+="round $round: attach p$i failed: $(cat "$T/att$i")"$'\n'
	done
	c=$(complete "$PD") || bad+="round $round: $c"$'\n'
	out=$(v6 r status 2>&1) || bad+="round $round: status failed: $out"$'\n'
	grep -q '^interfaces: 6' <<<"$out" || bad+="round $round: not 6 interfaces: $out"$'\n'
	v6 r detach --all >/dev/null 2>&1 || bad+="round $round: detach --all failed"$'\n'
	[ -e "$PD" ] && bad+="round $round: $PD left after detach --all"$'\n'
done
if [ -n "$bad" ]; then fail $t "six concurrent first attaches" "$bad"; else pass $t; fi

t=load-killed
bad=""
for round in 1 2 3 4 5 6 7 8; do
	v6 r attach p0 >/dev/null 2>&1 &
	pid=$!
	sleep "0.0$((RANDOM % 9))$((RANDOM % 10))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ -e "$PD" ] && ! c=$(complete "$PD" 2>&1) && ! ls -d "$PD"~tmp-* >/dev/null 2>&1; then
		bad+="round $round: a pin dir that is not whole after kill -9: $c"$'\n'
	fi
	out=$(v6 r attach p0 p1 2>&1) || bad+="round $round: attach after kill -9 failed: $out"$'\n'
	c=$(complete "$PD") || bad+="round $round: $c"$'\n'
	v6 r route add 10.9.0.0/16 via fe80::1 dev p1 >/dev/null 2>&1 ||
		bad+="round $round: route add failed"$'\n'
	v6 r detach --all >/dev/null 2>&1 || bad+="round $round: detach --all failed"$'\n'
done
if [ -n "$bad" ]; then fail $t "attach killed with -9, then attach again" "$bad"; else pass $t; fi

# An older v4via6 killed half-way through its load left maps without a program pin.
t=older-half-load
mkdir -p "$PD" &&
	bpftool map create "$PD/routes" type hash key 4 value 4 entries 1 name routes 2>"$T/err" &&
	bpftool map create "$PD/tx_ports" type devmap_hash key 4 value 4 entries 4 name tx_ports 2>>"$T/err"
if ! out=$(v6 r attach p0 2>&1); then
	fail $t "attach over an older loader's half-done pin dir failed" "$out$(cat "$T/err")"
elif ! c=$(complete "$PD"); then
	fail $t "not whole" "$c"
else
	pass $t
fi
v6 r detach --all >/dev/null 2>&1

# --- layout: a pin dir of an unknown (newer) layout is refused -------------------------
t=layout-unknown
v6 r attach p0 >/dev/null 2>&1
rmdir "$PD/layout-$LAYOUT" && mkdir "$PD/layout-99"
out=$(v6 r route show 2>&1)
rc=$?
rmdir "$PD/layout-99" && mkdir "$PD/layout-$LAYOUT"
if [ $rc != 1 ] || ! grep -q "layout 99, made by a newer v4via6" <<<"$out"; then
	fail $t "a pin dir of layout 99 was not refused clearly (exit $rc)" "$out"
else
	pass $t
fi
# A pin dir without a layout mark is the first release's: layout 1, which this build
# reads only through `v4via6 upgrade`
t=layout-none-is-1
rmdir "$PD/layout-$LAYOUT"
out=$(v6 r route show 2>&1)
rc=$?
if [ "$LAYOUT" = 1 ] && [ $rc != 0 ]; then
	fail $t "a pin dir without a layout mark (the previous release's) was refused" "$out"
elif [ "$LAYOUT" != 1 ] && { [ $rc != 1 ] || ! grep -q "map layout 1, made by an older v4via6 .*upgrade" <<<"$out"; }; then
	fail $t "a pin dir without a layout mark (layout 1) was not refused clearly (exit $rc)" "$out"
else
	pass $t
fi
mkdir "$PD/layout-$LAYOUT"
v6 r detach --all >/dev/null 2>&1

# --- defect 12: a namespace deleted without detach --all --------------------------------
# Its pin dir must not be inherited by a new namespace of the same name (which often
# gets the same inode number), whose ifindexes mean other interfaces.
t=stale-netns
mk_x() {
	add_ns x && ip -n "$(ns x)" link add name x0 type veth peer name x1 &&
		ip -n "$(ns x)" link set x0 up && ip -n "$(ns x)" link set x1 up
}
forget_pins x
XD=$(pin_dir_of x)
if ! mk_x >"$T/x" 2>&1 || ! v6 x attach x0 >>"$T/x" 2>&1 ||
	! v6 x route add 10.7.0.0/16 via fe80::1 dev x0 >>"$T/x" 2>&1; then
	fail $t "setting up namespace x" "$(cat "$T/x")"
else
	ino1=$(stat -L -c %i "/run/netns/$(ns x)")
	ip netns del "$(ns x)"
	LIB_NS=("${LIB_NS[@]/$(ns x)/}")
	mk_x >"$T/x" 2>&1
	ino2=$(stat -L -c %i "/run/netns/$(ns x)")
	out=$(ip netns exec "$(ns x)" "$V4VIA6" route show 2>&1)
	rc=$?
	out2=$(v6 x attach x0 2>&1)
	rc2=$?
	if [ $rc != 1 ] || ! grep -q "left by a network namespace that no longer exists" <<<"$out" ||
		! grep -q "detach --all" <<<"$out"; then
		fail $t "route show in the new namespace x (inode $ino1 then $ino2): exit $rc" "$out"
	elif [ $rc2 != 1 ] || ! grep -q "no longer exists" <<<"$out2"; then
		fail $t "attach in the new namespace x was not refused (exit $rc2)" "$out2"
	elif ! out=$(v6 x detach --all 2>&1) || [ -e "$XD" ]; then
		fail $t "detach --all did not remove the stale pin dir" "$out"
	elif ! v6 x attach x0 >"$T/x" 2>&1 || [ -n "$(v6 x route show 2>&1)" ]; then
		fail $t "a fresh attach after removing it" "$(cat "$T/x"; v6 x route show 2>&1)"
	else
		pass "$t (inode $ino1 then $ino2)"
	fi
	v6 x detach --all >/dev/null 2>&1
fi

# A pin dir of another namespace that still exists stays refused, and is not removed.
t=other-live-netns
v6 r attach p0 >/dev/null 2>&1
out=$(v6 x --pin-dir "$PD" route show 2>&1)
rc=$?
out2=$(v6 x --pin-dir "$PD" detach --all 2>&1)
if [ $rc != 1 ] || ! grep -q "made in another network namespace" <<<"$out"; then
	fail $t "another live namespace's pin dir was not refused (exit $rc)" "$out"
elif ! [ -e "$PD/prog" ]; then
	fail $t "detach --all from another namespace removed it" "$out2"
else
	pass $t
fi
v6 r detach --all >/dev/null 2>&1

exit 0
