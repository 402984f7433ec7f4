import DuetCore
import DuetHardware
import DuetWorkload

/// One operator as a device runs it: a table signature and the network layers it covers.
public struct DeviceOperator: Sendable, Hashable {
    public var signature: OperatorSignature
    /// Names of the network layers fused into this operator, in network order.
    public var layers: [String]
}

/// A network as a device's runtime runs it: the operators left after the runtime's graph
/// rewrites, fused by its fusion rules, in network order. Built by the pure function
/// ``DeviceGraph/lower(_:rewrites:fusion:precision:)``.
public struct DeviceGraph: Sendable, Hashable {
    public var operators: [DeviceOperator]
    /// Layers removed because their results cannot reach an output.
    public var deadLayers: [String]
    /// Layers folded into constants (they do not depend on the network input) or removed as
    /// adds of a zero, or that a runtime never runs (`flatten`, `reshape`, `zero`).
    public var foldedLayers: [String]
    /// Layers merged into an identical earlier layer (common-subexpression elimination).
    public var mergedLayers: [String]

    /// Every signature, one per operator (repeats included).
    public var signatures: [OperatorSignature] { operators.map(\.signature) }

    /// What a value is known to be before running the network.
    enum Value: Equatable { case variable, zero, constant }

    /// Rewrites and lowers `network` for a device: (1) constant folding — a `zero` layer is zero,
    /// a foldable operator (see ``foldable(_:)``) fed only by constants is a constant (zero when
    /// it maps zero to zero), zero operands of adds are dropped and an add left with one operand
    /// forwards it; other operators fed only by constants still run; (2)
    /// common-subexpression elimination; (3) dead-code removal from the outputs back; (4)
    /// lowering each remaining layer to an ``OperatorSignature`` and applying `fusion`.
    /// `flatten` and `reshape` layers never become operators; `zero` layers do only without
    /// `fold_constants` (then they run as `other_zero`, a multiplication by 0).
    public static func lower(_ network: Network, rewrites: [GraphRewrite], fusion: [FusionRule], precision: String = "fp32") throws -> DeviceGraph {
        let analysis = try network.analyze()
        let fold = rewrites.contains(.foldConstants)
        var alias: [String: String] = [:]          // removed layer → the tensor it forwards
        func resolve(_ t: String) -> String { var t = t; while let a = alias[t] { t = a }; return t }
        var value: [String: Value] = [:]
        for i in network.inputs { value[i.name] = .variable }
        var kept: [Int] = []                       // indices into analysis.layers still present
        var inputsOf: [Int: [String]] = [:]
        var folded: [String] = [], merged: [String] = []
        var seen: [CSEKey: String] = [:]           // CSE: op + inputs → layer
        for (i, la) in analysis.layers.enumerated() {
            let layer = la.layer
            var ins = layer.inputs.map(resolve)
            let vs = ins.map { value[$0] ?? .variable }
            // Without constant folding a `zero` layer is an operator like any other (x · 0 reads x).
            if fold, case .zero = layer.op {
                value[layer.name] = .zero
                folded.append(layer.name); continue
            }
            if fold && !vs.contains(.variable) && foldable(layer.op) {
                value[layer.name] = (vs.allSatisfy { $0 == .zero } && mapsZeroToZero(layer.op)) ? .zero : .constant
                folded.append(layer.name); continue
            }
            if fold, case .elementwise(let ek) = layer.op, vs.contains(.zero) {
                if ek == .mul { value[layer.name] = .zero; folded.append(layer.name); continue }
                ins = zip(ins, vs).filter { $0.1 != .zero }.map(\.0)
                if ins.count == 1 { alias[layer.name] = ins[0]; folded.append(layer.name); continue }
            }
            switch layer.op {
            case .flatten, .reshape:
                alias[layer.name] = ins[0]; folded.append(layer.name); continue
            default: break
            }
            if rewrites.contains(.cse) && weightless(layer.op) {
                let k = CSEKey(op: layer.op, inputs: ins)
                if let first = seen[k] { alias[layer.name] = first; merged.append(layer.name); continue }
                seen[k] = layer.name
            }
            value[layer.name] = .variable
            kept.append(i); inputsOf[i] = ins
        }
        // Dead code: walk back from the outputs.
        var dead: [String] = []
        if rewrites.contains(.deadCode) {
            var live = Set(analysis.outputNames.map(resolve))
            var survivors: [Int] = []
            for i in kept.reversed() {
                let name = analysis.layers[i].layer.name
                if live.contains(name) { survivors.append(i); live.formUnion(inputsOf[i]!) } else { dead.append(name) }
            }
            kept = survivors.reversed()
            dead.reverse()
        }
        // Lower to device nodes.
        var nodes: [Node] = []
        for i in kept {
            let la = analysis.layers[i]
            let ins = inputsOf[i]!
            let inShape = ins.first.flatMap { analysis.shapes[$0] } ?? la.inputShapes.first ?? la.outputShape
            nodes.append(Node(name: la.layer.name, op: la.layer.op, inputs: ins,
                              signature: signature(la, input: inShape, operands: ins.count, precision: precision),
                              layers: [la.layer.name]))
        }
        nodes = applyFusion(nodes, fusion, outputs: Set(analysis.outputNames.map(resolve)), shapes: analysis.shapes)
        return DeviceGraph(operators: nodes.map { DeviceOperator(signature: $0.signature, layers: $0.layers) },
                           deadLayers: dead, foldedLayers: folded, mergedLayers: merged)
    }

    /// Whether a converter evaluates the operator at conversion time when all its inputs are
    /// constants: elementwise operators, activations, BatchNorm and shape operators. Convolutions,
    /// dense layers and pooling are not folded (TFLite's converter leaves them; measured
    /// NAS-Bench-201 latencies show a convolution fed by a zero node still costs a convolution),
    /// so they run and their result is a runtime tensor.
    static func foldable(_ op: Operator) -> Bool {
        switch op {
        case .activation, .elementwise, .batchNorm, .flatten, .reshape, .transpose, .concat, .zero, .slice, .crop: return true
        default: return false
        }
    }

    /// Whether the operator has no weights, so two of them on the same tensors compute the same
    /// value (CSE must not merge convolutions: Duet's IR does not carry their weights).
    static func weightless(_ op: Operator) -> Bool {
        switch op {
        case .activation, .elementwise, .pool, .globalPool, .flatten, .reshape, .transpose, .concat, .softmax, .slice, .crop, .resize, .channelShuffle:
            return true
        default: return false
        }
    }

    /// Whether f(0) = 0 for the operator (so a layer fed only by zeros outputs zero).
    static func mapsZeroToZero(_ op: Operator) -> Bool {
        switch op {
        case .conv(_, _, _, let bias, let bn, _): return !bias && !bn
        case .dense(_, let bias, _): return !bias
        case .activation(let f): return [.relu, .relu6, .hswish, .tanh, .gelu, .swish].contains(f)
        case .pool, .globalPool, .elementwise, .flatten, .reshape, .concat, .transpose, .zero, .slice, .crop, .resize, .channelShuffle, .matmul:
            return true
        default: return false
        }
    }

    struct CSEKey: Hashable { var op: Operator; var inputs: [String] }

    struct Node {
        var name: String
        var op: Operator
        var inputs: [String]
        var signature: OperatorSignature
        var layers: [String]
    }

    static func hwc(_ s: TensorShape) -> [Int] {
        if let (c, h, w) = s.chw { return [h, w, c] }
        return [s.dims.reduce(1, *)]
    }

    static func signature(_ la: LayerAnalysis, input: TensorShape, operands: Int, precision: String) -> OperatorSignature {
        let inp = hwc(input), out = hwc(la.outputShape)
        var s = OperatorSignature(kind: "other_" + la.kind, input: inp, output: out, precision: precision)
        switch la.layer.op {
        case .conv(_, let w, let g, _, _, let act):
            s.kind = "conv"; s.kernel = w.kernelH; s.stride = w.strideH; s.groups = g; s.activation = act?.rawValue ?? "none"
        case .dense(_, _, let act):
            s.kind = "dense"; s.input = [input.dims.reduce(1, *)]; s.output = [la.outputShape.dims.reduce(1, *)]
            s.activation = act?.rawValue ?? "none"
        case .pool(let k, let w):
            s.kind = k == .avg ? "pool_avg" : "pool_max"; s.kernel = w.kernelH; s.stride = w.strideH
        case .globalPool(let k):
            s.kind = k == .avg ? "gpool_avg" : "gpool_max"
        case .elementwise(let k):
            s.kind = k.rawValue; s.operands = operands
        case .activation(let f):
            s.kind = "act"; s.activation = f.rawValue
        case .batchNorm:
            s.kind = "bn"
        case .squeezeExcite(_, let gate):
            s.kind = "se"; s.activation = gate.rawValue
        case .softmax: s.kind = "softmax"
        case .concat: s.kind = "concat"; s.operands = operands
        default: break
        }
        return s
    }

    static func applyFusion(_ input: [Node], _ rules: [FusionRule], outputs: Set<String>, shapes: [String: TensorShape]) -> [Node] {
        var nodes = input
        func consumers() -> [String: Int] {
            var c: [String: Int] = [:]
            for n in nodes { for i in n.inputs { c[i, default: 0] += 1 } }
            for o in outputs { c[o, default: 0] += 1 }
            return c
        }
        /// Merges each node j that is the sole consumer of its single input's producer i into i
        /// when `canFuse(i, j)`; one pass in network order (chains fuse step by step).
        func fuseForward(_ canFuse: (Node, Node) -> Bool, _ apply: (inout Node, Node) -> Void) {
            let uses = consumers()
            var out: [Node] = []
            out.reserveCapacity(nodes.count)
            var index: [String: Int] = [:]          // tensor name → position in `out`
            for n in nodes {
                if n.inputs.count == 1, let i = index[n.inputs[0]], uses[n.inputs[0]] == 1, canFuse(out[i], n) {
                    var p = out[i]
                    apply(&p, n)
                    p.layers += n.layers
                    index[p.name] = nil
                    p.name = n.name                 // the fused node produces the consumer's tensor
                    out[i] = p
                    index[n.name] = i
                } else {
                    index[n.name] = out.count
                    out.append(n)
                }
            }
            nodes = out
        }
        func isConv(_ n: Node) -> Bool { n.signature.kind == "conv" || n.signature.kind == "dense" }
        if rules.contains(.convBN) {
            fuseForward({ isConv($0) && $1.signature.kind == "bn" }, { _, _ in })
        }
        if rules.contains(.convAct) {
            fuseForward({ isConv($0) && $0.signature.activation == "none" && $1.signature.kind == "act" }, { $0.signature.activation = $1.signature.activation })
        }
        if rules.contains(.addAct) {
            fuseForward({ $0.signature.kind == "add" && $0.signature.activation == "none" && $1.signature.kind == "act" }, { $0.signature.activation = $1.signature.activation })
        }
        if rules.contains(.invertedResidual) { nodes = fuseInvertedResiduals(nodes, consumers: consumers()) }
        return nodes
    }

    static func fuseInvertedResiduals(_ input: [Node], consumers uses: [String: Int]) -> [Node] {
        var nodes = input
        var byName: [String: Int] = [:]
        for (k, n) in nodes.enumerated() { byName[n.name] = k }
        var consumerOf: [String: [Int]] = [:]
        for (k, n) in nodes.enumerated() { for i in n.inputs { consumerOf[i, default: []].append(k) } }
        func soleConsumer(_ name: String) -> Int? {
            guard uses[name] == 1, let c = consumerOf[name], c.count == 1 else { return nil }
            return c[0]
        }
        var remove = Set<Int>()
        for (d, dw) in nodes.enumerated() {
            let s = dw.signature
            guard s.kind == "conv", s.groups > 1, s.groups == s.input.last, s.groups == s.output.last, dw.inputs.count == 1 else { continue }
            var members = [d]
            var blockInput = dw.inputs[0]
            var inShape = s.input
            if let e = byName[blockInput], !remove.contains(e) {
                let es = nodes[e].signature
                if es.kind == "conv", es.kernel == 1, es.groups == 1, soleConsumer(nodes[e].name) == d, nodes[e].inputs.count == 1 {
                    members.insert(e, at: 0); blockInput = nodes[e].inputs[0]; inShape = es.input
                }
            }
            guard var next = soleConsumer(dw.name) else { continue }
            var se = false
            if nodes[next].signature.kind == "se" {
                se = true; members.append(next)
                guard let n2 = soleConsumer(nodes[next].name) else { continue }
                next = n2
            }
            let pw = nodes[next].signature
            guard pw.kind == "conv", pw.kernel == 1, pw.groups == 1, pw.activation == "none" else { continue }
            members.append(next)
            var outName = nodes[next].name
            var skip = false
            if let a = soleConsumer(outName), nodes[a].signature.kind == "add", nodes[a].inputs.count == 2,
               nodes[a].inputs.contains(blockInput), nodes[a].signature.activation == "none" {
                members.append(a); skip = true; outName = nodes[a].name
            }
            let sig = OperatorSignature(kind: "mbconv", input: inShape, output: pw.output, kernel: s.kernel, stride: s.stride, groups: 0,
                                        expand: s.output.last ?? 0, squeezeExcite: se, identitySkip: skip, activation: s.activation,
                                        operands: 1, precision: s.precision)
            let last = members.max()!
            nodes[last] = Node(name: outName, op: nodes[last].op, inputs: [blockInput], signature: sig,
                               layers: members.sorted().flatMap { nodes[$0].layers })
            for m in members where m != last { remove.insert(m) }
        }
        return nodes.enumerated().filter { !remove.contains($0.offset) }.map(\.element)
    }
}
