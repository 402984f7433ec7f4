#!/usr/bin/env python3
"""NSGA-II's best feasible accuracy vs the exact optimum (duet solve) on NAS-Bench-201 with a
device latency table, for latency budgets across the range (issue 7's target: within 0.3 points
in <= 5,000 evaluations).

Usage: python3 docs/validation/explore/nsga_vs_exact.py [--evaluations 5000] [--seeds 1,2,3]
Needs ../shared/data/nb201 (accuracy and measured Pixel 3 latencies) and a release build
(`swift build -c release --product duet`). The table is fitted here from the measurements
(`duet table fit`, 1,000 networks, seed 0), exactly as docs/VALIDATION.md's table section does.
Writes docs/validation/explore/nsga_vs_exact.csv.
"""
import argparse, csv, json, os, subprocess, sys, tempfile, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DATA = os.path.abspath(os.path.join(ROOT, "..", "shared", "data", "nb201"))
DUET = os.path.join(ROOT, ".build", "release", "duet")

def run(args):
    out = subprocess.run([DUET] + args, capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"duet {' '.join(args)} failed ({out.returncode}): {out.stderr}")
    return out.stdout

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--evaluations", type=int, default=5000)
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--budgets", default="1,2,3,4,5,6,8,10,12,15")
    a = ap.parse_args()
    if not os.path.isdir(DATA):
        sys.exit(f"{DATA} is absent: nothing to measure")
    tmp = tempfile.mkdtemp()
    table = os.path.join(tmp, "pixel3-lut.json")
    run(["table", "fit", "--space", "nb201", "--measurements", os.path.join(DATA, "latency_pixel3_raspi4.csv"),
         "--arch-column", "arch_str", "--latency-column", "pixel3_latency_ms", "--device", "pixel3", "--out", table])
    cfg = os.path.join(tmp, "config.yaml")
    with open(cfg, "w") as f:
        f.write(f"""tasks:
  - name: cifar10
    space: nb201
    accuracy: {{table: {os.path.join(DATA, 'accuracy.csv')}, key: arch_str, column: cifar10_test_acc}}
target:
  table: {table}
budgets:
  latency_ms: 5.0
objectives:
  - maximize: accuracy
  - minimize: latency_ms
population: 50
""")
    rows = []
    for b in [float(x) for x in a.budgets.split(",")]:
        t0 = time.time()
        s = json.loads(run(["solve", cfg, "--set", f"budgets.latency_ms={b}", "--format", "json"]))
        solve_s = time.time() - t0
        exact = s["objectives"].get("accuracy") if s["status"] == "optimal" else None
        for seed in [int(x) for x in a.seeds.split(",")]:
            t0 = time.time()
            e = json.loads(run(["explore", cfg, "--set", f"budgets.latency_ms={b}", "--optimizer", "nsga2",
                                "--evaluations", str(a.evaluations), "--seed", str(seed), "--format", "json"]))
            best = e["best"]["objectives"]["accuracy"] if e.get("best") else None
            rows.append({"budget_ms": b, "seed": seed, "status": s["status"], "exact": exact, "nsga2": best,
                         "gap_points": None if exact is None or best is None else round(exact - best, 4),
                         "solve_s": round(solve_s, 2), "explore_s": round(time.time() - t0, 2)})
            print(rows[-1], flush=True)
    out = os.path.join(os.path.dirname(__file__), "nsga_vs_exact.csv")
    with open(out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader(); w.writerows(rows)
    gaps = [r["gap_points"] for r in rows if r["gap_points"] is not None]
    print(f"{len(gaps)} runs: max gap {max(gaps):.3f} points, within 0.3: {sum(g <= 0.3 for g in gaps)}/{len(gaps)}")

if __name__ == "__main__":
    main()
