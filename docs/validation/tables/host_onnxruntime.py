#!/usr/bin/env python3
"""Host CPU check of table sums (issue 4): a per-operator table measured with the onnxruntime
runner, summed by `duet evaluate --table`, against the same runner timing whole networks
(`duet network export --format onnx`) for 50 NAS-Bench-201 networks; with and without the
activation fusion rules (conv+act, add+act).

Usage: python3 docs/validation/tables/host_onnxruntime.py DUET PYTHON
  DUET: the duet binary (a release build); PYTHON: an interpreter with onnx, onnxruntime, numpy
  (e.g. .venv-onnx/bin/python). Writes host_results.json next to this script. Timings come from a
  shared 2-core machine: expect noise of several percent.
"""
import csv
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data", "nb201", "latency_pixel3_raspi4.csv")
RUNNER = os.path.join(ROOT, "Examples", "runners", "onnxruntime_runner.py")


def kendall(x, y):
    c = d = 0
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            s = (x[i] - x[j]) * (y[i] - y[j])
            c += s > 0
            d += s < 0
    return (c - d) / (len(x) * (len(x) - 1) / 2)


def main():
    duet, py = sys.argv[1], sys.argv[2]
    if not os.path.exists(DATA):
        print(f"skipped: {DATA} is absent")
        return
    archs = sorted({r["arch_str"] for r in csv.DictReader(open(DATA, newline=""))})
    rng = random.Random(0)
    archs = rng.sample(archs, 50)
    tmp = tempfile.mkdtemp(prefix="duet-host-")
    measured = []
    for i, a in enumerate(archs):
        f = os.path.join(tmp, f"n{i}.onnx")
        subprocess.run([duet, "network", "export", f"nb201:{a}", "--format", "onnx", "--seed", "0", "--out", f], check=True, capture_output=True)
        out = subprocess.run([py, RUNNER, "--runs", "30"], input=json.dumps({"onnx_file": f}), check=True, capture_output=True, text=True).stdout
        measured.append(json.loads(out.strip().splitlines()[-1])["latency_ms"])
    nets = [x for a in archs for x in ("--network", f"nb201:{a}")]
    results = {"networks": len(archs), "seed": 0, "runner": "Examples/runners/onnxruntime_runner.py (1 thread)"}
    # onnxruntime does not fold x*0 of a runtime tensor: only dead code is removed; the zero
    # layers run (as a Mul by 0), so no constant folding in the runtime model.
    for name, fusion in [("with_fusion", "conv_bn,conv_act,add_act"), ("without_fusion", "conv_bn")]:
        table = os.path.join(tmp, f"{name}.csv")
        subprocess.run([duet, "table", "generate", *nets, "--runner", f"{py} {RUNNER} --net-of-overhead 1", "--rewrites", "dead_code",
                        "--fusion", fusion, "--out", table, "--timeout-s", "120"], check=True, capture_output=True)
        pred = []
        for a in archs:
            out = subprocess.run([duet, "evaluate", "--network", f"nb201:{a}", "--table", table, "--format", "json"], check=True,
                                 capture_output=True, text=True).stdout
            pred.append(json.loads(out)["totals"]["latency_ms"])
        ape = sorted(abs(p - m) / m * 100 for p, m in zip(pred, measured))
        results[name] = {"ape_mean_pct": sum(ape) / len(ape), "ape_median_pct": (ape[24] + ape[25]) / 2,
                         "kendall_tau": kendall(pred, measured), "operators": sum(1 for l in open(table) if not l.startswith("#")) - 1}
        print(name, json.dumps(results[name]))
    results["measured_ms"] = dict(zip(archs, measured))
    with open(os.path.join(HERE, "host_results.json"), "w") as f:
        json.dump(results, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
