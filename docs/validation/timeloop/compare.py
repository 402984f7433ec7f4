#!/usr/bin/env python3
"""Runs Timeloop v3 on every layer of a Duet Timeloop export and compares it with Duet.

    compare.py EXPORT_DIR BASE OUT_DIR [--jobs 2] [--label eyeriss/resnet50]

EXPORT_DIR holds `duet network export NET --format timeloop --accelerator ACC --out EXPORT_DIR`'s
files (BASE.arch.yaml, BASE.ERT.yaml, BASE.constraints.yaml, BASE.mapper.yaml, BASE.NNN.yaml and
BASE.layers.csv with Duet's figures). Every layer goes through timeloop-mapper constrained by Duet's
mapping (Timeloop's own parser reads every file: a parse error fails the layer). Writes
OUT_DIR/layers.csv (per layer: cycles, energy, per-level accesses, Duet vs Timeloop) and
OUT_DIR/summary.json (Spearman rho of cycles and energy, error statistics, worst layers).
Standard library only.
"""
import argparse, csv, json, math, os, re, shutil, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import peercompare  # noqa: E402  (the shared Spearman of every peer comparison)

VICTORY = 0  # --victory: the mapper's victory condition (timeout = 20x); 0 keeps the export's

LEVEL_GROUPS = {"mac": "mac", "inputs_rf": "rf", "weights_rf": "rf", "outputs_rf": "rf", "GlobalBuffer": "glb", "DRAM": "dram"}


def parse_stats(path):
    """Cycles, energy (pJ) and per-level energy and accesses from timeloop-*.stats.txt."""
    text = open(path).read()
    out = {"cycles": None, "energy_pj": 0.0, "levels": {}}
    m = re.search(r"^Cycles:\s*(\d+)", text, re.M)
    out["cycles"] = int(m.group(1)) if m else None
    m = re.search(r"^Total topology energy:\s*([\d.e+]+) pJ", text, re.M) or re.search(r"^Energy:\s*([\d.]+)\s*uJ", text, re.M)
    out["energy_pj"] = (float(m.group(1)) * (1 if "topology" in m.group(0) else 1e6)) if m else None
    body = text.split("\nNetworks\n")[0] if "\nNetworks\n" in text else text
    parts = re.split(r"^=== (\S+) ===$", body, flags=re.M)
    for name, sec in zip(parts[1::2], parts[2::2]):
        sec = sec.split("\nNetworks\n")[0]
        lvl = {"reads": 0.0, "writes": 0.0, "energy_pj": 0.0}
        if name == "mac":
            m = re.search(r"Energy \(total\)\s*:\s*([\d.]+) pJ", sec)
            lvl["energy_pj"] = float(m.group(1)) if m else 0.0
            m = re.search(r"Computes \(total\)\s*:\s*(\d+)", sec)
            lvl["computes"] = int(m.group(1)) if m else None
        else:
            for ds in re.split(r"^    (Weights|Inputs|Outputs):$", sec, flags=re.M)[2::2]:
                def val(label):
                    mm = re.search(r"^\s*" + re.escape(label) + r"\s*:\s*([\d.]+)", ds, re.M)
                    return float(mm.group(1)) if mm else 0.0
                inst = val("Utilized instances (max)") or 1.0
                lvl["reads"] += val("Scalar reads (per-instance)") * inst
                lvl["writes"] += (val("Scalar fills (per-instance)") + val("Scalar updates (per-instance)")) * inst
                mm = re.search(r"^\s*Energy \(total\)\s*:\s*([\d.]+) pJ", ds, re.M)
                lvl["energy_pj"] += float(mm.group(1)) if mm else 0.0
        out["levels"][name] = lvl
    # The summary's "Energy: X uJ" has two decimals; the levels' totals are exact (no network
    # energy is modeled with Duet's ERT: its networks report 0 pJ).
    levels_pj = sum(l["energy_pj"] for l in out["levels"].values())
    if levels_pj > 0:
        out["energy_pj"] = levels_pj
    m = re.search(r"^Utilization:\s*([\d.]+)", text, re.M)
    out["utilization"] = float(m.group(1)) if m else None
    return out


def run_layer(export_dir, base, row, out_dir, timeout):
    stem = row["file"][:-5]
    work = os.path.join(out_dir, stem)
    os.makedirs(work, exist_ok=True)
    stats = os.path.join(work, "timeloop-mapper.stats.txt")
    if not os.path.exists(stats):
        mapper = os.path.join(export_dir, f"{base}.mapper.yaml")
        if VICTORY:
            text = open(mapper).read()
            text = re.sub(r"victory-condition: \d+", f"victory-condition: {VICTORY}", text)
            text = re.sub(r"timeout: \d+", f"timeout: {VICTORY * 20}", text)
            mapper = os.path.join(work, "mapper.yaml")
            open(mapper, "w").write(text)
        files = [f"{base}.arch.yaml", f"{base}.constraints.yaml", mapper, row["file"]]
        for extra in (f"{base}.ERT.yaml", f"{base}.components.yaml"):
            if os.path.exists(os.path.join(export_dir, extra)):
                files.insert(1, extra)
        cfg = os.environ.get("DUET_PEERS", os.path.expanduser("~/.cache/duet-peers")) + "/accelergy_config.yaml"
        if os.path.exists(cfg):
            shutil.copy(cfg, os.path.join(work, "accelergy_config.yaml"))
        t0 = time.time()
        with open(os.path.join(work, "mapper.out"), "w") as log:
            try:
                rc = subprocess.run(["timeloop-mapper"] + [os.path.join(export_dir, f) for f in files], cwd=work,
                                    stdout=log, stderr=subprocess.STDOUT, timeout=timeout).returncode
            except subprocess.TimeoutExpired:
                rc = "timeout"
        with open(os.path.join(work, "seconds"), "w") as f:
            f.write(f"{time.time() - t0:.1f}\n")
        if rc != 0 or not os.path.exists(stats):
            tail = open(os.path.join(work, "mapper.out")).read()[-600:]
            return row, None, f"timeloop-mapper exit {rc}: {tail}"
    return row, parse_stats(stats), None


def spearman(a, b):
    """Spearman's ρ (docs/validation/peercompare.py, average ranks for ties); None where undefined."""
    v = peercompare.spearman(a, b)
    return None if math.isnan(v) else v


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("export_dir"); ap.add_argument("base"); ap.add_argument("out_dir")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=900, help="seconds per layer")
    ap.add_argument("--label", default="")
    ap.add_argument("--victory", type=int, default=0, help="mapper victory condition (0: the export's mapper.yaml)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N layers (0: all)")
    a = ap.parse_args()
    global VICTORY
    VICTORY = a.victory
    if not shutil.which("timeloop-mapper"):
        sys.exit("timeloop-mapper not on PATH: run docs/validation/timeloop/build.sh, then source $DUET_PEERS/timeloop-env.sh")
    os.makedirs(a.out_dir, exist_ok=True)
    rows = list(csv.DictReader(open(os.path.join(a.export_dir, f"{a.base}.layers.csv"))))
    if a.limit:
        rows = rows[: a.limit]
    results, failures = [], []
    with ThreadPoolExecutor(max_workers=a.jobs) as ex:
        for row, st, err in ex.map(lambda r: run_layer(a.export_dir, a.base, r, a.out_dir, a.timeout), rows):
            if err:
                failures.append({"file": row["file"], "layer": row["layer"], "error": err})
                print(f"FAIL {row['file']} {row['layer']}: {err.splitlines()[-1] if err.splitlines() else err}", file=sys.stderr)
            else:
                results.append((row, st))
    out_rows = []
    for row, st in results:
        lv = st["levels"]
        grp = {"mac": 0.0, "rf": 0.0, "glb": 0.0, "dram": 0.0}
        acc = {"rf_reads": 0.0, "rf_writes": 0.0, "glb_reads": 0.0, "glb_writes": 0.0, "dram_reads": 0.0, "dram_writes": 0.0}
        for name, l in lv.items():
            g = LEVEL_GROUPS.get(name)
            if not g:
                continue
            grp[g] += l["energy_pj"]
            if g != "mac":
                acc[g + "_reads"] += l["reads"]; acc[g + "_writes"] += l["writes"]
        d = lambda k: float(row[k])
        duet_cmp = d("duet_mac_pj") + d("duet_rf_pj") + d("duet_glb_pj") + d("duet_dram_pj")
        tl_energy = st["energy_pj"]
        o = {"file": row["file"], "layer": row["layer"], "kind": row["kind"], "groups": row["groups"], "macs": row["macs"],
             "duet_cycles": row["duet_cycles"], "timeloop_cycles": st["cycles"],
             "cycles_ratio": round(d("duet_cycles") / st["cycles"], 4) if st["cycles"] else "",
             "duet_energy_pj": round(duet_cmp, 1), "timeloop_energy_pj": round(tl_energy, 1),
             "energy_ratio": round(duet_cmp / tl_energy, 4) if tl_energy else "",
             "duet_energy_with_noc_leakage_pj": row["duet_energy_pj"], "timeloop_utilization": st["utilization"]}
        for g in ("mac", "rf", "glb", "dram"):
            o[f"duet_{g}_pj"] = row[f"duet_{g}_pj"]; o[f"timeloop_{g}_pj"] = round(grp[g], 1)
        for k in acc:
            o[f"duet_{k}"] = row[f"duet_{k}"]; o[f"timeloop_{k}"] = round(acc[k])
        o["duet_mapping"] = row["duet_mapping"]
        out_rows.append(o)
    if out_rows:
        with open(os.path.join(a.out_dir, "layers.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(out_rows[0].keys()))
            w.writeheader(); w.writerows(out_rows)
    cyc = [(float(r["duet_cycles"]), float(r["timeloop_cycles"])) for r in out_rows if r["timeloop_cycles"]]
    en = [(r["duet_energy_pj"], r["timeloop_energy_pj"]) for r in out_rows if r["timeloop_energy_pj"]]
    def errs(pairs):
        e = [abs(x / y - 1) for x, y in pairs if y]
        return e
    ce, ee = errs(cyc), errs(en)
    def worst(key):
        s = sorted(out_rows, key=lambda r: -abs(float(r[key] or 1) - 1))[:5]
        return [{"layer": r["layer"], key: r[key]} for r in s]
    summary = {
        "label": a.label, "layers": len(rows), "compared": len(out_rows), "failed": failures,
        "spearman_cycles": spearman([x for x, _ in cyc], [y for _, y in cyc]),
        "spearman_energy": spearman([x for x, _ in en], [y for _, y in en]),
        "cycles_within_15pct": sum(1 for e in ce if e <= 0.15), "energy_within_10pct": sum(1 for e in ee if e <= 0.10),
        "cycles_median_abs_err": sorted(ce)[len(ce) // 2] if ce else None, "energy_median_abs_err": sorted(ee)[len(ee) // 2] if ee else None,
        "cycles_total_ratio": sum(x for x, _ in cyc) / sum(y for _, y in cyc) if cyc else None,
        "energy_total_ratio": sum(x for x, _ in en) / sum(y for _, y in en) if en else None,
        "worst_cycles": worst("cycles_ratio"), "worst_energy": worst("energy_ratio"),
    }
    for g in ("mac", "rf", "glb", "dram"):
        dt = sum(float(r[f"duet_{g}_pj"]) for r in out_rows); tt = sum(float(r[f"timeloop_{g}_pj"]) for r in out_rows)
        summary[f"energy_ratio_{g}"] = dt / tt if tt else None
    for k in ("rf_reads", "rf_writes", "glb_reads", "glb_writes", "dram_reads", "dram_writes"):
        dt = sum(float(r[f"duet_{k}"]) for r in out_rows); tt = sum(float(r[f"timeloop_{k}"]) for r in out_rows)
        summary[f"access_ratio_{k}"] = dt / tt if tt else None
    json.dump(summary, open(os.path.join(a.out_dir, "summary.json"), "w"), indent=1)
    print(json.dumps({k: v for k, v in summary.items() if not k.startswith("worst") and k != "failed"}, indent=1))
    if failures:
        print(f"{len(failures)} layer(s) failed; see {a.out_dir}/*/mapper.out", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
