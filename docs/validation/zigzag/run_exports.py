#!/usr/bin/env python3
"""ZigZag 3.9.1 on Duet's exports: per-layer cycles and energy of Duet and ZigZag for ResNet-50 and
MobileNetV2 on Duet's templates, and their rank agreement.

For every case (a template, with --set overrides) and network:
  1. `duet export-design NET --accelerator ACC --format zigzag --out DIR` writes
     NET_accelerator.yaml, NET_workload.yaml and NET_mapping.yaml (Duet's spatial mapping per layer).
  2. ZigZag evaluates each workload entry alone (zigzag.api.get_hardware_performance_zigzag with
     the exported accelerator and mapping; its parsers and validators read the files; LOMA searches
     the temporal mapping, optimised for latency, with lpf_limit 4 instead of the API's 6: ~2 CPU-s
     instead of ~25 a layer, same cycles within 0.5 % on a 3x3 conv and a depthwise layer tried).
  3. `duet evaluate --format json` gives Duet's per-layer cycles and energy.

Writes beside this script: exports_layers_CASE.csv per case, and exports_summary.csv over every
case file present (Spearman rho of per-layer cycles and energy, overall, depthwise only and
without depthwise; ratios Duet/ZigZag); cases may be run one at a time (--cases).

Run with the ZigZag venv's python (run_exports.sh). Usage:
  run_exports.py [--duet PATH] [--cases a,b] [--networks n1,n2] [--layers-limit N]
"""
import argparse
import copy
import csv
import logging
import os
import sys
import tempfile
import time

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import peercompare as pc  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

CASES = [
    ("nvdla_64x4", "nvdla", ["pe_rows=64", "pe_cols=4", "allow_outside_template_ranges=true"]),
    ("shidiannao", "shidiannao", []),
    ("tpu_edge_ws", "tpu:edge", []),
    ("eyeriss", "eyeriss", []),
]
NETWORKS = ["resnet50", "mobilenet-v2"]


def run_case(a, work, case, accel, sets, network):
    from zigzag.api import get_hardware_performance_zigzag

    d = os.path.join(work, case, network)
    pc.export(a.duet, network, accel, "zigzag", d, sets)
    base = [f[: -len("_workload.yaml")] for f in os.listdir(d) if f.endswith("_workload.yaml")][0]
    acc = os.path.join(d, base + "_accelerator.yaml")
    mp = os.path.join(d, base + "_mapping.yaml")
    with open(os.path.join(d, base + "_workload.yaml")) as f:
        wl = yaml.safe_load(f)
    duet_names = {}
    for line in open(os.path.join(d, base + "_workload.yaml")):
        if line.strip().startswith("# duet: "):
            duet_names[len(duet_names)] = line.strip()[len("# duet: "):]
    layers, _ = pc.evaluate(a.duet, network, accel, sets)
    by_name = {l["name"]: l for l in layers}
    out = []
    for i, entry in enumerate(wl):
        if a.layers_limit and i >= a.layers_limit:
            break
        t0 = time.process_time()
        energy, latency, cmes = get_hardware_performance_zigzag(
            workload=[copy.deepcopy(entry)], accelerator=acc, mapping=mp,
            dump_folder=os.path.join(d, "out", entry["name"]), loma_show_progress_bar=False, lpf_limit=a.lpf_limit)
        cme = cmes[0][1][0][0]
        dn = duet_names[i]
        l = by_name[dn]
        sm = " ".join(f"{k}:" + ",".join(f"{dd}{int(v)}" for dd, v in m.items()) for k, m in sorted(cme.layer.spatial_mapping.items(), key=lambda x: str(x[0])))
        out.append(dict(case=case, network=network, layer=dn, kind=l["kind"], macs=l["macs"],
                        duet_cycles=l["latency_cycles"], duet_compute_cycles=l["compute_cycles"],
                        duet_energy_pj="%.6g" % l["energy_pj"], duet_bottleneck=l["bottleneck"],
                        zigzag_cycles="%.6g" % float(latency), zigzag_ideal_temporal_cycles=int(cme.ideal_temporal_cycle),
                        zigzag_stall_cycles="%.6g" % float(cme.stall_slack_comb),
                        zigzag_onloading_cycles="%.6g" % float(cme.data_onloading_cycle),
                        zigzag_offloading_cycles="%.6g" % float(cme.data_offloading_cycle),
                        zigzag_energy_pj="%.6g" % float(energy), zigzag_spatial_utilization="%.4f" % cme.mac_spatial_utilization,
                        zigzag_spatial_mapping=sm,
                        ratio_cycles="%.4f" % (l["latency_cycles"] / float(latency)) if latency else "nan",
                        ratio_energy="%.4f" % (l["energy_pj"] / float(energy)) if energy else "nan",
                        zigzag_cpu_s="%.2f" % (time.process_time() - t0)))
        print("%-12s %-13s %-28s Duet %10d  ZigZag %12s cycles  util %s  %s" % (
            case, network, dn, l["latency_cycles"], out[-1]["zigzag_cycles"], out[-1]["zigzag_spatial_utilization"], sm), flush=True)
    return out


def summarize(rows):
    out = []
    for subset, pick in (("all", lambda r: True), ("depthwise", lambda r: r["kind"] == "depthwise"),
                         ("non_depthwise", lambda r: r["kind"] != "depthwise")):
        rs = [r for r in rows if pick(r)]
        if not rs:
            continue
        dc = [float(r["duet_cycles"]) for r in rs]
        dcc = [float(r["duet_compute_cycles"]) for r in rs]
        zi = [float(r["zigzag_ideal_temporal_cycles"]) for r in rs]
        zc = [float(r["zigzag_cycles"]) for r in rs]
        de = [float(r["duet_energy_pj"]) for r in rs]
        ze = [float(r["zigzag_energy_pj"]) for r in rs]
        rc = pc.ratio_summary([x / y for x, y in zip(dc, zc) if y])
        re_ = pc.ratio_summary([x / y for x, y in zip(de, ze) if y])
        out.append(dict(case=rows[0]["case"], network=rows[0]["network"], subset=subset, layers=len(rs),
                        rho_cycles=pc.fmt(pc.spearman(dc, zc)), rho_energy=pc.fmt(pc.spearman(de, ze)),
                        rho_compute_vs_ideal=pc.fmt(pc.spearman(dcc, zi)),
                        compute_vs_ideal_within_5pct=sum(1 for x, y in zip(dcc, zi) if y and abs(x / y - 1) <= 0.05),
                        compute_vs_ideal_max_dev=pc.fmt(max((abs(x / y - 1) for x, y in zip(dcc, zi) if y), default=float("nan"))),
                        cycles_ratio_median=pc.fmt(rc["median"]), cycles_ratio_min=pc.fmt(rc["min"]), cycles_ratio_max=pc.fmt(rc["max"]),
                        energy_ratio_median=pc.fmt(re_["median"]), energy_ratio_min=pc.fmt(re_["min"]), energy_ratio_max=pc.fmt(re_["max"]),
                        duet_total_cycles=int(sum(dc)), zigzag_total_cycles=int(sum(zc))))
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
    ap.add_argument("--cases", help="comma-separated case names (default: all)")
    ap.add_argument("--networks", default=",".join(NETWORKS))
    ap.add_argument("--layers-limit", type=int, default=0, help="only the first N layers of each network (smoke test)")
    ap.add_argument("--keep", help="keep the exports and ZigZag outputs in this folder")
    ap.add_argument("--lpf-limit", type=int, default=4,
                    help="LOMA's loop-prime-factor limit (API default 6; 4 is ~10x faster and gave the same cycles within 0.5%% on the layers tried)")
    a = ap.parse_args()
    logging.disable(logging.CRITICAL)
    work = a.keep or tempfile.mkdtemp(prefix="duet-zigzag-")
    only = set(a.cases.split(",")) if a.cases else None
    for case, accel, sets in CASES:
        if only and case not in only:
            continue
        layers = []
        for net in a.networks.split(","):
            layers += run_case(a, work, case, accel, sets, net)
        suffix = "_partial" if a.layers_limit or a.networks != ",".join(NETWORKS) else ""
        write(os.path.join(HERE, "exports_layers_%s%s.csv" % (case, suffix)), layers)
    # The summary covers every case whose full per-layer file is present (cases run separately add up).
    summary = []
    for case, _, _ in CASES:
        path = os.path.join(HERE, "exports_layers_%s.csv" % case)
        if not os.path.exists(path):
            continue
        rows = list(csv.DictReader(open(path)))
        for net in NETWORKS:
            rs = [r for r in rows if r["network"] == net]
            if not rs:
                continue
            for x in summarize(rs):
                summary.append(x)
                print("%-12s %-13s %-13s %3d layers  rho cycles %6s energy %6s (compute vs ideal %6s)  Duet/ZigZag cycles median %6s [%s, %s]  energy median %6s"
                      % (case, net, x["subset"], x["layers"], x["rho_cycles"], x["rho_energy"], x["rho_compute_vs_ideal"],
                         x["cycles_ratio_median"], x["cycles_ratio_min"], x["cycles_ratio_max"], x["energy_ratio_median"]), flush=True)
    write(os.path.join(HERE, "exports_summary.csv"), summary)


if __name__ == "__main__":
    main()
