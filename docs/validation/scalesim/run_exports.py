#!/usr/bin/env python3
"""SCALE-Sim 3.0.0 on Duet's exports: per-layer compute cycles of Duet and SCALE-Sim for ResNet-50
and MobileNetV2 on the systolic template (tpu:edge, 32x32) in its three dataflows.

For every dataflow and network:
  1. `duet export-design NET --accelerator tpu:edge --set dataflow=DF --format scalesim --out DIR`
     writes NET.cfg and NET.csv (one topology row per group of a grouped layer).
  2. `run_scalesim.py export` runs SCALE-Sim's compute model on them, read by SCALE-Sim's own
     config and topology readers (compute cycles = demand rows - 1; no memory model).
  3. `duet evaluate --format json` gives Duet's per-layer compute cycles (and latency).
Topology rows `NAME.gI` / `NAME.nB.gI` are summed per Duet layer.

Writes beside this script: exports_layers.csv and exports_summary.csv (Spearman rho of per-layer
compute cycles, overall, depthwise only and without; ratio Duet/SCALE-Sim; exact matches).

Usage: run_exports.py --python VENV_PYTHON [--duet PATH] [--dataflows ws,os,is] [--networks n1,n2]
"""
import argparse
import csv
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import peercompare as pc  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
NETWORKS = ["resnet50", "mobilenet-v2"]
ACCELERATOR = "tpu:edge"


def run_case(a, work, df, network):
    d = os.path.join(work, df, network)
    sets = ["dataflow=%s" % df]
    pc.export(a.duet, network, ACCELERATOR, "scalesim", d, sets)
    cfg = [os.path.join(d, f) for f in os.listdir(d) if f.endswith(".cfg")][0]
    topo = cfg[:-4] + ".csv"
    out = os.path.join(d, "compute.json")
    pc.run([a.python, os.path.join(HERE, "run_scalesim.py"), "export", "--cfg", cfg, "--topology", topo, "--out", out])
    sim = json.load(open(out))
    assert sim["dataflow"] == df, (sim["dataflow"], df)
    per = {}
    for r in sim["layers"]:
        base = re.sub(r"(\.n\d+)?(\.g\d+)?$", "", r["layer"])
        per[base] = per.get(base, 0) + r["demand_rows"] - 1
    layers, _ = pc.evaluate(a.duet, network, ACCELERATOR, sets)
    rows = []
    for l in layers:
        key = l["name"].replace(",", "_")
        if key not in per:
            sys.exit("%s/%s: Duet layer %s has no SCALE-Sim row" % (df, network, l["name"]))
        s = per[key]
        rows.append(dict(dataflow=df, network=network, layer=l["name"], kind=l["kind"], macs=l["macs"],
                         duet_compute_cycles=l["compute_cycles"], duet_cycles=l["latency_cycles"],
                         scalesim_compute_cycles=s,
                         ratio_compute="%.4f" % (l["compute_cycles"] / s) if s else "nan"))
    return rows, sim["cpu_s"]


def summarize(rows):
    out = []
    for subset, pick in (("all", lambda r: True), ("depthwise", lambda r: r["kind"] == "depthwise"),
                         ("non_depthwise", lambda r: r["kind"] != "depthwise")):
        rs = [r for r in rows if pick(r)]
        if not rs:
            continue
        d = [float(r["duet_compute_cycles"]) for r in rs]
        s = [float(r["scalesim_compute_cycles"]) for r in rs]
        rat = pc.ratio_summary([x / y for x, y in zip(d, s) if y])
        out.append(dict(dataflow=rows[0]["dataflow"], network=rows[0]["network"], subset=subset, layers=len(rs),
                        rho_compute_cycles=pc.fmt(pc.spearman(d, s)),
                        exact_matches=sum(1 for x, y in zip(d, s) if x == y),
                        ratio_median=pc.fmt(rat["median"]), ratio_min=pc.fmt(rat["min"]), ratio_max=pc.fmt(rat["max"]),
                        duet_total_compute_cycles=int(sum(d)), scalesim_total_compute_cycles=int(sum(s))))
    return out


def write(path, rows):
    if not rows:
        return
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    print("wrote", os.path.relpath(path, pc.ROOT), len(rows), "rows")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duet", default=pc.default_duet())
    ap.add_argument("--python", required=True, help="the SCALE-Sim venv's python")
    ap.add_argument("--dataflows", default="ws,os,is")
    ap.add_argument("--networks", default=",".join(NETWORKS))
    ap.add_argument("--keep", help="keep the exports in this folder")
    a = ap.parse_args()
    work = a.keep or tempfile.mkdtemp(prefix="duet-scalesim-")
    layers, summary = [], []
    for df in a.dataflows.split(","):
        for net in a.networks.split(","):
            rows, cpu = run_case(a, work, df, net)
            layers += rows
            for x in summarize(rows):
                summary.append(x)
                print("%-3s %-13s %-13s %3d layers  rho %6s  exact %3d  Duet/SCALE-Sim median %6s [%s, %s]  (SCALE-Sim %.0f CPU-s)"
                      % (df, net, x["subset"], x["layers"], x["rho_compute_cycles"], x["exact_matches"], x["ratio_median"],
                         x["ratio_min"], x["ratio_max"], cpu), flush=True)
    partial = a.dataflows != "ws,os,is" or a.networks != ",".join(NETWORKS)
    write(os.path.join(HERE, "exports_layers%s.csv" % ("_partial" if partial else "")), layers)
    write(os.path.join(HERE, "exports_summary%s.csv" % ("_partial" if partial else "")), summary)


if __name__ == "__main__":
    main()
