"""Shared helpers of the peer-simulator comparisons (maestro/, zigzag/, scalesim/): run Duet's
exporter and evaluator, rank correlation, ratio summaries. Standard library only.
"""
import json
import math
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def default_duet():
    return os.environ.get("DUET", os.path.join(ROOT, ".build", "release", "duet"))


def run(cmd, cwd=None, ok=(0,)):
    p = subprocess.run(cmd, cwd=cwd or ROOT, capture_output=True, text=True)
    if p.returncode not in ok:
        sys.exit("failed (%d): %s\n%s%s" % (p.returncode, " ".join(cmd), p.stdout[-2000:], p.stderr[-4000:]))
    return p


def has_export_design(duet):
    p = subprocess.run([duet, "--help"], capture_output=True, text=True)
    return "export-design" in p.stdout


def export(duet, network, accelerator, fmt, out, sets=()):
    """Duet's export of `network` on `accelerator` in `fmt` into the folder `out`:
    `duet export-design` where the build has it, else `duet network export` (the same exporters)."""
    os.makedirs(out, exist_ok=True)
    s = [x for kv in sets for x in ("--set", kv)]
    if has_export_design(duet):
        cmd = [duet, "export-design", network, "--accelerator", accelerator, "--format", fmt, "--out", out] + s
    else:
        cmd = [duet, "network", "export", network, "--accelerator", accelerator, "--format", fmt, "--out", out] + s
    run(cmd)
    return cmd


def evaluate(duet, network, accelerator, sets=()):
    """Duet's per-layer figures (the `layers` of `duet evaluate --format json`) of the layers with MACs."""
    s = [x for kv in sets for x in ("--set", kv)]
    p = run([duet, "evaluate", "--network", network, "--accelerator", accelerator, "--format", "json"] + s, ok=(0, 1))
    d = json.loads(p.stdout)
    return [l for l in d["networks"][0]["layers"] if l.get("macs", 0) > 0], d


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
    """Spearman's rank correlation with average ranks for ties; nan for fewer than 3 pairs."""
    if len(a) < 3:
        return float("nan")
    ra, rb = ranks(a), ranks(b)
    ma, mb = statistics.mean(ra), statistics.mean(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    den = (sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb)) ** 0.5
    return cov / den if den else float("nan")


def ratio_summary(ratios):
    """Median, geometric mean, min and max of positive ratios."""
    rs = [r for r in ratios if r > 0 and math.isfinite(r)]
    if not rs:
        return dict(n=0, median=float("nan"), geomean=float("nan"), min=float("nan"), max=float("nan"))
    return dict(n=len(rs), median=statistics.median(rs), geomean=math.exp(statistics.mean(math.log(r) for r in rs)),
                min=min(rs), max=max(rs))


def fmt(x, digits=3):
    if isinstance(x, float):
        if not math.isfinite(x):
            return "nan"
        return ("%." + str(digits) + "g") % x
    return str(x)
