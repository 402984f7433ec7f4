#!/usr/bin/env python3
"""Compare Duet's systolic template with SCALE-Sim 3.0.0 reference runs.

Reads docs/validation/scalesim/reference.csv (made by scalesim/run_scalesim.sh), evaluates every
layer with `duet evaluate` on the `tpu` template set to the same array size and dataflow, and
reports per-layer compute-cycle agreement (target: within 1 %) and, for the USER-bandwidth runs
that have memory stalls, total-cycle agreement (target: within 10 %).

Usage: python3 docs/validation/duet/compare_scalesim.py [--duet .build/release/duet] [--out FILE.csv]
"""
import argparse, csv, json, os, subprocess, sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def duet_layers(duet, rows, dataflow, ar, ac, extra):
    nets = []
    for r in rows:
        nets += ["--network", "layer:conv,k={},c={},p={},q={},r={},s={},stride={}".format(
            r["num_filters"], r["channels"], r["ofmap_h"], r["ofmap_w"], r["filter_h"], r["filter_w"], r["stride"])]
    cmd = [duet, "evaluate", "--accelerator", "tpu", "--set", "dataflow=" + dataflow,
           "--set", "pe_rows=%d" % ar, "--set", "pe_cols=%d" % ac] + extra + nets + ["--format", "json"]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit("duet failed: " + out.stderr)
    doc = json.loads(out.stdout)
    return [n["layers"][0] for n in doc["networks"]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duet", default=os.path.join(ROOT, ".build/release/duet"))
    ap.add_argument("--out", default=os.path.join(HERE, "scalesim_comparison.csv"))
    a = ap.parse_args()
    rows = list(csv.DictReader(open(os.path.join(HERE, "..", "scalesim", "reference.csv"))))
    groups = defaultdict(list)
    for r in rows:
        groups[(r["network"], r["dataflow"], int(r["array_rows"]), int(r["array_cols"]), r["interface_bandwidth"])].append(r)
    out_rows, summary = [], []
    for (net, df, ar, ac, bw), rs in sorted(groups.items()):
        extra = []
        if bw.startswith("USER"):
            words = float(bw.split("_")[1])
            # SCALE-Sim USER mode: 10 words/cycle into each of the ifmap and filter SRAMs and out of the
            # ofmap SRAM, 1-byte words, three 64 KiB SRAMs, each half working / half prefetching.
            # Duet: one 192 KiB double-buffered global buffer and a DRAM link of 3 x 10 bytes/cycle at 1 GHz.
            extra = ["--set", "clock_mhz=1000", "--set", "dram_gbps=%g" % (3 * words), "--set", "global_buffer_kib=192",
                     "--set", "precision_bits=8", "--set", "glb_words_per_cycle=100000"]
        res = duet_layers(a.duet, rs, df, ar, ac, extra)
        errs, terrs = [], []
        for r, d in zip(rs, res):
            ref = int(r["compute_cycles"])
            e = (d["compute_cycles"] - ref) / ref
            errs.append(abs(e))
            row = {"network": net, "layer": r["layer"], "dataflow": df, "array": "%dx%d" % (ar, ac), "bandwidth": bw,
                   "scalesim_compute": ref, "duet_compute": d["compute_cycles"], "compute_err_pct": round(100 * e, 4)}
            # CALC runs are stall-free by construction (total = compute); only USER runs model stalls.
            if r["total_cycles"] and bw.startswith("USER"):
                t = int(r["total_cycles"])
                te = (d["latency_cycles"] - t) / t
                terrs.append(abs(te))
                row.update({"scalesim_total": t, "duet_total": d["latency_cycles"], "total_err_pct": round(100 * te, 2)})
            out_rows.append(row)
        s = {"network": net, "dataflow": df, "array": "%dx%d" % (ar, ac), "bandwidth": bw, "layers": len(rs),
             "compute_max_err_pct": round(100 * max(errs), 4), "compute_within_1pct": sum(e <= 0.01 for e in errs)}
        if terrs:
            s.update({"total_mean_err_pct": round(100 * sum(terrs) / len(terrs), 2), "total_max_err_pct": round(100 * max(terrs), 2),
                      "total_within_10pct": sum(e <= 0.10 for e in terrs)})
            ref_sum = sum(int(r["total_cycles"]) for r in rs)
            duet_sum = sum(d["latency_cycles"] for d in res)
            s["network_total_err_pct"] = round(100 * (duet_sum - ref_sum) / ref_sum, 2)
        summary.append(s)
    keys = sorted({k for r in out_rows for k in r}, key=lambda k: list(out_rows[-1].keys()).index(k) if k in out_rows[-1] else 99)
    with open(a.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["network", "layer", "dataflow", "array", "bandwidth", "scalesim_compute", "duet_compute",
                                          "compute_err_pct", "scalesim_total", "duet_total", "total_err_pct"])
        w.writeheader()
        w.writerows(out_rows)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
