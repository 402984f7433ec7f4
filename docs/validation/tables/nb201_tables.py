#!/usr/bin/env python3
"""Reproduces the issue-4 figures in docs/VALIDATION.md ("Latency lookup tables").

1. Fit per-operator tables on 1,000 NAS-Bench-201 networks' measured Pixel 3 and Raspberry Pi 4
   latencies (HW-NAS-Bench, ../shared/data/nb201/latency_pixel3_raspi4.csv) with
   `duet table fit` (seed 0) and score the other 14,625: Kendall tau and absolute percentage
   error, computed here independently of Duet's own printout; once with the TFLite rewrites
   (dead code + constant folding, conv/add activation fusion) and once as a plain per-operator sum
   (no rewrites, no fusion) to show what modelling the runtime buys.
2. Uncalibrated device models (HardwareModels/devices/pixel3.yaml, raspi4.yaml) against all
   15,625 measurements.
3. The once-for-all Note10 tables: import, export to JSON, re-export to YAML; compare bytes.

Usage: python3 docs/validation/tables/nb201_tables.py [path/to/duet]   (default: a release build
at .build/release/duet; build it with `swift build -c release --product duet`). Needs only the
Python standard library (scipy, when present, cross-checks tau). Writes results.json next to it.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")
NB201 = os.path.join(DATA, "nb201", "latency_pixel3_raspi4.csv")
OFA = os.path.join(DATA, "luts", "ofa-note10")


def kendall_tau_b(x, y):
    """Kendall tau-b, O(n log n) (Knight 1966), ties as scipy handles them."""
    n = len(x)
    idx = sorted(range(n), key=lambda i: (x[i], y[i]))
    pairs = lambda k: k * (k - 1) // 2
    n1 = n3 = 0
    i = 0
    while i < n:
        j = i
        while j < n and x[idx[j]] == x[idx[i]]:
            j += 1
        n1 += pairs(j - i)
        a = i
        while a < j:
            b = a
            while b < j and y[idx[b]] == y[idx[a]]:
                b += 1
            n3 += pairs(b - a)
            a = b
        i = j
    ys = [y[k] for k in idx]
    swaps = 0
    width = 1
    while width < n:
        out = []
        for lo in range(0, n, 2 * width):
            left, right = ys[lo:lo + width], ys[lo + width:lo + 2 * width]
            li = ri = 0
            while li < len(left) and ri < len(right):
                if left[li] <= right[ri]:
                    out.append(left[li]); li += 1
                else:
                    out.append(right[ri]); ri += 1; swaps += len(left) - li
            out += left[li:] + right[ri:]
        ys = out
        width *= 2
    n2 = 0
    i = 0
    while i < n:
        j = i
        while j < n and ys[j] == ys[i]:
            j += 1
        n2 += pairs(j - i)
        i = j
    n0 = pairs(n)
    return (n0 - n1 - n2 + n3 - 2 * swaps) / ((n0 - n1) * (n0 - n2)) ** 0.5


def scores(pred, meas):
    ape = sorted(abs(p - m) / m * 100 for p, m in zip(pred, meas))
    k = len(ape)
    median = ape[k // 2] if k % 2 else (ape[k // 2 - 1] + ape[k // 2]) / 2
    out = {"networks": k, "kendall_tau": kendall_tau_b(pred, meas), "ape_mean_pct": sum(ape) / k, "ape_median_pct": median}
    try:
        from scipy.stats import kendalltau
        out["kendall_tau_scipy"] = float(kendalltau(pred, meas)[0])
    except ImportError:
        pass
    return out


def run(duet, *args):
    return subprocess.run([duet, *args], check=True, capture_output=True, text=True).stdout


def main():
    duet = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "release", "duet")
    if not os.path.exists(NB201):
        print(f"skipped: {NB201} is absent")
        return
    results = {"data": "HW-NAS-Bench NAS-Bench-201 CIFAR-10 latencies (via HELP)", "seed": 0, "train": 1000}
    tmp = tempfile.mkdtemp(prefix="duet-tables-")
    for device, column in [("pixel3", "pixel3_latency_ms"), ("raspi4", "raspi4_latency_ms")]:
        for variant, extra in [("tflite_rewrites", ["--device", device]),
                               ("plain_sum", ["--rewrites", "none", "--fusion", "none"])]:
            pred_csv = os.path.join(tmp, f"{device}-{variant}.csv")
            out = run(duet, "table", "fit", "--space", "nb201", "--measurements", NB201, "--arch-column", "arch_str",
                      "--latency-column", column, "--train", "1000", "--seed", "0", "--format", "json",
                      "--out", os.path.join(tmp, f"{device}-{variant}-table.csv"), "--predictions", pred_csv, *extra)
            rows = [r for r in csv.DictReader(open(pred_csv, newline="")) if r["split"] == "test"]
            s = scores([float(r["predicted_ms"]) for r in rows], [float(r["measured_ms"]) for r in rows])
            s["duet_printed"] = json.loads(out)["test"]
            results[f"{device}_fitted_{variant}"] = s
            print(device, variant, json.dumps(s))
        table = os.path.join(tmp, f"{device}-model.csv")
        run(duet, "table", "generate", "--space", "nb201", "--device", device, "--out", table)
        pred = run(duet, "table", "predict", "--space", "nb201", "--table", table, "--archs", NB201, "--arch-column", "arch_str", "--format", "csv")
        p = [float(r["latency_ms"]) for r in csv.DictReader(pred.splitlines())]
        m = [float(r[column]) for r in csv.DictReader(open(NB201, newline=""))]
        s = scores(p, m)
        results[f"{device}_uncalibrated_model"] = s
        print(device, "uncalibrated", json.dumps(s))
    if os.path.isdir(OFA):
        same = {}
        for r in (160, 176, 192, 208, 224):
            src = os.path.join(OFA, f"{r}_lookup_table.yaml")
            js, back = os.path.join(tmp, f"{r}.json"), os.path.join(tmp, f"{r}.yaml")
            run(duet, "table", "convert", src, js)
            run(duet, "table", "convert", js, back)
            same[str(r)] = open(src, "rb").read() == open(back, "rb").read()
        results["ofa_note10_yaml_json_yaml_byte_identical"] = same
        print("OFA Note10 round trip byte-identical:", same)
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "results.json"), "w") as f:
        json.dump(results, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
