import DuetCore

/// Duet's network file format (YAML or JSON; see docs/FORMATS.md). Reading is two steps: decode
/// into a ``Network`` while collecting every problem with its key path, then ``Network/analyze(file:)``
/// checks the graph and shapes. Writing emits every attribute explicitly, so that reading what was
/// written gives back an identical network.
public enum NetworkFormat {
    /// Operator names accepted under `op:`.
    public static let opNames = [
        "conv", "depthwise", "pointwise", "conv_transpose", "dense", "matmul", "max_pool", "avg_pool",
        "global_avg_pool", "global_max_pool", "add", "mul", "activation", "softmax", "concat", "squeeze_excite",
        "layer_norm", "batch_norm", "reshape", "transpose", "flatten", "prepend_token", "positional_embedding",
        "resize", "channel_shuffle", "slice", "crop", "embedding", "zero", "prelu", "lrn", "pad",
    ]

    // MARK: Reading

    /// Loads and validates a network file (`.yaml`, `.yml` or `.json`); shapes are checked too.
    public static func load(path: String) throws -> Network {
        let node = try ConfigNode.load(path: path)
        let net = try decode(node, file: path)
        _ = try net.analyze(file: path)
        return net
    }

    /// Decodes a parsed document, reporting every problem at once.
    public static func decode(_ node: ConfigNode, file: String?) throws -> Network {
        let d = Diagnostics(file: file)
        let r = ConfigReader(node, diagnostics: d)
        let name = r.string("name") ?? "network"
        let batch = r.int("batch", min: 1) ?? 1
        var inputs: [NetworkInput] = []
        for (i, ir) in (r.objects("inputs", required: true) ?? []).enumerated() {
            let n = ir.string("name", required: true)
            let shape = ir.ints("shape", required: true, min: 1)
            ir.finish()
            if let n, let shape {
                if shape.isEmpty { d.add(ir.keyPath("shape"), "a shape needs at least one dimension") }
                inputs.append(NetworkInput(name: n, shape: TensorShape(shape)))
            }
            _ = i
        }
        var layers: [Layer] = []
        var previous = inputs.first?.name
        for lr in r.objects("layers", required: true) ?? [] {
            let lname = lr.string("name", required: true)
            let ins = lr.strings("inputs") ?? previous.map { [$0] } ?? []
            let op = decodeOp(lr)
            lr.finish()
            if let lname, let op {
                layers.append(Layer(lname, op, inputs: ins))
                previous = lname
            }
        }
        let outputs = r.strings("outputs") ?? []
        r.finish()
        try d.throwIfAny()
        return Network(name: name, batch: batch, inputs: inputs, layers: layers, outputs: outputs)
    }

    private static func pair(_ r: ConfigReader, _ key: String, default def: Int, min: Int) -> (Int, Int)? {
        guard r.has(key) else { return (def, def) }
        guard let v = r.ints(key, min: min) else { return nil }
        switch v.count {
        case 1: return (v[0], v[0])
        case 2: return (v[0], v[1])
        default:
            r.diagnostics.add(r.keyPath(key), value: "\(v)", "expected one value or [height, width]")
            return nil
        }
    }

    private static func padding(_ r: ConfigReader, default def: Padding) -> Padding? {
        guard let n = r.raw("padding") else { return def }
        if let s = n.scalarText, Int(s) == nil {
            switch s {
            case "same": return .same
            case "valid": return .valid
            default:
                r.diagnostics.add(r.keyPath("padding"), value: s, "unknown padding",
                                  hint: "use same, valid, an integer, [h, w] or [top, left, bottom, right]")
                return nil
            }
        }
        guard let v = r.ints("padding", min: 0) else { return nil }
        switch v.count {
        case 1: return .symmetric(v[0], v[0])
        case 2: return .symmetric(v[0], v[1])
        case 4: return .explicit(top: v[0], left: v[1], bottom: v[2], right: v[3])
        default:
            r.diagnostics.add(r.keyPath("padding"), value: "\(v)", "expected 1, 2 or 4 values")
            return nil
        }
    }

    private static func activation(_ r: ConfigReader, _ key: String = "activation", required: Bool = false) -> ActivationFunction?? {
        guard let s = r.choice(key, in: ActivationFunction.allCases.map(\.rawValue), required: required) else {
            return r.has(key) ? .none : .some(nil)
        }
        return .some(ActivationFunction(rawValue: s))
    }

    /// Decodes the operator of one layer entry; nil (with problems recorded) when it is invalid.
    static func decodeOp(_ r: ConfigReader) -> Operator? {
        guard let op = r.choice("op", in: opNames, required: true) else { r.acceptAllKeys(); return nil }
        switch op {
        case "conv", "depthwise", "pointwise":
            let out = r.int("out_channels", required: true, min: 1)
            let kernel = op == "pointwise" ? (1, 1) : pair(r, "kernel", default: op == "depthwise" ? 3 : -1, min: 1)
            if op == "conv", !r.has("kernel") { r.diagnostics.add(r.keyPath("kernel"), "missing required key 'kernel'", hint: "add 'kernel: <integer>'") }
            let stride = pair(r, "stride", default: 1, min: 1)
            let dil = pair(r, "dilation", default: 1, min: 1)
            let pad = padding(r, default: .symmetric(0, 0))  // PyTorch and ONNX default: no padding
            var groups = r.int("groups", min: 1)
            if op == "depthwise" {
                let m = r.int("depth_multiplier", min: 1) ?? 1
                if let out { groups = out / m }
            }
            let bias = r.bool("bias") ?? false, bn = r.bool("batch_norm") ?? false
            guard let out, let kernel, let stride, let dil, let pad, case .some(let act) = activation(r), kernel.0 > 0 else { return nil }
            return .conv(outChannels: out, window: Window2D(kernelH: kernel.0, kernelW: kernel.1, strideH: stride.0, strideW: stride.1,
                                                            dilationH: dil.0, dilationW: dil.1, padding: pad),
                         groups: groups ?? 1, bias: bias, batchNorm: bn, activation: act)
        case "conv_transpose":
            let out = r.int("out_channels", required: true, min: 1)
            if !r.has("kernel") { r.diagnostics.add(r.keyPath("kernel"), "missing required key 'kernel'", hint: "add 'kernel: <integer>'") }
            let k = pair(r, "kernel", default: -1, min: 1), s = pair(r, "stride", default: 1, min: 1)
            let dil = pair(r, "dilation", default: 1, min: 1), op_ = pair(r, "output_padding", default: 0, min: 0)
            let pad = padding(r, default: .symmetric(0, 0))
            let g = r.int("groups", min: 1) ?? 1
            let bias = r.bool("bias") ?? false, bn = r.bool("batch_norm") ?? false
            guard let out, let k, k.0 > 0, let s, let dil, let op_, let pad, case .some(let act) = activation(r) else { return nil }
            guard case let .explicit(t, l, b, rt) = pad else {
                r.diagnostics.add(r.keyPath("padding"), value: pad.description, "conv_transpose takes explicit padding",
                                  hint: "use an integer, [h, w] or [top, left, bottom, right]")
                return nil
            }
            let win = TransposedWindow2D(kernelH: k.0, kernelW: k.1, strideH: s.0, strideW: s.1, dilationH: dil.0, dilationW: dil.1,
                                         padTop: t, padLeft: l, padBottom: b, padRight: rt, outputPaddingH: op_.0, outputPaddingW: op_.1)
            return .convTranspose(outChannels: out, window: win, groups: g, bias: bias, batchNorm: bn, activation: act)
        case "dense":
            let out = r.int("out_features", required: true, min: 1)
            let bias = r.bool("bias") ?? true
            guard let out, case .some(let act) = activation(r) else { return nil }
            return .dense(outFeatures: out, bias: bias, activation: act)
        case "matmul": return .matmul(transposeB: r.bool("transpose_b") ?? false)
        case "max_pool", "avg_pool":
            guard let k = pair(r, "kernel", default: -1, min: 1), k.0 > 0 else {
                if !r.has("kernel") { r.diagnostics.add(r.keyPath("kernel"), "missing required key 'kernel'", hint: "add 'kernel: <integer>'") }
                return nil
            }
            guard let s = pair(r, "stride", default: k.0, min: 1), let pad = padding(r, default: .valid) else { return nil }
            return .pool(op == "max_pool" ? .max : .avg, window: Window2D(kernelH: k.0, kernelW: k.1, strideH: s.0, strideW: s.1, padding: pad))
        case "global_avg_pool": return .globalPool(.avg)
        case "global_max_pool": return .globalPool(.max)
        case "add": return .elementwise(.add)
        case "mul": return .elementwise(.mul)
        case "activation":
            guard case .some(.some(let f)) = activation(r, "function", required: true) else { return nil }
            return .activation(f)
        case "softmax": return .softmax(axis: r.int("axis") ?? -1)
        case "concat": return .concat(axis: r.int("axis") ?? 0)
        case "squeeze_excite":
            guard let m = r.int("reduced_channels", required: true, min: 1) else { return nil }
            guard case .some(let g) = activation(r, "gate") else { return nil }
            return .squeezeExcite(reducedChannels: m, gate: g ?? .hsigmoid)
        case "layer_norm": return .layerNorm
        case "batch_norm": return .batchNorm
        case "reshape": return r.ints("shape", required: true).map { .reshape($0) }
        case "transpose": return r.ints("perm", required: true, min: 0).map { .transpose($0) }
        case "flatten": return .flatten
        case "prepend_token": return .prependToken(count: r.int("count", min: 1) ?? 1)
        case "positional_embedding": return .positionalEmbedding
        case "resize":
            guard let s = pair(r, "scale", default: 2, min: 1) else { return nil }
            return .resize(scaleH: s.0, scaleW: s.1)
        case "channel_shuffle": return r.int("groups", required: true, min: 1).map { .channelShuffle(groups: $0) }
        case "slice":
            let axis = r.int("axis") ?? 0, start = r.int("start", min: 0) ?? 0
            return r.int("length", required: true, min: 1).map { .slice(axis: axis, start: start, length: $0) }
        case "crop":
            return pair(r, "size", default: -1, min: 1).flatMap { $0.0 > 0 ? .crop(height: $0.0, width: $0.1) : nil }
        case "embedding":
            guard let v = r.int("vocabulary", required: true, min: 1), let f = r.int("features", required: true, min: 1) else { return nil }
            return .embedding(vocabulary: v, features: f)
        case "prelu": return .prelu(slopes: r.int("slopes", min: 1) ?? 1)
        case "lrn": return r.int("size", required: true, min: 1).map { .localResponseNorm(size: $0) }
        case "pad":
            let amounts = r.ints("amounts", required: true, min: 0)
            let mode = r.choice("mode", in: PadMode.allCases.map(\.rawValue)).flatMap(PadMode.init(rawValue:))
            if r.has("mode") && mode == nil { return nil }
            return amounts.map { .pad(amounts: $0, mode: mode ?? .constant) }
        default: return .zero
        }
    }

    // MARK: Writing

    /// The network as a document tree (the same tree is written as YAML or JSON).
    public static func document(_ net: Network) -> JSONValue {
        .obj([
            "name": .string(net.name),
            "batch": .int(net.batch),
            "inputs": .array(net.inputs.map { .obj(["name": .string($0.name), "shape": ints($0.shape.dims)]) }),
            "layers": .array(net.layers.map(layerDocument)),
            "outputs": .array(net.outputs.map { .string($0) }),
        ])
    }

    public static func yaml(_ net: Network) -> String { YAMLWriter.write(document(net)) }
    public static func json(_ net: Network) -> String { document(net).serialized() + "\n" }

    private static func ints(_ v: [Int]) -> JSONValue { .array(v.map { .int($0) }) }

    private static func paddingValue(_ p: Padding) -> JSONValue {
        switch p {
        case .same: return .string("same")
        case .valid: return .string("valid")
        case .explicit(let t, let l, let b, let r):
            if t == b && l == r { return t == l ? .int(t) : ints([t, l]) }
            return ints([t, l, b, r])
        }
    }

    private static func hw(_ h: Int, _ w: Int) -> JSONValue { h == w ? .int(h) : ints([h, w]) }

    static func layerDocument(_ l: Layer) -> JSONValue {
        var f: [JSONValue.Field] = [.init("name", .string(l.name)), .init("inputs", .array(l.inputs.map { .string($0) }))]
        func add(_ k: String, _ v: JSONValue) { f.append(.init(k, v)) }
        func act(_ a: ActivationFunction?) { if let a { add("activation", .string(a.rawValue)) } }
        switch l.op {
        case let .conv(out, w, g, bias, bn, a):
            add("op", .string("conv")); add("out_channels", .int(out)); add("kernel", hw(w.kernelH, w.kernelW))
            add("stride", hw(w.strideH, w.strideW)); add("dilation", hw(w.dilationH, w.dilationW))
            add("padding", paddingValue(w.padding)); add("groups", .int(g)); add("bias", .bool(bias)); add("batch_norm", .bool(bn)); act(a)
        case let .convTranspose(out, w, g, bias, bn, a):
            add("op", .string("conv_transpose")); add("out_channels", .int(out)); add("kernel", hw(w.kernelH, w.kernelW))
            add("stride", hw(w.strideH, w.strideW))
            if w.dilationH != 1 || w.dilationW != 1 { add("dilation", hw(w.dilationH, w.dilationW)) }
            add("padding", paddingValue(.explicit(top: w.padTop, left: w.padLeft, bottom: w.padBottom, right: w.padRight)))
            add("output_padding", hw(w.outputPaddingH, w.outputPaddingW)); add("groups", .int(g)); add("bias", .bool(bias)); add("batch_norm", .bool(bn)); act(a)
        case let .dense(out, bias, a):
            add("op", .string("dense")); add("out_features", .int(out)); add("bias", .bool(bias)); act(a)
        case .matmul(let t): add("op", .string("matmul")); add("transpose_b", .bool(t))
        case let .pool(k, w):
            add("op", .string(k == .max ? "max_pool" : "avg_pool")); add("kernel", hw(w.kernelH, w.kernelW))
            add("stride", hw(w.strideH, w.strideW)); add("padding", paddingValue(w.padding))
        case .globalPool(let k): add("op", .string(k == .max ? "global_max_pool" : "global_avg_pool"))
        case .elementwise(let k): add("op", .string(k.rawValue))
        case .activation(let a): add("op", .string("activation")); add("function", .string(a.rawValue))
        case .softmax(let axis): add("op", .string("softmax")); add("axis", .int(axis))
        case .concat(let axis): add("op", .string("concat")); add("axis", .int(axis))
        case let .squeezeExcite(m, g): add("op", .string("squeeze_excite")); add("reduced_channels", .int(m)); add("gate", .string(g.rawValue))
        case .layerNorm: add("op", .string("layer_norm"))
        case .batchNorm: add("op", .string("batch_norm"))
        case .reshape(let s): add("op", .string("reshape")); add("shape", ints(s))
        case .transpose(let p): add("op", .string("transpose")); add("perm", ints(p))
        case .flatten: add("op", .string("flatten"))
        case .prependToken(let n): add("op", .string("prepend_token")); add("count", .int(n))
        case .positionalEmbedding: add("op", .string("positional_embedding"))
        case let .resize(h, w): add("op", .string("resize")); add("scale", hw(h, w))
        case .channelShuffle(let g): add("op", .string("channel_shuffle")); add("groups", .int(g))
        case let .slice(axis, start, length): add("op", .string("slice")); add("axis", .int(axis)); add("start", .int(start)); add("length", .int(length))
        case let .crop(h, w): add("op", .string("crop")); add("size", hw(h, w))
        case let .embedding(v, feat): add("op", .string("embedding")); add("vocabulary", .int(v)); add("features", .int(feat))
        case .zero: add("op", .string("zero"))
        case .prelu(let n): add("op", .string("prelu")); add("slopes", .int(n))
        case .localResponseNorm(let size): add("op", .string("lrn")); add("size", .int(size))
        case let .pad(amounts, mode): add("op", .string("pad")); add("amounts", ints(amounts)); add("mode", .string(mode.rawValue))
        }
        return .object(f)
    }
}
