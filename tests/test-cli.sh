#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The command line: bad arguments for every command and sub-command exit 2 (bad
# usage) or 1 (failure) with a `v4via6: ...` line on stderr, and never crash;
# `--help` exits 0 everywhere. Runs in its own namespace with one attached veth.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/seed-topology.sh"
lib_init cli

T=$(mktemp -d /tmp/v4via6-cli.XXXXXX)
on_cleanup "rm -rf '$T'"

# expect NAME CODES ARGS...: v4via6 ARGS (in namespace r) exits with one of CODES
# (e.g. "2" or "1 2"), says `v4via6: ...` on stderr when it fails, and does not crash
expect() {
	local name=$1 codes=$2 rc out err
	shift 2
	v6 r "$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	out=$(cat "$T/out") err=$(cat "$T/err")
	if [ $rc -gt 128 ] || grep -qiE 'segmentation|core dumped|abort|sanitizer' "$T/err"; then
		fail "$name" "v4via6 $* crashed (exit $rc)" "$err"
	elif ! grep -qw -- "$rc" <<<"$codes"; then
		fail "$name" "v4via6 $* exited $rc, want $codes" "$out$err"
	elif [ $rc != 0 ] && ! grep -q '^v4via6: ' "$T/err"; then
		fail "$name" "v4via6 $* gave no 'v4via6: ...' line on stderr" "$out$err"
	elif [ $rc != 0 ] && ! grep -q '[a-z]' <<<"${err#v4via6: }"; then
		fail "$name" "v4via6 $* gave an empty message" "$err"
	else
		pass "$name"
	fi
}

if ! add_ns r x >"$T/topo" 2>&1 || ! link r r0 x x0 >>"$T/topo" 2>&1; then
	fail topology "could not make the namespace" "$(cat "$T/topo")"
	exit 1
fi
forget_pins r

# --- before anything is attached: commands that need the state say so -------------------
expect none-route-show "1" route show
expect none-stats "1" stats
expect none-detach-all "0 1" detach --all

# --pin-dir: a second, separate state in the same namespace
t=pin-dir-option
pd="/sys/fs/bpf/v4via6-$(ns r)-custom"
on_cleanup "rm -rf '$pd'"
if ! out=$(v6 r --pin-dir "$pd" attach r0 2>&1); then
	fail $t "attach with --pin-dir failed" "$out"
elif ! [ -e "$pd/routes" ] || ! v6 r --pin-dir "$pd" status 2>&1 | grep -qF "$pd"; then
	fail $t "no pins in $pd, or status does not name it" "$(ls -la "$pd" 2>&1)"
elif v6 r route show >/dev/null 2>&1; then
	fail $t "the default pin dir has a state too" "$(v6 r status 2>&1)"
elif ! out=$(v6 r --pin-dir "$pd" detach --all 2>&1) || [ -e "$pd" ]; then
	fail $t "detach --all with --pin-dir left $pd" "$out"
else
	pass $t
fi

# --- usage errors of the command line itself ---------------------------------------------
expect no-command "2" ""
expect no-args "2"
expect unknown-command "2" frobnicate
expect unknown-option "2" --bogus status
expect pin-dir-missing "2" --pin-dir

expect attach-none "2" attach
expect attach-unknown-iface "1 2" attach nosuchdev0
# all or nothing: r0 is not left attached when the command fails on a later interface
expect attach-partial "1 2" attach r0 nosuchdev0
t=attach-partial-undone
if ip -n "$(ns r)" link show dev r0 | grep -q 'prog/xdp'; then
	fail $t "r0 stayed attached after attach r0 nosuchdev0 failed" "$(ip -n "$(ns r)" link show dev r0)"
else
	pass $t
fi
expect attach-bad-mode "2" attach r0 --mode turbo
expect attach-mode-missing "2" attach r0 --mode
expect detach-none "2" detach
expect detach-unknown-iface "1 2" detach nosuchdev0

# a state to work on: r0 attached
if ! out=$(v6 r attach r0 2>&1); then
	fail attach "v4via6 attach r0 failed: the rest needs it" "$out"
	exit 1
fi

expect route-alone-shows "0 2" route
expect route-unknown-sub "2" route frob
expect route-add-none "2" route add
expect route-add-no-via "2" route add 10.1.0.0/16
expect route-add-via-missing "2" route add 10.1.0.0/16 via
expect route-add-no-dev "2" route add 10.1.0.0/16 via inet6 fe80::1
expect route-add-dev-missing "2" route add 10.1.0.0/16 via inet6 fe80::1 dev
expect route-add-extra "2" route add 10.1.0.0/16 via inet6 fe80::1 dev r0 extra
expect route-add-bad-prefix "1 2" route add 10.1.0/16x via inet6 fe80::1 dev r0
expect route-add-bad-octet "1 2" route add 300.1.0.0/16 via inet6 fe80::1 dev r0
expect route-add-bad-len "1 2" route add 10.1.0.0/33 via inet6 fe80::1 dev r0
expect route-add-host-bits "1 2" route add 10.1.0.1/16 via inet6 fe80::1 dev r0
expect route-add-ipv4-via "1 2" route add 10.1.0.0/16 via 10.0.0.1 dev r0
expect route-add-bad-ipv6 "1 2" route add 10.1.0.0/16 via inet6 fe80::zz dev r0
expect route-add-unknown-dev "1 2" route add 10.1.0.0/16 via inet6 fe80::1 dev nosuchdev0
expect route-add-unattached-dev "1 2" route add 10.1.0.0/16 via inet6 fe80::1 dev lo
v6 r route add 10.2.0.0/16 via inet6 fe80::1 dev r0 >/dev/null 2>&1
expect route-add-duplicate "1" route add 10.2.0.0/16 via inet6 fe80::2 dev r0
expect route-replace-bad "1 2" route replace 10.2.0.0/16 via inet6 10.0.0.1 dev r0
expect route-del-none "2" route del
expect route-del-absent "1" route del 10.9.9.0/24
expect route-del-bad "1 2" route del 10.9.9.0/99
expect route-del-extra "2" route del 10.2.0.0/16 extra
expect route-show-bad "1 2" route show banana
expect route-flush-extra "2" route flush now
expect route-throw-none "2" route add throw
expect route-throw-extra "2" route add throw 10.5.0.0/16 via inet6 fe80::1 dev r0
expect route-throw-host-bits "1" route add throw 10.5.0.1/16

# a throw route is shown as such, and the line it prints is accepted back
t=route-throw-round-trip
v6 r route del 10.5.0.0/16 >/dev/null 2>&1
if ! out=$(v6 r route add throw 10.5.0.0/16 2>&1); then
	fail $t "route add throw failed" "$out"
elif ! line=$(v6 r route show 10.5.0.0/16 2>&1) || [ "$line" != "throw 10.5.0.0/16" ]; then
	fail $t "route show printed '$line', want 'throw 10.5.0.0/16'"
elif ! v6 r route del 10.5.0.0/16 >/dev/null 2>&1 || ! out=$(v6 r route add $line 2>&1); then
	fail $t "route add $line (read back) failed" "$out"
elif ! v6 r -j route show 10.5.0.0/16 | "$PYTHON" -c '
import json, sys
assert json.load(sys.stdin) == [{"type": "throw", "dst": "10.5.0.0/16"}]'; then
	fail $t "-j route show of a throw route" "$(v6 r -j route show 10.5.0.0/16 2>&1)"
else
	pass $t
fi
v6 r route del 10.5.0.0/16 >/dev/null 2>&1

expect neigh-alone-shows "0 2" neigh
expect neigh-unknown-sub "2" neigh frob
expect neigh-add-none "2" neigh add
expect neigh-add-no-lladdr "2" neigh add fe80::1
expect neigh-add-no-dev "2" neigh add fe80::1 lladdr 02:00:00:00:00:01
expect neigh-add-bad-mac "1 2" neigh add fe80::1 lladdr 02:00:00:00:zz:01 dev r0
expect neigh-add-short-mac "1 2" neigh add fe80::1 lladdr 02:00:00:00:01 dev r0
expect neigh-add-ipv4 "1 2" neigh add 10.0.0.1 lladdr 02:00:00:00:00:01 dev r0
expect neigh-add-unknown-dev "1 2" neigh add fe80::1 lladdr 02:00:00:00:00:01 dev nosuchdev0
expect neigh-add-extra "2" neigh add fe80::1 lladdr 02:00:00:00:00:01 dev r0 extra
expect neigh-del-none "2" neigh del
expect neigh-del-no-dev "2" neigh del fe80::1
expect neigh-del-absent "1" neigh del fe80::99 dev r0
expect neigh-show-extra "2" neigh show banana
expect neigh-flush-extra "2" neigh flush now

expect apply-none "2" apply
expect apply-missing-file "1" apply "$T/does-not-exist"
expect apply-two-files "2" apply "$T/a" "$T/b"
expect apply-directory "1" apply "$T"
expect stats-extra "2" stats now
expect status-extra "2" status now

# --help of every command and sub-command exits 0 and prints something
for cmd in "" attach detach route "route add" "route del" "route show" neigh "neigh add" apply \
	stats status nexthop "nexthop show"; do
	name="help-${cmd// /-}"
	# shellcheck disable=SC2086 # the command's words are separate arguments
	if out=$(v6 r $cmd --help 2>&1) && [ -n "$out" ]; then pass "${name%-}"; else
		fail "${name%-}" "v4via6 $cmd --help exited $? or printed nothing" "$out"; fi
done

# -j output parses as JSON, with something in it (a route and a neighbour are there)
v6 r route replace 10.2.0.0/16 via inet6 fe80::1 dev r0 >/dev/null 2>&1
v6 r neigh replace fe80::1 lladdr 02:00:00:00:00:01 dev r0 >/dev/null 2>&1
for cmd in "route show" "neigh show" stats status "nexthop show -s"; do
	name="json-${cmd// /-}"
	# shellcheck disable=SC2086 # the command's words are separate arguments
	if out=$(v6 r -j $cmd 2>&1) && "$PYTHON" -c 'import json, sys; assert json.load(sys.stdin)' \
		<<<"$out" 2>/dev/null; then pass "$name"; else
		fail "$name" "v4via6 -j $cmd: not JSON, or empty" "$out"; fi
done

# -j with interface names that are bytes, not UTF-8 text, or hold control characters: still
# JSON, each byte that is not UTF-8 written as \u00XX of its value (it used to be copied raw)
t=json-non-utf8-ifname
bad=$'\xff\xfe' ctl=$'c\x01\x7f'
if ! ip -n "$(ns r)" link add "$bad" type veth peer name "$ctl" >"$T/out" 2>&1; then
	skip $t "ip link add with a non-UTF-8 name: $(cat "$T/out")"
else
	ip -n "$(ns r)" link set "$bad" up
	ip -n "$(ns r)" link set "$ctl" up
	v6 r attach "$bad" "$ctl" >"$T/out" 2>&1 &&
		v6 r route replace 10.3.0.0/16 via inet6 fe80::3 dev "$bad" >>"$T/out" 2>&1 &&
		v6 r route replace 10.4.0.0/16 via inet6 fe80::4 dev "$ctl" >>"$T/out" 2>&1 &&
		v6 r neigh replace fe80::3 lladdr 02:00:00:00:00:03 dev "$bad" >>"$T/out" 2>&1
	rc=$?
	for cmd in "route show" "neigh show" status "nexthop show"; do
		# shellcheck disable=SC2086 # the command's words are separate arguments
		v6 r -j $cmd >"$T/j-${cmd// /-}" 2>&1
	done
	if [ $rc != 0 ]; then
		fail $t "attach/route/neigh on the odd names failed" "$(cat "$T/out")"
	elif ! out=$("$PYTHON" - "$T" 2>&1 <<'PY'
import json, sys
d = sys.argv[1]
def load(name):
    with open(f"{d}/j-{name}", "rb") as f:
        return json.loads(f.read().decode("utf-8"))  # strict: raises on bad UTF-8
routes = {r["dst"]: r.get("dev") for r in load("route-show")}
assert routes["10.3.0.0/16"] == "\u00ff\u00fe", routes
assert routes["10.4.0.0/16"] == "c\u0001\u007f", routes
neighs = load("neigh-show")
assert any(n.get("dev") == "\u00ff\u00fe" for n in neighs), neighs
load("status")
hops = {h.get("dev") for h in load("nexthop-show")}
assert "\u00ff\u00fe" in hops and "c\u0001\u007f" in hops, hops
PY
	); then
		fail $t "-j output is not valid JSON, or the names differ" \
			"$out$(cat "$T"/j-* | od -c | head -20)"
	else
		pass $t
	fi
	v6 r detach "$bad" "$ctl" >/dev/null 2>&1
	ip -n "$(ns r)" link del "$bad" 2>/dev/null
fi

# the good commands work, so that the errors above are not all there is
expect good-route-show "0" route show
expect good-stats "0" stats
expect good-status "0" status
expect good-json-status "0" -j status
expect good-detach-all "0" detach --all

# --- status counts throw routes apart from routes via interfaces that are not attached ----
t=status-throw-count
if ! out=$(v6 r attach r0 2>&1); then
	fail $t "attach r0 failed" "$out"
elif ! v6 r route replace 10.2.0.0/16 via inet6 fe80::1 dev r0 >/dev/null 2>&1 ||
	! v6 r route replace throw 10.2.5.0/24 >/dev/null 2>&1; then
	fail $t "could not add a route and a throw route" "$(v6 r route show 2>&1)"
elif ! out=$(v6 r status 2>&1) || ! grep -qx 'routes: 2 (1 throw)' <<<"$out"; then
	fail $t "status does not say 'routes: 2 (1 throw)'" "$out"
elif ! v6 r -j status | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
assert (d["routes"], d["routes_throw"], d["routes_unattached"]) == (2, 1, 0), d'; then
	fail $t "-j status: want routes 2, routes_throw 1, routes_unattached 0" "$(v6 r -j status 2>&1)"
else
	pass $t
fi

# --- under -j, a failing command prints one JSON document on stdout, with its error -------
# json_error NAME CODE PYCHECK ARGS...: v4via6 -j ARGS exits CODE, nothing on stderr, and its
# whole stdout is one JSON document d for which the python expression PYCHECK is true
json_error() {
	local name=$1 code=$2 check=$3 rc
	shift 3
	v6 r -j "$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	if [ $rc != "$code" ]; then
		fail "$name" "v4via6 -j $* exited $rc, want $code" "$(cat "$T/out" "$T/err")"
	elif [ -s "$T/err" ]; then
		fail "$name" "v4via6 -j $* wrote on stderr" "$(cat "$T/out" "$T/err")"
	elif ! "$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert '"$check"', d' "$T/out" 2>"$T/py"; then
		fail "$name" "stdout is not one JSON document with $check" "$(cat "$T/out" "$T/py")"
	else
		pass "$name"
	fi
}
one='isinstance(d["error"], str) and d["error"] and list(d) == ["error"]'
json_error json-error-route-add 1 "$one" route add 10.1.0.0/16 via inet6 fe80::1 dev nosuchdev0
json_error json-error-route-del 1 "$one" route del 10.9.9.0/24
json_error json-error-bad-prefix 1 "$one" route show banana
json_error json-error-usage 2 "$one" route frob
json_error json-error-option 2 "$one" --bogus status
json_error json-error-apply-missing 1 "$one" apply "$T/does-not-exist"
printf 'attach r0\nroute 10.1.0.0/33 via inet6 fe80::1 dev r0\nfrobnicate\n' >"$T/bad.conf"
lines='d["errors"][0] == d["error"] and len(d["errors"]) == 2'
json_error json-error-apply-lines 1 "$lines and d[\"error\"].startswith(\"$T/bad.conf:2: \")" \
	apply "$T/bad.conf"
# More neighbours than the map holds: apply refuses the file before it changes anything (it
# used to write the route and 65536 neighbours, then fail), with FILE:LINE of the first one over.
# (This no longer reaches the path of a command failing after it began its document.)
"$PYTHON" -c '
print("attach r0\nroute 10.2.0.0/16 via inet6 fe80::1 dev r0")
for i in range(65537):
    print("neigh fe80::%x:%x lladdr 02:00:00:00:00:01 dev r0" % (i >> 16, i & 0xffff))' >"$T/many.conf"
json_error json-error-apply-capacity 1 \
	"d[\"error\"].startswith(\"$T/many.conf:65539: too many neighbours\") and \"neighbours\" not in d" \
	apply "$T/many.conf"
# the same without -j: the FILE:LINE error on stderr, no summary, nothing written
t=apply-capacity-text
if v6 r apply "$T/many.conf" >"$T/out" 2>"$T/err"; then
	fail $t "apply of 65537 neighbours succeeded"
elif [ -s "$T/out" ] || ! grep -q "^$T/many.conf:65539: too many neighbours" "$T/err" ||
	[ "$(v6 r neigh show 2>/dev/null | wc -l)" -gt 1 ]; then
	fail $t "want only '$T/many.conf:65539: too many neighbours' on stderr, nothing written" \
		"$(cat "$T/out" "$T/err")"
else
	pass $t
fi
v6 r neigh flush >/dev/null 2>&1

# --- run by a user who is not root: every command fails once, clearly ------------------------
# asuser ARGS...: v4via6 ARGS in namespace r as nobody, with no capabilities (setpriv drops them)
asuser() {
	nsx r setpriv --reuid=nobody --regid=nogroup --clear-groups \
		${CAPS:+--inh-caps=$CAPS --ambient-caps=$CAPS} "$V4VIA6" "$@"
}
printf 'attach r0\n' >"$T/user.conf"
if ! command -v setpriv >/dev/null || ! id nobody >/dev/null 2>&1; then
	skip not-root "setpriv (util-linux) or the user nobody is missing"
elif ! asuser --help >/dev/null 2>&1; then
	skip not-root "nobody cannot run $V4VIA6 (a directory on its path is closed)"
else
	routes_before=$(v6 r route show 2>&1)
	while read -r name args; do
		# shellcheck disable=SC2086 # the command's words are separate arguments
		asuser $args <"$T/user.conf" >"$T/out" 2>"$T/err"
		rc=$?
		if [ $rc != 1 ]; then
			fail "not-root-$name" "v4via6 $args as nobody exited $rc, want 1" "$(cat "$T/out" "$T/err")"
		elif [ "$(wc -l <"$T/err")" != 1 ] ||
			! grep -qx "v4via6: [a-z ]*: needs root (CAP_BPF and CAP_NET_ADMIN)" "$T/err"; then
			fail "not-root-$name" "want one line 'v4via6: ...: needs root (CAP_BPF and CAP_NET_ADMIN)'" \
				"$(cat "$T/out" "$T/err")"
		else
			pass "not-root-$name"
		fi
	done <<-EOF
		attach attach r0
		detach detach r0
		detach-all detach --all
		route-add route add 10.3.0.0/16 via inet6 fe80::1 dev r0
		route-del route del 10.2.0.0/16
		route-show route show
		route-check route check
		neigh-show neigh show
		nexthop-show nexthop show
		neigh-add neigh add fe80::1 lladdr 02:00:00:00:00:01 dev r0
		apply apply -
		stats stats
		status status
		sync sync --once
	EOF
	t=not-root-changed-nothing
	if [ "$(v6 r route show 2>&1)" != "$routes_before" ] ||
		! ip -n "$(ns r)" link show dev r0 | grep -q 'prog/xdp'; then
		fail $t "the state changed" "$(v6 r route show 2>&1; ip -n "$(ns r)" link show dev r0)"
	else
		pass $t
	fi
	t=not-root-json
	if asuser -j status >"$T/out" 2>"$T/err" || [ -s "$T/err" ] || ! "$PYTHON" -c '
import json, sys
assert "needs root" in json.load(open(sys.argv[1]))["error"]' "$T/out"; then
		fail $t "-j status as nobody: want exit 1 and {\"error\":\"...needs root...\"}" \
			"$(cat "$T/out" "$T/err")"
	else
		pass $t
	fi
	# with the capabilities but not root: the pin dir (0700, root's) cannot be read, which is
	# not "program: not loaded"
	t=not-root-status-unreadable
	CAPS=+bpf,+net_admin asuser status >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc != 1 ] || grep -q 'not loaded' "$T/out" "$T/err" ||
		! grep -q '^v4via6: status: .*Permission denied (run as root)' "$T/err"; then
		fail $t "status as nobody with the capabilities exited $rc, want 1 and the reason" \
			"$(cat "$T/out" "$T/err")"
	else
		pass $t
	fi
fi
expect good-detach-all-again "0" detach --all

exit $((LIB_FAILS > 0))
