# SPDX-License-Identifier: GPL-2.0-only
"""Random churn of the kernel's IPv4 routes and nexthop objects in a router
namespace where `v4via6 sync` runs (tests/test-sync-churn.sh sets it up), in
the spirit of the kernel's tools/testing/selftests/net/fib_nexthops.sh. After
every change, waits until v4via6's routes map (`v4via6 -j route show`) equals
what the kernel uses, derived from `ip -j route show` (table main and local)
and `ip -j nexthop show`, and cross-checked with `ip route get fibmatch` for
prefixes with several routes of the lowest metric (aliases). A divergence that
outlasts the wait is a FAIL printing the change and the difference.

Usage: sync_churn.py NETNS V4VIA6 SEED STEPS    the scenarios, then STEPS random changes
       sync_churn.py NETNS V4VIA6 compare SECONDS  only wait until the map equals the kernel
Prints PASS/FAIL lines named sync-churn/NAME, as tests/lib.sh does (compare
prints the difference, if any, and exits 1).
"""
import json
import os
import random
import subprocess
import sys
import time

NS, V4VIA6 = sys.argv[1], sys.argv[2]
ATTACHED = ("r1", "r2")  # r3 is up but not attached
DEVS = ("r1", "r2", "r3")
# each prefix of the pool with an address that no longer prefix of the pool covers
PROBES = {
    "0.0.0.0/0": "172.16.0.1",
    "10.0.0.0/8": "10.200.0.1",
    "10.1.0.0/16": "10.1.200.1",
    "10.2.0.0/16": "10.2.200.1",
    "10.3.0.0/16": "10.3.0.1",
    "10.1.1.0/24": "10.1.1.1",
    "10.1.1.128/25": "10.1.1.200",
    "10.2.2.2/32": "10.2.2.2",
}
PREFIXES = list(PROBES)
GWS = ("fe80::1", "fe80::2", "fe80::3", "fe80::4")
VERBOSE = bool(os.environ.get("CHURN_VERBOSE"))
SETTLE_S = 10.0  # a link going down can hold the kernel (RTNL) for seconds on a loaded machine
fails = 0


def run(*args):
    return subprocess.run(["nsenter", "--net=/run/netns/" + NS] + list(args),
                          capture_output=True, text=True)


def ip(*args):
    return run("ip", *args)


def jrun(*args):
    p = run(*args)
    try:
        return json.loads(p.stdout or "[]")
    except ValueError:
        return None


def norm(dst):
    if dst == "default":
        return "0.0.0.0/0"
    return dst if "/" in dst else dst + "/32"


def kernel_view():
    """What the kernel uses, per prefix: 'via ADDR dev DEV', 'nhid N', 'group HOPS' or 'throw'."""
    # one process for the three: `ip route` is IPv4 by default, `ip nexthop` every family
    p = subprocess.run(["nsenter", "--net=/run/netns/" + NS, "ip", "-j", "-batch", "-"],
                       input="route show table main\nroute show table local\nnexthop show\n",
                       capture_output=True, text=True)
    try:
        main, local, nhs = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    except ValueError:
        return None, None
    objs = {o["id"]: o for o in nhs}
    want, groups = {}, {}
    for r in local:
        dst = norm(r["dst"])
        if not dst.startswith("127."):
            want[dst] = "throw"  # the router's own and broadcast addresses
    for r in main:
        groups.setdefault(norm(r["dst"]), []).append(r)
    chosen = {}
    for dst, rs in groups.items():
        if dst in want:
            continue
        best = min(r.get("metric", 0) for r in rs)
        first = [r for r in rs if r.get("metric", 0) == best]
        chosen[dst] = (first[0], len(first))
        want[dst] = expect_route(first[0], objs)
        # several unicast defaults of one metric: the kernel picks by neighbour state
        # (fib_select_default), which sync leaves to the kernel
        if dst == "0.0.0.0/0" and sum(1 for r in first if r.get("type", "unicast") == "unicast"
                                      and not r.get("tos") and not r.get("dsfield")) > 1:
            want[dst] = "throw"
            chosen[dst] = (first[0], 1)
    return want, chosen


def usable_hop(via, dev, flags):
    return (via or {}).get("family") == "inet6" and dev in ATTACHED and \
        "linkdown" not in flags and "dead" not in flags


def object_ok(o):
    """A nexthop object sync mirrors: an IPv6 gateway on an attached device (link state aside)."""
    return o is not None and o.get("blackhole") is None and "encap" not in o and \
        "fdb" not in o and o.get("gateway", "").count(":") and o.get("dev") in ATTACHED


def expect_route(r, objs):
    if r.get("type", "unicast") != "unicast" or r.get("tos") or r.get("dsfield"):
        return "throw"
    if any("mtu" in m for m in r.get("metrics", [])):
        return "throw"
    if "nhid" in r:
        # the route names the object; a group when every member can be mirrored
        o = objs.get(r["nhid"])
        if o is not None and "group" in o:
            ok = all(object_ok(objs.get(m["id"])) for m in o["group"])
        else:
            ok = object_ok(o)
        return "nhid %d" % r["nhid"] if ok else "throw"
    if "nexthops" in r:
        # every hop with its weight, or (a hop XDP cannot take) the kernel's whole
        hops = r["nexthops"]
        if len(hops) > 32 or any((h.get("via") or {}).get("family") != "inet6" or
                                 h.get("dev") not in ATTACHED or "encap" in h for h in hops):
            return "throw"
        return "group " + " ".join(sorted("via %s dev %s weight %d" % (
            h["via"]["host"], h["dev"], h.get("weight", 1)) for h in hops))
    if "encap" in r:
        return "throw"
    if usable_hop(r.get("via"), r.get("dev"), r.get("flags", [])):
        return "via %s dev %s" % (r["via"]["host"], r["dev"])
    return "throw"


def map_view():
    routes = jrun(V4VIA6, "-j", "route", "show")
    if routes is None:
        return None
    m = {}
    for r in routes:
        if r.get("type") == "throw":
            m[norm(r["dst"])] = "throw"
        elif "nhid" in r:
            m[norm(r["dst"])] = "nhid %d" % r["nhid"]
        elif "nexthops" in r:
            m[norm(r["dst"])] = "group " + " ".join(sorted("via %s dev %s weight %d" % (
                h["via"]["host"], h["dev"], h.get("weight", 1)) for h in r["nexthops"]))
        else:
            m[norm(r["dst"])] = "via %s dev %s" % (r["via"]["host"], r["dev"])
    return m


def diff(want, got):
    out = []
    for dst in sorted(set(want) | set(got)):
        w, g = want.get(dst), got.get(dst)
        if w == "any" and g is not None:
            continue
        if w != g:
            out.append("%-16s kernel: %-30s map: %s" % (dst, w or "(none)", g or "(none)"))
    return out


def fibmatch_check(chosen):
    """The model's choice among aliases must be the kernel's: `ip route get fibmatch`."""
    out = []
    for dst, (r, n) in chosen.items():
        if n < 2 or dst not in PROBES:
            continue
        got = jrun("ip", "-j", "route", "get", "fibmatch", PROBES[dst])
        if not got or norm(got[0].get("dst", "")) != dst:
            continue  # blackhole and the like: no answer to compare
        g = got[0]
        if (g.get("via"), g.get("dev"), g.get("nhid"), g.get("type", "unicast")) != \
                (r.get("via"), r.get("dev"), r.get("nhid"), r.get("type", "unicast")):
            out.append("%s: ip route get fibmatch says %s, the dump's first alias is %s" %
                       (dst, json.dumps(g), json.dumps(r)))
    return out


def settle():
    """Polls until the map equals the kernel's view; returns the last difference ([] if equal)."""
    end = time.time() + SETTLE_S
    while True:
        want, chosen = kernel_view()
        got = map_view()
        if want is not None and got is not None:
            d = diff(want, got) + fibmatch_check(chosen)
            if not d:
                return []
        else:
            d = ["could not read the kernel's tables or the map"]
        if time.time() > end:
            return d
        time.sleep(0.02)


def fail(name, why, lines=()):
    global fails
    fails += 1
    print("FAIL sync-churn/%s: %s" % (name, why))
    for line in lines:
        print("    " + line)
    sys.stdout.flush()


def step(name, *cmd):
    """Runs one change (ip's own refusal is fine: then nothing changed) and compares."""
    p = ip(*cmd)
    time.sleep(0.005)  # sync's turn: most changes are then in the map at the first look
    d = settle()
    if d:
        fail(name, "map differs from the kernel after `ip %s` (rc %d%s)" %
             (" ".join(cmd), p.returncode, ": " + p.stderr.strip() if p.stderr.strip() else ""),
             d + ["kernel: " + line for line in ip("-4", "route", "show").stdout.splitlines()])
        return False
    return True


def reset():
    """Back to no routes and no nexthop objects, whatever a scenario left."""
    ip("route", "flush", "table", "main")
    ip("nexthop", "flush")
    settle()


def scenario(name, steps, check=None):
    for cmd in steps:
        if not step(name, *cmd.split()):
            reset()
            return
    why = check() if check else None
    if why:
        fail(name, why)
    else:
        print("PASS sync-churn/%s (%d changes)" % (name, len(steps)))
        sys.stdout.flush()
    reset()


def status_counts():
    s = jrun(V4VIA6, "-j", "status") or {}
    return s.get("sync", {}) if isinstance(s, dict) else {}


if sys.argv[3] == "compare":
    SETTLE_S = float(sys.argv[4])
    d = settle()
    print("\n".join(d))
    sys.exit(1 if d else 0)
SEED, STEPS = int(sys.argv[3]), int(sys.argv[4])

# ---- fixed scenarios first: each defect of issue 8's sync part, by name ----
# 14: aliases, in the kernel's order; the kernel uses the first
scenario("aliases", [
    "route add 10.0.0.0/8 via inet6 fe80::4 dev r2",
    "route add 10.1.0.0/16 via inet6 fe80::1 dev r1",
    "route append 10.1.0.0/16 via inet6 fe80::2 dev r2",
    "route del 10.1.0.0/16 via inet6 fe80::1 dev r1",
    "route prepend 10.1.0.0/16 via inet6 fe80::3 dev r1",
    "route replace 10.1.0.0/16 via inet6 fe80::4 dev r1",
    "route append 10.1.0.0/16 blackhole",
    "route del 10.1.0.0/16 via inet6 fe80::4 dev r1",
    "route del 10.1.0.0/16 via inet6 fe80::2 dev r2",
    "route del 10.1.0.0/16",
    "route del 10.0.0.0/8",
])

# an alias through a nexthop group, second in its list: the kernel's updates of it when the group
# changes (nexthop_compat_mode) must not touch the first alias
scenario("aliases-nexthop-group", [
    "nexthop add id 1 via fe80::1 dev r1",
    "nexthop add id 2 via fe80::2 dev r2",
    "nexthop add id 5 group 1/2",
    "route add 10.1.0.0/16 via inet6 fe80::4 dev r2",
    "route append 10.1.0.0/16 nhid 5",
    "nexthop replace id 5 group 2",
    "nexthop replace id 2 via fe80::3 dev r2",
    "route del 10.1.0.0/16 via inet6 fe80::4 dev r2",
    "nexthop replace id 5 group 1",
    "route prepend 10.1.0.0/16 via inet6 fe80::4 dev r1",
    "route del 10.1.0.0/16 nhid 5",
])


# 15: encapsulation (route and nexthop object) and the mtu metric go to the kernel, counted
def unsupported_counted():
    end = time.time() + 3
    while time.time() < end:
        n = status_counts().get("routes_unsupported", 0)
        if n >= 3:
            return None
        time.sleep(0.2)
    return "status counts %s routes as unsupported, expected 3" % n


scenario("encap-mtu", [
    "route add 10.0.0.0/8 via inet6 fe80::4 dev r2",
    "route add 10.1.0.0/16 encap seg6 mode encap segs fc00::1 via inet6 fe80::1 dev r1",
    "route add 10.2.0.0/16 via inet6 fe80::1 dev r1 mtu 1300",
    "nexthop add id 90 encap seg6 mode encap segs fc00::1 via fe80::2 dev r2",
    "route add 10.3.0.0/16 nhid 90",
], unsupported_counted)


# ---- random churn ----
rng = random.Random(SEED)
down = set()


def rand_nh():
    dev, gw = rng.choice(DEVS), rng.choice(GWS)
    k = rng.random()
    if k < 0.45:
        return "via inet6 %s dev %s" % (gw, dev)
    if k < 0.6:
        return "nhid %d" % rng.randint(1, 6)
    if k < 0.68:
        return "via 192.0.2.%d dev %s onlink" % (rng.randint(1, 3), dev)
    if k < 0.74:
        return "encap seg6 mode encap segs fc00::1 via inet6 %s dev %s" % (gw, dev)
    if k < 0.8:
        return "via inet6 %s dev %s mtu 1300" % (gw, dev)
    if k < 0.9:
        return "nexthop via inet6 %s dev %s nexthop via inet6 %s dev %s" % (
            gw, dev, rng.choice(GWS), rng.choice(DEVS))
    return "dev %s" % dev  # connected


def rand_change():
    k = rng.random()
    p = rng.choice(PREFIXES)
    metric = rng.choice(("", "", "metric 100"))
    if k < 0.45:
        verb = rng.choice(("add", "append", "prepend", "replace"))
        if rng.random() < 0.08:
            return "route %s blackhole %s %s" % (verb, p, metric)
        return "route %s %s %s %s" % (verb, p, metric, rand_nh())
    if k < 0.62:
        if rng.random() < 0.5:
            return "route del %s %s" % (p, metric)
        return "route del %s %s %s" % (p, metric, rand_nh())
    if k < 0.86:
        n = rng.randint(1, 6)
        verb = rng.choice(("add", "replace", "replace", "del"))
        if verb == "del":
            return "nexthop del id %d" % n
        if n >= 5:  # groups of the single ones
            a, b = rng.sample(range(1, 5), 2)
            return "nexthop %s id %d group %d/%d" % (verb, n, a, b)
        dev, gw = rng.choice(DEVS), rng.choice(GWS)
        if rng.random() < 0.15:
            return "nexthop %s id %d encap seg6 mode encap segs fc00::1 via %s dev %s" % (
                verb, n, gw, dev)
        if rng.random() < 0.1:
            return "nexthop %s id %d blackhole" % (verb, n)
        return "nexthop %s id %d via %s dev %s" % (verb, n, gw, dev)
    dev = rng.choice(DEVS)
    if dev in down:
        down.discard(dev)
        return "link set %s up" % dev
    if rng.random() < 0.5:
        down.add(dev)
        return "link set %s down" % dev
    return "route flush %s" % p


# on a loaded machine each change costs more: the churn stops at its time budget
BUDGET_S = float(os.environ.get("CHURN_BUDGET", "45"))
start, n_ok = time.time(), 0
for i in range(STEPS):
    if time.time() - start > BUDGET_S:
        break
    cmd = " ".join(rand_change().split())
    if VERBOSE:
        print("change %d: ip %s" % (i + 1, cmd))
    if step("churn", *cmd.split()):
        n_ok += 1
    else:
        fail("churn", "at change %d of %d (seed %d)" % (i + 1, STEPS, SEED))
        break
if not fails:
    want, _ = kernel_view()
    print("PASS sync-churn/churn (%d of %d random changes in %.1f s (budget %.0f s), seed %d; map "
          "equal to the kernel after each; %d prefixes at the end)" %
          (n_ok, STEPS, time.time() - start, BUDGET_S, SEED, len(want or {})))
sys.exit(1 if fails else 0)
