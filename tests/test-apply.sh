#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# v4via6 apply FILE on the seed's router: a good file makes the state equal to
# it (checked through route show, neigh show, and the attachments); the same
# file again changes nothing and interrupts no traffic; a smaller file removes
# what it no longer names; a file with errors reports each as FILE:LINE:,
# exits 1 and changes nothing at all.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/seed-topology.sh"
lib_init apply

T=$(mktemp -d /tmp/v4via6-apply.XXXXXX)
on_cleanup "rm -rf '$T'"

seed_topology_or_exit "$T"
if ! v6 r apply --help >/dev/null 2>&1; then
	skip apply "$V4VIA6 apply is not usable yet (--help fails)"
	exit 0
fi

# state: everything apply may change, in a stable text form: routes, neighbours, which
# program is attached where (ip link's view), and v4via6 status
state() {
	echo "# routes"
	v6 r route show 2>&1 | sort
	echo "# neighbours"
	v6 r neigh show 2>&1 | sort
	echo "# xdp"
	ip -n "$(ns r)" -d link show | awk '/^[0-9]+:/ { dev = $2 } /prog\/xdp/ { print dev, $3 }'
	echo "# status"
	v6 r status 2>&1
}

# routes_are FILE LINES...: route show is exactly LINES (in any order)
routes_are() {
	local f=$1
	shift
	printf '%s\n' "$@" | sort >"$f.want"
	v6 r route show 2>&1 | sort >"$f.got"
	diff -u "$f.want" "$f.got" >"$f.diff"
}

# neighs_are FILE "IP MAC DEV"...: neigh show lists exactly these, whichever word order it uses
neighs_are() {
	local f=$1
	shift
	printf '%s\n' "$@" | sort >"$f.want"
	v6 r neigh show 2>&1 | awk '{ for (i = 2; i < NF; i++) { if ($i == "lladdr") m = $(i + 1);
		if ($i == "dev") d = $(i + 1) } print $1, m, d }' | sort >"$f.got"
	diff -u "$f.want" "$f.got" >"$f.diff"
}

# xdp_on IFACE: an XDP program is attached to the router's IFACE
xdp_on() { ip -n "$(ns r)" link show dev "$1" | grep -q 'prog/xdp'; }

cat >"$T/good.conf" <<EOF
attach r0 mode native
attach r1
route $A_IP/32 via inet6 $A_LL dev r0
route $B_IP/32 via inet6 $B_LL dev r1
route 10.0.9.0/24 via inet6 $B_LL dev r1
route default via inet6 $B_LL dev r1
neigh $B_LL lladdr $B_MAC dev r1
neigh $A_LL lladdr $A_MAC dev r0
EOF
good_routes=("$A_IP/32 via inet6 $A_LL dev r0" "$B_IP/32 via inet6 $B_LL dev r1"
	"10.0.9.0/24 via inet6 $B_LL dev r1" "default via inet6 $B_LL dev r1")
good_neighs=("$A_LL $A_MAC r0" "$B_LL $B_MAC r1")

# --- a good file, on a router where nothing is loaded yet ----------------------------------
t=good-file
if ! out=$(v6 r apply "$T/good.conf" 2>&1); then
	fail $t "apply of a good file failed" "$out"
elif ! routes_are "$T/r" "${good_routes[@]}"; then
	fail $t "route show differs from the file" "$(cat "$T/r.diff")"
elif ! neighs_are "$T/n" "${good_neighs[@]}"; then
	fail $t "neigh show differs from the file" "$(cat "$T/n.diff")"
elif ! xdp_on r0 || ! xdp_on r1; then
	fail $t "r0 and r1 should carry the program" "$(ip -n "$(ns r)" link show)"
else
	snap r >"$T/s0"
	out=$(nsx a ping -q -c 3 -i 0.05 -W 1 "$B_IP" 2>&1)
	snap r >"$T/s1"
	if ! grep -q ' 0% packet loss' <<<"$out"; then
		fail $t "ping A -> B after apply" "$out"
	elif [ "$(delta "$T/s0" "$T/s1" fwd_packets)" -lt 6 ] ||
		[ "$(delta "$T/s0" "$T/s1" IpForwDatagrams)" != 0 ]; then
		fail $t "the ping did not take the XDP path" "$(paste "$T/s0" "$T/s1")"
	else
		pass $t
	fi
fi

# --- the same file again, and a replacing file, under traffic ---------------------------------
# Routes 10.0.8.3/32 and 10.0.8.42/32 stay in every file: a ping every 10 ms on them must lose
# nothing, and the kernel must forward none of it (a detach/re-attach would show there).
sed -e "s|^route 10.0.9.0/24 .*|route 10.0.9.0/24 via inet6 $A_LL dev r0|" \
	-e "s|^route default .*|route 10.0.12.0/22 via inet6 $B_LL dev r1|" "$T/good.conf" >"$T/replace.conf"
t=same-file-again
before=$(state)
prog=$(bpftool prog show pinned "$(pin_dir_of r)/prog" 2>/dev/null | awk -F: 'NR == 1 { print $1 }')
snap r >"$T/s0"
nsx a ping -q -i 0.01 -c 250 -W 1 "$B_IP" >"$T/ping" 2>&1 &
ping_pid=$!
sleep 0.3
rc1=0 rc2=0 rc3=0 rc4=0
v6 r apply "$T/good.conf" >"$T/a1" 2>&1 || rc1=$?
after1=$(state)
v6 r apply "$T/good.conf" >>"$T/a1" 2>&1 || rc2=$?
after2=$(state)
v6 r apply "$T/replace.conf" >"$T/a2" 2>&1 || rc3=$?
replaced=$(state)
v6 r apply "$T/good.conf" >>"$T/a2" 2>&1 || rc4=$?
wait "$ping_pid"
snap r >"$T/s1"
prog2=$(bpftool prog show pinned "$(pin_dir_of r)/prog" 2>/dev/null | awk -F: 'NR == 1 { print $1 }')
if [ $rc1 != 0 ] || [ $rc2 != 0 ]; then
	fail $t "re-apply of the same file failed" "$(cat "$T/a1")"
elif [ "$before" != "$after1" ] || [ "$before" != "$after2" ]; then
	fail $t "the state changed" "$(diff <(echo "$before") <(echo "$after1"))"
elif [ -z "$prog" ] || [ "$prog" != "$prog2" ]; then
	fail $t "the program was replaced ($prog -> $prog2)"
else
	pass $t
fi

t=replace-file
if [ $rc3 != 0 ] || [ $rc4 != 0 ]; then
	fail $t "apply of a replacing file, or back, failed" "$(cat "$T/a2")"
elif ! grep -qx "10.0.9.0/24 via inet6 $A_LL dev r0" <<<"$replaced" ||
	! grep -qx "10.0.12.0/22 via inet6 $B_LL dev r1" <<<"$replaced" ||
	grep -q '^default' <<<"$replaced"; then
	fail $t "the replacing file's routes are not the state" "$replaced"
elif [ "$(state)" != "$before" ]; then
	fail $t "applying the first file again did not restore its state" \
		"$(diff <(echo "$before") <(state))"
else
	pass $t
fi

t=no-loss-during-apply
if ! grep -q ' 250 received' "$T/ping"; then
	fail $t "the ping lost packets while files were applied" "$(cat "$T/ping")"
elif [ "$(delta "$T/s0" "$T/s1" IpForwDatagrams)" != 0 ]; then
	fail $t "the kernel forwarded some: XDP was interrupted" "$(paste "$T/s0" "$T/s1")"
elif [ "$(delta "$T/s0" "$T/s1" fwd_packets)" -lt 500 ]; then
	fail $t "fwd_packets moved by less than 500" "$(paste "$T/s0" "$T/s1")"
else
	pass $t
fi

# --- a smaller file: a route and an interface go ----------------------------------------------
cat >"$T/small.conf" <<EOF
attach r0
route $A_IP/32 via inet6 $A_LL dev r0
neigh $A_LL lladdr $A_MAC dev r0
EOF
t=remove-route-and-iface
if ! out=$(v6 r apply "$T/small.conf" 2>&1); then
	fail $t "apply failed" "$out"
elif ! routes_are "$T/r" "$A_IP/32 via inet6 $A_LL dev r0"; then
	fail $t "route show differs from the file" "$(cat "$T/r.diff")"
elif ! neighs_are "$T/n" "$A_LL $A_MAC r0"; then
	fail $t "neigh show differs from the file" "$(cat "$T/n.diff")"
elif xdp_on r1 || ! xdp_on r0; then
	fail $t "want XDP on r0 only" "$(ip -n "$(ns r)" link show)"
elif ! out=$(nsx a ping -q -c 2 -i 0.05 -W 1 "$B_IP" 2>&1); then
	fail $t "ping A -> B through the kernel failed" "$out"
else
	pass $t
fi

# --- comments and blank lines -----------------------------------------------------------------
printf '# the router of the seed\n\n%s\n   # indented comment\n\n' "$(cat "$T/small.conf")" \
	>"$T/comments.conf"
t=comments
before=$(state)
if out=$(v6 r apply "$T/comments.conf" 2>&1) && [ "$(state)" = "$before" ]; then pass $t; else
	fail $t "a file with comments and blank lines" "$out"; fi

# --- files with errors: FILE:LINE: for each bad line, exit 1, nothing changed -----------------
# Each bad file is the current state plus a good new route (applied only if apply does not
# validate the whole file first) plus bad lines at known line numbers.
base_lines=$(wc -l <"$T/small.conf")
bad_case() {
	local name=$1 f="$T/bad-$1.conf" rc line
	shift
	{
		cat "$T/small.conf"
		echo "route 10.0.11.0/24 via inet6 $A_LL dev r0"
		printf '%s\n' "$@"
	} >"$f"
	before=$(state)
	v6 r apply "$f" >"$T/out" 2>&1
	rc=$?
	after=$(state)
	if [ $rc -gt 128 ]; then
		fail "bad-$name" "apply crashed (exit $rc)" "$(cat "$T/out")"
		return
	fi
	if [ $rc != 1 ]; then
		fail "bad-$name" "apply exited $rc, want 1" "$(cat "$T/out")"
		return
	fi
	# every line after the good route is bad and must be reported with its number
	for ((line = base_lines + 2; line < base_lines + 2 + $#; line++)); do
		if ! grep -qF "$f:$line: " "$T/out"; then
			fail "bad-$name" "no '$f:$line: ...' message" "$(cat "$T/out")"
			return
		fi
	done
	if [ "$before" != "$after" ]; then
		fail "bad-$name" "the state changed" "$(diff <(echo "$before") <(echo "$after"))"
		return
	fi
	pass "bad-$name"
}
bad_case prefix "route 10.0.8.300/32 via inet6 $A_LL dev r0"
bad_case prefix-len "route 10.0.13.0/33 via inet6 $A_LL dev r0"
bad_case host-bits "route 10.0.13.1/24 via inet6 $A_LL dev r0"
bad_case keyword "frobnicate r0"
bad_case ipv4-via "route 10.0.13.0/24 via 10.0.0.1 dev r0"
bad_case unattached-iface "route 10.0.13.0/24 via inet6 $B_LL dev r1"
bad_case unknown-iface-route "route 10.0.13.0/24 via inet6 $B_LL dev nosuch0"
bad_case unknown-iface-attach "attach nosuch0"
bad_case mac "neigh $B_LL lladdr 02:00:zz:00:00:0b dev r0"
bad_case duplicate-prefix "route 10.0.11.0/24 via inet6 $B_LL dev r0"
bad_case missing-dev "route 10.0.13.0/24 via inet6 $A_LL"
bad_case bad-mode "attach r0 mode turbo"
bad_case several "route 10.0.14.0/33 via inet6 $A_LL dev r0" "frobnicate" \
	"neigh $B_LL lladdr 02:00:00:00:00 dev r0" "route 10.0.11.0/24 via inet6 $A_LL dev r0"

# --- defect 10: a NUL byte would end the line there, silently: the rest is reported ----------
t=bad-nul-byte
{
	cat "$T/small.conf"
	printf 'route 10.0.13.0/24 via inet6 %s dev r0\0 frobnicate\n' "$A_LL"
} >"$T/nul.conf"
line=$(($(wc -l <"$T/small.conf") + 1))
before=$(state)
v6 r apply "$T/nul.conf" >"$T/out" 2>&1
rc=$?
if [ $rc = 1 ] && grep -qF "$T/nul.conf:$line: NUL byte" "$T/out" && [ "$(state)" = "$before" ]; then
	pass $t
else
	fail $t "exit $rc, want 1 with '$T/nul.conf:$line: NUL byte' and nothing changed" \
		"$(cat "$T/out")"
fi

# --- defect 8: a file larger than a map is refused before anything changes ---------------------
# capacity_case NAME WHAT FILE: apply FILE exits 1, reports "FILE:LINE: too many WHAT" with
# LINE the first statement over the map's size (computed here, in the test, by
# `over_line`), and leaves the state as it was.
capacity_case() {
	local name=$1 what=$2 f=$3 line rc
	line=$(over_line "$f")
	before=$(state)
	v6 r apply "$f" >"$T/out" 2>&1
	rc=$?
	after=$(state)
	if [ $rc != 1 ]; then
		fail "$name" "apply exited $rc, want 1" "$(head -20 "$T/out")"
	elif ! grep -qF "$f:$line: too many $what" "$T/out"; then
		fail "$name" "no '$f:$line: too many $what' message" "$(head -20 "$T/out")"
	elif [ "$before" != "$after" ]; then
		fail "$name" "the state changed" "$(diff <(echo "$before") <(echo "$after") | head -20)"
	else
		pass "$name"
	fi
}

# 70,000 neighbours (the map holds 65,536): the 65,537th neigh line
{
	echo "attach r0"
	awk -v ll="$A_LL" 'BEGIN { for (i = 0; i < 70000; i++)
		printf "neigh fe80::%x:%x lladdr 02:00:00:00:%02x:%02x dev r0\n",
			int(i / 65536) + 1, i % 65536, int(i / 256) % 256, i % 256 }'
} >"$T/neighs.conf"
over_line() { awk '$1 == "neigh" && ++n == 65537 { print NR; exit }' "$1"; }
capacity_case capacity-neighs neighbours "$T/neighs.conf"

# 70,000 /24 routes, each via its own next hop: the nexthops map has 65,535 usable slots
{
	cat "$T/small.conf"
	awk 'BEGIN { for (i = 0; i < 70000; i++)
		printf "route %d.%d.%d.0/24 via inet6 fe80::1:%x dev r0\n",
			20 + int(i / 65536), int(i / 256) % 256, i % 256, i }'
	# routes longer than /24 name a nexthop object too
	awk 'BEGIN { for (i = 0; i < 10; i++) printf "route 10.99.0.%d/32 via inet6 fe80::2:%x dev r0\n", i, i }'
} >"$T/slots.conf"
# the line bringing the 61,441st distinct (via, dev) of a route (a throw is one): slots 1..4095 are groups'
over_line() {
	awk '$1 != "route" { next }
	{ key = "throw"
	  for (i = 2; i < NF; i++) { if ($i == "via") v = $(i + 1) == "inet6" ? $(i + 2) : $(i + 1)
		if ($i == "dev") d = $(i + 1) }
	  if ($2 != "throw") key = v " " d
	  if (!(key in seen)) { seen[key] = 1; if (++n == 61441) { print NR; exit } } }' "$1"
}
capacity_case capacity-nexthops "distinct next hops" "$T/slots.conf"

# 33,000 /24s with a /25 each: the tbl8 pool has 32,768 blocks, one per /24 with longer routes
{
	cat "$T/small.conf"
	awk 'BEGIN { for (i = 0; i < 33000; i++)
		printf "route %d.%d.%d.128/25 via inet6 fe80::1 dev r0\n", 20 + int(i / 65536), int(i / 256) % 256, i % 256 }'
} >"$T/blocks.conf"
# the line bringing the 32,769th distinct /24 of a route longer than /24
over_line() {
	awk '$1 != "route" || $2 !~ /\/(2[5-9]|3[0-2])$/ { next }
	{ split($2, a, "."); k = a[1] "." a[2] "." a[3]; if (!(k in seen)) { seen[k] = 1; if (++n == 32769) { print NR; exit } } }' "$1"
}
capacity_case capacity-tbl8 "/24s with routes longer than /24" "$T/blocks.conf"

# The pool filled (a file with 32,766 /24s holding a /25; the router's own /32s and the
# file's take a few more), then route add until it is full: the /24 one too many is refused, whole
t=tbl8-full-route-add
{
	cat "$T/small.conf"
	awk 'BEGIN { for (i = 0; i < 32766; i++)
		printf "route %d.%d.%d.128/25 via inet6 fe80::1 dev r0\n", 20 + int(i / 65536), int(i / 256) % 256, i % 256 }'
} >"$T/full.conf"
if ! v6 r apply "$T/full.conf" >"$T/out" 2>&1; then
	fail $t "applying 32,766 /25s in as many /24s" "$(head -5 "$T/out")"
else
	for ((i = 0; i < 8; i++)); do
		before=$(state)
		v6 r route add 30.0.$i.128/25 via inet6 fe80::1 dev r0 >"$T/out" 2>&1
		rc=$?
		[ $rc = 0 ] || break
	done
	after=$(state)
	v6 r route check >"$T/check" 2>&1
	crc=$?
	if [ $rc != 1 ] || ! grep -q "route add: 30.0.$i.128/25: No space left on device (.*tbl8 blocks: 32768 of 32768 in use)" "$T/out"; then
		fail $t "route add exited $rc after $i more" "$(cat "$T/out")"
	elif [ "$before" != "$after" ] || [ $crc != 0 ]; then
		fail $t "the state changed, or route check (exit $crc) differs" "$(cat "$T/check")"
	elif ! v6 r route add 20.0.0.192/26 via inet6 fe80::1 dev r0 >"$T/out" 2>&1; then
		fail $t "a /26 in a /24 that has its block already must still go in" "$(cat "$T/out")"
	else
		pass $t "$i more /24s fitted"
	fi
fi
v6 r apply "$T/small.conf" >/dev/null 2>&1

# 257 attach lines (XDP attaches to at most 256 interfaces): 129 more veth pairs in the router
t=capacity-interfaces
for ((i = 0; i < 129; i++)); do
	echo "link add cap${i}a type veth peer name cap${i}b"
done >"$T/links.batch"
if ! ip -n "$(ns r)" -batch "$T/links.batch" >"$T/out" 2>&1; then
	skip $t "could not make 258 interfaces: $(head -1 "$T/out")"
else
	for ((i = 0; i < 129; i++)); do printf 'attach cap%da\nattach cap%db\n' $i $i; done |
		head -257 >"$T/ifaces.conf"
	over_line() { awk '$1 == "attach" && ++n == 257 { print NR; exit }' "$1"; }
	capacity_case $t interfaces "$T/ifaces.conf"
	for ((i = 0; i < 129; i++)); do echo "link del cap${i}a"; done |
		ip -n "$(ns r)" -batch - >/dev/null 2>&1
fi

# 40,000 neighbours replaced by 40,000 others: each file fits, both at once would not (65,536);
# the dropped ones go first instead of failing halfway with E2BIG
t=neighs-replaced-whole
for half in 1 2; do
	{
		cat "$T/small.conf"
		awk -v h=$half 'BEGIN { for (i = 0; i < 40000; i++)
			printf "neigh fe80::%x:%x lladdr 02:00:00:%02x:%02x:%02x dev r0\n",
				h, i, h, int(i / 256) % 256, i % 256 }'
	} >"$T/neighs$half.conf"
done
if ! out=$(v6 r apply "$T/neighs1.conf" 2>&1); then
	fail $t "apply of 40,000 neighbours failed" "$out"
elif ! out=$(v6 r apply "$T/neighs2.conf" 2>&1); then
	fail $t "apply of 40,000 other neighbours failed" "$out$(echo; v6 r status 2>&1)"
elif [ "$(v6 r neigh show | grep -c 'fe80::2:')" != 40000 ] ||
	[ "$(v6 r neigh show | grep -c 'fe80::1:')" != 0 ]; then
	fail $t "neigh show is not the second file's" "$out"
else
	pass $t
fi
v6 r apply "$T/small.conf" >/dev/null 2>&1

# --- defect 10: 50,000 distinct device names are checked in n log n, not n^2 (12 s before) -----
# Timed against the same file with one device name throughout, so that a loaded machine slows
# both: the distinct names may cost at most twice as much, plus 300 ms.
t=many-dev-names
for kind in distinct same; do
	awk -v k=$kind 'BEGIN { for (i = 0; i < 50000; i++)
		printf "route 10.%d.%d.0/24 via inet6 fe80::1 dev d%d\n", int(i / 256), i % 256,
			k == "same" ? 0 : i }' >"$T/devs-$kind.conf"
done
# time_apply FILE: sets rc and ms
time_apply() {
	local start=$(date +%s%N)
	v6 r apply "$1" >"$T/out" 2>&1
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
}
before=$(state)
time_apply "$T/devs-same.conf"
same_ms=$ms
time_apply "$T/devs-distinct.conf"
n=$(grep -c 'no "attach d[0-9]*" line' "$T/out")
if [ $rc != 1 ] || [ "$n" != 50000 ]; then
	fail $t "exit $rc with $n 'no attach' errors, want 1 with 50000" "$(head -5 "$T/out")"
elif [ "$ms" -gt $((2 * same_ms + 300)) ]; then
	fail $t "50,000 distinct device names took $ms ms, one name 50,000 times $same_ms ms"
elif [ "$(state)" != "$before" ]; then
	fail $t "the state changed"
else
	pass "$t ($ms ms; one name: $same_ms ms)"
fi

t=missing-file
before=$(state)
v6 r apply "$T/no-such.conf" >"$T/out" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q "^v4via6: .*no-such.conf" "$T/out" && [ "$(state)" = "$before" ]; then
	pass $t
else
	fail $t "exit $rc, want 1 with a message naming the file" "$(cat "$T/out")"
fi

# --- stdin --------------------------------------------------------------------------------------
t=stdin
if out=$(v6 r apply - <"$T/good.conf" 2>&1) && routes_are "$T/r" "${good_routes[@]}"; then
	pass $t
else
	fail $t "apply - < good.conf" "$out$(cat "$T/r.diff" 2>/dev/null)"
fi

exit $((LIB_FAILS > 0))
