"""Reproduces the ONNX figures of docs/VALIDATION.md ("ONNX import and export (issue 8)").

  python3 -m venv .venv-onnx && .venv-onnx/bin/pip install onnx onnxruntime onnx-tool zigzag-dse
  swift build -c release --product duet
  .venv-onnx/bin/python docs/validation/onnx/validate.py [--duet .build/release/duet] [--samples 100]

1. The ONNX files inside the zigzag-dse wheel (ResNet-18, MobileNetV2, AlexNet; their weights are
   external files the wheel does not ship): Duet's per-layer MACs and parameters against counts by
   hand (onnx_models.hand_counts) and onnx-tool's, totals against Duet's built-in networks.
2. Every built-in network and `--samples` points of every search space: `duet network export
   --format onnx --no-weights`, onnxruntime runs the file on random inputs (weights are graph
   inputs there), the output shape is Duet's, and re-importing gives the same totals.
3. Models written here with the `onnx` package (onnx_models.py), run by onnxruntime and counted by hand.
4. Import speed and peak memory of a ResNet-50 exported with random weights (~100 MB).
Writes results.json next to this script and prints a summary.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_models import hand_counts, materialize, mbv3_block, prod, vit_block  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.abspath(os.path.join(here, "../../.."))


def duet(args, duet_bin):
    r = subprocess.run([duet_bin] + args, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"duet {' '.join(args)}: exit {r.returncode}: {r.stderr.strip()}")
    return r.stdout


def show(ref, duet_bin, extra=()):
    return json.loads(duet(["network", "show", ref, "--format", "json", *extra], duet_bin))


def ort_run(model_bytes):
    """Runs a model on random inputs; returns the first output's shape and the seconds per run."""
    so = ort.SessionOptions()
    so.log_severity_level = 3
    sess = ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    feeds = {}
    for i in sess.get_inputs():
        shape = [d if isinstance(d, int) else 1 for d in i.shape]
        if "int64" in i.type:
            feeds[i.name] = np.zeros(shape, dtype=np.int64)
        else:
            feeds[i.name] = (rng.standard_normal(shape) * 0.1).astype(np.float32)
    t = time.perf_counter()
    out = sess.run(None, feeds)
    return list(out[0].shape), time.perf_counter() - t


def zigzag_models(duet_bin):
    import onnx_tool
    import zigzag
    folder = os.path.join(os.path.dirname(zigzag.__file__), "inputs", "workload")
    builtin = {"resnet18": "resnet18", "mobilenetv2": "mobilenet-v2", "alexnet": None}
    rows = []
    for name, b in builtin.items():
        path = os.path.join(folder, name + ".onnx")
        model = onnx.load(path, load_external_data=False)
        full = materialize(model)
        hand = hand_counts(full)
        extra = ["--allow-unknown"] if name == "alexnet" else []
        rep = show(path, duet_bin, extra)
        # onnx-tool on the same graph (zero weights in place of the missing external file).
        with tempfile.NamedTemporaryFile(suffix=".onnx") as f:
            onnx.save(full, f.name)
            m = onnx_tool.Model(f.name)
            m.graph.shape_infer()
            m.graph.profile()
            tool = {k: (int(np.sum(n.macs)), int(n.params)) for k, n in m.graph.nodemap.items()}
            tool_total_params = int(m.graph.params)
        layer_mismatch, tool_mac_mismatch, tool_compared = [], [], 0
        for l in rep["layers"]:
            if l["name"] in hand and (hand[l["name"]][0] or hand[l["name"]][1]):
                hm, hp = hand[l["name"]]
                if (l["macs"], l["params"]) != (hm, hp):
                    layer_mismatch.append((l["name"], l["macs"], l["params"], hm, hp))
                if l["kind"] in ("conv", "pointwise", "depthwise", "group_conv", "dense") and l["name"] in tool:
                    # onnx-tool counts a bias add as one more MAC per output element.
                    node = next(n for n in full.graph.node if n.name == l["name"])
                    bias = prod([rep["batch"]] + l["output_shape"]) if len(node.input) > 2 and node.input[2] else 0
                    if tool[l["name"]][0] - bias != l["macs"]:
                        tool_mac_mismatch.append((l["name"], l["macs"], tool[l["name"]][0]))
                    tool_compared += 1
        row = {"model": name, "layers": len(rep["layers"]), "duet_macs": rep["totals"]["macs"], "duet_params": rep["totals"]["params"],
               "hand_macs": sum(m for m, _ in hand.values()), "hand_params": sum(p for _, p in hand.values()),
               "per_layer_mismatches_vs_hand": layer_mismatch,
               "onnx_tool_params_all_initializers": tool_total_params,
               "onnx_tool_layers_compared": tool_compared, "onnx_tool_onnx_tool_total_macs": int(m.graph.macs[0]) if hasattr(m.graph.macs, "__len__") else int(m.graph.macs),
               "onnx_tool_mac_mismatches_after_bias": tool_mac_mismatch[:5], "onnx_tool_mac_mismatch_count": len(tool_mac_mismatch),
               "notes": rep.get("notes", [])}
        if b:
            bi = show(b, duet_bin)
            row.update({"builtin": b, "builtin_macs": bi["totals"]["macs"], "builtin_params": bi["totals"]["params"]})
        rows.append(row)
    return rows


def exports(duet_bin, samples):
    refs = [(b, b) for b in json.loads(duet(["network", "list", "--format", "json"], duet_bin)) and
            [x["name"] for x in json.loads(duet(["network", "list", "--format", "json"], duet_bin))]]
    for space in ["nb201", "fbnet", "ofa-mbv3", "nasaic"]:
        archs = json.loads(duet(["space", "sample", space, "--count", str(samples), "--seed", "8", "--format", "json"], duet_bin))["archs"]
        refs += [(f"{space}[{k}]", f"{space}:{a['arch']}") for k, a in enumerate(archs)]
    rows, failures = [], []
    with tempfile.TemporaryDirectory() as d:
        for label, ref in refs:
            path = os.path.join(d, "m.onnx")
            try:
                duet(["network", "export", ref, "--format", "onnx", "--no-weights", "--out", path], duet_bin)
                model = onnx.load(path)
                onnx.checker.check_model(model)
                direct, back = show(ref, duet_bin), show(path, duet_bin)
                shape, secs = ort_run(model.SerializeToString())
                want = [direct["batch"]] + direct["layers"][-1]["output_shape"]
                same = (direct["totals"]["macs"], direct["totals"]["params"], len(direct["layers"])) == \
                       (back["totals"]["macs"], back["totals"]["params"], len(back["layers"]))
                ok = same and shape == want
                rows.append({"network": label, "macs": direct["totals"]["macs"], "params": direct["totals"]["params"],
                             "layers": len(direct["layers"]), "roundtrip_equal": same, "ort_output_shape_ok": shape == want,
                             "ort_seconds": round(secs, 4), "bytes": os.path.getsize(path)})
                if not ok:
                    failures.append(label)
            except Exception as e:  # noqa: BLE001 — every failure is recorded, none lost
                failures.append(f"{label}: {e}")
    return rows, failures


def own_models(duet_bin):
    rows = []
    with tempfile.TemporaryDirectory() as d:
        for name, model in [("mbv3_block_opset14", mbv3_block(opset=14)), ("mbv3_block_opset11", mbv3_block(opset=11)),
                            ("vit_block_opset17", vit_block(opset=17))]:
            onnx.checker.check_model(model, full_check=True)
            shape, _ = ort_run(model.SerializeToString())
            path = os.path.join(d, name + ".onnx")
            onnx.save(model, path)
            rep = show(path, duet_bin)
            hand = hand_counts(model)
            rows.append({"model": name, "ort_output_shape": shape, "duet_layers": len(rep["layers"]),
                         "duet_macs": rep["totals"]["macs"], "hand_macs": sum(m for m, _ in hand.values()),
                         "duet_params": rep["totals"]["params"], "hand_params": sum(p for _, p in hand.values())})
    return rows


def speed(duet_bin, repeats=5):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "resnet50.onnx")
        duet(["network", "export", "resnet50", "--format", "onnx", "--seed", "1", "--out", path], duet_bin)
        size = os.path.getsize(path)
        shape, secs = ort_run(open(path, "rb").read())
        times, rss = [], []
        for _ in range(repeats):
            t = time.perf_counter()
            r = subprocess.run(["/usr/bin/time", "-f", "%M", duet_bin, "network", "show", path, "--format", "json"], capture_output=True, text=True)
            times.append(time.perf_counter() - t)
            rss.append(int(r.stderr.strip().splitlines()[-1]))
        t0 = []
        for _ in range(repeats):
            t = time.perf_counter()
            subprocess.run([duet_bin, "network", "show", "resnet50", "--format", "json"], capture_output=True)
            t0.append(time.perf_counter() - t)
            r0 = subprocess.run(["/usr/bin/time", "-f", "%M", duet_bin, "network", "show", "resnet50", "--format", "json"], capture_output=True, text=True)
        return {"file_bytes": size, "ort_output_shape": shape, "ort_seconds": round(secs, 3),
                "show_onnx_seconds_min": round(min(times), 3), "show_onnx_seconds_median": round(sorted(times)[len(times) // 2], 3),
                "show_builtin_seconds_min": round(min(t0), 3), "show_onnx_max_rss_kib": max(rss),
                "show_builtin_max_rss_kib": int(r0.stderr.strip().splitlines()[-1])}


def bad_inputs(duet_bin):
    """Exit code and message of `duet network show` for each kind of bad file."""
    from onnx import helper
    rows = []
    with tempfile.TemporaryDirectory() as d:
        good = mbv3_block(opset=14)
        files = {}
        data = good.SerializeToString()
        files["truncated"] = data[: len(data) * 2 // 3]
        files["not_onnx"] = b"name: resnet\nlayers: []\n"
        old = onnx.ModelProto(); old.CopyFrom(good); old.opset_import[0].version = 9
        files["opset_9"] = old.SerializeToString()
        cyc = helper.make_model(helper.make_graph(
            [helper.make_node("Add", ["x", "b"], ["a"], name="add"), helper.make_node("Relu", ["a"], ["b"], name="relu")],
            "cycle", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 4])],
            [helper.make_tensor_value_info("b", onnx.TensorProto.FLOAT, [1, 4])]), opset_imports=[helper.make_opsetid("", 17)])
        files["cycle"] = cyc.SerializeToString()
        bad = onnx.ModelProto(); bad.CopyFrom(good)
        w = next(t for t in bad.graph.initializer if t.name == "expand.weight")
        w.CopyFrom(onnx.numpy_helper.from_array(np.zeros([64, 24, 1, 1], dtype=np.float32), "expand.weight"))
        files["initializer_contradicts_use"] = bad.SerializeToString()
        for name, content in files.items():
            path = os.path.join(d, name + ".onnx")
            with open(path, "wb") as f:
                f.write(content)
            r = subprocess.run([duet_bin, "network", "show", path], capture_output=True, text=True)
            rows.append({"case": name, "exit": r.returncode, "stderr": r.stderr.strip().replace(d + "/", "")})
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duet", default=os.path.join(root, ".build/release/duet"))
    ap.add_argument("--samples", type=int, default=100)
    ap.add_argument("--parts", default="zigzag,own,speed,exports", help="comma-separated subset to run")
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    path = os.path.join(here, "results.json")
    res = json.load(open(path)) if os.path.exists(path) and parts != {"zigzag", "own", "speed", "exports"} else {}
    res.update({"onnx": onnx.__version__, "onnxruntime": ort.__version__, "duet": os.path.relpath(args.duet, root)})
    if "zigzag" in parts:
        res["zigzag"] = zigzag_models(args.duet)
    if "own" in parts:
        res["own_models"] = own_models(args.duet)
    if "speed" in parts:
        res["speed"] = speed(args.duet)
    if "bad" in parts or "zigzag" in parts:
        res["bad_inputs"] = bad_inputs(args.duet)
    if "exports" not in parts:
        with open(path, "w") as f:
            json.dump(res, f, indent=1)
            f.write("\n")
        print(json.dumps({k: v for k, v in res.items() if k != "exports"}, indent=1))
        return 0
    rows, failures = exports(args.duet, args.samples)
    res["exports"] = {"count": len(rows), "failures": failures, "roundtrip_equal": sum(r["roundtrip_equal"] for r in rows),
                      "ort_ok": sum(r["ort_output_shape_ok"] for r in rows),
                      "builtins": [r for r in rows if "[" not in r["network"]],
                      "ort_seconds_max": max((r["ort_seconds"] for r in rows), default=0)}
    with open(os.path.join(here, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    print(json.dumps({k: v for k, v in res.items() if k != "exports"}, indent=1))
    print(json.dumps({k: v for k, v in res["exports"].items() if k != "builtins"}, indent=1))
    for r in res["exports"]["builtins"]:
        print(r)
    print("peak RSS of this script (KiB):", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
