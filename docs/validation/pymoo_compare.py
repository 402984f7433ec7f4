#!/usr/bin/env python3
"""Compare DuetSearch's NSGA-II (`duet-bench moo`) with pymoo 0.6.2's NSGA-II in one run.

Same problems (pymoo's ZDT1/2/3 with 30 variables, DTLZ2 with 3 objectives and 10 variables),
same settings (population 100, 25,000 evaluations = 250 generations, SBX eta=15 p=0.9,
PM eta=20), same seeds, same hypervolume reference points ((1.1, 1.1) and (1.1, 1.1, 1.1)),
hypervolume of the final population's non-dominated set (pymoo's res.F). Also times moocore's
pareto_rank against `duet-bench sort` on 10,000 random 3-objective points.

Usage: pymoo_compare.py --bench PATH/TO/duet-bench [--seeds 1-10] [--problems zdt1,zdt2,zdt3,dtlz2]
                         [--duet-truncation crowding,pruning] [--pymoo-crowding cd,pcd] [--csv PATH]
Prints one JSON document on stdout and a table on stderr. Each problem is run once per Duet
truncation (duet-bench --truncation: crowding = Deb et al. 2002, pruning = Kukkonen & Deb 2006)
and once per pymoo crowding function (RankAndCrowding(crowding_func=...): cd = pymoo's default,
pcd = its pruning variant); every row compares one Duet variant with the first pymoo variant
(the default, cd), the other pymoo variants are reported beside it. --csv writes one line per run.
"""
import argparse
import json
import subprocess
import sys
import time

import numpy as np
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.operators.survival.rank_and_crowding import RankAndCrowding
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


def pymoo_runs(name, seeds, evaluations, population, crowding="cd"):
    problem = get_problem(name) if name != "dtlz2" else get_problem("dtlz2", n_var=10, n_obj=3)
    ref = np.full(problem.n_obj, 1.1)
    hv = HV(ref_point=ref)
    hvs, secs = [], []
    for seed in seeds:
        if crowding == "cd":
            algorithm = NSGA2(pop_size=population)
        else:
            algorithm = NSGA2(pop_size=population, survival=RankAndCrowding(crowding_func=crowding))
        start = time.perf_counter()
        res = minimize(problem, algorithm, ("n_evals", evaluations), seed=seed, verbose=False)
        secs.append(time.perf_counter() - start)
        hvs.append(float(hv(res.F)))
    return {
        "problem": name,
        "algorithm": "NSGA-II (pymoo 0.6.2)",
        "crowding_func": crowding,
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


def duet_runs(bench, name, seeds_text, evaluations, population, concurrency, truncation="crowding"):
    cmd = [bench, "moo", "--problem", name, "--evaluations", str(evaluations),
           "--population", str(population), "--seeds", seeds_text, "--truncation", truncation]
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
    ap.add_argument("--duet-truncation", default="crowding", help="comma-separated: crowding, pruning")
    ap.add_argument("--pymoo-crowding", default="cd", help="comma-separated: cd (default), pcd")
    ap.add_argument("--no-sort", action="store_true", help="skip the sort timing")
    ap.add_argument("--csv", help="write one line per run (tool, variant, problem, seed, hypervolume, seconds) here")
    args = ap.parse_args()
    seeds = parse_seeds(args.seeds)
    truncations = args.duet_truncation.split(",")
    crowdings = args.pymoo_crowding.split(",")
    rows = []
    for name in args.problems.split(","):
        # Interleave the tools so that load changes on a shared machine hit both.
        ps, ds = {}, {}
        for k in range(max(len(crowdings), len(truncations))):
            if k < len(crowdings):
                ps[crowdings[k]] = pymoo_runs(name, seeds, args.evaluations, args.population, crowdings[k])
            if k < len(truncations):
                ds[truncations[k]] = duet_runs(args.bench, name, args.seeds, args.evaluations, args.population,
                                               args.concurrency, truncations[k])
        p = ps[crowdings[0]]
        for t in truncations:
            d = ds[t]
            rows.append({"problem": name, "pymoo": p, "duet": d,
                         "pymoo_other_crowding": {c: ps[c] for c in crowdings[1:]},
                         "hypervolume_difference": d["hypervolume_mean"] - p["hypervolume_mean"],
                         "speed_ratio": p["seconds_mean"] / d["seconds_mean"]})
    sort = None if args.no_sort else sort_timing(args.bench, 10000, 3, 20)
    print(json.dumps({"moo": rows, "sort": sort}, indent=2))
    if args.csv:
        with open(args.csv, "w") as out:
            out.write("tool,variant,problem,seed,hypervolume,seconds\n")
            done = set()
            for r in rows:
                runs = [("pymoo", r["pymoo"]["crowding_func"], r["pymoo"])]
                runs += [("pymoo", c, v) for c, v in r["pymoo_other_crowding"].items()]
                runs += [("duet", r["duet"]["truncation"], r["duet"])]
                for tool, variant, res in runs:
                    if (tool, variant, r["problem"]) in done:
                        continue
                    done.add((tool, variant, r["problem"]))
                    for seed, h, t in zip(res["seeds"], res["hypervolumes"], res["seconds"]):
                        out.write(f"{tool},{variant},{r['problem']},{seed},{h:.8f},{t:.5f}\n")
    err = sys.stderr
    print(f"{'problem':8} {'duet variant':12} {'pymoo HV (cd)':>20} {'duet HV':>20} {'diff':>9} {'pymoo s/run':>12} "
          f"{'duet s/run':>11} {'ratio':>7}", file=err)
    for r in rows:
        p, d = r["pymoo"], r["duet"]
        print(f"{r['problem']:8} {d['truncation']:12} {p['hypervolume_mean']:.5f} ± {p['hypervolume_std']:.5f}  "
              f"{d['hypervolume_mean']:.5f} ± {d['hypervolume_std']:.5f} {r['hypervolume_difference']:+9.5f} "
              f"{p['seconds_mean']:12.3f} {d['seconds_mean']:11.4f} {r['speed_ratio']:6.1f}x", file=err)
        for c, o in r["pymoo_other_crowding"].items():
            print(f"{'':8} pymoo {c:6} {o['hypervolume_mean']:.5f} ± {o['hypervolume_std']:.5f}  "
                  f"{o['seconds_mean']:.3f} s/run", file=err)
    if sort is None:
        return
    print(f"sort 10000x3: duet {sort['duet_milliseconds_median']:.2f} ms, moocore "
          f"{sort['moocore_milliseconds_median']} ms", file=err)


if __name__ == "__main__":
    main()
