#!/usr/bin/env python3
"""Summarize the per-run CSVs of pymoo_compare.py (--csv): hypervolume mean ± std (ddof 0, as
the comparison) per tool, variant and problem, and each Duet variant's difference from pymoo's
default (cd) with its standard error (Welch) and the ratio of mean seconds per run.

Usage: pymoo_hv_summary.py FILE.csv [FILE.csv ...]   (the files are pooled)
Prints a markdown table on stdout.
"""
import csv
import math
import sys
from collections import defaultdict


def stats(xs):
    n = len(xs)
    mean = sum(xs) / n
    var0 = sum((x - mean) ** 2 for x in xs) / n
    var1 = sum((x - mean) ** 2 for x in xs) / (n - 1) if n > 1 else 0.0
    return mean, math.sqrt(var0), var1, n


def main():
    hv, secs, seeds = defaultdict(list), defaultdict(list), defaultdict(set)
    for path in sys.argv[1:]:
        with open(path) as f:
            for row in csv.DictReader(f):
                key = (row["problem"], row["tool"], row["variant"])
                hv[key].append(float(row["hypervolume"]))
                secs[key].append(float(row["seconds"]))
                seeds[key].add(int(row["seed"]))
    problems = sorted({k[0] for k in hv}, key=["zdt1", "zdt2", "zdt3", "dtlz2"].index)
    print("| problem | run | seeds | HV mean ± std | − pymoo cd (± s.e.) | s/run | pymoo cd s / this s |")
    print("|---|---|---|---|---|---|---|")
    for p in problems:
        base = (p, "pymoo", "cd")
        bm, _, bv, bn = stats(hv[base])
        bt = sum(secs[base]) / len(secs[base])
        for key in sorted((k for k in hv if k[0] == p), key=lambda k: (k[1] != "pymoo", k[2])):
            m, s, v, n = stats(hv[key])
            t = sum(secs[key]) / len(secs[key])
            diff = "" if key == base else f"{m - bm:+.5f} (± {math.sqrt(v / n + bv / bn):.5f})"
            ratio = "" if key[1] == "pymoo" else f"{bt / t:.1f}×"
            print(f"| {p.upper()} | {key[1]} {key[2]} | {min(seeds[key])}–{max(seeds[key])} ({n}) | "
                  f"{m:.5f} ± {s:.5f} | {diff} | {t:.3f} | {ratio} |")


if __name__ == "__main__":
    main()
