# SPDX-License-Identifier: GPL-2.0-only
"""Turns the raw figures bench/run.sh collected in WORKDIR into the results
JSON, the table on stdout and the data file of the plot.

usage: report.py WORKDIR RESULT.json PLOT.dat
"""
import json
import statistics
import sys
import time

# the programs of the program cost figures; v4via6_nocount is v4via6 without nh_stats
PROGS = ("v4via6", "v4via6_nocount", "fibfwd")


def lines(path):
    try:
        with open(path) as f:
            return [line.rstrip("\n") for line in f if line.strip()]
    except FileNotFoundError:
        return []


def keyvals(path):
    out = {}
    for line in lines(path):
        key, _, val = line.partition(" ")
        out[key] = val
    return out


def number(s):
    try:
        return float(s)
    except ValueError:
        return s  # "n/a: why"


def above(p, k, floor):
    """A program's median above the floor, None when progcost did not run it."""
    return round(p[k]["median_ns"] - floor, 2) if k in p else None


def program_cost(work):
    live, live_tbl8 = {}, {}
    for line in lines(work + "/live_tbl8.txt"):
        n, k, frames = line.split()
        live_tbl8[int(n)] = {"tbl8": int(k), "frames": int(frames)}
    for line in lines(work + "/live.txt"):
        n, mode, ns, pps, kfwd = line.split()
        # no traffic (trafgen failed three times): no figure rather than 0 ns
        live[(int(n), mode)] = {"ns_per_run": float(ns) if int(pps) else None, "pps": int(pps),
                                "kernel_forwarded": int(kfwd)}
    rows = []
    for line in lines(work + "/progcost.jsonl"):
        pc = json.loads(line)
        p = pc["programs"]
        floor, v4, fib = (p[k]["median_ns"] for k in ("drop", "v4via6", "fibfwd"))
        nc = p.get("v4via6_nocount", {}).get("median_ns")
        rows.append({
            "routes": pc["routes"],
            "drop_ns": floor,
            "v4via6_ns": v4,
            "v4via6_nocount_ns": nc,
            "fibfwd_ns": fib,
            "v4via6_above_floor_ns": above(p, "v4via6", floor),
            "v4via6_nocount_above_floor_ns": above(p, "v4via6_nocount", floor),
            "fibfwd_above_floor_ns": above(p, "fibfwd", floor),
            "v4via6_over_fibfwd": round((v4 - floor) / (fib - floor), 3) if fib > floor else None,
            "nh_stats_ns": round(v4 - nc, 2) if nc is not None else None,
            "checked": pc["checked"],
            "wrong_verdicts": {k: p[k]["wrong_verdicts"] for k in p},
            "runs_ns": {k: p[k]["runs_ns"] for k in p},
            "test_runs": {"frames": pc["frames"], "repeat": pc["repeat"], "calls": pc["calls"],
                          "runs": pc["runs"]},
            "v4via6_map_fill_s": pc["v4via6_map_fill_s"],
            "live": {m: live.get((pc["routes"], m)) for m in PROGS},
            "live_destinations_through_tbl8": live_tbl8.get(pc["routes"]),
        })
    return rows


def memory(work):
    """{routes: {map: bytes_memlock}, with tbl8_blocks: [used, total]}"""
    out = {}
    for line in lines(work + "/memory.txt"):
        n, key, *val = line.split()
        out.setdefault(int(n), {})[key] = ([int(v) for v in val] if key == "tbl8_blocks"
                                           else int(val[0]) if val and val[0].isdigit() else None)
    return out


def end_to_end(work, routes):
    by_mode, leaks, prog_ns, by_round = {}, {}, {}, {}
    for line in lines(work + "/e2e.txt"):
        rnd, mode, pps, kfwd, xfwd, live = line.split()
        by_mode.setdefault(mode, []).append(int(pps))
        by_round.setdefault(rnd, {})[mode] = int(pps)
        leaks.setdefault(mode, []).append({"kernel_forwarded": int(kfwd),
                                           "v4via6_forwarded": int(xfwd)})
        if mode != "kernel":
            prog_ns.setdefault(mode, []).append(float(live))
    if not by_mode:
        return {}
    # a round where nothing arrived (trafgen failed three times) is no measurement
    med = {m: statistics.median([x for x in v if x] or [0]) for m, v in by_mode.items()}
    ceil = med.get("ceiling")
    cost = {}
    for m, pps in med.items():
        if m != "ceiling" and ceil and pps:
            cost[m] = round(1e9 / pps - 1e9 / ceil, 1)
    kern = cost.get("kernel")
    # each round's cost ratio against the kernel, from that round's own ceiling
    per_round = {}
    for rnd, r in sorted(by_round.items()):
        c = r.get("ceiling")
        if not c or not r.get("kernel"):
            continue
        kc = 1e9 / r["kernel"] - 1e9 / c
        for m, pps in r.items():
            if m not in ("ceiling", "kernel") and pps and kc > 0:
                per_round.setdefault(m, []).append(round((1e9 / pps - 1e9 / c) / kc, 3))
    return {
        "router_cost_vs_kernel_per_round": per_round,
        "routes": routes,
        "pps_rounds": by_mode,
        "median_pps": med,
        "forwarded_in_window": leaks,
        "xdp_prog_ns_per_run_live": {m: statistics.median(v) for m, v in prog_ns.items()},
        "router_ns_per_packet": cost,
        "router_cost_vs_kernel": {m: round(c / kern, 3) for m, c in cost.items()}
        if kern else {},
        "pps_vs_kernel": {m: round(p / med["kernel"], 3) for m, p in med.items()}
        if med.get("kernel") else {},
    }


def control_plane(work, fib_steps):
    cp = {k: number(v) for k, v in keyvals(work + "/control.txt").items()}
    for k in ("route_replace_us", "route_replace_cmd_us"):
        if isinstance(cp.get(k), str) and not cp[k].startswith("n/a"):
            vals = [int(x) for x in cp[k].split()]
            cp[k] = {"runs": vals, "median": statistics.median(vals) if vals else None}
    cp["kernel_fib_steps"] = fib_steps
    return cp


def ecmp(work):
    """ecmpcost's JSON (bench/ecmpcost.c), with the costs above the drop floor; {} if not run."""
    try:
        with open(work + "/ecmp.json") as f:
            e = json.load(f)
    except (FileNotFoundError, ValueError):
        return {}
    cost = e.get("cost")
    if cost:
        floor = cost["drop"]["median"]
        for case in ("plain", "group1", "group2", "group8"):
            c = cost[case]
            c["above_floor_ns"] = round(c["ns"]["median"] - floor, 2)
            c["over_plain_ns"] = round(c["ns"]["median"] - cost["plain"]["ns"]["median"], 2)
    return e


def ecmp_print(e):
    p = print
    p("4. ECMP (bench/ecmpcost.c)")
    if "error" in e:
        p("   n/a: ecmpcost failed: %s" % e["error"])
        p()
        return
    cost = e["cost"]
    p("   Program cost, ns/packet (BPF_PROG_TEST_RUN; medians of %d runs; the same %d flows "
      "through one route, replaced between cases)" % (e["runs"], e["frames"]))
    p("   %-26s %8s %9s %10s %8s  %s" % ("route through", "members", "ns", "above drop",
                                        "vs plain", "checked"))
    p("   %-26s %8s %9.1f" % ("(drop: the floor)", "", cost["drop"]["median"]))
    labels = {"plain": "a plain next hop", "group1": "nhid G, group of 1",
              "group2": "nhid G, group of 2", "group8": "nhid G, group of 8"}
    for case in ("plain", "group1", "group2", "group8"):
        c = cost[case]
        p("   %-26s %8d %9.1f %10.1f %+8.1f  %d/%d redirected, TTL 254%s"
          % (labels[case], c["members"], c["ns"]["median"], c["above_floor_ns"],
             c["over_plain_ns"], c["redirected"], e["frames"],
             "; WARNING: %d wrong verdicts" % c["wrong_verdicts"] if c["wrong_verdicts"] else ""))
    p("   Convergence: every route through one group of 2 (one member per link); the link "
      "of one goes down, then up (fib24_link_set), %s times"
      % (e["convergence"][0]["checks"]["flips"] if e["convergence"] else "?"))
    p("   %9s %12s %12s %14s %14s %8s %12s  %s"
      % ("routes", "fill, plain", "fill, group", "link down us", "link up us", "groups",
         "rewrite all", "checked"))
    for c in e["convergence"]:
        ch = c["checks"]
        p("   %9d %10.2f s %10.2f s %14.1f %14.1f %8s %10.2f s  %d/%d probes on the other link "
          "after down, %d/%d half the buckets back after up"
          % (c["routes"], c.get("fill_plain_s", float("nan")), c["fill_s"],
             c["link_down_us"]["median"], c["link_up_us"]["median"],
             "%d / %d" % tuple(c["groups_changed"]), c.get("rewrite_s", float("nan")),
             ch["on_alt_after_down"], ch["flips"], ch["out_buckets_back_after_up"], ch["flips"]))
    p("   fill: the routes into an empty table, to one plain next hop (no object defined) or "
      "through the group; groups: written by the down / the up;")
    p("   rewrite all: every route moved from the group to a plain next hop in one batch "
      "(what a link down costs without groups)")
    p("   goal: one write per group, under 1 ms, whatever the number of routes (medians; "
      "runs in the JSON)")
    p()


def fmt(v, unit="", nd=1):
    if isinstance(v, (int, float)):
        return ("%." + str(nd) + "f%s") % (v, unit)
    return str(v) if v is not None else "n/a"


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


def goals(pc, e2e):
    """The forwarding-table issue's goals, measure by measure: (what, value, goal, met)."""
    if not pc:
        return []
    top, one = pc[-1], pc[0]

    def live(r, m):
        return (r["live"].get(m) or {}).get("ns_per_run")

    out = []
    v = top["v4via6_over_fibfwd"]
    out.append(("test_run cost above the floor, %d routes, v4via6/fibfwd" % top["routes"],
                v, "<= 0.5", v is not None and v <= 0.5))
    v = ratio(live(top, "v4via6"), live(top, "fibfwd"))
    out.append(("live cost, %d routes, v4via6/fibfwd" % top["routes"], v, "<= 0.5",
                v is not None and v <= 0.5))
    v = ratio(live(top, "v4via6"), live(one, "v4via6"))
    out.append(("live cost, %d routes / %d route(s), v4via6" % (top["routes"], one["routes"]),
                v, "<= 1.3", v is not None and v <= 1.3))
    a, b = live(one, "v4via6"), live(one, "fibfwd")
    out.append(("live cost, %d route(s): v4via6 %s ns, fibfwd %s ns" % (one["routes"], fmt(a),
                                                                    fmt(b)),
                ratio(a, b), "well below fibfwd", a is not None and b is not None and a < b))
    rounds = (e2e or {}).get("router_cost_vs_kernel_per_round", {}).get("v4via6", [])
    med = (e2e or {}).get("router_cost_vs_kernel", {}).get("v4via6")
    out.append(("end-to-end router cost, %d routes, v4via6/kernel (median; rounds %s)"
                % (top["routes"], " ".join("%.2f" % x for x in rounds) or "n/a"),
                med, "<= 0.5 in every run", bool(rounds) and max(rounds) <= 0.5))
    return out


def main():
    work, result_path, plot_path = sys.argv[1:4]
    machine = keyvals(work + "/machine.txt")
    fib_steps = [dict(zip(("from", "to", "seconds"), map(float, l.split())))
                 for l in lines(work + "/fib_install.txt")]
    pc = program_cost(work)
    maxroutes = max((r["routes"] for r in pc), default=0)
    e2e = end_to_end(work, maxroutes)
    cp = control_plane(work, fib_steps)
    mem = memory(work)
    gl = goals(pc, e2e)
    ec = ecmp(work)
    result = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine,
        "program_cost": pc,
        "memory_bytes": mem,
        "end_to_end": e2e,
        "control_plane": cp,
        "ecmp": ec,
        "goals": [{"measure": g[0], "value": g[1], "goal": g[2], "met": g[3]} for g in gl],
    }
    with open(result_path, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    with open(plot_path, "w") as f:
        f.write("# routes drop v4via6 fibfwd (ns/packet, BPF_PROG_TEST_RUN) "
                "v4via6 fibfwd (ns/run, live) v4via6_nocount (test_run, live)\n")
        for r in pc:
            lv = [(r["live"][m] or {}).get("ns_per_run") or "NaN" for m in PROGS]
            f.write("%d %.2f %.2f %.2f %s %s %s %s\n"
                    % (r["routes"], r["drop_ns"], r["v4via6_ns"], r["fibfwd_ns"], lv[0], lv[2],
                       r["v4via6_nocount_ns"] or "NaN", lv[1]))

    p = print
    p()
    p("v4via6 bench: %s CPUs, %s, Linux %s; load average %s at start, %s at end; %s s"
      % (machine.get("nproc"), machine.get("cpu"), machine.get("kernel"),
         machine.get("load_start"), machine.get("load_end"), machine.get("duration_s")))
    p()
    p("1. Program cost, ns/packet (BPF_PROG_TEST_RUN; medians of %s runs; 256 destinations "
      "spread over the table; nocount = v4via6 without nh_stats; a table with one route in "
      "%s longer than /24)" % (pc[0]["test_runs"]["runs"] if pc else "?",
                               machine.get("long_every", "?")))
    p("   %9s %6s %7s %7s %7s %9s %9s %9s %7s %9s  %s"
      % ("routes", "drop", "v4via6", "nocount", "fibfwd", "v4-drop", "noc-drop", "fib-drop",
         "v4/fib", "nh_stats", "checked"))
    for r in pc:
        c = r["checked"]
        p("   %9d %6.1f %7.1f %7s %7.1f %9.1f %9s %9.1f %7s %9s  %d/%d redirect, %d/%d "
          "identical, %s through tbl8"
          % (r["routes"], r["drop_ns"], r["v4via6_ns"], fmt(r["v4via6_nocount_ns"]),
             r["fibfwd_ns"], r["v4via6_above_floor_ns"], fmt(r["v4via6_nocount_above_floor_ns"]),
             r["fibfwd_above_floor_ns"], fmt(r["v4via6_over_fibfwd"], "", 2),
             fmt(r["nh_stats_ns"]),
             min(c["v4via6_redirect"], c["fibfwd_redirect"],
                 c.get("v4via6_nocount_redirect", c["frames"])), c["frames"],
             c["identical_output"], c["frames"], c.get("tbl8_frames", "?")))
    p()
    p("   Live, ns/run     %9s %9s %9s %8s %9s  %s"
      % ("v4via6", "nocount", "fibfwd", "v4/fib", "nh_stats", "destinations through tbl8"))
    for r in pc:
        lv = [(r["live"][m] or {}).get("ns_per_run") for m in PROGS]
        t8 = r.get("live_destinations_through_tbl8") or {}
        p("   %9d routes %9s %9s %9s %8s %9s  %s"
          % (r["routes"], fmt(lv[0]), fmt(lv[1]), fmt(lv[2]), fmt(ratio(lv[0], lv[2]), "", 2),
             fmt(lv[0] - lv[1] if lv[0] and lv[1] else None),
             "%d of %d" % (t8["tbl8"], t8["frames"]) if t8 else "n/a"))
    p("   live: run_time_ns/run_cnt of the program attached to the router, trafgen sending to "
      "4096 destinations")
    for r in pc:
        for prog, n in r["wrong_verdicts"].items():
            if n:
                p("   WARNING: %d routes: %s returned another verdict than expected in %d of %d "
                  "test_run calls: its figure measures another path" % (
                      r["routes"], prog, n, r["test_runs"]["runs"] * r["test_runs"]["calls"]
                      * r["test_runs"]["frames"]))
    p()
    if e2e:
        p("2. End to end, %d routes, 64-byte UDP, trafgen -> router -> sink over veth (medians "
          "of %d rounds)" % (e2e["routes"], len(next(iter(e2e["pps_rounds"].values())))))
        p("   %-15s %10s %16s %14s %14s %18s" % ("mode", "pps", "router ns/pkt", "pps/kernel",
                                                 "cost/kernel", "XDP prog ns/run"))
        for m in ("ceiling", "kernel", "v4via6", "v4via6_nocount", "fibfwd"):
            if m not in e2e["median_pps"]:
                continue
            p("   %-15s %10d %16s %14s %14s %18s"
              % (m, e2e["median_pps"][m], fmt(e2e["router_ns_per_packet"].get(m, "-")),
                 fmt(e2e["pps_vs_kernel"].get(m), "", 2),
                 fmt(e2e["router_cost_vs_kernel"].get(m, "-"), "", 2),
                 fmt(e2e["xdp_prog_ns_per_run_live"].get(m, "-"))))
        p("   router ns/pkt = 1/pps - 1/pps(ceiling); XDP prog ns/run from run_time_ns/run_cnt "
          "on the live path")
        p("   cost/kernel per round: " + "; ".join(
            "%s %s" % (m, " ".join("%.2f" % x for x in v))
            for m, v in e2e["router_cost_vs_kernel_per_round"].items()))
        p()
    if mem:
        p("Memory of v4via6's maps (bytes_memlock, MiB), by routes in the table")
        maps = [k for k in next(iter(mem.values())) if k != "tbl8_blocks"]
        p("   %9s " % "routes" + " ".join("%11s" % k for k in maps) + "  tbl8 blocks used")
        for n, m in sorted(mem.items()):
            t8 = m.get("tbl8_blocks") or ["?", "?"]
            p("   %9d " % n + " ".join("%11s" % fmt(m[k] / 2**20 if m.get(k) is not None
                                                      else None, "", 2) for k in maps)
              + "  %s of %s" % tuple(t8))
        top = max(mem)
        if top > 1 and 1 in mem and mem[top].get("routes") and mem[1].get("routes") is not None:
            p("   routes trie: %.1f bytes per route (%d routes against 1)"
              % ((mem[top]["routes"] - mem[1]["routes"]) / (top - 1), top))
        p()
    if gl:
        p("Goals of the forwarding-table issue")
        for what, v, goal, met in gl:
            p("   %-72s %6s  goal %-20s %s" % (what, fmt(v, "", 2), goal,
                                               "met" if met else "MISSED"))
        p()
    p("3. Control plane (%d routes)" % maxroutes)
    rows = [
        ("kernel FIB, one ip -batch", "kernel_ip_batch_s", " s"),
        ("v4via6 apply, empty state", "apply_s", " s"),
        ("v4via6 apply, same file again", "apply_again_s", " s"),
        ("v4via6 sync --once, empty map", "sync_once_s", " s"),
        ("routes map memory (memlock)", "routes_map_bytes", ""),
    ]
    for label, key, unit in rows:
        v = cp.get(key, "n/a")
        if key == "routes_map_bytes" and isinstance(v, float):
            v = "%.0f MiB (%d bytes, %.0f per route)" % (v / 2**20, v, v / max(maxroutes, 1))
        else:
            v = fmt(v, unit, 2)
        p("   %-34s %s" % (label, v))
    rr = cp.get("route_replace_us", "n/a")
    if isinstance(rr, dict):
        p("   %-34s median %d us (runs %s; the command itself %s us)"
          % ("route replace -> first frame", rr["median"], " ".join(map(str, rr["runs"])),
             cp["route_replace_cmd_us"]["median"]))
    else:
        p("   %-34s %s" % ("route replace -> first frame", rr))
    if fib_steps:
        p("   kernel FIB growth for step 1: " + ", ".join(
            "%d->%d %.1f s" % (s["from"], s["to"], s["seconds"]) for s in fib_steps))
    if ec:
        p()
        ecmp_print(ec)


main()
