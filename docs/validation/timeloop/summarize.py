#!/usr/bin/env python3
"""Markdown summary of compare.py's results: summarize.py RESULTS_DIR > SUMMARY.md"""
import glob, json, os, sys

d = sys.argv[1]
f = lambda x, p=2: "–" if x is None else f"{x:.{p}f}"
print("| template / network | layers compared | ρ cycles | ρ energy | cycles ±15 % | energy ±10 % | median \\|err\\| cycles | median \\|err\\| energy | Σ cycles Duet/TL | Σ energy Duet/TL | MAC | RF | GLB | DRAM (energy Duet/TL) | GLB reads | GLB writes | DRAM reads | DRAM writes (accesses Duet/TL) |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for p in sorted(glob.glob(os.path.join(d, "*.summary.json"))):
    s = json.load(open(p))
    n = s["compared"]
    print(f"| {s['label']} | {n} of {s['layers']} | {f(s['spearman_cycles'], 3)} | {f(s['spearman_energy'], 3)} | "
          f"{s['cycles_within_15pct']}/{n} | {s['energy_within_10pct']}/{n} | {f(s['cycles_median_abs_err'])} | {f(s['energy_median_abs_err'])} | "
          f"{f(s['cycles_total_ratio'])} | {f(s['energy_total_ratio'])} | {f(s['energy_ratio_mac'])} | {f(s['energy_ratio_rf'])} | "
          f"{f(s['energy_ratio_glb'])} | {f(s['energy_ratio_dram'])} | {f(s['access_ratio_glb_reads'])} | {f(s['access_ratio_glb_writes'])} | "
          f"{f(s['access_ratio_dram_reads'])} | {f(s['access_ratio_dram_writes'])} |")
print()
for p in sorted(glob.glob(os.path.join(d, "*.summary.json"))):
    s = json.load(open(p))
    wc = ", ".join(f"{w['layer']} {w['cycles_ratio']}" for w in s["worst_cycles"])
    we = ", ".join(f"{w['layer']} {w['energy_ratio']}" for w in s["worst_energy"])
    print(f"- {s['label']}: worst cycles (Duet/Timeloop) {wc}; worst energy {we}" + (f"; {len(s['failed'])} layer(s) failed in Timeloop" if s["failed"] else ""))
