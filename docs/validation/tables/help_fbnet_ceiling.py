"""How high can few-shot Spearman rho go on HELP's FBNet latencies? (issue 14, item 2)

Reads ../shared/data/help/fbnet_cifar100_latency_ms_13_devices.csv (HELP's 5,000 FBNet networks on
13 devices) and, per device:

1. resolution: whether the latencies are whole milliseconds, and how many distinct values;
2. the rho an additive (per-layer) predictor reaches when fitted on all 5,000 networks and scored on
   the same networks (`fit_all_rho`, in-sample: an upper bound for any per-layer table, which is what
   a Duet table is on FBNet) and in 5-fold cross-validation (`fit_cv_rho`);
3. the rho lost to whole-millisecond rounding alone: rho(x, round(x)) for two continuous stand-ins
   of the true latency x, (a) the all-network fit's predictions and (b) Pixel 3's latencies (exactly
   additive in this file) mapped affinely onto the device's mean and spread;
4. a prototype of HELP's other prior: the target as a ridge combination of the 12 other devices'
   measured whole-network latencies (standardized; weights from the 10 training networks, shrinkage
   chosen by leave-one-out), scored like the few-shot protocol (10 random networks, seeds 0-4,
   rho on the other 4,990). Its splits are numpy's, not duet's, so compare means, not seeds.

It also reads help_results_fbnet_fewshot.json (Duet's few-shot rho per device, help_fit.py) and
prints the mean with and without the two whole-millisecond phones whose ceiling is low.

Usage: python3 docs/validation/tables/help_fbnet_ceiling.py [--data ../shared/data/help]
       [--out docs/validation/tables/help_results_fbnet_ceiling.json]
Needs numpy and scipy (validation only).
"""
import argparse, csv, json, os
import numpy as np
from scipy.stats import spearmanr

VOCAB = ["k3_e1", "k3_e1_g2", "k3_e3", "k3_e6", "k5_e1", "k5_e1_g2", "k5_e3", "k5_e6", "skip"]
LOW = ("essential_ph_1", "samsung_s7")


def rho(a, b):
    return float(spearmanr(a, b).statistic)


def design(archs):
    a = np.zeros((len(archs), 22 * len(VOCAB) + 1))
    a[:, -1] = 1
    for i, s in enumerate(archs):
        for l, o in enumerate(s.split()):
            a[i, l * len(VOCAB) + VOCAB.index(o)] = 1
    return a


def ridge_loo(F, y, lambdas):
    """Ridge of y on the columns of F (standardized on the training rows) with the intercept
    unpenalized; the shrinkage with the lowest exact leave-one-out squared error. Returns (w, b, mu, sd)."""
    mu, sd = F.mean(0), F.std(0) + 1e-12
    Z = (F - mu) / sd
    yc = y - y.mean()
    best = None
    for lam in lambdas:
        n = len(y)
        Zc = Z - Z.mean(0)
        H = Zc @ np.linalg.solve(Zc.T @ Zc + lam * np.eye(Z.shape[1]), Zc.T) + np.ones((n, n)) / n
        r = (y - (H @ yc + y.mean())) / np.clip(1 - np.diag(H), 1e-9, None)
        e = float(np.mean(r ** 2))
        if best is None or e < best[0]:
            best = (e, lam)
    lam = best[1]
    Zc = Z - Z.mean(0)
    w = np.linalg.solve(Zc.T @ Zc + lam * np.eye(Z.shape[1]), Zc.T @ yc)
    return w, y.mean() - Z.mean(0) @ w, mu, sd, lam


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.environ.get("DUET_DATA", "../shared/data") + "/help")
    ap.add_argument("--fewshot", default=os.path.join(os.path.dirname(__file__), "help_results_fbnet_fewshot.json"))
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    rows = list(csv.DictReader(open(os.path.join(a.data, "fbnet_cifar100_latency_ms_13_devices.csv"))))
    devices = [k for k in rows[0] if k not in ("sample_index", "arch_index", "arch_str")]
    Y = {d: np.array([float(r[d]) for r in rows]) for d in devices}
    A = design([r["arch_str"] for r in rows])
    n = len(rows)
    fewshot = json.load(open(a.fewshot))["fewshot"] if os.path.exists(a.fewshot) else {}
    folds = np.random.default_rng(0).permutation(n) % 5
    out = {"file": "fbnet_cifar100_latency_ms_13_devices.csv", "devices": {}}
    print("| device | whole ms | distinct | sd ms | fit-all rho (in-sample) | 5-fold CV rho | rho lost to rounding (fit / pixel3 stand-in) | refs-ridge rho (10 nets) | duet few-shot rho |")
    print("|---|---|---|---|---|---|---|---|---|")
    for d in devices:
        y = Y[d]
        whole = bool(np.all(y == np.round(y)))
        w = np.linalg.lstsq(A, y, rcond=None)[0]
        p = A @ w
        cv = np.zeros(n)
        for f in range(5):
            tr = folds != f
            cv[~tr] = A[~tr] @ np.linalg.lstsq(A[tr], y[tr], rcond=None)[0]
        px = Y["pixel3"]
        stand = (px - px.mean()) / px.std() * y.std() + y.mean()
        lost_fit, lost_px = 1 - rho(p, np.round(p)), 1 - rho(stand, np.round(stand))
        refs = [r for r in devices if r != d]
        F = np.stack([Y[r] for r in refs], 1)
        rr = []
        for seed in range(a.seeds):
            idx = np.random.default_rng(seed).permutation(n)
            tr, te = idx[:10], idx[10:]
            wt, b, mu, sd, _ = ridge_loo(F[tr], y[tr], [1e-3, 1e-2, 0.1, 1, 10, 100])
            rr.append(rho(((F[te] - mu) / sd) @ wt + b, y[te]))
        duet = fewshot.get(d, {}).get("spearman_rho")
        out["devices"][d] = {"whole_ms": whole, "distinct_values": int(len(np.unique(y))), "sd_ms": float(y.std()),
                             "fit_all_rho": rho(p, y), "fit_cv_rho": rho(cv, y), "rho_lost_to_rounding_fit": lost_fit,
                             "rho_lost_to_rounding_pixel3_standin": lost_px, "refs_ridge_rho": float(np.mean(rr)),
                             "refs_ridge_rho_per_seed": [float(v) for v in rr], "duet_fewshot_rho": duet}
        print(f"| {d} | {'yes' if whole else 'no'} | {len(np.unique(y))} | {y.std():.2f} | {rho(p, y):.4f} | {rho(cv, y):.4f} | "
              f"{lost_fit:.4f} / {lost_px:.4f} | {np.mean(rr):.4f} | {duet if duet is None else f'{duet:.4f}'} |")
    dv = out["devices"]
    mean = lambda key, ds: float(np.mean([dv[x][key] for x in ds]))
    rest = [d for d in devices if d not in LOW]
    out["mean_fit_all_rho"] = mean("fit_all_rho", devices)
    out["mean_fit_cv_rho"] = mean("fit_cv_rho", devices)
    out["mean_refs_ridge_rho"] = mean("refs_ridge_rho", devices)
    out["mean_refs_ridge_rho_without_low"] = mean("refs_ridge_rho", rest)
    print(f"\nmean over 13: fit-all rho {out['mean_fit_all_rho']:.4f}, 5-fold CV rho {out['mean_fit_cv_rho']:.4f}, "
          f"refs-ridge rho {out['mean_refs_ridge_rho']:.4f} (without {', '.join(LOW)}: {out['mean_refs_ridge_rho_without_low']:.4f})")
    if fewshot:
        out["mean_duet_fewshot_rho"] = mean("duet_fewshot_rho", devices)
        out["mean_duet_fewshot_rho_without_low"] = mean("duet_fewshot_rho", rest)
        print(f"duet few-shot mean rho: {out['mean_duet_fewshot_rho']:.4f} over 13, {out['mean_duet_fewshot_rho_without_low']:.4f} without {', '.join(LOW)}")
    if a.out:
        json.dump(out, open(a.out, "w"), indent=1)


if __name__ == "__main__":
    main()
