#!/usr/bin/env python3
"""Compare DuetSearch's NSGA-II (`duet-bench moo`) with pymoo 0.6.2's NSGA-II in one run.

Same problems (pymoo's ZDT1/2/3 with 30 variables, DTLZ2 with 3 objectives and 10 variables),
same settings (population 100, 25,000 evaluations = 250 generations, SBX eta=15 p=0.9,
PM eta=20), same seeds, same hypervolume reference points ((1.1, 1.1) and (1.1, 1.1, 1.1)),
hypervolume of the final population's non-dominated set (pymoo's res.F). Also times moocore's
pareto_rank against `duet-bench sort` on 10,000 random 3-objective points.

Usage: pymoo_compare.py --bench PATH/TO/duet-bench [--seeds 1-10] [--problems zdt1,zdt2,zdt3,dtlz2]
Prints one JSON document on stdout and a table on stderr.
"""
import argparse
import json
import subprocess
import sys
import time

import numpy as np
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.indicators.hv import HV
from pymoo.optimize import minimize
from pymoo.problems import get_problem


def parse_seeds(text):
    seeds = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            seeds.extend(range(int(a), int(b) + 1))
        else:
            seeds.append(int(part))
    return seeds


def pymoo_runs(name, seeds, evaluations, population):
    problem = get_problem(name) if name != "dtlz2" else get_problem("dtlz2", n_var=10, n_obj=3)
    ref = np.full(problem.n_obj, 1.1)
    hv = HV(ref_point=ref)
    hvs, secs = [], []
    for seed in seeds:
        algorithm = NSGA2(pop_size=population)
        start = time.perf_counter()
        res = minimize(problem, algorithm, ("n_evals", evaluations), seed=seed, verbose=False)
        secs.append(time.perf_counter() - start)
        hvs.append(float(hv(res.F)))
    return {
        "problem": name,
        "algorithm": "NSGA-II (pymoo 0.6.2)",
        "evaluations": evaluations,
        "population": population,
        "seeds": seeds,
        "reference_point": ref.tolist(),
        "hypervolume_mean": float(np.mean(hvs)),
        "hypervolume_std": float(np.std(hvs)),
        "seconds_mean": float(np.mean(secs)),
        "seconds_std": float(np.std(secs)),
        "hypervolumes": hvs,
        "seconds": secs,
    }


def duet_runs(bench, name, seeds_text, evaluations, population, concurrency):
    cmd = [bench, "moo", "--problem", name, "--evaluations", str(evaluations),
           "--population", str(population), "--seeds", seeds_text]
    if concurrency:
        cmd += ["--concurrency", str(concurrency)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def sort_timing(bench, points, objectives, repeats):
    result = {"points": points, "objectives": objectives}
    duet = json.loads(subprocess.run([bench, "sort", "--points", str(points), "--objectives", str(objectives),
                                      "--repeats", str(repeats)], check=True, capture_output=True, text=True).stdout)
    result["duet_milliseconds_median"] = duet["milliseconds_median"]
    try:
        import moocore
        rng = np.random.default_rng(1)
        times = []
        for _ in range(repeats):
            x = rng.random((points, objectives))
            start = time.perf_counter()
            moocore.pareto_rank(x)
            times.append((time.perf_counter() - start) * 1e3)
        result["moocore_version"] = moocore.__version__ if hasattr(moocore, "__version__") else "unknown"
        result["moocore_milliseconds_median"] = float(np.median(times))
        result["speedup"] = result["moocore_milliseconds_median"] / result["duet_milliseconds_median"]
    except ImportError:
        result["moocore_milliseconds_median"] = None
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--seeds", default="1-10")
    ap.add_argument("--problems", default="zdt1,zdt2,zdt3,dtlz2")
    ap.add_argument("--evaluations", type=int, default=25000)
    ap.add_argument("--population", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=0, help="duet-bench --concurrency (0: its default, all cores)")
    args = ap.parse_args()
    seeds = parse_seeds(args.seeds)
    rows = []
    for name in args.problems.split(","):
        p = pymoo_runs(name, seeds, args.evaluations, args.population)
        d = duet_runs(args.bench, name, args.seeds, args.evaluations, args.population, args.concurrency)
        rows.append({"problem": name, "pymoo": p, "duet": d,
                     "hypervolume_difference": d["hypervolume_mean"] - p["hypervolume_mean"],
                     "speed_ratio": p["seconds_mean"] / d["seconds_mean"]})
    sort = sort_timing(args.bench, 10000, 3, 20)
    print(json.dumps({"moo": rows, "sort": sort}, indent=2))
    err = sys.stderr
    print(f"{'problem':8} {'pymoo HV':>20} {'duet HV':>20} {'pymoo s/run':>12} {'duet s/run':>11} {'ratio':>7}", file=err)
    for r in rows:
        p, d = r["pymoo"], r["duet"]
        print(f"{r['problem']:8} {p['hypervolume_mean']:.5f} ± {p['hypervolume_std']:.5f}  "
              f"{d['hypervolume_mean']:.5f} ± {d['hypervolume_std']:.5f} {p['seconds_mean']:12.3f} "
              f"{d['seconds_mean']:11.4f} {r['speed_ratio']:6.1f}x", file=err)
    print(f"sort 10000x3: duet {sort['duet_milliseconds_median']:.2f} ms, moocore "
          f"{sort['moocore_milliseconds_median']} ms", file=err)


if __name__ == "__main__":
    main()
