#!/usr/bin/env python3
"""MAESTRO on Duet's exports: per-layer cycles of Duet and MAESTRO for ResNet-50 and MobileNetV2
on every template, and their rank agreement.

For every case (a template, or a template with --set overrides) and network:
  1. `duet export-design NET --accelerator ACC --format maestro --out DIR` writes NET.m (layers and
     dataflow) and NET_hw.m (hardware); MAESTRO's own parser reads both (a file it cannot parse
     stops this script).
  2. MAESTRO runs three times: on the exported hardware file ("hw": NoC and off-chip bandwidth of
     the sub-accelerator), with the NoC and off-chip bandwidths of MAESTRO's own example hardware
     data/hw/accelerator_1.m ("ref": 1000 and 50 words/cycle; the issue's MAESTRO figures, e.g. the
     anchor's 133,100 cycles, are on that file) and with both at 10^6 words/cycle ("free": the
     dataflow and compute only). MAESTRO charges the NoC's head latency and a refill of the outer
     step's whole L2 tile from off-chip once per outer step (CA_cost-analysis-engine.hpp), so the
     exporter writes Duet's own outer step (a stripe of the buffer tile's output rows); at the
     exported off-chip bandwidth ("hw") pointwise layers are still off-chip bound in MAESTRO.
     The case nvdla_64x4_acc1 gives Duet MAESTRO's reference bandwidths too: the same mapping on
     the same hardware in both tools. "ref" runs once more with the depthwise layers in MAESTRO's
     own example form (MobileNetV2_kcp_ws.m's DSCONV: channels over every PE) instead of Duet's
     lanes (column rho_cycles_ref_example_dw).
  3. `duet evaluate --format json` gives Duet's per-layer cycles.
MAESTRO layers are joined to Duet layers through the `// duet: NAME` comment the exporter writes
before each layer (a grouped layer's per-group entries are summed).

Writes beside this script: layers.csv (one row per case, network and Duet layer), summary.csv
(Spearman rho of per-layer cycles overall, depthwise layers only and without them, for each
MAESTRO setting, and of Duet's compute cycles against MAESTRO "free" (the array models alone); ratio
Duet/MAESTRO median, geometric mean, range) and anchor.csv (the issue's anchor layer).

Usage: run_maestro.py [--duet PATH] [--maestro PATH] [--cases a,b] [--networks n1,n2]
"""
import argparse
import csv
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import peercompare as pc  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.environ.get("DUET_PEERS", os.path.join(os.path.expanduser("~"), ".cache", "duet-peers"))

# name, accelerator, --set overrides
CASES = [
    ("nvdla_64x4", "nvdla", ["pe_rows=64", "pe_cols=4", "allow_outside_template_ranges=true"]),
    # nvdla 64x4 with MAESTRO's accelerator_1.m bandwidths in Duet too (array network and buffer
    # 1000 words/cycle, DRAM 50 B/cycle at 1 GHz): both tools on the same hardware.
    ("nvdla_64x4_acc1", "nvdla", ["pe_rows=64", "pe_cols=4", "allow_outside_template_ranges=true",
                                  "noc_words_per_cycle=1000", "glb_words_per_cycle=1000", "dram_gbps=50"]),
    ("nvdla", "nvdla", []),
    ("shidiannao", "shidiannao", []),
    ("eyeriss", "eyeriss", []),
    ("tpu_edge_ws", "tpu:edge", []),
    ("tpu_edge_os", "tpu:edge", ["dataflow=os"]),
    ("tpu_edge_is", "tpu:edge", ["dataflow=is"]),
    ("input_stationary", "input_stationary", []),
]
NETWORKS = ["resnet50", "mobilenet-v2"]
ANCHOR = "layer:depthwise,k=32,c=1,p=110,q=110,r=3,s=3,groups=32"
# The DSCONV dataflow of MAESTRO's data/mapping/MobileNetV2_kcp_ws.m (its NVDLA-style example).
EXAMPLE_DSCONV = ["SpatialMap(1,1) C;", "TemporalMap(Sz(R),1) Y;", "TemporalMap(Sz(S),1) X;",
                  "TemporalMap(Sz(R),Sz(R)) R;", "TemporalMap(Sz(S),Sz(S)) S;"]
FREE_BW = 1000000
REF_NOC_BW, REF_OFFCHIP_BW = 1000, 50  # MAESTRO's data/hw/accelerator_1.m


def maestro(binary, hw, mapping, cwd):
    """Runs MAESTRO; returns its CSV rows (one per layer, in file order)."""
    # MAESTRO names its CSV after the mapping file and writes it into the working folder only
    # when given relative paths.
    hw, mapping = os.path.relpath(hw, cwd), os.path.relpath(mapping, cwd)
    pc.run([binary, "--HW_file=" + hw, "--Mapping_file=" + mapping, "--print_res=false",
            "--print_res_csv_file=true", "--print_log_file=false"], cwd=cwd)
    out = os.path.join(cwd, os.path.splitext(os.path.basename(mapping))[0] + ".csv")
    with open(out) as f:
        rows = [{k.strip(): v.strip() for k, v in r.items() if k} for r in csv.DictReader(f)]
    os.remove(out)
    return rows


def duet_names(mapping):
    """MAESTRO layer name → Duet layer name, from the exporter's `// duet: NAME` comments."""
    names, pending = {}, None
    for line in open(mapping):
        m = re.match(r"\s*// duet: (.*)$", line)
        if m:
            pending = m.group(1)
            continue
        m = re.match(r"\s*Layer (\S+) \{", line)
        if m and pending is not None:
            names[m.group(1)] = pending
            pending = None
    return names


def with_bandwidths(hw, out, noc, offchip):
    text = open(hw).read()
    text = re.sub(r"noc_bw_cstr: \d+", "noc_bw_cstr: %d" % noc, text)
    text = re.sub(r"offchip_bw_cstr: \d+", "offchip_bw_cstr: %d" % offchip, text)
    open(out, "w").write(text)
    return out


def example_depthwise(mapping, out):
    """`mapping` with every DSCONV layer's dataflow replaced by MAESTRO's own example form
    (EXAMPLE_DSCONV; an outermost N loop kept), written to `out`."""
    def swap(m):
        n = ["TemporalMap(1,1) N;"] if "TemporalMap(1,1) N;" in m.group(2) else []
        return m.group(1) + "\n\t\t\t" + "\n\t\t\t".join(n + EXAMPLE_DSCONV) + "\n\t\t}"
    with open(mapping) as f, open(out, "w") as o:
        o.write(re.sub(r"(Type: DSCONV.*?Dataflow \{)(.*?)\n\t\t\}", swap, f.read(), flags=re.S))
    return out


def per_duet_layer(rows, names, column="Runtime (Cycles)"):
    acc = {}
    for r in rows:
        n = names[r["Layer Number"]]
        acc[n] = acc.get(n, 0.0) + float(r[column])
    return acc


def run_case(a, work, case, accel, sets, network):
    d = os.path.join(work, case, network.replace(":", "_").replace(",", "_").replace("=", ""))
    pc.export(a.duet, network, accel, "maestro", d, sets)
    mfiles = [f for f in os.listdir(d) if f.endswith(".m") and not f.endswith("_hw.m")]
    mapping = os.path.join(d, mfiles[0])
    hw = os.path.join(d, mfiles[0][:-2] + "_hw.m")
    names = duet_names(mapping)
    rows_hw = maestro(a.maestro, hw, mapping, d)
    rows_ref = maestro(a.maestro, with_bandwidths(hw, os.path.join(d, "ref_hw.m"), REF_NOC_BW, REF_OFFCHIP_BW), mapping, d)
    rows_free = maestro(a.maestro, with_bandwidths(hw, os.path.join(d, "free_hw.m"), FREE_BW, FREE_BW), mapping, d)
    # "ref" again with MAESTRO's own example form of the depthwise layers (channels over every PE).
    rows_ex = maestro(a.maestro, os.path.join(d, "ref_hw.m"), example_depthwise(mapping, os.path.join(d, "example_form.m")), d)
    for label, rs in (("hw", rows_hw), ("ref", rows_ref), ("free", rows_free)):
        zero = [r["Layer Number"] for r in rs if float(r["Runtime (Cycles)"]) <= 0]
        if zero:
            sys.exit("%s/%s: MAESTRO (%s) gives 0 cycles for %s: a directive it cannot evaluate" % (case, network, label, ", ".join(zero)))
    cyc_hw, cyc_ref, cyc_free = per_duet_layer(rows_hw, names), per_duet_layer(rows_ref, names), per_duet_layer(rows_free, names)
    cyc_ex = per_duet_layer(rows_ex, names)
    macs_m = per_duet_layer(rows_free, names, "Num MACs")
    pes = per_duet_layer(rows_free, names, "Avg number of utilized PEs")
    layers, _ = pc.evaluate(a.duet, network, accel, sets)
    out = []
    for l in layers:
        n = l["name"]
        if n not in cyc_hw:
            sys.exit("%s/%s: Duet layer %s has no MAESTRO layer" % (case, network, n))
        out.append(dict(case=case, network=network, layer=n, kind=l["kind"], macs=l["macs"], maestro_macs=int(macs_m[n]),
                        duet_cycles=l["latency_cycles"], duet_compute_cycles=l["compute_cycles"],
                        duet_bottleneck=l["bottleneck"], duet_utilization="%.4f" % l["utilization"],
                        maestro_cycles=int(cyc_hw[n]), maestro_ref_cycles=int(cyc_ref[n]), maestro_free_cycles=int(cyc_free[n]),
                        maestro_ref_example_dw_cycles=int(cyc_ex[n]),
                        maestro_pes_free=pc.fmt(pes[n], 4),
                        ratio="%.4f" % (l["latency_cycles"] / cyc_hw[n]) if cyc_hw[n] else "nan",
                        ratio_ref="%.4f" % (l["latency_cycles"] / cyc_ref[n]) if cyc_ref[n] else "nan",
                        ratio_free="%.4f" % (l["latency_cycles"] / cyc_free[n]) if cyc_free[n] else "nan",
                        duet_mapping=l.get("mapping", "")))
    return out


def summarize(rows):
    out = []
    for subset, pick in (("all", lambda r: True), ("depthwise", lambda r: r["kind"] == "depthwise"),
                         ("non_depthwise", lambda r: r["kind"] != "depthwise")):
        rs = [r for r in rows if pick(r)]
        if not rs:
            continue
        d = [float(r["duet_cycles"]) for r in rs]
        m = [float(r["maestro_cycles"]) for r in rs]
        f = [float(r["maestro_free_cycles"]) for r in rs]
        g = [float(r["maestro_ref_cycles"]) for r in rs]
        dc = [float(r["duet_compute_cycles"]) for r in rs]
        ex = [float(r["maestro_ref_example_dw_cycles"]) for r in rs]
        rat = pc.ratio_summary([x / y for x, y in zip(d, m) if y])
        rat_g = pc.ratio_summary([x / y for x, y in zip(d, g) if y])
        rat_f = pc.ratio_summary([x / y for x, y in zip(d, f) if y])
        out.append(dict(case=rows[0]["case"], network=rows[0]["network"], subset=subset, layers=len(rs),
                        layers_macs_equal=sum(1 for r in rs if int(r["maestro_macs"]) == int(r["macs"])),
                        rho_cycles_ref=pc.fmt(pc.spearman(d, g)), rho_cycles=pc.fmt(pc.spearman(d, m)), rho_cycles_free=pc.fmt(pc.spearman(d, f)),
                        rho_compute_free=pc.fmt(pc.spearman(dc, f)),
                        rho_cycles_ref_example_dw=pc.fmt(pc.spearman(d, ex)),
                        ratio_ref_median=pc.fmt(rat_g["median"]), ratio_ref_min=pc.fmt(rat_g["min"]), ratio_ref_max=pc.fmt(rat_g["max"]),
                        ratio_median=pc.fmt(rat["median"]), ratio_geomean=pc.fmt(rat["geomean"]),
                        ratio_min=pc.fmt(rat["min"]), ratio_max=pc.fmt(rat["max"]),
                        ratio_free_median=pc.fmt(rat_f["median"]),
                        duet_total_cycles=int(sum(d)), maestro_ref_total_cycles=int(sum(g)), maestro_total_cycles=int(sum(m)),
                        maestro_free_total_cycles=int(sum(f))))
    return out


def write(path, rows):
    if not rows:
        return
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    print("wrote", os.path.relpath(path, pc.ROOT), len(rows), "rows")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duet", default=pc.default_duet())
    ap.add_argument("--maestro", default=os.path.join(PEERS, "maestro", "maestro"))
    ap.add_argument("--cases", help="comma-separated case names (default: all)")
    ap.add_argument("--networks", default=",".join(NETWORKS))
    ap.add_argument("--keep", help="keep the exports and MAESTRO files in this folder")
    a = ap.parse_args()
    for p in (a.duet, a.maestro):
        if not os.access(p, os.X_OK):
            sys.exit("not found: %s (swift build -c release; docs/validation/maestro/build.sh)" % p)
    work = a.keep or tempfile.mkdtemp(prefix="duet-maestro-")
    only = set(a.cases.split(",")) if a.cases else None
    layers, summary = [], []
    for case, accel, sets in CASES:
        if only and case not in only:
            continue
        for net in a.networks.split(","):
            rows = run_case(a, work, case, accel, sets, net)
            layers += rows
            s = summarize(rows)
            summary += s
            for x in s:
                print("%-17s %-13s %-13s %3d layers (MACs equal %3d)  rho ref %6s hw %6s free %6s compute/free %6s ref(example dw) %6s  Duet/MAESTRO-ref median %6s [%s, %s]"
                      % (case, net, x["subset"], x["layers"], x["layers_macs_equal"], x["rho_cycles_ref"], x["rho_cycles"], x["rho_cycles_free"], x["rho_compute_free"],
                         x["rho_cycles_ref_example_dw"],
                         x["ratio_ref_median"], x["ratio_ref_min"], x["ratio_ref_max"]), flush=True)
    # The anchor layer on nvdla 64x4, and on MAESTRO's own accelerator_1 hardware (256 PEs,
    # NoC 1000, off-chip 50 words/cycle): Duet's mapping as exported (its channel lanes, a stripe
    # per outer step) and MAESTRO's own example form of the layer (MobileNetV2_kcp_ws.m's DSCONV
    # dataflow: channels over every PE, one output per outer step), which gives the issue's
    # 133,100 cycles.
    anchor = []
    if not only or "nvdla_64x4" in only:
        case, accel, sets = CASES[0]
        rows = run_case(a, work, "anchor", accel, sets, ANCHOR)
        d = os.path.join(work, "anchor")
        sub = os.path.join(d, os.listdir(d)[0])
        mapping = [os.path.join(sub, f) for f in os.listdir(sub) if f.endswith(".m") and not f.endswith("_hw.m")][0]
        acc1 = os.path.join(os.path.dirname(a.maestro), "data", "hw", "accelerator_1.m")
        a1 = maestro(a.maestro, acc1, mapping, sub)
        ex = maestro(a.maestro, acc1, example_depthwise(mapping, os.path.join(sub, "example_form.m")), sub)
        for r in rows:
            r["maestro_accelerator_1_cycles"] = int(float(a1[0]["Runtime (Cycles)"]))
            r["maestro_example_form_accelerator_1_cycles"] = int(float(ex[0]["Runtime (Cycles)"]))
        anchor = rows
        print("anchor %s on nvdla 64x4: Duet %s cycles, MAESTRO %s (ref), %s (exported hw), %s (free), %s (accelerator_1.m itself); "
              "MAESTRO's own example form on accelerator_1.m %s"
              % (ANCHOR, rows[0]["duet_cycles"], rows[0]["maestro_ref_cycles"], rows[0]["maestro_cycles"],
                 rows[0]["maestro_free_cycles"], rows[0]["maestro_accelerator_1_cycles"],
                 rows[0]["maestro_example_form_accelerator_1_cycles"]))
    suffix = "" if not only else "_" + "_".join(sorted(only))
    write(os.path.join(HERE, "layers%s.csv" % suffix), layers)
    write(os.path.join(HERE, "summary%s.csv" % suffix), summary)
    write(os.path.join(HERE, "anchor.csv"), anchor)
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
