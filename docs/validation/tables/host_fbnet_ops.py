#!/usr/bin/env python3
"""The onnxruntime runner on every operator kind of NAS-Bench-201, FBNet and OFA MobileNetV3
(issue 4; docs/validation/tables/RUNNER_OPS.md).

Part 1, build + MAC check (no timing): for each space under the Pixel 3 fusion rules
(conv_bn, conv_act, add_act) and the Note10 rules (conv_bn, conv_act, inverted_residual):
  - every operator signature `duet table generate --space S` lists is built by
    Examples/runners/onnxruntime_runner.py (its output shape is checked against the signature);
  - for networks of the space (the covering networks plus random ones), each device operator that
    `duet evaluate --table` reports is built and the multiply-accumulates of its Conv/Gemm nodes
    are compared with the sum of Duet's MACs (`duet network show`) over the layers the operator
    covers. Must be equal for every operator.
Part 2, measured (with --measure): a per-operator table of the whole FBNet space measured with the
runner (net of session-call overhead) under three fusion settings, summed by `duet evaluate
--table`, against the same runner timing >= 20 random whole FBNet networks exported with `duet
network export --format onnx`: MAPE, median APE and Kendall tau per setting.

Usage: python3 docs/validation/tables/host_fbnet_ops.py DUET PYTHON [--measure] [--networks N] [--runs N]
                                                          [--iobinding] [--skip-build-check]
  --iobinding: time operators and networks with the runner's --iobinding 1 (results under
  fbnet_sums_vs_whole_iobinding); --skip-build-check: part 2 only; --tag T: results under
  fbnet_sums_vs_whole[_iobinding]_T (repeated runs).
  DUET: the duet binary; PYTHON: an interpreter with onnx, onnxruntime, numpy (.venv-onnx/bin/python).
  Writes runner_ops_results.json next to this script. Seeded (random.Random(0)); timings come from a
  shared, loaded 2-core machine and are noisy.
"""
import csv
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
RUNNER = os.path.join(ROOT, "Examples", "runners", "onnxruntime_runner.py")
sys.path.insert(0, os.path.dirname(RUNNER))

FUSIONS = {"pixel3": "conv_bn,conv_act,add_act", "note10": "conv_bn,conv_act,inverted_residual"}
FBNET_OPS = ["k3_e1", "k3_e1_g2", "k3_e3", "k3_e6", "k5_e1", "k5_e1_g2", "k5_e3", "k5_e6", "skip"]
NB201_OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]


def sh(args, **kw):
    r = subprocess.run(args, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise SystemExit(f"failed ({r.returncode}): {' '.join(args)}\n{r.stderr[-2000:]}")
    return r.stdout


def read_table(path):
    lines = [l for l in open(path) if not l.startswith("#")]
    return list(csv.DictReader(io.StringIO("".join(lines))))


def request(row):
    """The runner's JSON for a table row (as duet's TableRunner writes it)."""
    shape = lambda s: [int(x) for x in s.split("x")]
    return {"key": row["key"], "kind": row["kind"], "input": shape(row["input"]), "output": shape(row["output"]), "layout": "HWC",
            "kernel": int(row["kernel"]), "stride": int(row["stride"]), "groups": int(row["groups"]), "expand": int(row["expand"]),
            "se": row["se"] == "1", "idskip": row["idskip"] == "1", "act": row["act"], "operands": int(row["operands"]),
            "precision": row["precision"]}


def parse_key(key):
    parts = key.split("-")
    f = {"kind": parts[0]}
    for p in parts[1:]:
        n, v = p.split(":", 1)
        f[n] = v
    return f


def networks(space, rng, n_random):
    if space == "fbnet":
        nets = [" ".join([o] * 22) for o in FBNET_OPS]
        nets += [" ".join(rng.choice(FBNET_OPS) for _ in range(22)) for _ in range(n_random)]
    elif space == "ofa-mbv3":
        nets = [f"ks={','.join([str(k)] * 20)};e={','.join([str(e)] * 20)};d=4,4,4,4,4;r=224" for k in (3, 5, 7) for e in (3, 4, 6)]
        for _ in range(n_random):
            ks = ",".join(str(rng.choice([3, 5, 7])) for _ in range(20))
            es = ",".join(str(rng.choice([3, 4, 6])) for _ in range(20))
            ds = ",".join(str(rng.choice([2, 3, 4])) for _ in range(5))
            nets.append(f"ks={ks};e={es};d={ds};r=224")
    else:
        nets = []
        for _ in range(n_random):
            e = [rng.choice(NB201_OPS) for _ in range(6)]
            nets.append(f"|{e[0]}~0|+|{e[1]}~0|{e[2]}~1|+|{e[3]}~0|{e[4]}~1|{e[5]}~2|")
    return [f"{space}:{a}" for a in nets]


def part1(duet, tmp, results):
    import onnxruntime_runner as rr
    rng = random.Random(0)
    out = {}
    for space in ("nb201", "fbnet", "ofa-mbv3"):
        nets = networks(space, rng, 10)
        for dev, fusion in FUSIONS.items():
            # (a) every signature of the space builds, with its output shape checked
            t0 = time.time()
            table = os.path.join(tmp, f"{space}-{dev}.csv")
            extra = ["--resolutions", "224"] if space == "ofa-mbv3" else []
            sh([duet, "table", "generate", "--space", space, *extra, "--device", dev, "--rewrites", "dead_code", "--fusion", fusion, "--out", table])
            rows = read_table(table)
            mode = {"fbnet": "always", "ofa-mbv3": "auto", "nb201": "auto"}[space]
            kinds, build_fail = {}, []
            for r in rows:
                kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
                try:
                    rr.build(request(r), {"mbconv-expand-conv": mode})
                except Exception as e:  # noqa: BLE001 - reported
                    build_fail.append(f"{r['key']}: {e}")
            # (b) MACs of each operator of each network vs Duet's per-layer MACs; the space's table
            # covers every network of the space (`duet evaluate` fails on a missing entry).
            ntable = table
            checked, not_checked, mismatches, auto_mismatches = 0, 0, [], 0
            for n in nets:
                ev = json.loads(sh([duet, "evaluate", "--network", n, "--table", ntable, "--format", "json"]))
                layer_macs = {l["name"]: l["macs"] for l in json.loads(sh([duet, "network", "show", n, "--format", "json"]))["layers"]}
                for op in ev["networks"][0]["operators"]:
                    f = parse_key(op["key"])
                    req = {"kind": f["kind"], "input": [int(x) for x in f["input"].split("x")], "output": [int(x) for x in f["output"].split("x")],
                           "kernel": int(f["kernel"]), "stride": int(f["stride"]), "groups": int(f["groups"]), "expand": int(f["expand"]),
                           "se": f["se"] == "1", "idskip": f["idskip"] == "1", "act": f["act"], "operands": int(f["operands"]), "precision": f["precision"]}
                    # NAS-Bench-201's exported network (what the device lowers) keeps the edges fed
                    # only by `none` (zero) nodes, has `zero` layers and names its cell sums apart from
                    # the plain network that `duet network show` (and `network export`) list: an
                    # operator with such a layer has no reference count and is skipped, unless it
                    # is an operator without multiply-accumulates.
                    unknown = [l for l in op["layers"] if l not in layer_macs]
                    if unknown and f["kind"] not in ("add", "mul", "other_zero", "zero"):
                        not_checked += 1
                        continue
                    want = sum(layer_macs.get(l, 0) for l in op["layers"])
                    got = rr.macs(rr.build(req, {"mbconv-expand-conv": mode})[0])
                    checked += 1
                    if got != want:
                        mismatches.append(f"{n} {op['key']}: runner {got} MACs, duet {want} ({'+'.join(op['layers'])})")
                    if f["kind"] == "mbconv" and mode != "auto":
                        if rr.macs(rr.build(req, {"mbconv-expand-conv": "auto"})[0]) != want:
                            auto_mismatches += 1
            out[f"{space}/{dev}"] = {"signatures": len(rows), "kinds": kinds, "build_failures": build_fail, "networks": len(nets),
                                     "operators_mac_checked": checked,
                                     "operators_not_checkable": not_checked, "mac_mismatches": mismatches,
                                     "mac_mismatches_with_mbconv_expand_conv_auto": auto_mismatches, "seconds": round(time.time() - t0, 1)}
            print(f"{space}/{dev}: {len(rows)} signatures {kinds}, {len(build_fail)} build failures; {checked} operators of {len(nets)} networks "
                  f"MAC-checked ({not_checked} without a reference count), {len(mismatches)} mismatches" + (f" ({auto_mismatches} with --mbconv-expand-conv auto)" if mode != "auto" else ""),
                  flush=True)
            for m in (build_fail + mismatches)[:5]:
                print("   ", m)
    results["build_and_macs"] = out
    return all(not v["build_failures"] and not v["mac_mismatches"] for v in out.values())


from host_onnxruntime import kendall  # noqa: E402  (the same Kendall tau as the NAS-Bench-201 host check)


def part2(duet, py, tmp, results, n_nets, runs, iobinding, tag=""):
    io = ["--iobinding", "1"] if iobinding else []
    rng = random.Random(1)
    archs = [" ".join(rng.choice(FBNET_OPS) for _ in range(22)) for _ in range(n_nets)]
    measured = []
    t0 = time.time()
    for i, a in enumerate(archs):
        f = os.path.join(tmp, f"fbnet{i}.onnx")
        sh([duet, "network", "export", f"fbnet:{a}", "--format", "onnx", "--seed", "0", "--out", f])
        out = sh([py, RUNNER, "--runs", "30", "--warmup", "5", *io], input=json.dumps({"onnx_file": f}))
        measured.append(json.loads(out.strip().splitlines()[-1])["latency_ms"])
    whole_s = time.time() - t0
    print(f"{n_nets} whole FBNet networks timed in {whole_s:.0f} s: {min(measured):.2f}-{max(measured):.2f} ms", flush=True)
    res = {"runner_options": " ".join(["--net-of-overhead 1"] + io), "networks": n_nets, "seed": 1, "runner_runs_per_operator": runs, "whole_network_runs": 30, "whole_network_seconds": round(whole_s)}
    settings = [("pixel3_rules", "conv_bn,conv_act,add_act"), ("note10_rules", "conv_bn,conv_act,inverted_residual"), ("without_fusion", "conv_bn")]
    for name, fusion in settings:
        table = os.path.join(tmp, f"fbnet-{name}.csv")
        runner = f"{py} {RUNNER} --runs {runs} --warmup 3 --net-of-overhead 1 --mbconv-expand-conv always {' '.join(io)}".strip()
        t0 = time.time()
        r = subprocess.run([duet, "table", "generate", "--space", "fbnet", "--runner", runner, "--rewrites", "dead_code", "--fusion", fusion,
                            "--out", table, "--timeout-s", "120"], capture_output=True, text=True)
        gen_s = time.time() - t0
        t = read_table(table)
        pred = []
        for a in archs:
            out = sh([duet, "evaluate", "--network", f"fbnet:{a}", "--table", table, "--format", "json"])
            pred.append(json.loads(out)["totals"]["latency_ms"])
        ape = sorted(abs(p - m) / m * 100 for p, m in zip(pred, measured))
        mid = len(ape) // 2
        res[name] = {"fusion": fusion, "operators": len(t), "generate_exit": r.returncode, "generate_summary": r.stdout.strip(),
                     "generate_seconds": round(gen_s), "ape_mean_pct": sum(ape) / len(ape),
                     "ape_median_pct": ape[mid] if len(ape) % 2 else (ape[mid - 1] + ape[mid]) / 2,
                     "kendall_tau": kendall(pred, measured), "mean_signed_error_pct": sum((p - m) / m * 100 for p, m in zip(pred, measured)) / len(pred),
                     "predicted_ms": pred}
        print(name, json.dumps({k: v for k, v in res[name].items() if k != "predicted_ms"}), flush=True)
    res["archs"] = archs
    res["measured_ms"] = measured
    results["fbnet_sums_vs_whole" + ("_iobinding" if iobinding else "") + tag] = res


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        raise SystemExit(__doc__)
    duet, py = args[0], args[1]
    measure = "--measure" in args
    n_nets = int(args[args.index("--networks") + 1]) if "--networks" in args else 24
    runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 20
    tmp = tempfile.mkdtemp(prefix="duet-runner-ops-")
    path = os.path.join(HERE, "runner_ops_results.json")
    results = json.load(open(path)) if os.path.exists(path) else {}
    ok = part1(duet, tmp, results) if "--skip-build-check" not in args else True
    if measure:
        tag = "_" + args[args.index("--tag") + 1] if "--tag" in args else ""
        part2(duet, py, tmp, results, n_nets, runs, "--iobinding" in args, tag)
    with open(path, "w") as f:
        json.dump(results, f, indent=2, sort_keys=True)
        f.write("\n")
    if not ok:
        raise SystemExit("some operators failed to build or their MACs differ from Duet's (see above)")


if __name__ == "__main__":
    main()
