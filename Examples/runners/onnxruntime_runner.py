#!/usr/bin/env python3
"""Measures one operator (or a whole ONNX model) with onnxruntime on this CPU: a runner for
`duet table generate --runner`.

Protocol: reads one JSON object on stdin and prints {"latency_ms", "std_ms", "runs"} (milliseconds).
  - an operator description from duet ({"kind", "input": [H, W, C], "output", "kernel", "stride",
    "groups", "expand", "se", "idskip", "act", "operands", "precision"}): the operator is built with
    the `onnx` package (NCHW, batch 1, fp32, seeded random weights; BatchNorm is folded into the
    convolution as a runtime would), its output shape is checked against "output", and it is timed;
  - {"onnx_file": PATH}: the whole model in that file is timed (for comparing a table's sums with
    whole networks);
  - {"graph": [op, op, ...]}: a chain of operator descriptions built as one model (each one's first
    input is the previous one's output; an add's other operands are further inputs) and timed, for
    `duet table detect-rules`.

Kinds built (every kind `duet table generate` emits for nb201, fbnet and ofa-mbv3, with or without
the inverted_residual fusion rule, plus the other kinds Duet's lowering names):
  conv (any groups; depthwise when groups = channels) [+ act], dense [+ act], pool_avg, pool_max,
  gpool_avg, gpool_max, add / mul with `operands` inputs [+ act], act (standalone), bn, zero /
  other_zero (x * 0), concat (channel axis, `operands` equal parts), softmax,
  other_channel_shuffle (Reshape-Transpose-Reshape, FBNet's _g2 blocks),
  se (squeeze-excite: global average pool, 1x1 conv C->R + ReLU, 1x1 conv R->C, gate `act`, Mul;
     R = make_divisible(C // 4, 8) as once-for-all's SE module),
  mbconv (fused inverted-residual block: [1x1 conv Cin->E + act], kxk depthwise conv E->E stride s
     + act, [squeeze-excite on E channels, hard-sigmoid gate], 1x1 conv E->Cout (linear),
     [Add of the block input when idskip]; `expand` E is the number of middle channels).
Activations: relu, relu6, hswish, hsigmoid, sigmoid, swish, tanh, gelu, leaky_relu, elu, selu,
softplus (the ONNX forms Duet's exporter writes).

The signature does not say whether an mbconv with E = Cin has a 1x1 expand convolution: in
once-for-all's keys an expand ratio of 1 has none (OFA's first block), in FBNet's k*_e1 blocks
there is one. --mbconv-expand-conv picks: `auto` (default; a 1x1 expand conv iff E != Cin, OFA's
convention), `always`, `never`. Likewise the channel-shuffle signature carries no group count:
--shuffle-groups N (default 2, FBNet's only value).

Options: --runs N (timed runs, default 50), --warmup N (default 10), --threads N (default 1),
--net-of-overhead 1|0 (default 1: subtract the time of one session.run on an Identity graph from an
operator's time: a whole network pays that call overhead once, not once per operator; 0 keeps it),
--mbconv-expand-conv auto|always|never, --shuffle-groups N,
--graph-optimization all|extended|basic|disable (onnxruntime's graph optimization level, default all:
its fusions, e.g. Conv+BatchNorm and Conv+activation, are what `duet table detect-rules` finds),
--iobinding 1 (bind inputs once and leave outputs in onnxruntime's memory: no per-run copy of the
output into numpy, which a network does not pay per operator; with --net-of-overhead 1 the
subtracted call is then an Identity of one element).
Errors (unknown kind or option, inconsistent shapes, a precision other than fp32) exit with
status 2 and one line on stderr saying what is wrong.
Needs `pip install onnx onnxruntime numpy`. The functions `build(op, options)` and `macs(model)`
can be imported (docs/validation/tables/host_fbnet_ops.py checks MAC counts with them).
"""
import json
import statistics
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper, shape_inference

OPSET = 17
ACTIVATIONS = ("none", "relu", "relu6", "hswish", "hsigmoid", "sigmoid", "swish", "tanh", "gelu", "leaky_relu", "elu",
               "selu", "softplus")
DEFAULTS = {"runs": 50, "warmup": 10, "threads": 1, "net-of-overhead": 1, "mbconv-expand-conv": "auto", "shuffle-groups": 2,
            "iobinding": 0, "graph-optimization": "all"}
OPTIMIZATION_LEVELS = ("all", "extended", "basic", "disable")


class RunnerError(Exception):
    """Bad input: reported on stderr with exit status 2."""


def make_divisible(v, divisor=8, min_value=None):
    """once-for-all's make_divisible (also Duet's makeDivisible)."""
    m = divisor if min_value is None else min_value
    new_v = max(m, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def se_channels(c):
    """Reduced channels of a squeeze-excite on c channels (OFA: make_divisible(c // 4, 8))."""
    return make_divisible(c // 4, 8)


class Graph:
    """A small ONNX graph builder with seeded random weights."""

    def __init__(self, seed=0):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.inputs, self.feeds = [], [], [], {}
        self.n = 0

    def name(self, p):
        self.n += 1
        return f"{p}{self.n}"

    def const(self, arr, p="w"):
        n = self.name(p)
        self.inits.append(numpy_helper.from_array(np.asarray(arr, np.float32), n))
        return n

    def weight(self, shape, fan_in):
        return self.const(self.rng.standard_normal(shape).astype(np.float32) / np.sqrt(max(fan_in, 1)))

    def input(self, shape, n=None):
        n = n or self.name("x")
        self.inputs.append(helper.make_tensor_value_info(n, TensorProto.FLOAT, shape))
        self.feeds[n] = self.rng.standard_normal(shape).astype(np.float32)
        return n

    def node(self, op, ins, **attrs):
        out = self.name(op.lower() + "_")
        self.nodes.append(helper.make_node(op, ins, [out], **attrs))
        return out

    def act(self, act, x):
        if act in (None, "none"):
            return x
        if act == "relu":
            return self.node("Relu", [x])
        if act == "relu6":
            return self.node("Clip", [x, self.const(0, "c"), self.const(6, "c")])
        if act == "hswish":
            return self.node("HardSwish", [x])
        if act == "hsigmoid":
            return self.node("HardSigmoid", [x], alpha=1.0 / 6, beta=0.5)
        if act == "sigmoid":
            return self.node("Sigmoid", [x])
        if act == "swish":
            return self.node("Mul", [x, self.node("Sigmoid", [x])])
        if act == "tanh":
            return self.node("Tanh", [x])
        if act == "gelu":
            d = self.node("Div", [x, self.const(np.sqrt(2.0), "c")])
            e = self.node("Add", [self.node("Erf", [d]), self.const(1, "c")])
            return self.node("Mul", [self.node("Mul", [x, e]), self.const(0.5, "c")])
        if act == "leaky_relu":
            return self.node("LeakyRelu", [x], alpha=0.01)
        if act == "elu":
            return self.node("Elu", [x], alpha=1.0)
        if act == "selu":
            return self.node("Selu", [x])
        if act == "softplus":
            return self.node("Softplus", [x])
        raise RunnerError(f"unsupported activation '{act}' (known: {', '.join(ACTIVATIONS)})")

    def conv(self, x, cin, cout, k, s, g, hw_in, hw_out, act="none"):
        """Conv (BatchNorm folded into its bias) + activation; pads chosen to give hw_out."""
        if g < 1 or cin % g or cout % g:
            raise RunnerError(f"groups {g} must divide the input ({cin}) and output ({cout}) channels")
        w = self.weight((cout, cin // g, k, k), cin // g * k * k)
        b = self.const(np.zeros(cout, np.float32), "b")
        pads = pads_for(hw_in, hw_out, k, s)
        y = self.node("Conv", [x, w, b], kernel_shape=[k, k], strides=[s, s], pads=pads, group=g)
        return self.act(act, y)

    def se(self, x, c, gate="hsigmoid"):
        r = se_channels(c)
        p = self.node("GlobalAveragePool", [x])
        f1 = self.node("Relu", [self.node("Conv", [p, self.weight((r, c, 1, 1), c), self.const(np.zeros(r), "b")], kernel_shape=[1, 1])])
        f2 = self.node("Conv", [f1, self.weight((c, r, 1, 1), r), self.const(np.zeros(c), "b")], kernel_shape=[1, 1])
        if gate not in ("hsigmoid", "sigmoid"):
            raise RunnerError(f"a squeeze-excite gate is hsigmoid or sigmoid, not '{gate}'")
        return self.node("Mul", [x, self.act(gate, f2)])

    def model(self, out):
        graph = helper.make_graph(self.nodes, "op", self.inputs, [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)], self.inits)
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def pads_for(hw_in, hw_out, k, s):
    """ONNX pads [top, left, bottom, right] giving hw_out from hw_in: symmetric (k-1)/2 (Duet's
    default), else none (valid), else the least padding that fits."""
    pads = []
    for i, o in zip(hw_in, hw_out):
        for p0, p1 in (((k - 1) // 2, (k - 1) // 2), (0, 0)):
            if (i + p0 + p1 - k) // s + 1 == o and i + p0 + p1 >= k:
                break
        else:
            total = max(0, (o - 1) * s + k - i)
            p0, p1 = total // 2, total - total // 2
            if (i + total - k) // s + 1 != o:
                raise RunnerError(f"a {k}x{k}/{s} window cannot map {hw_in[0]}x{hw_in[1]} to {hw_out[0]}x{hw_out[1]}")
        pads.append((p0, p1))
    return [pads[0][0], pads[1][0], pads[0][1], pads[1][1]]


def nchw(shape):
    return [1, shape[2], shape[0], shape[1]] if len(shape) == 3 else [1] + list(shape)


def need(cond, msg):
    if not cond:
        raise RunnerError(msg)


def build(op, options=None):
    """The ONNX model of one operator description and its feeds."""
    return build_graph([op], options)


def build_graph(ops, options=None):
    """The ONNX model of a chain of operator descriptions (each one's first input is the previous
    one's output; extra operands of an add are further graph inputs) and its feeds."""
    o = dict(DEFAULTS, **(options or {}))
    need(isinstance(ops, list) and ops and all(isinstance(op, dict) for op in ops), "'graph' must be a non-empty list of operator descriptions")
    G = Graph(seed=0)
    x, prev = None, None
    for i, op in enumerate(ops):
        if prev is not None:
            need(list(op.get("input", [])) == prev, f"graph[{i}] takes input {op.get('input')}, but graph[{i - 1}] gives {prev}")
        x, outp, kind = add_op(G, x, op, o)
        prev = outp
    model = G.model(x)
    check_output(model, prev, kind)
    return model, G.feeds


def add_op(G, x, op, o):
    """Adds one operator to G fed by tensor x (None: a new graph input "x"); returns its output
    tensor, its output shape and its kind."""
    for f in ("kind", "input", "output"):
        need(f in op, f"the operator description lacks '{f}'")
    kind, act = op["kind"], op.get("act", "none") or "none"
    inp, outp = list(op["input"]), list(op["output"])
    need(all(isinstance(d, int) and d > 0 for d in inp + outp) and inp and outp, f"bad shapes: input {inp}, output {outp}")
    prec = op.get("precision", "fp32")
    need(prec == "fp32", f"this runner measures fp32 operators only, not '{prec}'")
    k, s, g = int(op.get("kernel", 0) or 0), int(op.get("stride", 0) or 0), int(op.get("groups", 0) or 0)
    operands = int(op.get("operands", 1) or 1)
    if x is None:
        x = G.input(nchw(inp), "x")
    spatial = len(inp) == 3
    if kind in ("conv", "pool_avg", "pool_max", "mbconv", "se", "act", "bn", "add", "mul", "zero", "other_zero", "gpool_avg",
                "gpool_max", "concat", "other_channel_shuffle"):
        need(spatial, f"a '{kind}' operator needs an H x W x C input, got {inp}")
    if kind == "conv":
        need(k >= 1 and s >= 1 and g >= 1 and len(outp) == 3, f"a conv needs kernel, stride, groups >= 1 and an H x W x C output")
        y = G.conv(x, inp[2], outp[2], k, s, g, inp[:2], outp[:2], act)
    elif kind == "dense":
        fi = int(np.prod(inp))
        fo = int(np.prod(outp))
        if spatial:
            x = G.node("Flatten", [x], axis=1)
        y = G.act(act, G.node("Gemm", [x, G.weight((fi, fo), fi), G.const(np.zeros(fo), "b")]))
    elif kind in ("pool_avg", "pool_max"):
        need(k >= 1 and s >= 1, "a pool needs kernel and stride >= 1")
        need(inp[2] == outp[2], f"a pool keeps channels: {inp} -> {outp}")
        attrs = {"count_include_pad": 0} if kind == "pool_avg" else {}
        y = G.node("AveragePool" if kind == "pool_avg" else "MaxPool", [x], kernel_shape=[k, k], strides=[s, s],
                   pads=pads_for(inp[:2], outp[:2], k, s), **attrs)
    elif kind in ("gpool_avg", "gpool_max"):
        y = G.node("GlobalAveragePool" if kind == "gpool_avg" else "GlobalMaxPool", [x])
    elif kind in ("add", "mul"):
        need(operands >= 2, f"an '{kind}' needs at least 2 operands, got {operands}")
        cur = x
        for _ in range(operands - 1):
            cur = G.node("Add" if kind == "add" else "Mul", [cur, G.input(nchw(inp))])
        y = G.act(act, cur)
    elif kind in ("zero", "other_zero"):
        y = G.node("Mul", [x, G.const(0, "z")])
    elif kind == "act":
        need(act != "none", "a standalone 'act' operator needs an activation")
        y = G.act(act, x)
    elif kind == "bn":
        c = inp[2]
        y = G.node("Add", [G.node("Mul", [x, G.const(np.ones((1, c, 1, 1)), "sc")]), G.const(np.zeros((1, c, 1, 1)), "sh")])
    elif kind == "se":
        need(inp == outp, f"a squeeze-excite keeps its shape: {inp} -> {outp}")
        y = G.se(x, inp[2], act if act != "none" else "hsigmoid")
    elif kind == "mbconv":
        e = int(op.get("expand", 0) or 0)
        need(k >= 1 and s >= 1 and e >= 1 and len(outp) == 3, "an mbconv needs kernel, stride and expand (middle channels) >= 1")
        mode = o["mbconv-expand-conv"]
        has_expand = {"auto": e != inp[2], "always": True, "never": False}[mode]
        need(has_expand or e == inp[2], f"without an expand conv the middle channels ({e}) are the input channels ({inp[2]})")
        cur = x
        if has_expand:
            cur = G.conv(cur, inp[2], e, 1, 1, 1, inp[:2], inp[:2], act)
        cur = G.conv(cur, e, e, k, s, e, inp[:2], outp[:2], act)
        if op.get("se"):
            cur = G.se(cur, e, "hsigmoid")
        cur = G.conv(cur, e, outp[2], 1, 1, 1, outp[:2], outp[:2], "none")
        if op.get("idskip"):
            need(inp == outp, f"an identity skip needs equal input and output shapes: {inp} -> {outp}")
            cur = G.node("Add", [cur, x])
        y = cur
    elif kind == "concat":
        need(operands >= 1 and outp[2] % operands == 0 and inp[2] * operands == outp[2],
             f"concat of {operands} equal parts: {inp} x {operands} must give {outp}")
        y = G.node("Concat", [x] + [G.input(nchw(inp)) for _ in range(operands - 1)], axis=1)
    elif kind == "softmax":
        y = G.node("Softmax", [x], axis=-1)
    elif kind == "other_channel_shuffle":
        gs = int(o["shuffle-groups"])
        c, h, w = inp[2], inp[0], inp[1]
        need(gs >= 1 and c % gs == 0, f"--shuffle-groups {gs} must divide the {c} channels")
        a = G.node("Reshape", [x, G_int(G, [1, gs, c // gs, h, w])])
        t = G.node("Transpose", [a], perm=[0, 2, 1, 3, 4])
        y = G.node("Reshape", [t, G_int(G, [1, c, h, w])])
    else:
        raise RunnerError(f"the onnxruntime runner does not build '{kind}' operators")
    return y, outp, kind


def G_int(G, values):
    n = G.name("shape")
    G.inits.append(numpy_helper.from_array(np.asarray(values, np.int64), n))
    return n


def check_output(model, outp, kind):
    """The built model's output shape must be the signature's output (N C H W or N F)."""
    inferred = shape_inference.infer_shapes(model, strict_mode=True)
    t = inferred.graph.output[0].type.tensor_type
    dims = [d.dim_value for d in t.shape.dim]
    want = nchw(outp)
    if dims != want:
        raise RunnerError(f"the built '{kind}' operator gives shape {dims}, the description says {want}")


def macs(model):
    """Multiply-accumulates of the Conv and Gemm nodes of `model` (after shape inference)."""
    m = shape_inference.infer_shapes(model)
    shapes = {}
    for v in list(m.graph.input) + list(m.graph.value_info) + list(m.graph.output):
        shapes[v.name] = [d.dim_value for d in v.type.tensor_type.shape.dim]
    inits = {i.name: list(i.dims) for i in m.graph.initializer}
    total = 0
    for n in m.graph.node:
        if n.op_type == "Conv":
            w = inits[n.input[1]]
            out = shapes[n.output[0]]
            total += int(np.prod(out)) * int(np.prod(w[1:]))
        elif n.op_type == "Gemm":
            w = inits[n.input[1]]
            total += w[0] * w[1]
    return total


def session(model_bytes, threads, optimization="all"):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.graph_optimization_level = {"all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL, "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                                   "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
                                   "disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL}[optimization]
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    return ort.InferenceSession(model_bytes, so, providers=["CPUExecutionProvider"])


def parse_options(args):
    opts = {}
    if len(args) % 2:
        raise RunnerError(f"options come in pairs (--name value): {' '.join(args)}")
    for i in range(0, len(args), 2):
        name, value = args[i], args[i + 1]
        key = name[2:] if name.startswith("--") else None
        if key not in DEFAULTS:
            raise RunnerError(f"unknown option '{name}' (known: {', '.join('--' + k for k in DEFAULTS)})")
        if key == "graph-optimization":
            if value not in OPTIMIZATION_LEVELS:
                raise RunnerError(f"--graph-optimization is {', '.join(OPTIMIZATION_LEVELS)}, not '{value}'")
            opts[key] = value
        elif key == "mbconv-expand-conv":
            if value not in ("auto", "always", "never"):
                raise RunnerError(f"--mbconv-expand-conv is auto, always or never, not '{value}'")
            opts[key] = value
        else:
            try:
                opts[key] = int(value)
            except ValueError:
                raise RunnerError(f"{name} needs an integer, not '{value}'")
            low = 0 if key in ("net-of-overhead", "iobinding") else 1
            if opts[key] < low or (low == 0 and opts[key] > 1):
                raise RunnerError(f"{name} must be " + ("0 or 1" if low == 0 else "at least 1"))
    return dict(DEFAULTS, **opts)


def timed(sess, feeds, runs, warmup, iobinding=False):
    """Mean and spread (ms) of session runs, the slowest 20 % dropped. With iobinding the inputs
    are bound once and the outputs stay in onnxruntime's memory (no copy into numpy per run)."""
    if iobinding:
        b = sess.io_binding()
        for n, v in feeds.items():
            b.bind_cpu_input(n, v)
        for out in sess.get_outputs():
            b.bind_output(out.name, "cpu")
        call = lambda: sess.run_with_iobinding(b)
    else:
        call = lambda: sess.run(None, feeds)
    for _ in range(warmup):
        call()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        call()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    kept = times[: max(1, int(len(times) * 0.8))]  # drop the slowest 20% (interference on a shared machine)
    return statistics.mean(kept), statistics.pstdev(kept), len(kept)


def run(req, o):
    import onnxruntime as ort
    ort.set_default_logger_severity(3)
    if "onnx_file" in req:
        sess = session(open(req["onnx_file"], "rb").read(), o["threads"], o["graph-optimization"])
        rng = np.random.default_rng(0)
        feeds = {}
        for i in sess.get_inputs():
            shape = [d if isinstance(d, int) else 1 for d in i.shape]
            feeds[i.name] = rng.standard_normal(shape).astype(np.float32)
    else:
        model, feeds = build_graph(req["graph"], o) if "graph" in req else build(req, o)
        sess = session(model.SerializeToString(), o["threads"], o["graph-optimization"])
    io = o["iobinding"] == 1
    latency, std, n = timed(sess, feeds, o["runs"], o["warmup"], io)
    if o["net-of-overhead"] == 1 and "onnx_file" not in req:
        # Subtract the cost of one session.run on a trivial graph (call overhead, input binding),
        # which a whole network pays once, not once per operator: an Identity of the operator's
        # input, or with --iobinding 1 (no output copies to subtract) of a one-element tensor.
        shape = [1] if io else list(feeds["x"].shape)
        g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "id",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
        empty = session(helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)]).SerializeToString(), o["threads"], o["graph-optimization"])
        base, _, _ = timed(empty, {"x": feeds["x"] if not io else np.zeros(1, np.float32)}, o["runs"], o["warmup"], io)
        latency = max(latency - base, 0.0)
    return {"latency_ms": latency, "std_ms": std, "runs": n}


def main():
    try:
        o = parse_options(sys.argv[1:])
        text = sys.stdin.read()
        try:
            req = json.loads(text)
        except json.JSONDecodeError as e:
            raise RunnerError(f"stdin is not JSON ({e}): {text[:80]!r}")
        if not isinstance(req, dict):
            raise RunnerError("stdin must hold one JSON object")
        print(json.dumps(run(req, o)))
    except RunnerError as e:
        print(f"onnxruntime_runner: error: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
