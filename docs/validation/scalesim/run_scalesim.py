#!/usr/bin/env python3
"""Reference data from SCALE-Sim 3.0.0 (pip `scalesim`) for the Duet cost model.

Subcommands (run with the venv's python, see run_scalesim.sh):

  config  --df DF --array N --out FILE      write the SCALE-Sim config used (see CONFIG.md)
  compute --net NET --df DF --array N       SCALE-Sim's own compute model only: builds the
                                            operand and demand matrices with SCALE-Sim's classes
                                            (systolic_compute_os/ws/is) and counts the demand rows;
                                            no memory simulation, so no stalls or DRAM numbers
  full    --net NET --df DF --array N       the whole simulator (scalesim.scale_sim.scalesim,
                                            compute + double-buffered SRAM/DRAM memory model),
                                            traces not saved; copies COMPUTE_REPORT.csv,
                                            BANDWIDTH_REPORT.csv, DETAILED_ACCESS_REPORT.csv to raw/
  export  --cfg F.cfg --topology F.csv --out F.json
                                            SCALE-Sim's compute model (as `compute`) on a config and
                                            topology written by `duet export-design --format scalesim`,
                                            read by SCALE-Sim's own config and topology readers; layers
                                            of the same shape are computed once (run_exports.py)
  collect                                   merge raw/ into reference.csv
  check                                     closed form of REFERENCE-FIGURES.md vs the runs

NET is resnet50 or mobilenet (topologies/*.csv), DF is os/ws/is, N is 32 or 128 (N x N array).
"""
import argparse
import csv
import glob
import json
import math
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RAW = os.path.join(HERE, "raw")
TOPO = os.path.join(HERE, "topologies")
NETS = ["resnet50", "mobilenet"]
DFS = ["os", "ws", "is"]
ARRAYS = [32, 128]

# SCALE-Sim's example config configs/scale.cfg (SCALE-Sim v3 repository): 64 KiB per SRAM,
# Bandwidth 10, InterfaceBandwidth CALC. SCALE-Sim 3.0.0's config reader also requires the
# [layout] and [sparsity] sections; their values are those of the repository's configs/google.cfg
# (custom layout off, sparsity off), which do not affect a CALC-mode dense run.
CONFIG_TEMPLATE = """[general]
run_name = {run_name}

[architecture_presets]
ArrayHeight:    {rows}
ArrayWidth:     {cols}
IfmapSramSzkB:   64
FilterSramSzkB:  64
OfmapSramSzkB:   64
IfmapOffset:    0
FilterOffset:   10000000
OfmapOffset:    20000000
Bandwidth : 10
Dataflow : {df}
MemoryBanks:   1
ReadRequestBuffer: 512
WriteRequestBuffer: 512

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: 10
IfmapSRAMBankNum: 10
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: 10
FilterSRAMBankNum: 10
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport : false
SparseRep : ellpack_block
OptimizedMapping : false
BlockSize : 8
RandomNumberGeneratorSeed : 40

[run_presets]
InterfaceBandwidth: {bw_mode}
UseRamulatorTrace: False
"""


def run_name(net, df, n, bw_mode="CALC"):
    return f"{net}_{df}_{n}x{n}" + ("" if bw_mode == "CALC" else "_userbw10")


def write_config(path, net, df, n, bw_mode="CALC"):
    with open(path, "w") as f:
        f.write(CONFIG_TEMPLATE.format(run_name=run_name(net, df, n, bw_mode), rows=n, cols=n, df=df,
                                       bw_mode=bw_mode))


def read_topology(net):
    """Layers exactly as SCALE-Sim 3.0.0's topologies.load_arrays_conv reads them."""
    rows = []
    with open(os.path.join(TOPO, net + ".csv")) as f:
        next(f)
        for line in f:
            line = line.strip()
            if not line:
                continue
            e = [x.strip() for x in line.split(",")[:-1]]
            name, h, w, fh, fw, c, k, s = e[0], *map(int, e[1:8])
            rows.append(dict(layer=name, ifmap_h=h, ifmap_w=w, filter_h=fh, filter_w=fw,
                             channels=c, num_filters=k, stride=s))
    return rows


def ofmap_dims(L):
    # SCALE-Sim topology_utils.topo_calc_hyperparams: no padding
    p = math.ceil((L["ifmap_h"] - L["filter_h"] + L["stride"]) / L["stride"])
    q = math.ceil((L["ifmap_w"] - L["filter_w"] + L["stride"]) / L["stride"])
    return p, q


def closed_form(L, df, ar, ac):
    p, q = ofmap_dims(L)
    t_win = L["filter_h"] * L["filter_w"] * L["channels"]
    k = L["num_filters"]
    if df == "os":
        sr, sc, t = p * q, k, t_win
        per = t + ar + ac - 2
    elif df == "ws":
        sr, sc, t = t_win, k, p * q
        per = 2 * ar + ac + t - 2
    else:
        sr, sc, t = t_win, p * q, k
        per = 2 * ar + ac + t - 2
    return math.ceil(sr / ar) * math.ceil(sc / ac) * per - 1


# ---------------------------------------------------------------- compute-only
def cmd_compute(a):
    tmp = tempfile.mkdtemp()
    cfg_path = os.path.join(tmp, "run.cfg")
    write_config(cfg_path, a.net, a.df, a.array)
    t_all = time.process_time()
    _, out = compute_layers(cfg_path, os.path.join(TOPO, a.net + ".csv"))
    d = os.path.join(RAW, run_name(a.net, a.df, a.array))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "compute_only.json"), "w") as f:
        json.dump(dict(cpu_s=time.process_time() - t_all, layers=out), f, indent=1)
    shutil.rmtree(tmp)
    print(run_name(a.net, a.df, a.array), "compute-only cpu_s %.1f" % (time.process_time() - t_all))


def compute_layers(cfg_path, topo_path):
    """SCALE-Sim's compute model on any config and conv topology: per topology row, the demand
    rows (compute cycles + 1) and SRAM requests. Rows of the same shape are computed once."""
    import numpy as np  # noqa: F401
    from scalesim.scale_config import scale_config
    from scalesim.topology_utils import topologies
    from scalesim.layout_utils import layouts
    from scalesim.compute.operand_matrix import operand_matrix
    from scalesim.compute.systolic_compute_os import systolic_compute_os
    from scalesim.compute.systolic_compute_ws import systolic_compute_ws
    from scalesim.compute.systolic_compute_is import systolic_compute_is

    tmp = tempfile.mkdtemp()
    lay_path = os.path.join(tmp, "nolayout.csv")
    with open(lay_path, "w") as f:
        f.write("Layer name,\n")
    conf = scale_config()
    conf.read_conf_file(cfg_path)
    df = conf.get_dataflow()
    topo = topologies()
    topo.load_arrays(topofile=topo_path)
    topo.topo_calc_hyperparams()
    lay = layouts()
    lay.load_arrays(layoutfile=lay_path)
    cls = {"os": systolic_compute_os, "ws": systolic_compute_ws, "is": systolic_compute_is}[df]
    out, seen = [], {}
    for lid in range(topo.get_num_layers()):
        shape = tuple(map(str, topo.get_layer_params(lid)[1:]))
        if shape in seen:
            r = dict(seen[shape])
            r.update(layer_id=lid, layer=topo.get_layer_name(lid), cpu_s=0.0)
            out.append(r)
            continue
        t0 = time.process_time()
        op = operand_matrix()
        op.set_params(layer_id=lid, config_obj=conf, topoutil_obj=topo, layoututil_obj=lay)
        _, ifm = op.get_ifmap_matrix()
        _, fil = op.get_filter_matrix()
        _, ofm = op.get_ofmap_matrix()
        cs = cls()
        if df == "ws":
            cs.set_params(config_obj=conf, ifmap_op_mat=ifm, filter_op_mat=fil, ofmap_op_mat=ofm,
                          sparsity_ratio_N=1, sparsity_ratio_M=1,
                          ifmap_op_mat_original=op.ifmap_addr_matrix_original,
                          sparsity_filter_array=op.sparse_filter_array)
        else:
            cs.set_params(config_obj=conf, ifmap_op_mat=ifm, filter_op_mat=fil, ofmap_op_mat=ofm)
        ifd, fid, ofd = cs.get_demand_matrices()
        r = dict(layer_id=lid, layer=topo.get_layer_name(lid), demand_rows=int(ofd.shape[0]),
                 sram_ifmap_reads=int(cs.get_ifmap_requests()), sram_filter_reads=int(cs.get_filter_requests()),
                 sram_ofmap_writes=int(cs.get_ofmap_requests()),
                 mapping_eff_pct=cs.get_avg_mapping_efficiency() * 100,
                 compute_util_pct=cs.get_avg_compute_utilization() * 100, cpu_s=time.process_time() - t0)
        seen[shape] = r
        out.append(r)
        del ifd, fid, ofd, cs, op, ifm, fil, ofm
    shutil.rmtree(tmp)
    return df, out


def cmd_export(a):
    t0 = time.process_time()
    df, layers = compute_layers(a.cfg, a.topology)
    with open(a.out, "w") as f:
        json.dump(dict(dataflow=df, cpu_s=time.process_time() - t0, layers=layers), f, indent=1)
    print(os.path.basename(a.topology), df, len(layers), "topology rows, compute-only cpu_s %.1f" % (time.process_time() - t0))


# ---------------------------------------------------------------- full simulator
def cmd_full(a):
    from scalesim.scale_sim import scalesim

    tmp = tempfile.mkdtemp()
    cfg_path = os.path.join(tmp, "run.cfg")
    write_config(cfg_path, a.net, a.df, a.array, a.bw_mode)
    lay_path = os.path.join(tmp, "nolayout.csv")  # SCALE-Sim 3.0.0 always opens a layout file
    with open(lay_path, "w") as f:
        f.write("Layer name,\n")
    t0, c0 = time.time(), time.process_time()
    s = scalesim(save_disk_space=True, verbose=False, config=cfg_path,
                 topology=os.path.join(TOPO, a.net + ".csv"), layout=lay_path)
    s.run_scale(top_path=os.path.join(tmp, "out"))
    wall, cpu = time.time() - t0, time.process_time() - c0
    src = os.path.join(tmp, "out", run_name(a.net, a.df, a.array, a.bw_mode))
    d = os.path.join(RAW, run_name(a.net, a.df, a.array, a.bw_mode))
    os.makedirs(d, exist_ok=True)
    for fn in ("COMPUTE_REPORT.csv", "BANDWIDTH_REPORT.csv", "DETAILED_ACCESS_REPORT.csv"):
        shutil.copy(os.path.join(src, fn), os.path.join(d, fn))
    shutil.copy(cfg_path, os.path.join(d, "scale.cfg"))
    with open(os.path.join(d, "timing.json"), "w") as f:
        json.dump(dict(wall_s=round(wall, 1), cpu_s=round(cpu, 1)), f)
    shutil.rmtree(tmp)
    print(run_name(a.net, a.df, a.array, a.bw_mode), "full run wall %.1f s cpu %.1f s" % (wall, cpu))


def read_report(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    hdr = [h.strip() for h in rows[0] if h.strip()]
    out = []
    for r in rows[1:]:
        vals = [v.strip() for v in r if v.strip() != ""]
        if vals:
            out.append(dict(zip(hdr, vals)))
    return out


COLUMNS = ["network", "layer", "ifmap_h", "ifmap_w", "filter_h", "filter_w", "channels",
           "num_filters", "stride", "ofmap_h", "ofmap_w", "depthwise_in_source", "dataflow",
           "array_rows", "array_cols", "interface_bandwidth", "source",
           "compute_cycles", "stall_cycles", "total_cycles",
           "total_cycles_incl_prefetch", "overall_util_pct", "mapping_eff_pct", "compute_util_pct",
           "sram_ifmap_reads", "sram_filter_reads", "sram_ofmap_writes",
           "dram_ifmap_reads", "dram_filter_reads", "dram_ofmap_writes",
           "avg_ifmap_sram_bw", "avg_filter_sram_bw", "avg_ofmap_sram_bw",
           "avg_ifmap_dram_bw", "avg_filter_dram_bw", "avg_ofmap_dram_bw"]

BW_MODES = [("CALC", "CALC"), ("USER", "USER_10")]


def load_run(net, df, n, bw_mode):
    d = os.path.join(RAW, run_name(net, df, n, bw_mode))
    co = cr = br = dr = None
    if os.path.exists(os.path.join(d, "compute_only.json")):
        co = json.load(open(os.path.join(d, "compute_only.json")))
    if os.path.exists(os.path.join(d, "COMPUTE_REPORT.csv")):
        cr = read_report(os.path.join(d, "COMPUTE_REPORT.csv"))
        br = read_report(os.path.join(d, "BANDWIDTH_REPORT.csv"))
        dr = read_report(os.path.join(d, "DETAILED_ACCESS_REPORT.csv"))
    t = (json.load(open(os.path.join(d, "timing.json")))
         if os.path.exists(os.path.join(d, "timing.json")) else {})
    return co, cr, br, dr, t


def cmd_collect(a):
    rows = []
    runs = []
    for bw_mode, bw_label in BW_MODES:
        for net in NETS:
            topo = read_topology(net)
            for df in DFS:
                for n in ARRAYS:
                    co, cr, br, dr, t = load_run(net, df, n, bw_mode)
                    full = cr is not None
                    if not full and co is None:
                        continue
                    mine = []
                    for i, L in enumerate(topo):
                        p, q = ofmap_dims(L)
                        r = dict(network=net, dataflow=df, array_rows=n, array_cols=n, **L,
                                 ofmap_h=p, ofmap_w=q, interface_bandwidth=bw_label,
                                 depthwise_in_source="yes" if "_dw" in L["layer"] else "no")
                        if full:
                            c, b, x = cr[i], br[i], dr[i]
                            tot, st = int(c["Total Cycles"]), int(c["Stall Cycles"])
                            r.update(source="full_run", total_cycles=tot, stall_cycles=st,
                                     compute_cycles=tot - st,
                                     total_cycles_incl_prefetch=int(c["Total Cycles (incl. prefetch)"]),
                                     overall_util_pct="%.4f" % float(c["Overall Util %"]),
                                     mapping_eff_pct="%.4f" % float(c["Mapping Efficiency %"]),
                                     compute_util_pct="%.4f" % float(c["Compute Util %"]),
                                     sram_ifmap_reads=int(x["SRAM IFMAP Reads"]),
                                     sram_filter_reads=int(x["SRAM Filter Reads"]),
                                     sram_ofmap_writes=int(x["SRAM OFMAP Writes"]),
                                     dram_ifmap_reads=int(x["DRAM IFMAP Reads"]),
                                     dram_filter_reads=int(x["DRAM Filter Reads"]),
                                     dram_ofmap_writes=int(x["DRAM OFMAP Writes"]))
                            for k_out, k_in in [("avg_ifmap_sram_bw", "Avg IFMAP SRAM BW"),
                                                ("avg_filter_sram_bw", "Avg FILTER SRAM BW"),
                                                ("avg_ofmap_sram_bw", "Avg OFMAP SRAM BW"),
                                                ("avg_ifmap_dram_bw", "Avg IFMAP DRAM BW"),
                                                ("avg_filter_dram_bw", "Avg FILTER DRAM BW"),
                                                ("avg_ofmap_dram_bw", "Avg OFMAP DRAM BW")]:
                                r[k_out] = "%.4f" % float(b[k_in])
                        else:
                            y = co["layers"][i]
                            r.update(source="compute_only", compute_cycles=y["demand_rows"] - 1,
                                     mapping_eff_pct="%.4f" % y["mapping_eff_pct"],
                                     compute_util_pct="%.4f" % y["compute_util_pct"],
                                     sram_ifmap_reads=y["sram_ifmap_reads"],
                                     sram_filter_reads=y["sram_filter_reads"],
                                     sram_ofmap_writes=y["sram_ofmap_writes"])
                        mine.append(r)
                    rows += mine
                    runs.append([run_name(net, df, n, bw_mode), bw_label, len(mine),
                                 "full_run" if full else "compute_only",
                                 t.get("wall_s", ""), t.get("cpu_s", ""),
                                 round(co["cpu_s"], 1) if co else "",
                                 sum(r["compute_cycles"] for r in mine),
                                 sum(r["stall_cycles"] for r in mine) if full else "",
                                 sum(r["total_cycles"] for r in mine) if full else ""])
    with open(os.path.join(HERE, "reference.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, restval="")
        w.writeheader()
        w.writerows(rows)
    print("reference.csv: %d rows" % len(rows))
    # one line per run: what was run and how long it took
    with open(os.path.join(HERE, "runs.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["run", "interface_bandwidth", "layers", "source", "full_run_wall_s",
                    "full_run_cpu_s", "compute_only_cpu_s", "sum_compute_cycles",
                    "sum_stall_cycles", "sum_total_cycles"])
        w.writerows(runs)


def cmd_check(a):
    """Closed form (REFERENCE-FIGURES.md) vs compute cycles of every run found in raw/."""
    res = dict(runs=[], compute_only_layers=0, compute_only_mismatches=0,
               full_run_layers=0, full_run_mismatches=0,
               full_vs_compute_only_layers=0, full_vs_compute_only_mismatches=0)
    for bw_mode, _ in BW_MODES:
        for net in NETS:
            topo = read_topology(net)
            for df in DFS:
                for n in ARRAYS:
                    co, cr, _, _, _ = load_run(net, df, n, bw_mode)
                    if co is None and cr is None:
                        continue
                    res["runs"].append(run_name(net, df, n, bw_mode) +
                                       (" (full)" if cr else " (compute-only)"))
                    for i, L in enumerate(topo):
                        cf = closed_form(L, df, n, n)
                        if co is not None:
                            v = co["layers"][i]["demand_rows"] - 1
                            res["compute_only_layers"] += 1
                            if v != cf:
                                res["compute_only_mismatches"] += 1
                                print("MISMATCH compute-only", net, df, n, L["layer"], v, cf)
                        if cr is not None:
                            v = int(cr[i]["Total Cycles"]) - int(cr[i]["Stall Cycles"])
                            res["full_run_layers"] += 1
                            if v != cf:
                                res["full_run_mismatches"] += 1
                                print("MISMATCH full", bw_mode, net, df, n, L["layer"], v, cf)
                    if cr is not None:
                        co_calc = load_run(net, df, n, "CALC")[0]
                        if co_calc is not None:
                            for i in range(len(topo)):
                                res["full_vs_compute_only_layers"] += 1
                                if (int(cr[i]["Total Cycles"]) - int(cr[i]["Stall Cycles"])
                                        != co_calc["layers"][i]["demand_rows"] - 1):
                                    res["full_vs_compute_only_mismatches"] += 1
    print(json.dumps(res, indent=1))
    with open(os.path.join(HERE, "closed_form_check.json"), "w") as f:
        json.dump(res, f, indent=1)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    for c in ("compute", "full"):
        p = sub.add_parser(c)
        p.add_argument("--net", choices=NETS, required=True)
        p.add_argument("--df", choices=DFS, required=True)
        p.add_argument("--array", type=int, choices=ARRAYS, required=True)
        if c == "full":
            p.add_argument("--bw-mode", choices=["CALC", "USER"], default="CALC",
                           help="InterfaceBandwidth: CALC (default, stall-free, DRAM bandwidth estimated) "
                                "or USER (10 words/cycle per DRAM interface; raw/<run>_userbw10)")
    p = sub.add_parser("config")
    p.add_argument("--df", choices=DFS, required=True)
    p.add_argument("--array", type=int, required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("export")
    p.add_argument("--cfg", required=True)
    p.add_argument("--topology", required=True)
    p.add_argument("--out", required=True)
    sub.add_parser("collect")
    sub.add_parser("check")
    a = ap.parse_args()
    if a.cmd == "config":
        write_config(a.out, "run", a.df, a.array)
    else:
        {"compute": cmd_compute, "full": cmd_full, "collect": cmd_collect, "export": cmd_export,
         "check": cmd_check}[a.cmd](a)


if __name__ == "__main__":
    main()
