#!/usr/bin/env python3
"""Measures one operator (or a whole ONNX model) with onnxruntime on this CPU: a runner for
`duet table generate --runner`.

Protocol: reads one JSON object on stdin and prints {"latency_ms", "std_ms", "runs"} (milliseconds).
  - an operator description from duet ({"kind", "input": [H, W, C], "output", "kernel", "stride",
    "groups", "act", "operands", ...}): the operator is built with the `onnx` package (NCHW,
    batch 1, fp32, random weights; BatchNorm is folded into the convolution as a runtime would)
    and timed;
  - {"onnx_file": PATH}: the whole model in that file is timed (for comparing a table's sums with
    whole networks).
Options: --runs N (timed runs, default 50), --warmup N (default 10), --threads N (default 1),
--net-of-overhead 1 (subtract the time of one session.run on an Identity graph from an operator's
time: a whole network pays that call overhead once, not once per operator).
Needs `pip install onnx onnxruntime numpy`.
"""
import json
import statistics
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper


def act_nodes(act, x, y, nodes):
    if act in (None, "none"):
        return x
    if act == "relu":
        nodes.append(helper.make_node("Relu", [x], [y]))
    elif act == "relu6":
        nodes.append(helper.make_node("Clip", [x, "c0", "c6"], [y]))
    elif act == "hswish":
        nodes.append(helper.make_node("HardSwish", [x], [y]))
    elif act in ("hsigmoid", "sigmoid"):
        nodes.append(helper.make_node("HardSigmoid" if act == "hsigmoid" else "Sigmoid", [x], [y]))
    else:
        raise ValueError(f"unsupported activation {act}")
    return y


def nchw(shape):
    return [1, shape[2], shape[0], shape[1]] if len(shape) == 3 else [1, shape[0]]


def build(op):
    rng = np.random.default_rng(0)
    kind, act = op["kind"], op.get("act", "none")
    inits = [numpy_helper.from_array(np.array(0, np.float32), "c0"), numpy_helper.from_array(np.array(6, np.float32), "c6")]
    nodes, inputs = [], [helper.make_tensor_value_info("x", TensorProto.FLOAT, nchw(op["input"]))]
    feeds = {"x": rng.standard_normal(nchw(op["input"])).astype(np.float32)}
    if kind == "conv":
        cin, cout, k, s, g = op["input"][2], op["output"][2], op["kernel"], op["stride"], op["groups"]
        w = rng.standard_normal((cout, cin // g, k, k)).astype(np.float32) * 0.1
        inits += [numpy_helper.from_array(w, "w"), numpy_helper.from_array(np.zeros(cout, np.float32), "b")]
        pad = (k - 1) // 2
        if op["input"][0] == op["output"][0] * s or s == 1:
            pads = [pad] * 4
        else:
            pads = [0] * 4
        nodes.append(helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[k, k], strides=[s, s], pads=pads, group=g))
        out = act_nodes(act, "c", "y", nodes)
    elif kind == "dense":
        fi, fo = op["input"][0], op["output"][0]
        inits += [numpy_helper.from_array(rng.standard_normal((fi, fo)).astype(np.float32), "w"),
                  numpy_helper.from_array(np.zeros(fo, np.float32), "b")]
        nodes.append(helper.make_node("Gemm", ["x", "w", "b"], ["c"]))
        out = act_nodes(act, "c", "y", nodes)
    elif kind in ("pool_avg", "pool_max"):
        k, s = op["kernel"], op["stride"]
        pad = [(k - 1) // 2] * 4 if op["input"][0] == op["output"][0] else [0] * 4
        attrs = {"count_include_pad": 0} if kind == "pool_avg" else {}
        nodes.append(helper.make_node("AveragePool" if kind == "pool_avg" else "MaxPool", ["x"], ["y"], kernel_shape=[k, k],
                                      strides=[s, s], pads=pad, **attrs))
        out = "y"
    elif kind in ("gpool_avg", "gpool_max"):
        nodes.append(helper.make_node("GlobalAveragePool" if kind == "gpool_avg" else "GlobalMaxPool", ["x"], ["y"]))
        out = "y"
    elif kind in ("add", "mul"):
        names = ["x"] + [f"x{i}" for i in range(1, op.get("operands", 2))]
        for n in names[1:]:
            inputs.append(helper.make_tensor_value_info(n, TensorProto.FLOAT, nchw(op["input"])))
            feeds[n] = rng.standard_normal(nchw(op["input"])).astype(np.float32)
        cur = names[0]
        for i, n in enumerate(names[1:]):
            nodes.append(helper.make_node("Add" if kind == "add" else "Mul", [cur, n], [f"s{i}"]))
            cur = f"s{i}"
        out = act_nodes(act, cur, "y", nodes)
    elif kind in ("zero", "other_zero"):
        inits.append(numpy_helper.from_array(np.array(0, np.float32), "z"))
        nodes.append(helper.make_node("Mul", ["x", "z"], ["y"]))
        out = "y"
    elif kind == "act":
        out = act_nodes(act, "x", "y", nodes)
    elif kind == "bn":
        c = op["input"][2]
        inits += [numpy_helper.from_array(np.ones((1, c, 1, 1), np.float32), "sc"), numpy_helper.from_array(np.zeros((1, c, 1, 1), np.float32), "sh")]
        nodes += [helper.make_node("Mul", ["x", "sc"], ["m"]), helper.make_node("Add", ["m", "sh"], ["y"])]
        out = "y"
    else:
        raise ValueError(f"the onnxruntime runner does not build '{kind}' operators")
    graph = helper.make_graph(nodes, "op", inputs, [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return model.SerializeToString(), feeds


def session(model_bytes, threads):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    return ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])


def main():
    ort.set_default_logger_severity(3)
    args = sys.argv[1:]
    flags = {args[i]: int(args[i + 1]) for i in range(0, len(args) - 1, 2)}
    runs, warmup, threads = flags.get("--runs", 50), flags.get("--warmup", 10), flags.get("--threads", 1)
    net_of_overhead = flags.get("--net-of-overhead", 0) == 1
    req = json.loads(sys.stdin.read())
    if "onnx_file" in req:
        sess = session(open(req["onnx_file"], "rb").read(), threads)
        rng = np.random.default_rng(0)
        feeds = {}
        for i in sess.get_inputs():
            shape = [d if isinstance(d, int) else 1 for d in i.shape]
            feeds[i.name] = rng.standard_normal(shape).astype(np.float32)
    else:
        model, feeds = build(req)
        sess = session(model, threads)
    latency, std, n = timed(sess, feeds, runs, warmup)
    if net_of_overhead and "onnx_file" not in req:
        # Subtract the cost of one session.run on a trivial graph of the same input (call
        # overhead, input binding), which a whole network pays once, not once per operator.
        g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "id",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(feeds["x"].shape))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
        empty = session(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString(), threads)
        base, _, _ = timed(empty, {"x": feeds["x"]}, runs, warmup)
        latency = max(latency - base, 0.0)
    print(json.dumps({"latency_ms": latency, "std_ms": std, "runs": n}))


def timed(sess, feeds, runs, warmup):
    for _ in range(warmup):
        sess.run(None, feeds)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        sess.run(None, feeds)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    kept = times[: max(1, int(len(times) * 0.8))]  # drop the slowest 20% (interference on a shared machine)
    return statistics.mean(kept), statistics.pstdev(kept), len(kept)


if __name__ == "__main__":
    main()
