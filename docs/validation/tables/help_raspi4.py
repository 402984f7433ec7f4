"""Few-shot on a device outside HELP's 13: Raspberry Pi 4 (HW-NAS-Bench's measured NAS-Bench-201
latencies, ../shared/data/nb201/latency_pixel3_raspi4.csv), 10 networks + HELP's 13 devices
(../shared/data/help/nb201_latency_ms_13_devices.csv) as references, through the CLI
(`duet table fit … --train 10 --reference FILE`), seeds 0-4. HELP (NeurIPS 2021, Table 2)
publishes Spearman rho 0.890 for Raspberry Pi 4 with 10 samples.

Usage: python3 docs/validation/tables/help_raspi4.py [.build/release/duet] [DATA_DIR]"""
import csv, json, os, subprocess, sys, tempfile, time
import numpy as np
from scipy.stats import spearmanr, kendalltau

duet = sys.argv[1] if len(sys.argv) > 1 else ".build/release/duet"
data = sys.argv[2] if len(sys.argv) > 2 else "../shared/data"
meas = os.path.join(data, "nb201/latency_pixel3_raspi4.csv")
ref = os.path.join(data, "help/nb201_latency_ms_13_devices.csv")
tmp = tempfile.mkdtemp()
out = {"device": "raspi4", "seeds": []}
for seed in range(5):
    pred = os.path.join(tmp, f"p{seed}.csv")
    t = time.time()
    p = subprocess.run([duet, "table", "fit", "--space", "nb201", "--measurements", meas, "--arch-column", "arch_str",
                        "--latency-column", "raspi4_latency_ms", "--train", "10", "--seed", str(seed), "--reference", ref,
                        "--predictions", pred, "--format", "json"], capture_output=True, text=True)
    wall = time.time() - t
    if p.returncode != 0:
        sys.exit(p.stderr)
    j = json.loads(p.stdout)
    rows = list(csv.DictReader(open(pred)))
    test = [r for r in rows if r["split"] == "test"]
    m = np.array([float(r["measured_ms"]) for r in test]); q = np.array([float(r["predicted_ms"]) for r in test])
    s = {"seed": seed, "spearman_rho": float(spearmanr(q, m).statistic), "kendall_tau": float(kendalltau(q, m).statistic),
         "ape_median_pct": j["test"]["ape_median_pct"], "rules": [j["graph_rewrites"], j["fusion"]], "fit_seconds": j["fit_seconds"], "cli_wall_seconds": wall}
    out["seeds"].append(s)
    print(s, flush=True)
out["spearman_rho_mean"] = float(np.mean([s["spearman_rho"] for s in out["seeds"]]))
print("mean rho", out["spearman_rho_mean"])
json.dump(out, open(os.path.join(os.path.dirname(__file__), "help_results_raspi4.json"), "w"), indent=1)
