import DuetCore
import DuetWorkload
import Foundation
import SwiftProtobuf

/// Writes a Duet network as an opset-17 ONNX graph. Each layer's last node outputs a tensor named
/// after the layer; its first node carries the layer's name and the others `layer/…`, which is
/// how the importer recovers Duet's layers from a file Duet wrote. Operators without a one-node
/// ONNX form are written as the patterns the importer recognizes (squeeze-excite, GELU via erf,
/// swish, class token, channel shuffle, zero).
struct ONNXExporter {
    let network: Network
    let weights: ONNX.Weights
    /// Write the batch dimension as the symbol `N` instead of the network's batch size.
    let dynamicBatch: Bool
    let analysis: NetworkAnalysis
    var nodes: [Onnx_NodeProto] = []
    var initializers: [Onnx_TensorProto] = []
    var weightInputs: [Onnx_ValueInfoProto] = []
    var rng: SeededGenerator
    var intInputs = Set<String>()
    var usedNames = Set<String>()

    init(network: Network, weights: ONNX.Weights, dynamicBatch: Bool = false) throws {
        self.network = network
        self.weights = weights
        self.dynamicBatch = dynamicBatch
        self.analysis = try network.analyze()
        if case .random(let seed) = weights { rng = SeededGenerator(seed: seed) } else { rng = SeededGenerator(seed: 0) }
        for l in network.layers { if case .embedding = l.op, let i = l.inputs.first { intInputs.insert(i) } }
    }

    var batch: Int { network.batch }

    func shape(_ t: String) -> [Int] { [batch] + (analysis.shapes[t]?.dims ?? []) }

    mutating func run() throws -> Data {
        for (i, l) in network.layers.enumerated() {
            do { try layer(l) } catch let e as InputError { throw e.under("layers[\(i)]") }
        }
        var g = Onnx_GraphProto()
        g.name = network.name
        g.node = nodes
        g.initializer = initializers
        g.input = network.inputs.map {
            .tensor($0.name, elemType: intInputs.contains($0.name) ? ONNXType.int64 : ONNXType.float, dims: [batch] + $0.shape.dims)
        } + weightInputs
        g.output = analysis.outputNames.map { .tensor($0, elemType: ONNXType.float, dims: shape($0)) }
        let outs = Set(analysis.outputNames)
        g.valueInfo = network.layers.filter { !outs.contains($0.name) }.map {
            .tensor($0.name, elemType: ONNXType.float, dims: shape($0.name))
        }
        if dynamicBatch {
            for k in 0..<network.inputs.count { g.input[k].symbolicBatch() }
            for k in g.output.indices { g.output[k].symbolicBatch() }
            for k in g.valueInfo.indices { g.valueInfo[k].symbolicBatch() }
        }
        var m = Onnx_ModelProto()
        m.irVersion = 8
        m.producerName = "duet"
        m.producerVersion = "0.1"
        var os = Onnx_OperatorSetIdProto()
        os.domain = ""
        os.version = Int64(ONNX.exportOpset)
        m.opsetImport = [os]
        m.graph = g
        if weights == .none {
            var e = Onnx_StringStringEntryProto()
            e.key = ONNX.weightInputsKey
            e.value = weightInputs.map(\.name).joined(separator: ",")
            m.metadataProps = [e]
        }
        return try m.serializedBytes()
    }

    // MARK: - Building blocks

    @discardableResult
    mutating func node(_ op: String, _ name: String, _ inputs: [String], _ output: String, _ attrs: [Onnx_AttributeProto] = []) -> String {
        var n = Onnx_NodeProto()
        n.opType = op
        n.name = name
        n.input = inputs
        n.output = [output]
        n.attribute = attrs
        nodes.append(n)
        return output
    }

    /// A learned tensor: random values or a shape-only graph input.
    mutating func weight(_ name: String, _ dims: [Int], fanIn: Int, fill: Float? = nil) throws -> String {
        let count = try Checked.product(dims, what: "size of weight '\(name)'")
        switch weights {
        case .none:
            weightInputs.append(.tensor(name, elemType: ONNXType.float, dims: dims))
        case .random:
            var t = Onnx_TensorProto()
            t.name = name
            t.dataType = ONNXType.float
            t.dims = dims.map { Int64($0) }
            var bytes = Data(count: count * 4)
            let bound = 1 / Float(max(1, fanIn)).squareRoot()
            bytes.withUnsafeMutableBytes { raw in
                let p = raw.bindMemory(to: UInt32.self)
                for k in 0..<count {
                    let v: Float
                    if let fill { v = fill } else {
                        let u = Float(rng.next() >> 40) * (1.0 / Float(1 << 24))
                        v = (2 * u - 1) * bound
                    }
                    p[k] = v.bitPattern.littleEndian
                }
            }
            t.rawData = bytes
            initializers.append(t)
        }
        return name
    }

    mutating func ints(_ name: String, _ values: [Int], dims: [Int]? = nil) -> String {
        initializers.append(.int64(name, values, dims: dims))
        return name
    }

    mutating func scalar(_ name: String, _ value: Float) -> String {
        initializers.append(.float(name, [value], dims: []))
        return name
    }

    /// Writes activation `f` from `input` to `output`; the first node is named `name`.
    mutating func activation(_ f: ActivationFunction, _ name: String, _ input: String, _ output: String) {
        switch f {
        case .relu: node("Relu", name, [input], output)
        case .relu6: node("Clip", name, [input, scalar(name + "/min", 0), scalar(name + "/max", 6)], output)
        case .hswish: node("HardSwish", name, [input], output)
        case .hsigmoid: node("HardSigmoid", name, [input], output, [.float("alpha", 1.0 / 6), .float("beta", 0.5)])
        case .sigmoid: node("Sigmoid", name, [input], output)
        case .tanh: node("Tanh", name, [input], output)
        case .leakyRelu: node("LeakyRelu", name, [input], output, [.float("alpha", 0.01)])
        case .elu: node("Elu", name, [input], output, [.float("alpha", 1)])
        case .selu: node("Selu", name, [input], output)
        case .softplus: node("Softplus", name, [input], output)
        case .swish:
            let s = node("Sigmoid", name, [input], name + "/sigmoid_out")
            node("Mul", name + "/mul", [input, s], output)
        case .gelu:
            // Opset 17 has no Gelu: x · 0.5 · (1 + erf(x / √2)), as PyTorch exports it.
            let d = node("Div", name, [input, scalar(name + "/sqrt2", Float(2.0.squareRoot()))], name + "/div_out")
            let e = node("Erf", name + "/erf", [d], name + "/erf_out")
            let a = node("Add", name + "/add", [e, scalar(name + "/one", 1)], name + "/add_out")
            let m = node("Mul", name + "/mul", [input, a], name + "/mul_out")
            node("Mul", name + "/half", [m, scalar(name + "/half_c", 0.5)], output)
        }
    }

    /// Optional BatchNormalization and activation after a conv-like node whose output is `raw`.
    mutating func epilogue(_ l: Layer, _ raw: String, channels k: Int, bn: Bool, act: ActivationFunction?) throws {
        var cur = raw
        if bn {
            let p = l.name + ".bn"
            let ins = [cur, try weight(p + ".weight", [k], fanIn: 1, fill: 1), try weight(p + ".bias", [k], fanIn: 1, fill: 0),
                       try weight(p + ".running_mean", [k], fanIn: 1, fill: 0), try weight(p + ".running_var", [k], fanIn: 1, fill: 1)]
            cur = node("BatchNormalization", l.name + "/bn", ins, act == nil ? l.name : l.name + "/bn_out", [.float("epsilon", 1e-5)])
        }
        if let act { activation(act, l.name + "/act", cur, l.name) }
    }

    static func pads(_ p: Padding) -> [Onnx_AttributeProto] {
        switch p {
        case .same: return [.string("auto_pad", "SAME_UPPER")]
        case .valid: return [.string("auto_pad", "VALID")]
        case .explicit(let t, let l, let b, let r): return [.ints("pads", [t, l, b, r])]
        }
    }

    // MARK: - Layers

    mutating func layer(_ l: Layer) throws {
        let n = l.name
        let ins = l.inputs.map { analysis.shapes[$0]?.dims ?? [] }
        func unsupported(_ why: String) -> InputError {
            InputError(keyPath: "op", value: n, message: "cannot export layer '\(n)' to ONNX: \(why)")
        }
        switch l.op {
        case let .conv(k, w, g, bias, bn, act):
            let c = ins[0][0]
            var inputs = [l.inputs[0], try weight(n + ".weight", [k, c / g, w.kernelH, w.kernelW], fanIn: c / g * w.kernelH * w.kernelW)]
            if bias { inputs.append(try weight(n + ".bias", [k], fanIn: c / g * w.kernelH * w.kernelW)) }
            var attrs: [Onnx_AttributeProto] = [.ints("kernel_shape", [w.kernelH, w.kernelW]), .ints("strides", [w.strideH, w.strideW]),
                                                .ints("dilations", [w.dilationH, w.dilationW]), .int("group", g)]
            attrs += Self.pads(w.padding)
            let raw = node("Conv", n, inputs, bn || act != nil ? n + "/conv_out" : n, attrs)
            try epilogue(l, raw, channels: k, bn: bn, act: act)
        case let .convTranspose(k, w, g, bias, bn, act):
            let c = ins[0][0], taps = w.kernelH * w.kernelW
            var inputs = [l.inputs[0], try weight(n + ".weight", [c, k / g, w.kernelH, w.kernelW], fanIn: c / g * taps)]
            if bias { inputs.append(try weight(n + ".bias", [k], fanIn: c * taps)) }
            var attrs: [Onnx_AttributeProto] = [.ints("kernel_shape", [w.kernelH, w.kernelW]), .ints("strides", [w.strideH, w.strideW]),
                                                .ints("pads", [w.padTop, w.padLeft, w.padBottom, w.padRight]), .int("group", g)]
            if w.dilationH != 1 || w.dilationW != 1 { attrs.append(.ints("dilations", [w.dilationH, w.dilationW])) }
            if w.outputPaddingH != 0 || w.outputPaddingW != 0 { attrs.append(.ints("output_padding", [w.outputPaddingH, w.outputPaddingW])) }
            let raw = node("ConvTranspose", n, inputs, bn || act != nil ? n + "/conv_out" : n, attrs)
            try epilogue(l, raw, channels: k, bn: bn, act: act)
        case let .dense(o, bias, act):
            let f = ins[0].last ?? 1
            var cur: String
            if ins[0].count == 1 {
                var inputs = [l.inputs[0], try weight(n + ".weight", [o, f], fanIn: f)]
                if bias { inputs.append(try weight(n + ".bias", [o], fanIn: f)) }
                cur = node("Gemm", n, inputs, act != nil ? n + "/gemm_out" : n, [.int("transB", 1)])
            } else {
                cur = node("MatMul", n, [l.inputs[0], try weight(n + ".weight", [f, o], fanIn: f)], bias || act != nil ? n + "/matmul_out" : n)
                if bias { cur = node("Add", n + "/bias", [cur, try weight(n + ".bias", [o], fanIn: f)], act != nil ? n + "/bias_out" : n) }
            }
            if let act { activation(act, n + "/act", cur, n) }
        case .matmul(let tB):
            if tB {
                let r = ins[1].count + 1
                let t = node("Transpose", n, [l.inputs[1]], n + "/b_t", [.ints("perm", Array(0..<(r - 2)) + [r - 1, r - 2])])
                node("MatMul", n + "/matmul", [l.inputs[0], t], n)
            } else {
                node("MatMul", n, l.inputs, n)
            }
        case let .pool(kind, w):
            var attrs: [Onnx_AttributeProto] = [.ints("kernel_shape", [w.kernelH, w.kernelW]), .ints("strides", [w.strideH, w.strideW])]
            if w.dilationH != 1 || w.dilationW != 1 {
                if kind == .avg { throw unsupported("average pooling with dilation needs opset 19") }
                attrs.append(.ints("dilations", [w.dilationH, w.dilationW]))
            }
            attrs += Self.pads(w.padding)
            node(kind == .max ? "MaxPool" : "AveragePool", n, [l.inputs[0]], n, attrs)
        case .globalPool(let kind):
            node(kind == .max ? "GlobalMaxPool" : "GlobalAveragePool", n, [l.inputs[0]], n)
        case .elementwise(let kind):
            if l.inputs.count == 2 {
                node(kind == .add ? "Add" : "Mul", n, l.inputs, n)
            } else if kind == .add {
                node("Sum", n, l.inputs, n)
            } else {
                var cur = node("Mul", n, Array(l.inputs[0...1]), n + "/mul1")
                for (j, t) in l.inputs.dropFirst(2).enumerated() {
                    cur = node("Mul", n + "/mul\(j + 2)", [cur, t], j + 3 == l.inputs.count ? n : n + "/mul\(j + 2)_out")
                }
            }
        case .activation(let f):
            activation(f, n, l.inputs[0], n)
        case .softmax(let axis):
            node("Softmax", n, [l.inputs[0]], n, [.int("axis", axis < 0 ? axis : axis + 1)])
        case .concat(let axis):
            node("Concat", n, l.inputs, n, [.int("axis", axis < 0 ? axis : axis + 1)])
        case let .squeezeExcite(mid, gate):
            let c = ins[0][0]
            let p = node("GlobalAveragePool", n, [l.inputs[0]], n + "/pool")
            let f1 = node("Conv", n + "/fc1", [p, try weight(n + ".fc1.weight", [mid, c, 1, 1], fanIn: c), try weight(n + ".fc1.bias", [mid], fanIn: c)],
                          n + "/fc1_out", [.ints("kernel_shape", [1, 1])])
            let r = node("Relu", n + "/relu", [f1], n + "/relu_out")
            let f2 = node("Conv", n + "/fc2", [r, try weight(n + ".fc2.weight", [c, mid, 1, 1], fanIn: mid), try weight(n + ".fc2.bias", [c], fanIn: mid)],
                          n + "/fc2_out", [.ints("kernel_shape", [1, 1])])
            guard gate == .hsigmoid || gate == .sigmoid else { throw unsupported("squeeze-excite gate \(gate.rawValue) (hsigmoid or sigmoid only)") }
            activation(gate, n + "/gate", f2, n + "/gate_out")
            node("Mul", n + "/scale", [l.inputs[0], n + "/gate_out"], n)
        case .layerNorm:
            let f = ins[0].last ?? 1
            node("LayerNormalization", n, [l.inputs[0], try weight(n + ".weight", [f], fanIn: 1, fill: 1), try weight(n + ".bias", [f], fanIn: 1, fill: 0)],
                 n, [.int("axis", -1), .float("epsilon", 1e-5)])
        case .batchNorm:
            let c = ins[0][0]
            node("BatchNormalization", n, [l.inputs[0], try weight(n + ".weight", [c], fanIn: 1, fill: 1), try weight(n + ".bias", [c], fanIn: 1, fill: 0),
                                           try weight(n + ".running_mean", [c], fanIn: 1, fill: 0), try weight(n + ".running_var", [c], fanIn: 1, fill: 1)],
                 n, [.float("epsilon", 1e-5)])
        case .reshape(let dims):
            node("Reshape", n, [l.inputs[0], ints(n + "/shape", [0] + dims)], n)
        case .transpose(let perm):
            node("Transpose", n, [l.inputs[0]], n, [.ints("perm", [0] + perm.map { $0 + 1 })])
        case .flatten:
            node("Flatten", n, [l.inputs[0]], n, [.int("axis", 1)])
        case .prependToken(let count):
            let f = ins[0][1]
            let tok = try weight(n + ".token", [1, count, f], fanIn: f)
            var shape = ints(n + "/expand_shape", [batch, count, f])
            if dynamicBatch {
                // [N, count, F] from the input's run-time batch, as torch.onnx writes it.
                let s = node("Shape", n + "/shape", [l.inputs[0]], n + "/shape_out")
                let b = node("Gather", n + "/batch", [s, ints(n + "/batch_index", [0])], n + "/batch_out", [.int("axis", 0)])
                shape = node("Concat", n + "/expand_shape", [b, ints(n + "/rest", [count, f])], n + "/expand_shape_out", [.int("axis", 0)])
            }
            let e = node("Expand", n, [tok, shape], n + "/tokens")
            node("Concat", n + "/concat", [e, l.inputs[0]], n, [.int("axis", 1)])
        case .positionalEmbedding:
            node("Add", n, [l.inputs[0], try weight(n + ".embedding", [1] + ins[0], fanIn: ins[0].last ?? 1)], n)
        case let .resize(sh, sw):
            initializers.append(.float(n + "/scales", [1, 1, Float(sh), Float(sw)], dims: [4]))
            node("Resize", n, [l.inputs[0], "", n + "/scales"], n, [.string("mode", "nearest")])
        case .channelShuffle(let g):
            let (c, h, w) = (ins[0][0], ins[0][1], ins[0][2])
            let a = node("Reshape", n, [l.inputs[0], ints(n + "/split_shape", [0, g, c / g, h, w])], n + "/split")
            let t = node("Transpose", n + "/transpose", [a], n + "/transposed", [.ints("perm", [0, 2, 1, 3, 4])])
            node("Reshape", n + "/merge", [t, ints(n + "/merge_shape", [0, c, h, w])], n)
        case let .slice(axis, start, length):
            let ax = axis < 0 ? axis : axis + 1
            node("Slice", n, [l.inputs[0], ints(n + "/starts", [start]), ints(n + "/ends", [start + length]), ints(n + "/axes", [ax])], n)
        case let .crop(ch, cw):
            let (h, w) = (ins[0][1], ins[0][2])
            let (t, lft) = ((h - ch) / 2, (w - cw) / 2)
            node("Slice", n, [l.inputs[0], ints(n + "/starts", [t, lft]), ints(n + "/ends", [t + ch, lft + cw]), ints(n + "/axes", [2, 3])], n)
        case let .embedding(v, f):
            var ids = l.inputs[0]
            if !intInputs.contains(ids) || network.inputs.allSatisfy({ $0.name != ids }) {
                ids = node("Cast", n + "/ids", [ids], n + "/ids_out", [.int("to", Int(ONNXType.int64))])
            }
            node("Gather", n, [try weight(n + ".weight", [v, f], fanIn: 1), ids], n, [.int("axis", 0)])
        case .zero:
            node("Mul", n, [l.inputs[0], scalar(n + "/zero", 0)], n)
        case .prelu(let slopes):
            // One shared slope, or one per channel shaped [C, 1, …] to broadcast over the rest.
            let dims = slopes == 1 ? [1] : [slopes] + Array(repeating: 1, count: max(0, ins[0].count - 1))
            node("PRelu", n, [l.inputs[0], try weight(n + ".slope", dims, fanIn: 1, fill: 0.25)], n)
        case .localResponseNorm(let size):
            // AlexNet's constants; the cost does not depend on them.
            node("LRN", n, [l.inputs[0]], n, [.int("size", size), .float("alpha", 1e-4), .float("beta", 0.75), .float("bias", 1)])
        case let .pad(amounts, mode):
            let r = ins[0].count
            let pads = [0] + amounts.prefix(r) + [0] + amounts.suffix(r)
            node("Pad", n, [l.inputs[0], ints(n + "/pads", pads)], n, [.string("mode", mode.rawValue)])
        }
    }
}
