# SPDX-License-Identifier: GPL-2.0-only
"""Turns the raw figures bench/run.sh collected in WORKDIR into the results
JSON, the table on stdout and the data file of the plot.

usage: report.py WORKDIR RESULT.json PLOT.dat
"""
import json
import statistics
import sys
import time


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


def program_cost(work):
    live = {}
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
        rows.append({
            "routes": pc["routes"],
            "drop_ns": floor,
            "v4via6_ns": v4,
            "fibfwd_ns": fib,
            "v4via6_above_floor_ns": round(v4 - floor, 2),
            "fibfwd_above_floor_ns": round(fib - floor, 2),
            "v4via6_over_fibfwd": round((v4 - floor) / (fib - floor), 3) if fib > floor else None,
            "checked": pc["checked"],
            "wrong_verdicts": {k: p[k]["wrong_verdicts"] for k in p},
            "runs_ns": {k: p[k]["runs_ns"] for k in p},
            "test_runs": {"frames": pc["frames"], "repeat": pc["repeat"], "calls": pc["calls"],
                          "runs": pc["runs"]},
            "v4via6_map_fill_s": pc["v4via6_map_fill_s"],
            "live": {m: live.get((pc["routes"], m)) for m in ("v4via6", "fibfwd")},
        })
    return rows


def end_to_end(work, routes):
    by_mode, leaks, prog_ns = {}, {}, {}
    for line in lines(work + "/e2e.txt"):
        _, mode, pps, kfwd, xfwd, live = line.split()
        by_mode.setdefault(mode, []).append(int(pps))
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
    return {
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


def fmt(v, unit="", nd=1):
    if isinstance(v, (int, float)):
        return ("%." + str(nd) + "f%s") % (v, unit)
    return str(v) if v is not None else "n/a"


def main():
    work, result_path, plot_path = sys.argv[1:4]
    machine = keyvals(work + "/machine.txt")
    fib_steps = [dict(zip(("from", "to", "seconds"), map(float, l.split())))
                 for l in lines(work + "/fib_install.txt")]
    pc = program_cost(work)
    maxroutes = max((r["routes"] for r in pc), default=0)
    e2e = end_to_end(work, maxroutes)
    cp = control_plane(work, fib_steps)
    result = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine,
        "program_cost": pc,
        "end_to_end": e2e,
        "control_plane": cp,
    }
    with open(result_path, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    with open(plot_path, "w") as f:
        f.write("# routes drop v4via6 fibfwd (ns/packet, BPF_PROG_TEST_RUN) "
                "v4via6 fibfwd (ns/run, live)\n")
        for r in pc:
            lv = [(r["live"][m] or {}).get("ns_per_run") or "NaN" for m in ("v4via6", "fibfwd")]
            f.write("%d %.2f %.2f %.2f %s %s\n" % (r["routes"], r["drop_ns"], r["v4via6_ns"],
                                                   r["fibfwd_ns"], lv[0], lv[1]))

    p = print
    p()
    p("v4via6 bench: %s CPUs, %s, Linux %s; load average %s at start, %s at end; %s s"
      % (machine.get("nproc"), machine.get("cpu"), machine.get("kernel"),
         machine.get("load_start"), machine.get("load_end"), machine.get("duration_s")))
    p()
    p("1. Program cost, ns/packet (BPF_PROG_TEST_RUN; medians of %s runs; 256 destinations "
      "spread over the table)" % (pc[0]["test_runs"]["runs"] if pc else "?"))
    p("   %9s %7s %7s %7s %12s %12s %7s %12s %12s %8s  %s"
      % ("routes", "drop", "v4via6", "fibfwd", "v4via6-drop", "fibfwd-drop", "v4/fib",
         "live v4via6", "live fibfwd", "live v4/fib", "checked"))
    for r in pc:
        c = r["checked"]
        lv = [(r["live"][m] or {}).get("ns_per_run") for m in ("v4via6", "fibfwd")]
        p("   %9d %7.1f %7.1f %7.1f %12.1f %12.1f %7s %12s %12s %11s  %d/%d redirect, %d/%d "
          "identical"
          % (r["routes"], r["drop_ns"], r["v4via6_ns"], r["fibfwd_ns"],
             r["v4via6_above_floor_ns"], r["fibfwd_above_floor_ns"],
             fmt(r["v4via6_over_fibfwd"], "", 2), fmt(lv[0]), fmt(lv[1]),
             fmt(lv[0] / lv[1] if lv[0] and lv[1] else None, "", 2),
             min(c["v4via6_redirect"], c["fibfwd_redirect"]), c["frames"],
             c["identical_output"], c["frames"]))
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
        p("   %-10s %10s %16s %14s %14s %18s" % ("mode", "pps", "router ns/pkt", "pps/kernel",
                                                 "cost/kernel", "XDP prog ns/run"))
        for m in ("ceiling", "kernel", "v4via6", "fibfwd"):
            if m not in e2e["median_pps"]:
                continue
            p("   %-10s %10d %16s %14s %14s %18s"
              % (m, e2e["median_pps"][m], fmt(e2e["router_ns_per_packet"].get(m, "-")),
                 fmt(e2e["pps_vs_kernel"].get(m), "", 2),
                 fmt(e2e["router_cost_vs_kernel"].get(m, "-"), "", 2),
                 fmt(e2e["xdp_prog_ns_per_run_live"].get(m, "-"))))
        p("   router ns/pkt = 1/pps - 1/pps(ceiling); XDP prog ns/run from run_time_ns/run_cnt "
          "on the live path")
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


main()
