"""Reproduces the figures of docs/validation/onnx/gaps.md (issue 8's remaining gaps).

  python3 -m venv .venv-onnx && .venv-onnx/bin/pip install onnx onnxruntime
  swift build --product duet
  .venv-onnx/bin/python docs/validation/onnx/gaps.py [--duet .build/debug/duet]

1. Import: the fixture models of make_fixtures.py that exercise the gaps (GPT-style block,
   2-D CNN with LRN/PRelu/Pads/non-square ConvTranspose, 1-D TCN) at batch 1 and 3: Duet's total
   MACs and parameters against the hand counts (onnx_models.hand_counts), onnxruntime runs each
   and its output shape is Duet's.
2. Export: a Duet network file using every operator added here (pad, prelu, lrn, the new
   activations, a non-square conv_transpose) exported with `--no-weights` and with random
   weights; onnx.checker passes, onnxruntime runs it with Duet's output shape, re-import gives
   the same totals.
3. Bad input: a 3-D Conv and a run-time Where mask exit 2 naming the node.
Writes gaps.json next to this script and prints it.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from onnx_models import gaps_cnn, gpt_block, hand_counts, materialize, tcn_1d  # noqa: E402
from onnx import TensorProto, helper  # noqa: E402

root = os.path.abspath(os.path.join(here, "../../.."))


def run(duet_bin, args):
    return subprocess.run([duet_bin] + args, capture_output=True, text=True)


def show(duet_bin, ref, batch=1):
    r = run(duet_bin, ["network", "show", ref, "--format", "json", "--batch", str(batch)])
    if r.returncode != 0:
        raise RuntimeError(f"duet network show {ref}: exit {r.returncode}: {r.stderr.strip()}")
    return json.loads(r.stdout)


def ort_shape(model, batch):
    so = ort.SessionOptions()
    so.log_severity_level = 3
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    feeds = {i.name: rng.standard_normal([d if isinstance(d, int) else batch for d in i.shape]).astype(np.float32)
             for i in sess.get_inputs()}
    return list(sess.run(None, feeds)[0].shape)


GAP_NETWORK = """name: gap-ops
batch: 2
inputs: [{name: x, shape: [8, 20, 24]}]
layers:
  - {name: c1, op: conv, out_channels: 16, kernel: 3, padding: 1, activation: leaky_relu}
  - {name: prelu, op: prelu, slopes: 16}
  - {name: lrn, op: lrn, size: 5}
  - {name: pad, op: pad, amounts: [0, 1, 2, 0, 3, 4], mode: reflect}
  - {name: c2, op: conv, out_channels: 16, kernel: [3, 5], stride: [1, 2], activation: elu}
  - {name: prelu1, op: prelu, slopes: 1}
  - {name: up, op: conv_transpose, out_channels: 8, kernel: [3, 4], stride: [2, 1], dilation: [1, 2],
     padding: [1, 0, 0, 2], output_padding: [1, 0], groups: 2, bias: true, batch_norm: true, activation: selu}
  - {name: sp, op: activation, function: softplus}
  - {name: zpad, op: pad, amounts: [0, 1, 1, 0, 1, 1], mode: edge}
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duet", default=os.path.join(root, ".build/debug/duet"))
    args = ap.parse_args()
    out = {"imports": [], "exports": [], "bad_input": []}
    with tempfile.TemporaryDirectory() as d:
        for name, model in [("gpt_block_opset17", gpt_block()), ("gaps_cnn_opset13", gaps_cnn()), ("tcn_1d_opset13", tcn_1d())]:
            path = os.path.join(d, name + ".onnx")
            onnx.save(model, path)
            for batch in (1, 3):
                if batch > 1 and name == "gaps_cnn_opset13":
                    continue  # fixed batch 1 in the file
                hand = hand_counts(materialize(model), batch=batch)
                rep = show(args.duet, path, batch)
                shape = ort_shape(materialize(model), batch)
                row = {"model": name, "batch": batch, "duet_layers": len(rep["layers"]),
                       "duet_macs": rep["totals"]["macs"], "hand_macs": sum(m for m, _ in hand.values()),
                       "duet_params": rep["totals"]["params"], "hand_params": sum(p for _, p in hand.values()),
                       "ort_output_shape": shape, "duet_output_shape": [rep["batch"]] + rep["layers"][-1]["output_shape"],
                       "notes": rep.get("notes", [])}
                row["equal"] = (row["duet_macs"], row["duet_params"], row["duet_output_shape"]) == (row["hand_macs"], row["hand_params"], shape)
                out["imports"].append(row)

        net = os.path.join(d, "gap-ops.yaml")
        with open(net, "w") as f:
            f.write(GAP_NETWORK)
        direct = show(args.duet, net, 2)
        for weights in (["--no-weights"], ["--seed", "7"]):
            path = os.path.join(d, "gap-ops.onnx")
            r = run(args.duet, ["network", "export", net, "--format", "onnx", "--out", path] + weights)
            if r.returncode != 0:
                raise RuntimeError(r.stderr)
            model = onnx.load(path)
            onnx.checker.check_model(model, full_check=True)
            back = show(args.duet, path, 2)
            shape = ort_shape(model, 2)
            want = [direct["batch"]] + direct["layers"][-1]["output_shape"]
            out["exports"].append({"network": "gap-ops", "weights": weights[0], "macs": direct["totals"]["macs"],
                                   "params": direct["totals"]["params"], "layers": len(direct["layers"]),
                                   "reimport_equal": (back["totals"]["macs"], back["totals"]["params"], len(back["layers"])) ==
                                                     (direct["totals"]["macs"], direct["totals"]["params"], len(direct["layers"])),
                                   "ort_output_shape": shape, "duet_output_shape": want, "ort_shape_ok": shape == want,
                                   "bytes": os.path.getsize(path)})

        # Bad input: each must exit 2 naming the node.
        x5 = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 16, 16])
        w5 = helper.make_tensor("w", TensorProto.FLOAT, [8, 3, 3, 3, 3], np.zeros(8 * 81, dtype=np.float32))
        conv3d = helper.make_model(helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"], name="conv3d")], "c3d", [x5],
                                                     [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [w5]),
                                   opset_imports=[helper.make_opsetid("", 17)])
        xm = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])
        km = helper.make_tensor_value_info("keep", TensorProto.BOOL, [1, 1, 1, 4])
        zero = helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0])
        where = helper.make_model(helper.make_graph([helper.make_node("Where", ["keep", "x", "zero"], ["y"], name="padding_mask")], "w",
                                                    [xm, km], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [zero]),
                                  opset_imports=[helper.make_opsetid("", 17)])
        for label, m in [("conv3d", conv3d), ("runtime_where", where)]:
            path = os.path.join(d, label + ".onnx")
            onnx.save(m, path)
            r = run(args.duet, ["network", "show", path])
            out["bad_input"].append({"case": label, "exit": r.returncode, "stderr": r.stderr.strip().replace(d + "/", "")})
    with open(os.path.join(here, "gaps.json"), "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
