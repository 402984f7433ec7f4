#!/usr/bin/env python3
"""A `duet study confirm` command: SCALE-Sim 3 re-evaluates one Pareto-front design.

    duet study confirm STUDY --command "python3 Examples/confirm/scalesim_confirm.py STUDY"

Reads the evaluator-protocol object on stdin ({"design", "duet", "generation", "slot"}), writes
the trial's files with `duet study design`, exports every task's network on the chip's
sub-accelerator with `duet export-design --format scalesim` (Duet's mapping: array size,
dataflow, buffer split) and runs SCALE-Sim's own compute model (its systolic_compute_{ws,os,is}
classes: the demand matrices' rows are the cycles; no SRAM/DRAM stalls). Prints one JSON line:
latency_ms (the tasks back to back on the one sub-accelerator, at its clock) and
scalesim_compute_cycles. A chip with several sub-accelerators or a non-systolic one is refused
(exit 2) — SCALE-Sim models one systolic array.

Needs SCALE-Sim (`pip install scalesim==3.0.0`; run this with that Python, e.g.
$DUET_PEERS/venv-scalesim/bin/python) and a built duet (DUET=path, default .build/release/duet).
"""
import json
import os
import subprocess
import sys
import tempfile

DUET = os.environ.get("DUET", os.path.join(os.path.dirname(__file__), "..", "..", ".build", "release", "duet"))


def fail(message, code=2):
    print(message, file=sys.stderr)
    sys.exit(code)


def duet(*args):
    r = subprocess.run([DUET, *args], capture_output=True, text=True)
    if r.returncode != 0:
        fail("duet %s failed: %s" % (" ".join(args[:2]), r.stderr.strip()[-500:]), r.returncode)
    return r.stdout


def scalesim_cycles(cfg, topo):
    """Compute cycles of every layer of `topo` under `cfg`, from SCALE-Sim's compute model."""
    from scalesim.scale_config import scale_config
    from scalesim.topology_utils import topologies
    from scalesim.layout_utils import layouts
    from scalesim.compute.operand_matrix import operand_matrix
    from scalesim.compute.systolic_compute_os import systolic_compute_os
    from scalesim.compute.systolic_compute_ws import systolic_compute_ws
    from scalesim.compute.systolic_compute_is import systolic_compute_is

    conf = scale_config()
    conf.read_conf_file(cfg)
    df = conf.get_dataflow()
    topo_u = topologies()
    topo_u.load_arrays(topofile=topo)
    topo_u.topo_calc_hyperparams()
    lay_path = os.path.join(os.path.dirname(cfg), "nolayout.csv")
    with open(lay_path, "w") as f:
        f.write("Layer name,\n")
    lay = layouts()
    lay.load_arrays(layoutfile=lay_path)
    cls = {"os": systolic_compute_os, "ws": systolic_compute_ws, "is": systolic_compute_is}[df]
    total = 0
    for lid in range(topo_u.get_num_layers()):
        op = operand_matrix()
        op.set_params(layer_id=lid, config_obj=conf, topoutil_obj=topo_u, layoututil_obj=lay)
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
        _, _, ofd = cs.get_demand_matrices()
        total += int(ofd.shape[0])
    return total


def main():
    if len(sys.argv) != 2:
        fail("usage: scalesim_confirm.py STUDY   (the evaluator-protocol object on stdin)")
    study = sys.argv[1]
    request = json.loads(sys.stdin.readline())
    trial = "%d/%d" % (request["generation"], request["slot"])
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "design")
        duet("study", "design", study, "--trial", trial, "--out", folder)
        accelerator = os.path.join(folder, "accelerator.yaml")
        networks = sorted(os.listdir(os.path.join(folder, "networks")))
        first = os.path.join(folder, "networks", networks[0])
        chip = json.loads(duet("evaluate", "--network", first, "--accelerator", accelerator, "--format", "json"))["accelerator"]
        subs = chip["subaccelerators"]
        if len(subs) != 1:
            fail("SCALE-Sim models one systolic array; this chip has %d sub-accelerators" % len(subs))
        clock_mhz = float(subs[0]["clock_mhz"])
        cycles = 0
        for name in networks:
            out = os.path.join(tmp, "export-" + name)
            duet("export-design", os.path.join(folder, "networks", name), "--accelerator", accelerator,
                 "--format", "scalesim", "--out", out, "--name", "net")
            cycles += scalesim_cycles(os.path.join(out, "net.cfg"), os.path.join(out, "net.csv"))
    print(json.dumps({"latency_ms": cycles / (clock_mhz * 1e3), "scalesim_compute_cycles": cycles}))


if __name__ == "__main__":
    main()
