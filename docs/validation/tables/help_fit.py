"""Device tables that learn, on HELP's measured latencies (../shared/data/help).

Both run through `duet-bench table-fits` (the library path of `duet table fit`, one process per
file so each runtime's lowering of the networks is done once) and are scored here.

1. Default-flag fit: `duet table fit --train 1000` (runtime rules chosen by cross-validation) on
   every device, against a per-edge one-hot least-squares fit on the same split (NB201: 6 edges ×
   5 ops + constant; the split is read back from --predictions).
2. Few-shot, HELP's protocol: each device held out in turn, 10 of its networks + the other 12
   devices as references (the same CSV as --reference), tested on every other network; Spearman
   rho and Kendall tau, mean over seeds 0-4; fit_seconds is the few-shot fit itself as duet reports it.

Usage: swift build -c release --product duet-bench
       python3 docs/validation/tables/help_fit.py [--data ../shared/data/help] [--space nb201|fbnet-c100]
       [--only fit|fewshot] [--work DIR [--reuse]] [--out docs/validation/tables/help_results_nb201.json]
       [--few-shot-rules loo|nearest [--nearest N]] [--devices D1,D2]
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


def bench(a, path, train, seeds, few, outdir):
    args = [a.bench, "table-fits", "--measurements", path, "--space", a.space, "--train", str(train),
            "--seeds", ",".join(map(str, seeds)), "--out", outdir]
    if few:
        args += ["--few-shot", "--few-shot-rules", a.few_shot_rules, "--nearest", str(a.nearest)]
    if a.devices:
        args += ["--devices", a.devices]
    if not a.reuse:
        p = subprocess.run(args, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"duet-bench failed: {' '.join(args)}\n{p.stderr}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default=".build/release/duet-bench")
    ap.add_argument("--data", default=os.environ.get("DUET_DATA", "../shared/data") + "/help")
    ap.add_argument("--space", default="nb201")
    ap.add_argument("--only", choices=["fit", "fewshot"])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--work", default=None, help="folder for duet-bench's files (default: a temporary one)")
    ap.add_argument("--reuse", action="store_true", help="score files already in --work")
    ap.add_argument("--out", default=None)
    ap.add_argument("--nearest", type=int, default=3, help="reference devices that choose the rules with --few-shot-rules nearest")
    ap.add_argument("--devices", default=None, help="only these device columns (comma-separated)")
    ap.add_argument("--few-shot-rules", default="loo", choices=["loo", "nearest"],
                    help="how a few-shot fit chooses its rules (duet-bench table-fits --few-shot-rules)")
    a = ap.parse_args()
    path = os.path.join(a.data, FILES[a.space])
    header = next(csv.reader(open(path)))
    devices = [h for h in header if h not in ("arch_index", "sample_index", "arch_str")]
    references = len(devices) - 1
    if a.devices:
        devices = [d for d in devices if d in a.devices.split(",")]
    work = a.work or tempfile.mkdtemp()
    result = {"space": a.space, "file": path, "fit": {}, "fewshot": {}}
    if a.only in (None, "fit"):
        d0 = os.path.join(work, "fit")
        bench(a, path, 1000, [0], False, d0)
        print(f"## {a.space}: default-flag fit on 1000 networks vs per-edge one-hot least squares (same split, seed 0)")
        print("| device | rules chosen by 5-fold CV | duet tau | duet APE % | one-hot tau | one-hot APE % |")
        print("|---|---|---|---|---|---|")
        for d in devices:
            j = json.load(open(os.path.join(d0, f"{d}_0.json")))
            archs, train, meas, pred = read_predictions(os.path.join(d0, f"{d}_0.csv"))
            X = np.array([onehot(s, a.space) for s in archs])
            w = np.linalg.lstsq(X[train], meas[train], rcond=None)[0]
            oh = errors(X[~train] @ w, meas[~train])
            du = errors(pred[~train], meas[~train])
            rules = ("+".join(j["graph_rewrites"]) or "none") + "; " + ("+".join(j["fusion"]) or "none")
            result["fit"][d] = {"duet": du, "onehot": oh, "rewrites": j["graph_rewrites"], "fusion": j["fusion"]}
            print(f"| {d} | {rules} | {du['kendall_tau']:.4f} | {du['mape_mean_pct']:.2f} | {oh['kendall_tau']:.4f} | {oh['mape_mean_pct']:.2f} |", flush=True)
    if a.only in (None, "fewshot"):
        d1 = os.path.join(work, "fewshot")
        seeds = list(range(a.seeds))
        bench(a, path, 10, seeds, True, d1)
        print(f"\n## {a.space}: few-shot, 10 networks + the other {references} devices as references, seeds 0-{a.seeds - 1}")
        print("| device | rules (seed 0) | Spearman rho | Kendall tau | APE median % | fit s (max) |")
        print("|---|---|---|---|---|---|")
        rhos = []
        for d in devices:
            rs, ts, es, fs = [], [], [], []
            for seed in seeds:
                j = json.load(open(os.path.join(d1, f"{d}_{seed}.json")))
                _, train, meas, pred = read_predictions(os.path.join(d1, f"{d}_{seed}.csv"))
                rs.append(spearmanr(pred[~train], meas[~train]).statistic)
                ts.append(kendalltau(pred[~train], meas[~train]).statistic)
                es.append(j["test"]["ape_median_pct"])
                fs.append(j["fit_seconds"])
                if seed == 0:
                    rules = ("+".join(j["graph_rewrites"]) or "none") + "; " + ("+".join(j["fusion"]) or "none")
            rhos.append(np.mean(rs))
            result["fewshot"][d] = {"spearman_rho": float(np.mean(rs)), "kendall_tau": float(np.mean(ts)), "ape_median_pct": float(np.mean(es)),
                                    "fit_seconds_max": float(max(fs)), "per_seed_rho": [float(r) for r in rs]}
            print(f"| {d} | {rules} | {np.mean(rs):.4f} | {np.mean(ts):.4f} | {np.mean(es):.2f} | {max(fs):.3f} |", flush=True)
        result["fewshot_mean_rho"] = float(np.mean(rhos))
        print(f"| **mean** | | **{np.mean(rhos):.4f}** | | | |")
    if a.out:
        json.dump(result, open(a.out, "w"), indent=1)


if __name__ == "__main__":
    main()
