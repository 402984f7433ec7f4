"""Device tables that learn, on HELP's measured latencies (../shared/data/help).

1. Default-flag fit: `duet table fit --train 1000` (runtime rules chosen by cross-validation) on
   every device, against a per-edge one-hot least-squares fit on the same split (NB201: 6 edges ×
   5 ops + constant; the split is read back from --predictions).
2. Few-shot, HELP's protocol: each device held out in turn, 10 of its networks + the other 12
   devices as references (the same CSV as --reference), tested on every other network; Spearman
   rho and Kendall tau, mean over seeds 0-4; fit_seconds is the few-shot fit itself as duet reports it.

Usage: python3 docs/validation/tables/help_fit.py [--duet .build/release/duet] [--data ../shared/data/help]
       [--space nb201] [--only fit|fewshot] [--out docs/validation/tables/help_results.json]
Needs numpy and scipy (validation only).
"""
import argparse, csv, json, os, subprocess, sys, tempfile, time
import numpy as np
from scipy.stats import spearmanr, kendalltau

FILES = {"nb201": "nb201_latency_ms_13_devices.csv", "fbnet-c100": "fbnet_cifar100_latency_ms_13_devices.csv"}
# HELP (Lee et al., NeurIPS 2021), Table 2, NAS-Bench-201, 10 samples: Spearman rho on its held-out
# devices. None of these devices is in the 13-device file; listed for comparison only.
HELP_PUBLISHED_NB201 = {"titan_rtx_256": 0.987, "xeon_gold_6226": 0.989, "pixel2": 0.802, "raspi4": 0.890,
                        "eyeriss": 0.940, "fpga": 0.985}


def run(duet, args):
    t = time.time()
    p = subprocess.run([duet] + args, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"duet failed ({p.returncode}): {' '.join(args)}\n{p.stderr}")
    return json.loads(p.stdout), time.time() - t


def read_predictions(path):
    rows = list(csv.DictReader(open(path)))
    return ([r["arch"] for r in rows], np.array([r["split"] == "train" for r in rows]),
            np.array([float(r["measured_ms"]) for r in rows]), np.array([float(r["predicted_ms"]) for r in rows]))


def onehot(arch, space):
    if space == "nb201":
        ops = [t.split("~")[0] for t in arch.strip("|").replace("|+|", "|").split("|")]
        vocab = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
    else:
        ops = arch.split()
        vocab = ["k3_e1", "k3_e1_g2", "k3_e3", "k3_e6", "k5_e1", "k5_e1_g2", "k5_e3", "k5_e6", "skip"]
    x = np.zeros(len(ops) * len(vocab) + 1)
    x[-1] = 1
    for i, o in enumerate(ops):
        x[i * len(vocab) + vocab.index(o)] = 1
    return x


def errors(pred, meas):
    ape = np.abs(pred - meas) / meas * 100
    return {"kendall_tau": float(kendalltau(pred, meas).statistic), "mape_mean_pct": float(ape.mean())}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duet", default=".build/release/duet")
    ap.add_argument("--data", default=os.environ.get("DUET_DATA", "../shared/data") + "/help")
    ap.add_argument("--space", default="nb201")
    ap.add_argument("--only", choices=["fit", "fewshot"])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    path = os.path.join(a.data, FILES[a.space])
    header = next(csv.reader(open(path)))
    arch_col = "arch_str"
    devices = [h for h in header if h not in ("arch_index", "sample_index", arch_col)]
    tmp = tempfile.mkdtemp()
    result = {"space": a.space, "file": path, "fit": {}, "fewshot": {}}
    base = ["table", "fit", "--space", a.space, "--measurements", path, "--arch-column", arch_col, "--format", "json"]
    if a.only in (None, "fit"):
        print(f"## {a.space}: default-flag fit on 1000 networks vs per-edge one-hot least squares (same split, seed 0)")
        print("| device | duet rules | duet tau | duet APE % | one-hot tau | one-hot APE % |")
        print("|---|---|---|---|---|---|")
        for d in devices:
            pred_path = os.path.join(tmp, f"fit_{d}.csv")
            j, secs = run(a.duet, base + ["--latency-column", d, "--train", "1000", "--seed", "0", "--predictions", pred_path])
            archs, train, meas, pred = read_predictions(pred_path)
            X = np.array([onehot(s, a.space) for s in archs])
            w = np.linalg.lstsq(X[train], meas[train], rcond=None)[0]
            oh = errors(X[~train] @ w, meas[~train])
            rules = "+".join(j["graph_rewrites"]) or "none"
            fus = "+".join(j["fusion"]) or "none"
            result["fit"][d] = {"duet": {"kendall_tau": j["test"]["kendall_tau"], "mape_mean_pct": j["test"]["mape_mean_pct"]},
                                "onehot": oh, "rewrites": j["graph_rewrites"], "fusion": j["fusion"], "seconds": secs}
            print(f"| {d} | {rules}; {fus} | {j['test']['kendall_tau']:.4f} | {j['test']['mape_mean_pct']:.2f} | {oh['kendall_tau']:.4f} | {oh['mape_mean_pct']:.2f} |", flush=True)
    if a.only in (None, "fewshot"):
        print(f"\n## {a.space}: few-shot, 10 networks + the other {len(devices) - 1} devices as references, seeds 0-{a.seeds - 1}")
        print("| device | Spearman rho | Kendall tau | APE mean % | fit s (max) |")
        print("|---|---|---|---|---|")
        rhos = []
        for d in devices:
            rs, ts, es, fs = [], [], [], []
            for seed in range(a.seeds):
                pred_path = os.path.join(tmp, f"fs_{d}_{seed}.csv")
                j, _ = run(a.duet, base + ["--latency-column", d, "--train", "10", "--seed", str(seed), "--reference", path, "--predictions", pred_path])
                _, train, meas, pred = read_predictions(pred_path)
                rs.append(spearmanr(pred[~train], meas[~train]).statistic)
                ts.append(kendalltau(pred[~train], meas[~train]).statistic)
                es.append(j["test"]["mape_mean_pct"])
                fs.append(j["fit_seconds"])
            rhos.append(np.mean(rs))
            result["fewshot"][d] = {"spearman_rho": float(np.mean(rs)), "kendall_tau": float(np.mean(ts)), "mape_mean_pct": float(np.mean(es)),
                                    "fit_seconds_max": float(max(fs)), "per_seed_rho": [float(r) for r in rs]}
            print(f"| {d} | {np.mean(rs):.4f} | {np.mean(ts):.4f} | {np.mean(es):.2f} | {max(fs):.3f} |", flush=True)
        result["fewshot_mean_rho"] = float(np.mean(rhos))
        print(f"| **mean** | **{np.mean(rhos):.4f}** | | | |")
    if a.out:
        json.dump(result, open(a.out, "w"), indent=1)


if __name__ == "__main__":
    main()
