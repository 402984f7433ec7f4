#!/usr/bin/env python3
"""Duet vs SCALE-Sim 3.0.0 total cycles with memory stalls (USER bandwidth mode), for STALLS.md.

Reads the SCALE-Sim runs in stalls_reference.csv (stalls.py: SRAMs large enough that every
operand stays resident) and the USER_10 rows of reference.csv (run_scalesim.py: SCALE-Sim's
default 64 KiB SRAMs, operands streamed), evaluates every layer with the release-built `duet` on
the `tpu` template described as the same machine, and writes stalls_comparison.csv (per layer)
and stalls_summary.csv (per run and Duet description). Plain python3; no SCALE-Sim needed.

Machine, both tools: 1-byte words (SCALE-Sim's hard-coded word size; Duet precision_bits=8),
one cycle = 1 ns (Duet clock_mhz=1000, so W words/cycle = W GB/s), N x N array, same dataflow.
SCALE-Sim has three DRAM interfaces (ifmap in, filter in, ofmap out) of W words/cycle each.

Duet descriptions (the `--set` lists are in DESCRIPTIONS below):
  resident runs (SCALE-Sim SRAMs I+F+O KiB, each operand fetched once before compute, outputs
  drained after it: fill, compute, drain in sequence)
    serial-shared     double_buffer=false, one link of W B/cycle, buffer I+F+O KiB
    serial-per-operand double_buffer=false, three channels of W B/cycle (dram_gbps=3W)
  streaming runs (64 KiB SRAMs, half working, half prefetching)
    overlap-shared    double_buffer=true, one link of 3W B/cycle, buffer 192 KiB
                      (the description compare_scalesim.py uses)
    overlap-per-operand double_buffer=true, three channels of W B/cycle each (dram_gbps=3W)
Both SCALE-Sim figures are compared: "Total Cycles" (compute + stalls, from cycle 0, which
excludes the DRAM fill before cycle 0 and the ofmap drain after the last compute cycle) and
"Total Cycles (incl. prefetch)" (first DRAM read to last DRAM write).

Usage: python3 docs/validation/scalesim/compare_stalls.py [--duet .build/release/duet]
"""
import argparse
import csv
import json
import os
import subprocess
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def description(name, bw, sram_kib):
    common = ["--set", "clock_mhz=1000", "--set", "precision_bits=8", "--set", "glb_words_per_cycle=100000",
              "--set", "global_buffer_kib=%d" % sram_kib]
    return common + {
        "serial-shared": ["--set", "double_buffer=false", "--set", "dram_gbps=%g" % bw],
        "serial-per-operand": ["--set", "double_buffer=false", "--set", "dram_gbps=%g" % (3 * bw),
                               "--set", "dram_channels=per_operand"],
        "overlap-shared": ["--set", "double_buffer=true", "--set", "dram_gbps=%g" % (3 * bw)],
        "overlap-per-operand": ["--set", "double_buffer=true", "--set", "dram_gbps=%g" % (3 * bw),
                                "--set", "dram_channels=per_operand"],
    }[name]


def unique_words(r):
    """Words of each operand of a layer, each element once (inputs: the rows and columns the
    unpadded windows touch, at most the input's size; SCALE-Sim's rounded-up P and Q can reach
    past it): what a buffer that holds the whole layer fetches and writes."""
    p, q, s = int(r["ofmap_h"]), int(r["ofmap_w"]), int(r["stride"])
    fh, fw, c, k = int(r["filter_h"]), int(r["filter_w"]), int(r["channels"]), int(r["num_filters"])
    rows, cols = min((p - 1) * s + fh, int(r["ifmap_h"])), min((q - 1) * s + fw, int(r["ifmap_w"]))
    return rows * cols * c, fh * fw * c * k, p * q * k


def same_traffic(r, regime):
    """SCALE-Sim's DRAM words on its critical path equal the layer's data (within 1 %): resident,
    the larger of the ifmap and filter fills, and the ofmap drain; streaming, the busiest of the
    three interfaces."""
    i, w, o = unique_words(r)
    dI, dF, dO = int(r["dram_ifmap_reads"]), int(r["dram_filter_reads"]), int(r["dram_ofmap_writes"])
    close = lambda a, b: abs(a - b) <= 0.01 * b
    if regime == "resident":
        return close(max(dI, dF), max(i, w)) and close(dO, o)
    return close(max(dI, dF, dO), max(i, w, o))


def duet_layers(duet, rows, df, n, extra):
    nets = []
    for r in rows:
        nets += ["--network", "layer:conv,k={},c={},p={},q={},r={},s={},stride={}".format(
            r["num_filters"], r["channels"], r["ofmap_h"], r["ofmap_w"], r["filter_h"], r["filter_w"], r["stride"])]
    cmd = [duet, "evaluate", "--accelerator", "tpu", "--set", "dataflow=" + df, "--set", "pe_rows=%d" % n,
           "--set", "pe_cols=%d" % n] + extra + nets + ["--format", "json"]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit("duet failed: " + out.stderr)
    return [x["layers"][0] for x in json.loads(out.stdout)["networks"]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duet", default=os.path.join(ROOT, ".build/release/duet"))
    a = ap.parse_args()
    groups = defaultdict(list)
    path = os.path.join(HERE, "stalls_reference.csv")
    for r in (csv.DictReader(open(path)) if os.path.exists(path) else []):
        # 8 MiB SRAMs hold every operand stream of both networks (resident); smaller ones stream.
        regime = "resident" if int(r["ifmap_sram_kib"]) >= 8192 else "streaming"
        key = (r["network"], r["dataflow"], int(r["array"]), int(r["bw_words_per_cycle"]),
               int(r["ifmap_sram_kib"]) + int(r["filter_sram_kib"]) + int(r["ofmap_sram_kib"]), regime)
        groups[key].append(r)
    for r in csv.DictReader(open(os.path.join(HERE, "reference.csv"))):
        if r["interface_bandwidth"].startswith("USER"):
            key = (r["network"], r["dataflow"], int(r["array_rows"]), int(r["interface_bandwidth"].split("_")[1]),
                   192, "streaming")
            groups[key].append(r)
    out, summary = [], []
    for (net, df, n, bw, kib, regime), rows in sorted(groups.items()):
        names = ["serial-shared", "serial-per-operand"] if regime == "resident" else ["overlap-shared", "overlap-per-operand"]
        for name in names:
            res = duet_layers(a.duet, rows, df, n, description(name, bw, kib))
            errs = {"total": [], "incl": [], "same": [], "formula": []}
            extra = {"ifmap": 0, "filter": 0, "ofmap": 0}  # layers whose SCALE-Sim words exceed the data by > 1 %
            sums = {"total": 0, "incl": 0, "duet": 0}
            for r, d in zip(rows, res):
                if d["compute_cycles"] != int(r["compute_cycles"]):
                    sys.exit("compute cycles differ: %s %s" % (r["layer"], d["compute_cycles"]))
                tot, incl = int(r["total_cycles"]), int(r["total_cycles_incl_prefetch"])
                lat = d["latency_cycles"]
                e_tot, e_incl = (lat - tot) / tot, (lat - incl) / incl
                errs["total"].append(abs(e_tot))
                errs["incl"].append(abs(e_incl))
                same = same_traffic(r, regime)
                if same:
                    errs["same"].append(abs(e_incl))
                ui, uw, uo = unique_words(r)
                for x, key, v in (("ifmap", "dram_ifmap_reads", ui), ("filter", "dram_filter_reads", uw),
                                  ("ofmap", "dram_ofmap_writes", uo)):
                    extra[x] += int(r[key]) > 1.01 * v
                # SCALE-Sim's own timing, from its own DRAM words: resident, the ifmap and filter
                # fills side by side, then compute, then the ofmap drain; streaming, the busiest
                # interface or compute, whichever is longer.
                dI, dF, dO = int(r["dram_ifmap_reads"]), int(r["dram_filter_reads"]), int(r["dram_ofmap_writes"])
                c = tot - int(r["stall_cycles"])
                formula = (-(-max(dI, dF) // bw) + c + -(-dO // bw) - 1 if regime == "resident"
                           else max(c, max(dI, dF, dO) / bw))
                errs["formula"].append(abs(formula - incl) / incl)
                sums["total"] += tot
                sums["incl"] += incl
                sums["duet"] += lat
                out.append(dict(network=net, layer=r["layer"], dataflow=df, array="%dx%d" % (n, n), bw=bw, regime=regime,
                                duet_description=name, compute_cycles=tot - int(r["stall_cycles"]),
                                scalesim_stall=r["stall_cycles"], scalesim_total=tot, scalesim_incl_prefetch=incl,
                                scalesim_dram_ifmap=r["dram_ifmap_reads"], scalesim_dram_filter=r["dram_filter_reads"],
                                scalesim_dram_ofmap=r["dram_ofmap_writes"], unique_ifmap=ui, unique_filter=uw,
                                unique_ofmap=uo, scalesim_critical_traffic_is_unique_data="yes" if same else "no",
                                scalesim_formula=round(formula), scalesim_formula_err_pct=round(100 * (formula - incl) / incl, 3),
                                duet_latency=lat,
                                duet_dram_bytes=round(d.get("dram_bytes", 0)), duet_bottleneck=d["bottleneck"],
                                err_vs_total_pct=round(100 * e_tot, 2), err_vs_incl_pct=round(100 * e_incl, 2)))
            summary.append(dict(
                network=net, dataflow=df, array="%dx%d" % (n, n), bw=bw, regime=regime, duet_description=name,
                layers=len(rows),
                within10_vs_total=sum(e <= 0.10 for e in errs["total"]),
                within10_vs_incl=sum(e <= 0.10 for e in errs["incl"]),
                layers_extra_ifmap_words=extra["ifmap"], layers_extra_filter_words=extra["filter"],
                layers_extra_ofmap_words=extra["ofmap"],
                scalesim_formula_max_err_vs_incl_pct=round(100 * max(errs["formula"]), 3),
                same_traffic_layers=len(errs["same"]), same_traffic_within10_vs_incl=sum(e <= 0.10 for e in errs["same"]),
                same_traffic_max_err_vs_incl_pct=round(100 * max(errs["same"]), 2) if errs["same"] else "",
                network_err_vs_total_pct=round(100 * (sums["duet"] - sums["total"]) / sums["total"], 2),
                network_err_vs_incl_pct=round(100 * (sums["duet"] - sums["incl"]) / sums["incl"], 2),
                scalesim_total=sums["total"], scalesim_incl_prefetch=sums["incl"], duet_latency=sums["duet"]))
            s = summary[-1]
            print("%-9s %-2s %7s bw%-3d %-9s %-19s within10 total %2d/%d incl %2d/%d  network total %+7.2f%% incl %+7.2f%%"
                  "  same-traffic layers %2d, within10 %2d, max %s%%" % (
                      net, df, s["array"], bw, regime, name, s["within10_vs_total"], len(rows), s["within10_vs_incl"], len(rows),
                      s["network_err_vs_total_pct"], s["network_err_vs_incl_pct"], s["same_traffic_layers"],
                      s["same_traffic_within10_vs_incl"], s["same_traffic_max_err_vs_incl_pct"]))
    # The table of STALLS.md.
    print()
    print("| run (SCALE-Sim) | bw words/cycle | Duet description | layers within 10 % of SCALE-Sim incl. prefetch |"
          " network total vs incl. prefetch | within 10 % of Total Cycles | network total vs Total Cycles |"
          " layers where SCALE-Sim's critical DRAM words = the data: within 10 % (max error) |")
    print("|---|---|---|---|---|---|---|---|")
    for s in summary:
        print("| %s %s %s %s | %d | %s | %d / %d | %+.1f %% | %d / %d | %+.1f %% | %d of %d (%s %%) |" % (
            s["network"], s["dataflow"], s["array"], s["regime"], s["bw"], s["duet_description"], s["within10_vs_incl"],
            s["layers"], s["network_err_vs_incl_pct"], s["within10_vs_total"], s["layers"], s["network_err_vs_total_pct"],
            s["same_traffic_within10_vs_incl"], s["same_traffic_layers"],
            "%.1f" % s["same_traffic_max_err_vs_incl_pct"] if s["same_traffic_layers"] else "-"))
    for fn, rows in (("stalls_comparison.csv", out), ("stalls_summary.csv", summary)):
        with open(os.path.join(HERE, fn), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            w.writeheader()
            w.writerows(rows)


if __name__ == "__main__":
    main()
