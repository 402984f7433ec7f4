#!/usr/bin/env python3
"""SCALE-Sim 3.0.0 total cycles with memory stalls (InterfaceBandwidth USER), for STALLS.md.

Subcommands (run with the SCALE-Sim venv's python, see run_scalesim.sh for the venv):

  run --net NET --df DF --array N --bw W --sram-kib I,F,O [--tag TAG]
        The whole simulator (scalesim.scale_sim.scalesim) in USER bandwidth mode: W words/cycle
        on each of the three DRAM interfaces (IfmapSRAMBankBandwidth, FilterSRAMBankBandwidth,
        Bandwidth), SRAMs of I, F, O KiB. Layers with identical shapes are simulated once
        (SCALE-Sim simulates each layer independently, with fresh buffers) and copied to every
        layer of that shape. Writes stalls_raw/<run>.csv (one row per topology layer).
  collect
        Merges stalls_raw/*.csv into stalls_reference.csv.

NET is resnet50 or mobilenet (topologies/*.csv), DF os/ws/is, N the array side (N x N).
"""
import argparse
import csv
import glob
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run_scalesim import read_topology, ofmap_dims, read_report  # noqa: E402

RAW = os.path.join(HERE, "stalls_raw")

CONFIG = """[general]
run_name = {run_name}

[architecture_presets]
ArrayHeight:    {n}
ArrayWidth:     {n}
IfmapSramSzkB:   {i_kib}
FilterSramSzkB:  {f_kib}
OfmapSramSzkB:   {o_kib}
IfmapOffset:    0
FilterOffset:   10000000
OfmapOffset:    20000000
Bandwidth : {bw}
Dataflow : {df}
MemoryBanks:   1
ReadRequestBuffer: 512
WriteRequestBuffer: 512

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: {bw}
IfmapSRAMBankNum: 1
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: {bw}
FilterSRAMBankNum: 1
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport : false
SparseRep : ellpack_block
OptimizedMapping : false
BlockSize : 8
RandomNumberGeneratorSeed : 40

[run_presets]
InterfaceBandwidth: USER
UseRamulatorTrace: False
"""


def shape_key(L):
    return (L["ifmap_h"], L["ifmap_w"], L["filter_h"], L["filter_w"], L["channels"], L["num_filters"], L["stride"])


def run_name(a):
    return "%s_%s_%dx%d_bw%d_sram%s" % (a.net, a.df, a.array, a.array, a.bw, a.sram_kib.replace(",", "-"))


def cmd_run(a):
    from scalesim.scale_sim import scalesim

    i_kib, f_kib, o_kib = (int(x) for x in a.sram_kib.split(","))
    topo = read_topology(a.net)
    uniq = []
    for L in topo:
        if shape_key(L) not in [shape_key(u) for u in uniq]:
            uniq.append(L)
    tmp = tempfile.mkdtemp()
    name = run_name(a)
    cfg = os.path.join(tmp, "run.cfg")
    with open(cfg, "w") as f:
        f.write(CONFIG.format(run_name=name, n=a.array, i_kib=i_kib, f_kib=f_kib, o_kib=o_kib, bw=a.bw, df=a.df))
    topo_path = os.path.join(tmp, "topo.csv")
    with open(topo_path, "w") as f:  # SCALE-Sim 3.0.0 drops the last field of each row: keep the trailing comma
        f.write("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n")
        for L in uniq:
            f.write("%s, %d, %d, %d, %d, %d, %d, %d,\n" % ((L["layer"],) + shape_key(L)))
    lay = os.path.join(tmp, "nolayout.csv")  # SCALE-Sim 3.0.0 always opens a layout file
    with open(lay, "w") as f:
        f.write("Layer name,\n")
    t0, c0 = time.time(), time.process_time()
    s = scalesim(save_disk_space=True, verbose=False, config=cfg, topology=topo_path, layout=lay)
    s.run_scale(top_path=os.path.join(tmp, "out"))
    wall, cpu = time.time() - t0, time.process_time() - c0
    src = os.path.join(tmp, "out", name)
    cr = read_report(os.path.join(src, "COMPUTE_REPORT.csv"))
    dr = read_report(os.path.join(src, "DETAILED_ACCESS_REPORT.csv"))
    by_shape = {}
    for L, c, d in zip(uniq, cr, dr):
        by_shape[shape_key(L)] = dict(
            simulated_as=L["layer"],
            compute_cycles=int(c["Total Cycles"]) - int(c["Stall Cycles"]),
            stall_cycles=int(c["Stall Cycles"]), total_cycles=int(c["Total Cycles"]),
            total_cycles_incl_prefetch=int(c["Total Cycles (incl. prefetch)"]),
            dram_ifmap_reads=int(d["DRAM IFMAP Reads"]), dram_filter_reads=int(d["DRAM Filter Reads"]),
            dram_ofmap_writes=int(d["DRAM OFMAP Writes"]),
            dram_ifmap_start=int(float(d["DRAM IFMAP Start Cycle"])), dram_filter_start=int(float(d["DRAM Filter Start Cycle"])),
            dram_ofmap_stop=int(float(d["DRAM OFMAP Stop Cycle"])))
    os.makedirs(RAW, exist_ok=True)
    cols = ["network", "layer", "ifmap_h", "ifmap_w", "filter_h", "filter_w", "channels", "num_filters", "stride",
            "ofmap_h", "ofmap_w", "dataflow", "array", "bw_words_per_cycle", "ifmap_sram_kib", "filter_sram_kib",
            "ofmap_sram_kib", "simulated_as", "compute_cycles", "stall_cycles", "total_cycles",
            "total_cycles_incl_prefetch", "dram_ifmap_reads", "dram_filter_reads", "dram_ofmap_writes",
            "dram_ifmap_start", "dram_filter_start", "dram_ofmap_stop"]
    with open(os.path.join(RAW, name + ".csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        for L in topo:
            p, q = ofmap_dims(L)
            w.writerow(dict(network=a.net, dataflow=a.df, array=a.array, bw_words_per_cycle=a.bw, ifmap_sram_kib=i_kib,
                            filter_sram_kib=f_kib, ofmap_sram_kib=o_kib, ofmap_h=p, ofmap_w=q, **L, **by_shape[shape_key(L)]))
    with open(os.path.join(RAW, name + ".timing.json"), "w") as f:
        json.dump(dict(wall_s=round(wall, 1), cpu_s=round(cpu, 1), layers=len(topo), simulated=len(uniq)), f)
    shutil.rmtree(tmp)
    print(name, "layers %d simulated %d wall %.1f s cpu %.1f s" % (len(topo), len(uniq), wall, cpu))


def cmd_collect(a):
    rows = []
    for p in sorted(glob.glob(os.path.join(RAW, "*.csv"))):
        rows += list(csv.DictReader(open(p)))
    with open(os.path.join(HERE, "stalls_reference.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    print("stalls_reference.csv: %d rows" % len(rows))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("run")
    p.add_argument("--net", choices=["resnet50", "mobilenet"], required=True)
    p.add_argument("--df", choices=["os", "ws", "is"], required=True)
    p.add_argument("--array", type=int, required=True)
    p.add_argument("--bw", type=int, required=True, help="words/cycle on each DRAM interface")
    p.add_argument("--sram-kib", required=True, help="ifmap,filter,ofmap SRAM sizes in KiB")
    sub.add_parser("collect")
    a = ap.parse_args()
    {"run": cmd_run, "collect": cmd_collect}[a.cmd](a)


if __name__ == "__main__":
    main()
