#!/usr/bin/env python3
"""Compare Duet with ZigZag 3.9.1 on the layers of docs/validation/zigzag/reference.csv.

Each layer is evaluated with `duet evaluate` on the Duet descriptions of ZigZag's bundled
architectures (zigzag_tpu_like.yaml, zigzag_edge_tpu_like.yaml beside this script). Prints, per
architecture, the Spearman rank correlation of per-layer latency and energy, the median ratio
Duet/ZigZag, and writes the per-layer table to zigzag_comparison.csv.

Usage: python3 docs/validation/duet/compare_zigzag.py [--duet .build/release/duet]
"""
import argparse, csv, json, os, subprocess, sys, statistics

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def ranks(xs):
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    r = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for t in range(i, j + 1):
            r[order[t]] = (i + j) / 2 + 1
        i = j + 1
    return r


def spearman(a, b):
    ra, rb = ranks(a), ranks(b)
    ma, mb = statistics.mean(ra), statistics.mean(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    return cov / (sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb)) ** 0.5


def layer_ref(r):
    k, c, ox, oy, fx, fy, s, g = (int(r[x]) for x in ("k", "c", "ox", "oy", "fx", "fy", "stride", "groups"))
    if g > 1:  # ZigZag's k and c are per group: k = c = 1 for a depthwise layer of g channels
        return "layer:depthwise,k=%d,p=%d,q=%d,r=%d,s=%d,stride=%d" % (k * g, oy, ox, fy, fx, s)
    if fx == 1 and fy == 1 and ox == 1 and oy == 1:
        return "layer:dense,k=%d,c=%d" % (k, c)
    return "layer:conv,k=%d,c=%d,p=%d,q=%d,r=%d,s=%d,stride=%d" % (k, c, oy, ox, fy, fx, s)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duet", default=os.path.join(ROOT, ".build/release/duet"))
    a = ap.parse_args()
    rows = list(csv.DictReader(open(os.path.join(HERE, "..", "zigzag", "reference.csv"))))
    out, summary = [], {}
    for arch in sorted({r["arch"] for r in rows}):
        rs = [r for r in rows if r["arch"] == arch]
        cmd = [a.duet, "evaluate", "--accelerator", os.path.join(HERE, "zigzag_%s.yaml" % arch), "--format", "json"]
        for r in rs:
            cmd += ["--network", layer_ref(r)]
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if p.returncode not in (0, 1):
            sys.exit("duet failed: " + p.stderr)
        layers = [n["layers"][0] for n in json.loads(p.stdout)["networks"]]
        zl = [float(r["latency_cycles"]) for r in rs]
        ze = [float(r["energy_pj"]) for r in rs]
        dl = [float(l["latency_cycles"]) for l in layers]
        de = [float(l["energy_pj"]) for l in layers]
        for r, l in zip(rs, layers):
            out.append({"arch": arch, "layer": r["layer"], "macs": r["macs"], "zigzag_latency": r["latency_cycles"],
                        "duet_latency": l["latency_cycles"], "zigzag_energy_pj": r["energy_pj"], "duet_energy_pj": round(l["energy_pj"], 1),
                        "zigzag_utilization": r["utilization_incl_stalls"], "duet_utilization": round(l["utilization"], 4),
                        "duet_bottleneck": l["bottleneck"], "zigzag_cpu_s": r["cpu_s"]})
        summary[arch] = {"layers": len(rs),
                         "spearman_latency": round(spearman(zl, dl), 3), "spearman_energy": round(spearman(ze, de), 3),
                         "median_latency_ratio_duet_over_zigzag": round(statistics.median(d / z for d, z in zip(dl, zl)), 3),
                         "median_energy_ratio_duet_over_zigzag": round(statistics.median(d / z for d, z in zip(de, ze)), 3),
                         "zigzag_cpu_s_per_layer": round(statistics.mean(float(r["cpu_s"]) for r in rs), 2)}
        # Depthwise layers differ by design: Duet packs groups block-diagonally, ZigZag's bundled
        # mapping puts one group on the array (K = C = 1 per group), so rank them apart too.
        dense = [i for i, r in enumerate(rs) if int(r["groups"]) == 1]
        summary[arch]["spearman_latency_without_depthwise"] = round(spearman([zl[i] for i in dense], [dl[i] for i in dense]), 3)
        summary[arch]["spearman_energy_without_depthwise"] = round(spearman([ze[i] for i in dense], [de[i] for i in dense]), 3)
    with open(os.path.join(HERE, "zigzag_comparison.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(out[0].keys()))
        w.writeheader()
        w.writerows(out)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
