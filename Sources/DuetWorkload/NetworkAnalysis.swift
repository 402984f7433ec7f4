import DuetCore

/// Shapes and counts of one layer, as inferred in its network.
public struct LayerAnalysis: Sendable, Hashable {
    public var layer: Layer
    /// A short class name: conv, depthwise, pointwise, group_conv, dense, matmul, max_pool, …
    public var kind: String
    public var inputShapes: [TensorShape]
    public var outputShape: TensorShape
    /// Multiply-accumulates for the whole batch.
    public var macs: Int
    /// Trainable parameters (including BatchNorm's scale and shift, as frameworks count them).
    public var params: Int
    /// Weight elements an accelerator stores (BatchNorm folded into a per-channel bias).
    public var weightElements: Int
    /// Elements of all inputs read, for the whole batch.
    public var inputElements: Int
    /// Elements written, for the whole batch.
    public var outputElements: Int
    /// Non-MAC arithmetic (comparisons, adds, activations), for the whole batch.
    public var vectorOps: Int
    /// The seven-loop view for layers with a loop nest; nil for shape-only and purely elementwise layers.
    public var loops: LoopNest?

    public func weightBytes(bits: Int) -> Int { bytes(weightElements, bits) }
    public func inputBytes(bits: Int) -> Int { bytes(inputElements, bits) }
    public func outputBytes(bits: Int) -> Int { bytes(outputElements, bits) }
    /// MACs per byte moved (weights + inputs + outputs at `bits` per element); 0 for zero traffic.
    public func arithmeticIntensity(bits: Int) -> Double {
        let traffic = weightBytes(bits: bits) + inputBytes(bits: bits) + outputBytes(bits: bits)
        return traffic == 0 ? 0 : Double(macs) / Double(traffic)
    }
    private func bytes(_ elements: Int, _ bits: Int) -> Int {
        let (p, o) = elements.multipliedReportingOverflow(by: bits)
        return o ? Int.max / 8 : (p + 7) / 8
    }
}

/// A network with every tensor's shape inferred and every layer counted.
public struct NetworkAnalysis: Sendable, Hashable {
    public var network: Network
    public var layers: [LayerAnalysis]
    /// Every tensor's per-sample shape, by name.
    public var shapes: [String: TensorShape]

    public var totalMACs: Int { layers.reduce(0) { $0 &+ $1.macs } }
    public var totalParams: Int { layers.reduce(0) { $0 &+ $1.params } }
    public func totalWeightBytes(bits: Int) -> Int { layers.reduce(0) { $0 &+ $1.weightBytes(bits: bits) } }
    /// Bytes of every activation tensor (network inputs and each layer's output), each counted once.
    public func totalActivationBytes(bits: Int) -> Int {
        let inputElems = network.inputs.reduce(0) { acc, i in
            acc &+ (((try? i.shape.elementCount()) ?? 0) &* network.batch)
        }
        return layers.reduce((inputElems &* bits + 7) / 8) { $0 &+ $1.outputBytes(bits: bits) }
    }
    /// Output tensor names (explicit outputs, or the last layer).
    public var outputNames: [String] {
        network.outputs.isEmpty ? network.layers.last.map { [$0.name] } ?? [] : network.outputs
    }
}

extension Network {
    /// Validates the graph, infers every shape and counts MACs, parameters and traffic. All
    /// problems are reported together, each with the layer's key path (`layers[i]`); counts that
    /// overflow 64-bit integers are reported, never trapped.
    public func analyze(file: String? = nil) throws -> NetworkAnalysis {
        var issues = IssueCollector(file: file)
        var shapes: [String: TensorShape] = [:]
        if batch < 1 { issues.add("batch", value: "\(batch)", "must be at least 1") }
        if inputs.isEmpty { issues.add("inputs", "a network needs at least one input", hint: "add an input with a name and a shape") }
        if layers.isEmpty { issues.add("layers", value: "[]", "a network needs at least one layer", hint: "add a layer, e.g. {name: fc, op: dense, out_features: 10}") }
        for (i, input) in inputs.enumerated() {
            if input.shape.dims.isEmpty || input.shape.dims.contains(where: { $0 < 1 }) {
                issues.add("inputs[\(i)].shape", value: input.shape.description, "every dimension must be at least 1")
            } else if shapes[input.name] != nil {
                issues.add("inputs[\(i)].name", value: input.name, "duplicate tensor name")
            } else {
                shapes[input.name] = input.shape
            }
        }
        var out: [LayerAnalysis] = []
        var failed = Set<String>()
        for (i, layer) in layers.enumerated() {
            var path: String { "layers[\(i)]" }   // built only for a problem
            if shapes[layer.name] != nil || failed.contains(layer.name) {
                issues.add(path + ".name", value: layer.name, "duplicate layer or tensor name", hint: "give every layer a unique name")
                continue
            }
            var ins: [TensorShape] = []
            var skip = false
            for (j, t) in layer.inputs.enumerated() {
                if let s = shapes[t] { ins.append(s) } else if failed.contains(t) { skip = true } else {
                    let later = layers[(i + 1)...].contains { $0.name == t }
                    issues.add(path + ".inputs[\(j)]", value: t, "unknown tensor",
                               hint: later ? "'\(t)' is produced by a later layer; list layers in dependency order"
                                   : Suggestion.hint(for: t, in: Array(shapes.keys).sorted()))
                    skip = true
                }
            }
            if skip { failed.insert(layer.name); continue }
            do {
                let a = try LayerAnalysis.infer(layer, inputs: ins, batch: batch)
                shapes[layer.name] = a.outputShape
                out.append(a)
            } catch let e as InputError {
                issues.add(e.under(path))
                failed.insert(layer.name)
            }
        }
        for (i, o) in outputs.enumerated() where shapes[o] == nil && !failed.contains(o) {
            issues.add("outputs[\(i)]", value: o, "unknown tensor", hint: Suggestion.hint(for: o, in: layers.map(\.name)))
        }
        try issues.throwIfAny()
        // Totals must fit too.
        var macs = 0, params = 0
        for l in out {
            macs = try Checked.sum(macs, l.macs, what: "total MAC count of \(name)")
            params = try Checked.sum(params, l.params, what: "total parameter count of \(name)")
        }
        return NetworkAnalysis(network: self, layers: out, shapes: shapes)
    }
}

extension LayerAnalysis {
    /// Infers one layer's output shape and counts from its input shapes.
    static func infer(_ layer: Layer, inputs ins: [TensorShape], batch: Int) throws -> LayerAnalysis {
        func fail(_ key: String = "", _ message: String, value: String? = nil, hint: String? = nil) -> InputError {
            InputError(keyPath: key, value: value, message: "layer '\(layer.name)': \(message)", hint: hint)
        }
        func need(_ count: Int) throws {
            if ins.count != count {
                throw fail("inputs", "takes \(count) input\(count == 1 ? "" : "s"), got \(ins.count)")
            }
        }
        func needCHW() throws -> (c: Int, h: Int, w: Int) {
            try need(1)
            guard let chw = ins[0].chw else {
                throw fail("inputs", "needs a [C, H, W] feature map, got shape \(ins[0])",
                           hint: "insert a reshape, or use dense for vectors")
            }
            return chw
        }
        func count(_ f: [Int], _ what: String) throws -> Int {
            try Checked.product(f, what: "\(what) of layer '\(layer.name)'")
        }
        let elementsIn = try ins.reduce(0) { try Checked.sum($0, try count([batch] + $1.dims, "input size"), what: "input size") }
        var macs = 0, params = 0, weights = 0, vectorOps = 0
        var loops: LoopNest?
        var kind: String
        let outShape: TensorShape

        switch layer.op {
        case let .conv(k, win, g, bias, bn, _):
            let (c, h, w) = try needCHW()
            if k < 1 { throw fail("out_channels", "must be at least 1", value: "\(k)") }
            if g < 1 || c % g != 0 || k % g != 0 {
                throw fail("groups", "groups must divide both input channels (\(c)) and output channels (\(k))", value: "\(g)")
            }
            guard let (p, q) = win.outputSize(h: h, w: w) else {
                throw fail("kernel", "the \(win.kernelH)×\(win.kernelW) window (dilation \(win.dilationH)) does not fit the \(h)×\(w) input with padding \(win.padding)",
                           value: "\(win.kernelH)×\(win.kernelW)", hint: "use a smaller kernel, pad the input (padding: same), or feed a larger input")
            }
            outShape = TensorShape([k, p, q])
            loops = LoopNest(n: batch, k: k, c: c / g, p: p, q: q, r: win.kernelH, s: win.kernelW,
                             strideH: win.strideH, strideW: win.strideW, dilationH: win.dilationH, dilationW: win.dilationW, groups: g)
            macs = try count([batch, k, c / g, p, q, win.kernelH, win.kernelW], "MAC count")
            weights = try count([k, c / g, win.kernelH, win.kernelW], "weight count")
            params = weights + (bias ? k : 0) + (bn ? 2 * k : 0)
            weights += (bias || bn) ? k : 0
            vectorOps = bn || bias ? batch * k * p * q : 0
            kind = g == 1 ? (win.kernelH == 1 && win.kernelW == 1 ? "pointwise" : "conv")
                : (g == c && c / g == 1 ? "depthwise" : "group_conv")
        case let .convTranspose(k, win, g, bias, bn, _):
            let (c, h, w) = try needCHW()
            if k < 1 { throw fail("out_channels", "must be at least 1", value: "\(k)") }
            if g < 1 || c % g != 0 || k % g != 0 {
                throw fail("groups", "groups must divide both input channels (\(c)) and output channels (\(k))", value: "\(g)")
            }
            let fields = [win.kernelH, win.kernelW, win.strideH, win.strideW, win.dilationH, win.dilationW]
            if fields.contains(where: { $0 < 1 }) {
                throw fail("kernel", "kernel, stride and dilation must be at least 1", value: "\(fields)")
            }
            let pads = [win.padTop, win.padLeft, win.padBottom, win.padRight, win.outputPaddingH, win.outputPaddingW]
            if pads.contains(where: { $0 < 0 }) { throw fail("padding", "padding and output padding must be at least 0", value: "\(pads)") }
            let (p, q) = win.outputSize(h: h, w: w)
            if p < 1 || q < 1 {
                throw fail("padding", "padding \(win.padTop),\(win.padLeft),\(win.padBottom),\(win.padRight) leaves no output for the \(h)×\(w) input",
                           value: "\(win.padTop),\(win.padLeft),\(win.padBottom),\(win.padRight)")
            }
            outShape = TensorShape([k, p, q])
            // Each input element is multiplied by every kernel tap once (scatter view).
            loops = LoopNest(n: batch, k: k, c: c / g, p: h, q: w, r: win.kernelH, s: win.kernelW, groups: g)
            macs = try count([batch, k, c / g, h, w, win.kernelH, win.kernelW], "MAC count")
            weights = try count([c, k / g, win.kernelH, win.kernelW], "weight count")
            params = weights + (bias ? k : 0) + (bn ? 2 * k : 0)
            weights += (bias || bn) ? k : 0
            kind = "conv_transpose"
        case let .dense(o, bias, _):
            try need(1)
            guard let f = ins[0].dims.last else { throw fail("inputs", "needs at least one dimension") }
            let tokens = try count(ins[0].dims.dropLast(), "token count")
            outShape = TensorShape(ins[0].dims.dropLast() + [o])
            loops = LoopNest(n: batch, k: o, c: f, p: tokens, q: 1)
            macs = try count([batch, tokens, f, o], "MAC count")
            weights = try count([f, o], "weight count") + (bias ? o : 0)
            params = weights
            kind = "dense"
        case let .matmul(tB):
            try need(2)
            let a = ins[0].dims, b = ins[1].dims
            guard a.count >= 2, b.count >= 2 else { throw fail("inputs", "matmul needs two inputs of rank ≥ 2, got \(ins[0]) and \(ins[1])") }
            let (m, ka) = (a[a.count - 2], a[a.count - 1])
            let (kb, nn) = tB ? (b[b.count - 1], b[b.count - 2]) : (b[b.count - 2], b[b.count - 1])
            if ka != kb { throw fail("inputs", "inner dimensions differ: \(ins[0]) × \(ins[1])\(tB ? "ᵀ" : "")") }
            let ba = Array(a.dropLast(2)), bb = Array(b.dropLast(2))
            guard let bdims = broadcast(ba, bb) else { throw fail("inputs", "batch dimensions do not broadcast: \(ins[0]) × \(ins[1])") }
            let bprod = try count(bdims, "batch size")
            outShape = TensorShape(bdims + [m, nn])
            loops = LoopNest(n: batch * bprod, k: nn, c: ka, p: m, q: 1)
            macs = try count([batch, bprod, m, ka, nn], "MAC count")
            kind = "matmul"
        case let .pool(pk, win):
            let (c, h, w) = try needCHW()
            guard let (p, q) = win.outputSize(h: h, w: w) else {
                throw fail("kernel", "the \(win.kernelH)×\(win.kernelW) pooling window does not fit the \(h)×\(w) input",
                           value: "\(win.kernelH)×\(win.kernelW)", hint: "use a smaller window, pad the input, or feed a larger input")
            }
            outShape = TensorShape([c, p, q])
            loops = LoopNest(n: batch, k: c, c: 1, p: p, q: q, r: win.kernelH, s: win.kernelW,
                             strideH: win.strideH, strideW: win.strideW, groups: c)
            vectorOps = try count([batch, c, p, q, win.kernelH, win.kernelW], "operation count")
            kind = pk == .max ? "max_pool" : "avg_pool"
        case .globalPool(let pk):
            let (c, h, w) = try needCHW()
            outShape = TensorShape([c, 1, 1])
            loops = LoopNest(n: batch, k: c, c: 1, p: 1, q: 1, r: h, s: w, strideH: h, strideW: w, groups: c)
            vectorOps = try count([batch, c, h, w], "operation count")
            kind = pk == .max ? "global_max_pool" : "global_avg_pool"
        case .elementwise(let ek):
            if ins.count < 2 { throw fail("inputs", "\(ek.rawValue) takes at least 2 inputs, got \(ins.count)") }
            var dims = ins[0].dims
            for s in ins.dropFirst() {
                guard let d = broadcast(dims, s.dims) else {
                    throw fail("inputs", "shapes \(ins.map(\.description).joined(separator: ", ")) do not broadcast",
                               hint: "elementwise inputs must have equal shapes, or size 1 where they differ")
                }
                dims = d
            }
            outShape = TensorShape(dims)
            vectorOps = try count([batch, ins.count - 1] + dims, "operation count")
            kind = ek.rawValue
        case .activation(let f):
            try need(1)
            outShape = ins[0]
            vectorOps = try count([batch] + ins[0].dims, "operation count")
            kind = "activation"
            _ = f  // every activation costs one vector op per element here
        case .softmax(let axis):
            try need(1)
            if axis >= ins[0].rank || axis < -ins[0].rank { throw fail("axis", "axis out of range for shape \(ins[0])", value: "\(axis)") }
            outShape = ins[0]
            vectorOps = try count([batch, 3] + ins[0].dims, "operation count")
            kind = "softmax"
        case .concat(let axis):
            if ins.isEmpty { throw fail("inputs", "concat needs at least one input") }
            let rank = ins[0].rank
            let ax = axis < 0 ? axis + rank : axis
            if ax < 0 || ax >= rank { throw fail("axis", "axis out of range for shape \(ins[0])", value: "\(axis)") }
            var dims = ins[0].dims
            for s in ins.dropFirst() {
                guard s.rank == rank, (0..<rank).allSatisfy({ $0 == ax || s.dims[$0] == dims[$0] }) else {
                    throw fail("inputs", "cannot concatenate \(ins.map(\.description).joined(separator: ", ")) along axis \(axis)")
                }
                dims[ax] += s.dims[ax]
            }
            outShape = TensorShape(dims)
            kind = "concat"
        case let .squeezeExcite(mid, _):
            let (c, h, w) = try needCHW()
            outShape = ins[0]
            loops = LoopNest(n: 2 * batch, k: mid, c: c, p: 1, q: 1)
            macs = try count([2, batch, c, mid], "MAC count")
            weights = 2 * c * mid + mid + c
            params = weights
            vectorOps = try count([batch, c, h, w], "operation count") * 2
            kind = "squeeze_excite"
        case .layerNorm:
            try need(1)
            outShape = ins[0]
            params = 2 * (ins[0].dims.last ?? 0)
            weights = params
            vectorOps = try count([batch, 5] + ins[0].dims, "operation count")
            kind = "layer_norm"
        case .batchNorm:
            try need(1)
            outShape = ins[0]
            params = 2 * (ins[0].dims.first ?? 0)
            weights = params
            vectorOps = try count([batch, 2] + ins[0].dims, "operation count")
            kind = "batch_norm"
        case .reshape(let target):
            try need(1)
            let total = try ins[0].elementCount()
            let unknown = target.filter { $0 == -1 }.count
            if unknown > 1 || target.contains(where: { $0 == 0 || $0 < -1 }) {
                throw fail("shape", "dimensions must be positive, with at most one -1", value: "\(target)")
            }
            let known = try count(target.filter { $0 != -1 }, "reshape size")
            if unknown == 1 ? total % known != 0 : total != known {
                throw fail("shape", "cannot reshape \(ins[0]) (\(total) elements) to \(target)")
            }
            outShape = TensorShape(target.map { $0 == -1 ? total / known : $0 })
            kind = "reshape"
        case .transpose(let perm):
            try need(1)
            if perm.sorted() != Array(0..<ins[0].rank) {
                throw fail("perm", "must be a permutation of 0..<\(ins[0].rank)", value: "\(perm)")
            }
            outShape = TensorShape(perm.map { ins[0].dims[$0] })
            kind = "transpose"
        case .flatten:
            try need(1)
            outShape = TensorShape([try ins[0].elementCount()])
            kind = "flatten"
        case .prependToken(let n):
            try need(1)
            guard ins[0].rank == 2 else { throw fail("inputs", "needs a [T, F] sequence, got \(ins[0])") }
            outShape = TensorShape([try Checked.sum(ins[0].dims[0], n, what: "sequence length"), ins[0].dims[1]])
            params = try count([n, ins[0].dims[1]], "parameter count")
            weights = params
            kind = "prepend_token"
        case .positionalEmbedding:
            try need(1)
            outShape = ins[0]
            params = try ins[0].elementCount()
            weights = params
            vectorOps = try count([batch] + ins[0].dims, "operation count")
            kind = "positional_embedding"
        case let .resize(sh, sw):
            let (c, h, w) = try needCHW()
            if sh < 1 || sw < 1 { throw fail("scale", "scales must be at least 1", value: "\(sh),\(sw)") }
            let (oh, ow) = (try count([h, sh], "output height"), try count([w, sw], "output width"))
            outShape = TensorShape([c, oh, ow])
            vectorOps = try count([batch, c, oh, ow], "operation count")
            kind = "resize"
        case .channelShuffle(let g):
            let (c, _, _) = try needCHW()
            if g < 1 || c % g != 0 { throw fail("groups", "must divide the \(c) channels", value: "\(g)") }
            outShape = ins[0]
            kind = "channel_shuffle"
        case let .slice(axis, start, length):
            try need(1)
            let ax = axis < 0 ? axis + ins[0].rank : axis
            guard ax >= 0, ax < ins[0].rank else { throw fail("axis", "axis out of range for shape \(ins[0])", value: "\(axis)") }
            guard start >= 0, length >= 1, start + length <= ins[0].dims[ax] else {
                throw fail("length", "slice [\(start), \(start + length)) is outside dimension \(ax) of \(ins[0])")
            }
            var dims = ins[0].dims
            dims[ax] = length
            outShape = TensorShape(dims)
            kind = "slice"
        case let .crop(ch, cw):
            let (c, h, w) = try needCHW()
            if ch < 1 || cw < 1 || ch > h || cw > w {
                throw fail("size", "cannot crop \(ins[0]) to \(ch)×\(cw)", value: "\(ch)×\(cw)")
            }
            outShape = TensorShape([c, ch, cw])
            kind = "crop"
        case let .embedding(v, f):
            try need(1)
            if v < 1 || f < 1 { throw fail("vocabulary", "vocabulary and features must be at least 1", value: "\(v)×\(f)") }
            outShape = TensorShape(ins[0].dims + [f])
            params = try count([v, f], "parameter count")
            weights = params
            kind = "embedding"
        case .zero:
            try need(1)
            outShape = ins[0]
            kind = "zero"
        case .prelu(let n):
            try need(1)
            guard let ch = ins[0].dims.first else { throw fail("inputs", "needs at least one dimension") }
            if n != 1 && n != ch {
                throw fail("slopes", "PReLU has 1 shared slope or one per channel (\(ch) for input \(ins[0]))", value: "\(n)")
            }
            outShape = ins[0]
            params = n
            weights = n
            vectorOps = try count([batch] + ins[0].dims, "operation count")
            kind = "prelu"
        case .localResponseNorm(let size):
            try need(1)
            if size < 1 { throw fail("size", "must be at least 1", value: "\(size)") }
            outShape = ins[0]
            vectorOps = try count([batch, size + 2] + ins[0].dims, "operation count")
            kind = "lrn"
        case let .pad(amounts, _):
            try need(1)
            let r = ins[0].rank
            guard amounts.count == 2 * r, amounts.allSatisfy({ $0 >= 0 }) else {
                throw fail("amounts", "needs \(2 * r) amounts ≥ 0 (before each of the \(r) dimensions of \(ins[0]), then after each)",
                           value: "\(amounts)")
            }
            outShape = TensorShape((0..<r).map { ins[0].dims[$0] + amounts[$0] + amounts[r + $0] })
            kind = "pad"
        }
        let elementsOut = try count([batch] + outShape.dims, "output size")
        if layer.op.fusedActivation != nil { vectorOps = try Checked.sum(vectorOps, elementsOut, what: "operation count") }
        return LayerAnalysis(layer: layer, kind: kind, inputShapes: ins, outputShape: outShape, macs: macs,
                             params: params, weightElements: weights, inputElements: elementsIn,
                             outputElements: elementsOut, vectorOps: vectorOps, loops: loops)
    }
}

/// numpy-style broadcast of two shapes (aligned at the end); nil when incompatible.
func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
    let n = max(a.count, b.count)
    var out = [Int](repeating: 1, count: n)
    for i in 0..<n {
        let x = i < n - a.count ? 1 : a[i - (n - a.count)]
        let y = i < n - b.count ? 1 : b[i - (n - b.count)]
        if x != y && x != 1 && y != 1 { return nil }
        out[i] = max(x, y)
    }
    return out
}
