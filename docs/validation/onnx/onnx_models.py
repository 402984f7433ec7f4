"""Shared helpers for Duet's ONNX validation: small models built with the `onnx` package the way
torch.onnx writes them, MAC/parameter counts by hand from ONNX shape inference, and loading of
models whose weights live in missing external files."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper, shape_inference


def materialize(model):
    """Copy of `model` whose external or empty initializers hold zeros (for onnxruntime and onnx-tool)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for t in m.graph.initializer:
        if t.data_location == TensorProto.EXTERNAL or (not t.raw_data and not t.float_data and not t.int64_data and not t.int32_data):
            dtype = helper.tensor_dtype_to_np_dtype(t.data_type)
            z = numpy_helper.from_array(np.zeros(list(t.dims), dtype=dtype), t.name)
            t.CopyFrom(z)
    return m


def shapes_of(model):
    """Every value's shape (ints; None for unknown) after ONNX shape inference."""
    inferred = shape_inference.infer_shapes(model, data_prop=True)
    out = {}
    for vi in list(inferred.graph.input) + list(inferred.graph.value_info) + list(inferred.graph.output):
        dims = [d.dim_value if d.HasField("dim_value") else None for d in vi.type.tensor_type.shape.dim]
        out[vi.name] = dims
    for t in model.graph.initializer:
        out[t.name] = list(t.dims)
    return out


def prod(xs):
    p = 1
    for x in xs:
        p *= x
    return p


def hand_counts(model, batch=1):
    """Per-node MACs and trainable parameters counted by hand, frameworks' convention:
    Conv/ConvTranspose/Gemm/MatMul MACs = output elements x reduction length; parameters = weights
    + bias; BatchNormalization 2C (scale, shift; running stats are not trainable) added to the
    Conv that feeds it; LayerNormalization 2F. Returns {node name: (macs, params)}."""
    # Fix a dynamic batch before inference.
    m = onnx.ModelProto()
    m.CopyFrom(model)
    inits = {t.name for t in m.graph.initializer}
    for vi in m.graph.input:
        if vi.name in inits:
            continue
        d = vi.type.tensor_type.shape.dim
        if d and not d[0].HasField("dim_value"):
            d[0].dim_value = batch
    s = shapes_of(m)
    producer = {o: n for n in m.graph.node for o in n.output}
    counts = {}
    for n in m.graph.node:
        macs = params = 0
        if n.op_type in ("Conv", "ConvTranspose"):
            w = s[n.input[1]]
            if n.op_type == "Conv":
                macs = prod(s[n.output[0]]) * prod(w[1:])
            else:
                x = s[n.input[0]]
                macs = prod(x) * prod(w[1:])
            params = prod(w) + (prod(s[n.input[2]]) if len(n.input) > 2 and n.input[2] else 0)
        elif n.op_type == "Gemm":
            w = s[n.input[1]]
            trans_b = next((a.i for a in n.attribute if a.name == "transB"), 0)
            k = w[1] if trans_b else w[0]
            macs = prod(s[n.output[0]]) * k
            params = prod(w) + (prod(s[n.input[2]]) if len(n.input) > 2 and n.input[2] else 0)
        elif n.op_type == "MatMul":
            a = s[n.input[0]]
            macs = prod(s[n.output[0]]) * a[-1]
            params = prod(s[n.input[1]]) if n.input[1] in inits else 0
        elif n.op_type == "Add" and any(i in inits for i in n.input):
            # A bias after MatMul, or a learned positional embedding.
            c = next(i for i in n.input if i in inits)
            p = producer.get(next((i for i in n.input if i not in inits), ""))
            if (p is not None and p.op_type == "MatMul") or prod(s[c]) > 1:
                params = prod(s[c])
        elif n.op_type == "BatchNormalization":
            c = s[n.input[1]][0]
            p = producer.get(n.input[0])
            if p is not None and p.op_type in ("Conv", "ConvTranspose") and p.name in counts:
                pm, pp = counts[p.name]
                counts[p.name] = (pm, pp + 2 * c)
                continue
            params = 2 * c
        elif n.op_type == "PRelu":
            params = prod(s[n.input[1]])
        elif n.op_type == "LayerNormalization":
            params = 2 * s[n.input[0]][-1]
        elif n.op_type == "Gather" and n.input[0] in inits:
            params = prod(s[n.input[0]])
        elif n.op_type == "Expand" and n.input[0] in inits:
            params = prod(s[n.input[0]])
        counts[n.name] = (macs, params)
    return counts


def _w(name, dims, inits, external):
    t = helper.make_tensor(name, TensorProto.FLOAT, dims, np.zeros(prod(dims), dtype=np.float32).tobytes(), raw=True)
    if external:
        t.ClearField("raw_data")
        t.data_location = TensorProto.EXTERNAL
        e = t.external_data.add(); e.key = "location"; e.value = "weights.bin"
        e = t.external_data.add(); e.key = "length"; e.value = str(4 * prod(dims))
    inits.append(t)
    return name


def mbv3_block(external=False, opset=14):
    """A torchvision MobileNetV3 inverted residual with squeeze-excite: 1x1 expand + BN + HardSwish,
    5x5 depthwise + BN + HardSwish, SE (GAP, 1x1 conv + ReLU, 1x1 conv + HardSigmoid, Mul),
    1x1 project + BN, residual Add; then a classifier head. Dynamic batch 'N'."""
    nodes, inits = [], []
    def conv(name, x, cin, cout, k, stride=1, groups=1, bn=True, act=None, bias=False):
        ins = [x, _w(name + ".weight", [cout, cin // groups, k, k], inits, external)]
        if bias:
            ins.append(_w(name + ".bias", [cout], inits, external))
        out = name + "_out"
        nodes.append(helper.make_node("Conv", ins, [out], name=name, kernel_shape=[k, k], strides=[stride, stride],
                                      pads=[k // 2] * 4, group=groups))
        if bn:
            bns = [_w(f"{name}.bn.{p}", [cout], inits, external) for p in ("weight", "bias", "mean", "var")]
            nodes.append(helper.make_node("BatchNormalization", [out] + bns, [name + "_bn"], name=name + "_bn"))
            out = name + "_bn"
        if act == "HardSwish" and opset < 14:
            # Before opset 14 torch.onnx writes hardswish as x * HardSigmoid(x).
            nodes.append(helper.make_node("HardSigmoid", [out], [name + "_hs"], name=name + "_act", alpha=1.0 / 6, beta=0.5))
            nodes.append(helper.make_node("Mul", [out, name + "_hs"], [name + "_act"], name=name + "_act_mul"))
            out = name + "_act"
        elif act:
            nodes.append(helper.make_node(act, [out], [name + "_act"], name=name + "_act"))
            out = name + "_act"
        return out
    x = conv("stem", "x", 3, 16, 3, stride=2, act="HardSwish")
    e = conv("expand", x, 16, 64, 1, act="HardSwish")
    d = conv("dw", e, 64, 64, 5, groups=64, act="HardSwish")
    nodes.append(helper.make_node("GlobalAveragePool", [d], ["se_pool"], name="se_pool"))
    f1 = conv("se_fc1", "se_pool", 64, 16, 1, bn=False, act="Relu", bias=True)
    f2 = conv("se_fc2", f1, 16, 64, 1, bn=False, bias=True)
    nodes.append(helper.make_node("HardSigmoid", [f2], ["se_gate"], name="se_gate", alpha=1.0 / 6, beta=0.5))
    nodes.append(helper.make_node("Mul", [d, "se_gate"], ["se_out"], name="se_scale"))
    p = conv("project", "se_out", 64, 16, 1)
    nodes.append(helper.make_node("Add", [p, x], ["res"], name="residual"))
    nodes.append(helper.make_node("GlobalAveragePool", ["res"], ["gap"], name="gap"))
    nodes.append(helper.make_node("Flatten", ["gap"], ["flat"], name="flatten", axis=1))
    nodes.append(helper.make_node("Gemm", ["flat", _w("fc.weight", [10, 16], inits, external), _w("fc.bias", [10], inits, external)],
                                  ["y"], name="fc", transB=1))
    g = helper.make_graph(nodes, "mbv3_block", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 64, 64])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="duet-validation")


def vit_block(external=False, opset=17, t=16, d=32, heads=4):
    """A ViT encoder as torch.onnx writes it (opset 17): patch embedding Conv, Reshape/Transpose to
    tokens, class token via Expand + Concat, positional embedding Add, pre-norm attention with the
    head split computed from Shape/Gather/Concat, 1/sqrt(d) scaling, Softmax, GELU as Div/Erf/Add/Mul/Mul."""
    nodes, inits = [], []
    hd = d // heads
    def const(name, values):
        inits.append(numpy_helper.from_array(np.array(values, dtype=np.int64), name))
        return name
    def scalar(name, v):
        inits.append(numpy_helper.from_array(np.array(v, dtype=np.float32), name))
        return name
    def dense(name, x, fin, fout):
        nodes.append(helper.make_node("MatMul", [x, _w(name + ".weight", [fin, fout], inits, external)], [name + "_mm"], name=name))
        nodes.append(helper.make_node("Add", [name + "_mm", _w(name + ".bias", [fout], inits, external)], [name + "_out"], name=name + "_bias"))
        return name + "_out"
    side = int(round(t ** 0.5))
    nodes.append(helper.make_node("Conv", ["x", _w("patch.weight", [d, 3, 8, 8], inits, external), _w("patch.bias", [d], inits, external)],
                                  ["patch"], name="patch", kernel_shape=[8, 8], strides=[8, 8]))
    nodes.append(helper.make_node("Reshape", ["patch", const("tok_shape", [0, d, t])], ["tok0"], name="tokens"))
    nodes.append(helper.make_node("Transpose", ["tok0"], ["tok"], name="tokens_t", perm=[0, 2, 1]))
    nodes.append(helper.make_node("Shape", ["x"], ["xs"], name="shape"))
    nodes.append(helper.make_node("Gather", ["xs", const("i0", [0])], ["n"], name="batch_dim", axis=0))
    nodes.append(helper.make_node("Concat", ["n", const("cls_rest", [1, d])], ["cls_shape"], name="cls_shape", axis=0))
    nodes.append(helper.make_node("Expand", [_w("cls_token", [1, 1, d], inits, external), "cls_shape"], ["cls"], name="cls_expand"))
    nodes.append(helper.make_node("Concat", ["cls", "tok"], ["seq"], name="cls_concat", axis=1))
    nodes.append(helper.make_node("Add", ["seq", _w("pos_embedding", [1, t + 1, d], inits, external)], ["h0"], name="pos_add"))
    nodes.append(helper.make_node("LayerNormalization", ["h0", _w("ln1.weight", [d], inits, external), _w("ln1.bias", [d], inits, external)],
                                  ["ln1"], name="ln1", axis=-1))
    nodes.append(helper.make_node("Concat", ["n", const("head_rest", [t + 1, heads, hd])], ["head_shape"], name="head_shape", axis=0))
    qkv = {}
    for p in ("q", "k", "v"):
        y = dense(p, "ln1", d, d)
        nodes.append(helper.make_node("Reshape", [y, "head_shape"], [p + "_h"], name=p + "_heads"))
        nodes.append(helper.make_node("Transpose", [p + "_h"], [p + "_t"], name=p + "_t", perm=[0, 2, 3, 1] if p == "k" else [0, 2, 1, 3]))
        qkv[p] = p + "_t"
    nodes.append(helper.make_node("MatMul", [qkv["q"], qkv["k"]], ["s0"], name="scores"))
    nodes.append(helper.make_node("Div", ["s0", scalar("sqrt_hd", hd ** 0.5)], ["s1"], name="scale"))
    nodes.append(helper.make_node("Softmax", ["s1"], ["s2"], name="softmax", axis=-1))
    nodes.append(helper.make_node("MatMul", ["s2", qkv["v"]], ["c0"], name="context"))
    nodes.append(helper.make_node("Transpose", ["c0"], ["c1"], name="merge_t", perm=[0, 2, 1, 3]))
    nodes.append(helper.make_node("Concat", ["n", const("merge_rest", [t + 1, d])], ["merge_shape"], name="merge_shape", axis=0))
    nodes.append(helper.make_node("Reshape", ["c1", "merge_shape"], ["c2"], name="merge"))
    o = dense("proj", "c2", d, d)
    nodes.append(helper.make_node("Add", [o, "h0"], ["r1"], name="residual1"))
    nodes.append(helper.make_node("LayerNormalization", ["r1", _w("ln2.weight", [d], inits, external), _w("ln2.bias", [d], inits, external)],
                                  ["ln2"], name="ln2", axis=-1))
    f = dense("fc1", "ln2", d, 4 * d)
    nodes.append(helper.make_node("Div", [f, scalar("sqrt2", 2 ** 0.5)], ["g0"], name="gelu"))
    nodes.append(helper.make_node("Erf", ["g0"], ["g1"], name="gelu_erf"))
    nodes.append(helper.make_node("Add", ["g1", scalar("one", 1.0)], ["g2"], name="gelu_add"))
    nodes.append(helper.make_node("Mul", [f, "g2"], ["g3"], name="gelu_mul"))
    nodes.append(helper.make_node("Mul", ["g3", scalar("half", 0.5)], ["g4"], name="gelu_half"))
    f2 = dense("fc2", "g4", 4 * d, d)
    nodes.append(helper.make_node("Add", [f2, "r1"], ["y"], name="residual2"))
    g = helper.make_graph(nodes, "vit_block", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, side * 8, side * 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", t + 1, d])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="duet-validation")


def gpt_block(external=False, opset=17, t=16, d=64, heads=4):
    """A pre-norm causal transformer block as torch.onnx (opset 17) writes GPT-2-style attention:
    LayerNormalization, one packed QKV MatMul + Add, Split into q, k, v (split sizes as an input,
    opset 13+), head reshapes from Shape/Gather/Concat, k transposed to [N, H, hd, T], scores
    scaled by 1/sqrt(hd), a causal mask from a constant bool buffer (Equal on the buffer, then
    Where(mask, scores, -inf)), Softmax, context MatMul, merge, projection, residual, MLP with
    GELU via Erf, residual. Dynamic batch 'N'."""
    nodes, inits = [], []
    hd = d // heads
    def const(name, values, dtype=np.int64):
        inits.append(numpy_helper.from_array(np.array(values, dtype=dtype), name))
        return name
    def dense(name, x, fin, fout):
        nodes.append(helper.make_node("MatMul", [x, _w(name + ".weight", [fin, fout], inits, external)], [name + "_mm"], name=name))
        nodes.append(helper.make_node("Add", [name + "_mm", _w(name + ".bias", [fout], inits, external)], [name + "_out"], name=name + "_bias"))
        return name + "_out"
    def ln(name, x):
        nodes.append(helper.make_node("LayerNormalization", [x, _w(name + ".weight", [d], inits, external), _w(name + ".bias", [d], inits, external)],
                                      [name + "_out"], name=name, axis=-1, epsilon=1e-5))
        return name + "_out"
    h = ln("ln1", "x")
    qkv = dense("c_attn", h, d, 3 * d)
    nodes.append(helper.make_node("Split", [qkv, const("split_sizes", [d, d, d])], ["q", "k", "v"], name="qkv_split", axis=2))
    nodes.append(helper.make_node("Shape", ["x"], ["xs"], name="shape"))
    nodes.append(helper.make_node("Gather", ["xs", const("i0", 0)], ["n0"], name="batch_dim", axis=0))
    nodes.append(helper.make_node("Unsqueeze", ["n0", const("ax0", [0])], ["n"], name="batch_dim_1d"))
    nodes.append(helper.make_node("Concat", ["n", const("head_rest", [t, heads, hd])], ["head_shape"], name="head_shape", axis=0))
    for p, perm in (("q", [0, 2, 1, 3]), ("k", [0, 2, 3, 1]), ("v", [0, 2, 1, 3])):
        nodes.append(helper.make_node("Reshape", [p, "head_shape"], [p + "_h"], name=p + "_heads"))
        nodes.append(helper.make_node("Transpose", [p + "_h"], [p + "_t"], name=p + "_t", perm=perm))
    nodes.append(helper.make_node("MatMul", ["q_t", "k_t"], ["s0"], name="scores"))
    nodes.append(helper.make_node("Div", ["s0", const("sqrt_hd", np.float32(hd ** 0.5), np.float32)], ["s1"], name="scale"))
    mask = np.tril(np.ones((t, t), dtype=bool)).reshape(1, 1, t, t)
    const("causal_buffer", mask, bool)
    nodes.append(helper.make_node("Not", ["causal_buffer"], ["masked_out"], name="mask_not"))
    nodes.append(helper.make_node("Equal", ["masked_out", const("false", False, bool)], ["keep"], name="mask_equal"))
    nodes.append(helper.make_node("Where", ["keep", "s1", const("neg_inf", np.float32(-1e9), np.float32)], ["s2"], name="causal_mask"))
    nodes.append(helper.make_node("Softmax", ["s2"], ["p"], name="softmax", axis=-1))
    nodes.append(helper.make_node("MatMul", ["p", "v_t"], ["c0"], name="context"))
    nodes.append(helper.make_node("Transpose", ["c0"], ["c1"], name="merge_t", perm=[0, 2, 1, 3]))
    nodes.append(helper.make_node("Concat", ["n", const("merge_rest", [t, d])], ["merge_shape"], name="merge_shape", axis=0))
    nodes.append(helper.make_node("Reshape", ["c1", "merge_shape"], ["c2"], name="merge"))
    o = dense("c_proj", "c2", d, d)
    nodes.append(helper.make_node("Add", [o, "x"], ["r1"], name="residual1"))
    h2 = ln("ln2", "r1")
    f = dense("c_fc", h2, d, 4 * d)
    nodes.append(helper.make_node("Div", [f, const("sqrt2", np.float32(2 ** 0.5), np.float32)], ["g0"], name="gelu"))
    nodes.append(helper.make_node("Erf", ["g0"], ["g1"], name="gelu_erf"))
    nodes.append(helper.make_node("Add", ["g1", const("one", np.float32(1), np.float32)], ["g2"], name="gelu_add"))
    nodes.append(helper.make_node("Mul", [f, "g2"], ["g3"], name="gelu_mul"))
    nodes.append(helper.make_node("Mul", ["g3", const("half", np.float32(0.5), np.float32)], ["g4"], name="gelu_half"))
    f2 = dense("c_fc2", "g4", 4 * d, d)
    nodes.append(helper.make_node("Add", [f2, "r1"], ["y"], name="residual2"))
    g = helper.make_graph(nodes, "gpt_block", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", t, d])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", t, d])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="duet-validation")


def gaps_cnn(external=False, opset=13):
    """2-D operators Duet maps since the gaps work: Conv + LeakyRelu, LRN, MaxPool, an asymmetric
    zero Pad folded into the next Conv, PRelu (one slope per channel, [C, 1, 1]), a reflect Pad,
    Conv + Elu, a non-square ConvTranspose (3x4 kernel, strides 2x1, asymmetric pads,
    output_padding), Selu, Softplus. Fixed batch 1."""
    nodes, inits = [], []
    nodes.append(helper.make_node("Conv", ["x", _w("c1.weight", [16, 3, 5, 5], inits, external), _w("c1.bias", [16], inits, external)],
                                  ["c1"], name="c1", kernel_shape=[5, 5], strides=[2, 2], pads=[2, 2, 2, 2]))
    nodes.append(helper.make_node("LeakyRelu", ["c1"], ["a1"], name="c1_act", alpha=0.1))
    nodes.append(helper.make_node("LRN", ["a1"], ["n1"], name="lrn", size=5, alpha=1e-4, beta=0.75, bias=2.0))
    nodes.append(helper.make_node("MaxPool", ["n1"], ["p1"], name="pool", kernel_shape=[3, 3], strides=[2, 2]))
    inits.append(numpy_helper.from_array(np.array([0, 0, 0, 0, 0, 0, 1, 1], dtype=np.int64), "same_pads"))
    nodes.append(helper.make_node("Pad", ["p1", "same_pads"], ["pp"], name="same_pad", mode="constant"))
    nodes.append(helper.make_node("Conv", ["pp", _w("c2.weight", [32, 16, 2, 2], inits, external)], ["c2"], name="c2", kernel_shape=[2, 2]))
    nodes.append(helper.make_node("PRelu", ["c2", _w("c2.slope", [32, 1, 1], inits, external)], ["a2"], name="prelu"))
    inits.append(numpy_helper.from_array(np.array([0, 0, 1, 1, 0, 0, 1, 1], dtype=np.int64), "reflect_pads"))
    nodes.append(helper.make_node("Pad", ["a2", "reflect_pads"], ["rp"], name="reflect_pad", mode="reflect"))
    nodes.append(helper.make_node("Conv", ["rp", _w("c3.weight", [32, 32, 3, 3], inits, external)], ["c3"], name="c3", kernel_shape=[3, 3]))
    nodes.append(helper.make_node("Elu", ["c3"], ["a3"], name="c3_act"))
    nodes.append(helper.make_node("ConvTranspose", ["a3", _w("up.weight", [32, 8, 3, 4], inits, external), _w("up.bias", [16], inits, external)],
                                  ["u"], name="up", kernel_shape=[3, 4], strides=[2, 1], pads=[1, 0, 0, 2], output_padding=[1, 0], group=2))
    nodes.append(helper.make_node("Selu", ["u"], ["a4"], name="selu"))
    nodes.append(helper.make_node("Softplus", ["a4"], ["y"], name="softplus"))
    g = helper.make_graph(nodes, "gaps_cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 64, 64])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16, 31, 16])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="duet-validation")


def tcn_1d(external=False, opset=13, length=128):
    """A 1-D temporal network (WaveNet/TCN style): causal left Pad folded into a dilated Conv1d,
    BatchNormalization, PRelu with one shared slope, Conv1d, Split of the channels into a tanh
    and a sigmoid half multiplied together (gated activation), MaxPool1d, a strided Conv1d with
    pads, GlobalAveragePool, Flatten, Gemm. Dynamic batch 'N'."""
    nodes, inits = [], []
    inits.append(numpy_helper.from_array(np.array([0, 0, 4, 0, 0, 0], dtype=np.int64), "causal_pads"))
    nodes.append(helper.make_node("Pad", ["x", "causal_pads"], ["xp"], name="causal_pad", mode="constant"))
    nodes.append(helper.make_node("Conv", ["xp", _w("c1.weight", [32, 8, 3], inits, external)], ["c1"], name="c1", kernel_shape=[3], dilations=[2]))
    bns = [_w(f"c1.bn.{p}", [32], inits, external) for p in ("weight", "bias", "mean", "var")]
    nodes.append(helper.make_node("BatchNormalization", ["c1"] + bns, ["b1"], name="c1_bn"))
    nodes.append(helper.make_node("PRelu", ["b1", _w("c1.slope", [1], inits, external)], ["a1"], name="prelu"))
    nodes.append(helper.make_node("Conv", ["a1", _w("c2.weight", [64, 32, 3], inits, external), _w("c2.bias", [64], inits, external)],
                                  ["c2"], name="c2", kernel_shape=[3], pads=[1, 1]))
    inits.append(numpy_helper.from_array(np.array([32, 32], dtype=np.int64), "halves"))
    nodes.append(helper.make_node("Split", ["c2", "halves"], ["f", "gt"], name="gate_split", axis=1))
    nodes.append(helper.make_node("Tanh", ["f"], ["ft"], name="filter"))
    nodes.append(helper.make_node("Sigmoid", ["gt"], ["gs"], name="gate"))
    nodes.append(helper.make_node("Mul", ["ft", "gs"], ["z"], name="gated"))
    nodes.append(helper.make_node("MaxPool", ["z"], ["zp"], name="pool", kernel_shape=[2], strides=[2]))
    nodes.append(helper.make_node("Conv", ["zp", _w("c3.weight", [64, 32, 5], inits, external)], ["c3"], name="c3", kernel_shape=[5], strides=[2], pads=[2, 2]))
    nodes.append(helper.make_node("Relu", ["c3"], ["a3"], name="c3_act"))
    nodes.append(helper.make_node("GlobalAveragePool", ["a3"], ["gap"], name="gap"))
    nodes.append(helper.make_node("Flatten", ["gap"], ["flat"], name="flatten", axis=1))
    nodes.append(helper.make_node("Gemm", ["flat", _w("fc.weight", [10, 64], inits, external), _w("fc.bias", [10], inits, external)],
                                  ["y"], name="fc", transB=1))
    g = helper.make_graph(nodes, "tcn_1d", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 8, length])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="duet-validation")
