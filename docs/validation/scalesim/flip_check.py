#!/usr/bin/env python3
"""What drives SCALE-Sim 3.0.0's filter refetch in USER mode (ws dataflow)? An experiment.

SCALE-Sim's weight-stationary filter *demand* loads each fold's rows bottom-up
(systolic_compute_ws.create_filter_demand_mat: np.flip(this_fold_demand, 0)), while the filter
*prefetch* stream (create_filter_prefetch_mat) lists them top-down. The read buffer keeps a
circular window over that stream and only ever slides it forward (read_buffer.new_prefetch), so a
demanded word that already lies behind the window makes it go round the whole stream again.

This script simulates single layers with SCALE-Sim 3.0.0 in USER mode twice: unchanged, and with
the filter prefetch stream re-ordered fold by fold into the demand's (bottom-up) order. Nothing
else changes (same demand matrices, hence the same compute cycles). Writes flip_check.csv.

Usage (SCALE-Sim venv): python flip_check.py
"""
import csv
import os
import shutil
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run_scalesim import read_report  # noqa: E402
from stalls import CONFIG  # noqa: E402

# MobileNet layers of topologies/mobilenet.csv with several folds on 128x128 (name, H, W, R, S, C, K, stride).
LAYERS = [("Conv13", 14, 14, 1, 1, 256, 512, 1), ("Conv17", 7, 7, 1, 1, 512, 1024, 1)]


def reorder_filter_prefetch(self):
    """The filter prefetch stream in demand order: per column fold, per row fold, rows bottom-up."""
    ifmap, filt = ORIGINAL(self)
    ar, sr = self.arr_row, self.filter_op_mat.shape[0]
    blocks = []
    for fc in range(self.col_fold):
        base = fc * sr
        for fr in range(int(np.ceil(sr / ar))):
            lo, hi = base + fr * ar, base + min((fr + 1) * ar, sr)
            blocks.append(np.flip(filt[lo:hi, :], 0))
    return ifmap, np.concatenate(blocks, axis=0)


def run(layer, n, bw, kib, reorder):
    from scalesim.scale_sim import scalesim
    from scalesim.compute import systolic_compute_ws as ws

    ws.systolic_compute_ws.get_prefetch_matrices = reorder_filter_prefetch if reorder else ORIGINAL
    tmp = tempfile.mkdtemp()
    cfg = os.path.join(tmp, "run.cfg")
    with open(cfg, "w") as f:
        f.write(CONFIG.format(run_name="flip", n=n, i_kib=kib, f_kib=kib, o_kib=kib, bw=bw, df="ws"))
    topo = os.path.join(tmp, "topo.csv")
    with open(topo, "w") as f:
        f.write("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n")
        f.write("%s, %d, %d, %d, %d, %d, %d, %d,\n" % layer)
    lay = os.path.join(tmp, "nolayout.csv")
    with open(lay, "w") as f:
        f.write("Layer name,\n")
    s = scalesim(save_disk_space=True, verbose=False, config=cfg, topology=topo, layout=lay)
    s.run_scale(top_path=os.path.join(tmp, "out"))
    c = read_report(os.path.join(tmp, "out", "flip", "COMPUTE_REPORT.csv"))[0]
    d = read_report(os.path.join(tmp, "out", "flip", "DETAILED_ACCESS_REPORT.csv"))[0]
    shutil.rmtree(tmp)
    return c, d


if __name__ == "__main__":
    from scalesim.compute import systolic_compute_ws as ws
    ORIGINAL = ws.systolic_compute_ws.get_prefetch_matrices
    rows = []
    for layer in LAYERS:
        for reorder in (False, True):
            c, d = run(layer, 128, 10, 64, reorder)
            r = dict(layer=layer[0], filter_prefetch="demand order (patched)" if reorder else "SCALE-Sim 3.0.0 (unchanged)",
                     weights=layer[3] * layer[4] * layer[5] * layer[6],
                     compute_cycles=int(c["Total Cycles"]) - int(c["Stall Cycles"]), stall_cycles=int(c["Stall Cycles"]),
                     total_cycles=int(c["Total Cycles"]), total_cycles_incl_prefetch=int(c["Total Cycles (incl. prefetch)"]),
                     dram_ifmap_reads=int(d["DRAM IFMAP Reads"]), dram_filter_reads=int(d["DRAM Filter Reads"]),
                     dram_ofmap_writes=int(d["DRAM OFMAP Writes"]))
            print(r)
            rows.append(r)
    with open(os.path.join(HERE, "flip_check.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
