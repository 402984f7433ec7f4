#!/usr/bin/env python3
"""Hypervolume of pymoo 0.6.2's NSGA-II with its pruning crowding distance (Kukkonen & Deb 2006,
`RankAndCrowding(crowding_func="pcd")`), the counterpart of `duet-bench moo --truncation pruning`.

pymoo's compiled `calc_pcd` (functions/compiled/pruning_cd) crashed here with a segmentation fault
in the first ZDT1 runs, so this uses pymoo's own pure-Python `calc_pcd`
(functions/standard/pruning_cd.py) through the same `FunctionalDiversity` wrapper pymoo builds for
"pcd" (duplicates filtered). Hypervolume only: the Python fallback is slower than the compiled code,
so its seconds are not a fair pymoo timing and are not compared.

Usage: pymoo_pcd_check.py [--seeds 1-10] [--problems zdt1,zdt2,zdt3,dtlz2] --csv PATH
Writes the CSV format of pymoo_compare.py --csv (tool pymoo, variant pcd).
"""
import argparse

import numpy as np
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.functions.standard.pruning_cd import calc_pcd
from pymoo.indicators.hv import HV
from pymoo.operators.survival.rank_and_crowding import RankAndCrowding
from pymoo.operators.survival.rank_and_crowding.metrics import FunctionalDiversity
from pymoo.optimize import minimize
from pymoo.problems import get_problem

from pymoo_compare import parse_seeds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="1-10")
    ap.add_argument("--problems", default="zdt1,zdt2,zdt3,dtlz2")
    ap.add_argument("--csv", required=True)
    args = ap.parse_args()
    with open(args.csv, "w") as out:
        out.write("tool,variant,problem,seed,hypervolume,seconds\n")
        for name in args.problems.split(","):
            problem = get_problem(name) if name != "dtlz2" else get_problem("dtlz2", n_var=10, n_obj=3)
            hv = HV(ref_point=np.full(problem.n_obj, 1.1))
            for seed in parse_seeds(args.seeds):
                survival = RankAndCrowding(crowding_func=FunctionalDiversity(calc_pcd, filter_out_duplicates=True))
                res = minimize(problem, NSGA2(pop_size=100, survival=survival), ("n_evals", 25000),
                               seed=seed, verbose=False)
                out.write(f"pymoo,pcd,{name},{seed},{float(hv(res.F)):.8f},nan\n")
                out.flush()


if __name__ == "__main__":
    main()
