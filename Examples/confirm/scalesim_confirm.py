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
    """Compute cycles of every layer of `topo` under `cfg`: the demand rows of SCALE-Sim's compute
    model, through docs/validation/scalesim/run_scalesim.py's `compute_layers`."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "validation", "scalesim"))
    from run_scalesim import compute_layers
    _, layers = compute_layers(cfg, topo)
    return sum(l["demand_rows"] for l in layers)


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
