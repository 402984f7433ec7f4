import DuetCore
import DuetWorkload
import Foundation

/// Maps an ONNX graph onto Duet's layer IR. Works on tensor shapes only: initializers are read
/// for their dims (and, when small, their values: shape constants, Clip bounds, scales).
struct ONNXImporter {
    let file: String?
    let model: Onnx_ModelProto
    let options: ONNX.ImportOptions
    let opset: Int
    /// True for files Duet wrote: node names then mark layer boundaries (`layer`, `layer/bn`, …).
    let fromDuet: Bool
    var batch = 1

    /// What is known about each ONNX tensor.
    enum Value {
        /// A run-time activation with a batch dimension: the Duet tensor it is and its full ONNX shape.
        case activation(duet: String, shape: [Int])
        /// A weight or constant (no batch dimension); values when small and known.
        case constant(shape: [Int], ints: [Int]?, doubles: [Double]?)
    }

    var values: [String: Value] = [:]
    var layers: [Layer] = []
    var removed = Set<Int>()
    /// Layer index by Duet name, and the ONNX tensor each layer currently outputs.
    var layerIndex: [String: Int] = [:]
    var layerOutput: [Int: String] = [:]
    var usedNames = Set<String>()
    var consumers: [String: [Int]] = [:]
    var graphOutputs = Set<String>()
    var consumed = Set<Int>()
    var issues: IssueCollector
    var unsupported: [(index: Int, node: Onnx_NodeProto, reason: String)] = []
    var notes: [String] = []
    /// Zero padding of a Pad node, [top, left, bottom, right], that the Conv or pooling node
    /// reading the tensor takes into its own padding.
    var extraPads: [String: [Int]] = [:]
    /// 1-D operators: the reshape layer back to `[N, K, L]` → the 2-D layer it views, and → the
    /// ONNX name of that layer's `[N, K, 1, L]` output.
    var viewOf: [Int: Int] = [:]
    var viewSource: [Int: String] = [:]
    /// Names of Expand nodes that broadcast a learned token (the class-token pattern).
    var tokenNames: [String: String] = [:]

    struct Unsupported: Error { var reason: String }

    init(model: Onnx_ModelProto, file: String?, options: ONNX.ImportOptions) throws {
        self.file = file
        self.model = model
        self.options = options
        self.issues = IssueCollector(file: file)
        self.fromDuet = model.producerName == "duet"
        guard model.hasGraph, model.irVersion > 0 else {
            throw InputError(file: file, message: "not an ONNX model: no graph or IR version",
                             hint: "pass a .onnx file exported by a framework (torch.onnx.export, tf2onnx, …)")
        }
        let defaultSet = model.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }
        guard let v = defaultSet?.version else {
            throw InputError(file: file, keyPath: "opset_import", message: "the model imports no default-domain opset",
                             hint: "export with opset 11 to 21")
        }
        opset = Int(v)
        guard ONNX.supportedOpsets.contains(opset) else {
            throw InputError(file: file, keyPath: "opset_import", value: "\(opset)",
                             message: "opset \(opset) is outside the supported range \(ONNX.supportedOpsets.lowerBound)–\(ONNX.supportedOpsets.upperBound)",
                             hint: "re-export the model with an opset from 11 to 21 (torch.onnx.export(..., opset_version=17))")
        }
    }

    // MARK: - Driver

    mutating func run() throws -> ONNX.ImportResult {
        let g = model.graph
        let weightInputs = Set(model.metadataProps.first { $0.key == ONNX.weightInputsKey }?.value
            .split(separator: ",").map(String.init) ?? [])
        for t in g.initializer {
            values[t.name] = .constant(shape: t.dims.map { Int($0) }, ints: t.intValues, doubles: t.doubleValues)
        }
        // Graph inputs: data inputs carry the batch dimension first.
        var inputs: [NetworkInput] = []
        var batchSeen: Int?
        for (i, vi) in g.input.enumerated() where values[vi.name] == nil {
            let path = "graph.input[\(i)]"
            guard let dims = vi.dims else {
                issues.add(path, value: vi.name, "input has no tensor shape", hint: "export with input shapes (torch.onnx.export does by default)")
                continue
            }
            if weightInputs.contains(vi.name) {
                if dims.contains(where: { $0 == nil }) { issues.add(path, value: vi.name, "weight input has a dynamic dimension") }
                values[vi.name] = .constant(shape: dims.map { $0 ?? 1 }, ints: nil, doubles: nil)
                continue
            }
            guard dims.count >= 2 else {
                issues.add(path, value: "\(vi.name) \(dims.map { $0.map(String.init) ?? "?" })",
                           "input needs a batch dimension and at least one more", hint: "Duet's shapes are [N, …]")
                continue
            }
            let n = dims[0] ?? options.batch
            if let b = batchSeen, b != n {
                issues.add(path + ".shape[0]", value: "\(n)", "inputs disagree on the batch size (\(b) before)")
            }
            batchSeen = n
            var sample: [Int] = []
            for (k, d) in dims.enumerated().dropFirst() {
                if let d { sample.append(d) } else {
                    issues.add(path + ".shape[\(k)]", value: vi.dimParam(k) ?? "?",
                               "input '\(vi.name)' has a dynamic dimension at position \(k); only the batch (position 0) may be dynamic",
                               hint: "export with fixed sizes for every dimension but the batch")
                    sample.append(1)
                }
            }
            values[vi.name] = .activation(duet: vi.name, shape: [n] + sample)
            usedNames.insert(vi.name)
            inputs.append(NetworkInput(name: vi.name, shape: TensorShape(sample)))
        }
        batch = batchSeen ?? options.batch
        if inputs.isEmpty { issues.add("graph.input", "the graph has no data input (every input is a weight)") }
        // Malformed nodes (a Conv without weights, a node without outputs) are refused here,
        // so that operator and pattern code can read the inputs every such node must have.
        for (i, n) in g.node.enumerated() {
            let need = Self.minimumInputs[n.opType] ?? 1
            if n.input.count < need || n.output.isEmpty || n.output[0].isEmpty {
                issues.add(nodePath(i), value: n.opType,
                           "\(n.opType) node '\(n.name)' has \(n.input.count) input(s) and \(n.output.filter { !$0.isEmpty }.count) output(s); it needs at least \(need) input(s) and an output",
                           hint: "check the exported model; the node is malformed")
            }
        }
        try issues.throwIfAny()

        let order = try topologicalOrder()
        for (i, node) in g.node.enumerated() { for t in node.input where !t.isEmpty { consumers[t, default: []].append(i) } }
        for o in g.output { graphOutputs.insert(o.name) }

        // Tensors downstream of a node that failed: their nodes are skipped, so one bad
        // initializer is reported once, not again at every layer after it.
        var failed = Set<String>()
        for i in order where !consumed.contains(i) {
            let node = g.node[i]
            if node.input.contains(where: { failed.contains($0) }) {
                failed.formUnion(node.output)
                continue
            }
            do {
                try convert(i, node)
            } catch let u as Unsupported {
                unsupported.append((i, node, u.reason))
                try placeholder(i, node)
            } catch let e as InputError {
                issues.add(e.under(nodePath(i)))
                failed.formUnion(node.output)
            }
        }
        if !unsupported.isEmpty && !options.allowUnknown {
            for u in unsupported {
                issues.add(nodePath(u.index), value: u.node.opType,
                           "unsupported operator '\(opName(u.node))' at node '\(u.node.name)' (opset \(opset)): \(u.reason)",
                           hint: "pass --allow-unknown to count unsupported nodes as zero-cost placeholders")
            }
        }
        try issues.throwIfAny()
        for u in unsupported {
            notes.append("unknown op '\(opName(u.node))' at node '\(u.node.name)' counted as zero cost (\(u.reason))")
        }

        var outputs: [String] = []
        for (k, o) in g.output.enumerated() {
            guard case .activation(let name, _)? = values[o.name] else {
                issues.add("graph.output[\(k)]", value: o.name, "graph output is not computed from the inputs")
                continue
            }
            outputs.append(name)
        }
        try issues.throwIfAny()
        let kept = layers.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        if outputs.count == 1 && outputs[0] == kept.last?.name { outputs = [] }
        // Exporters' generic graph names say nothing; the file name does.
        let generic = ["", "torch_jit", "torch-jit-export", "main_graph", "tf2onnx"]
        let name = !generic.contains(g.name) ? g.name : (file.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension } ?? "onnx")
        var net = Network(name: name, batch: batch, inputs: inputs, layers: kept, outputs: outputs)
        net.notes = notes
        _ = try net.analyze(file: file)
        return ONNX.ImportResult(network: net, opset: opset, unknownNodes: unsupported.map { "\($0.node.opType):\($0.node.name)" })
    }

    /// The element count of a shape read from the file, or an ``InputError`` when it overflows
    /// a 64-bit integer (a constant of 2⁶²×2⁶² elements must not trap).
    func elementCount(_ shape: some Sequence<Int>) throws -> Int {
        let dims = Array(shape)
        return try Checked.product(dims, what: "the element count of a tensor of shape \(dims)")
    }

    /// The fewest inputs a node of each operator has in ONNX (1 for operators not listed).
    static let minimumInputs: [String: Int] = [
        "Constant": 0, "Conv": 2, "ConvTranspose": 2, "Gemm": 2, "MatMul": 2, "Add": 2, "Sub": 2, "Mul": 2, "Div": 2,
        "Pow": 2, "PRelu": 2, "Reshape": 2, "Expand": 2, "Gather": 2, "Where": 3, "Equal": 2,
        "BatchNormalization": 5, "LayerNormalization": 2, "Einsum": 1,
    ]

    func opName(_ n: Onnx_NodeProto) -> String { n.domain.isEmpty || n.domain == "ai.onnx" ? n.opType : "\(n.domain).\(n.opType)" }

    func nodePath(_ i: Int) -> String { "graph.node[\(i)]" }

    /// Kahn's order over the nodes; a cycle or a read of a tensor nothing produces is an error.
    func topologicalOrder() throws -> [Int] {
        let g = model.graph
        var producer: [String: Int] = [:]
        var issues = IssueCollector(file: file)
        for (i, n) in g.node.enumerated() {
            for o in n.output where !o.isEmpty {
                if producer[o] != nil || values[o] != nil {
                    issues.add(nodePath(i) + ".output", value: o, "tensor '\(o)' is produced twice (node '\(n.name)')")
                }
                producer[o] = i
            }
        }
        var indegree = [Int](repeating: 0, count: g.node.count)
        var dependents = [[Int]](repeating: [], count: g.node.count)
        for (i, n) in g.node.enumerated() {
            for t in n.input where !t.isEmpty {
                if let p = producer[t] { indegree[i] += 1; dependents[p].append(i) } else if values[t] == nil {
                    issues.add(nodePath(i) + ".input", value: t,
                               "\(n.opType) node '\(n.name)' reads tensor '\(t)', which no node, input or initializer provides")
                }
            }
        }
        try issues.throwIfAny()
        // Files are normally sorted already; keep their order then (it is the layer order).
        var seen = Set(values.keys)
        var sorted = true
        for n in g.node {
            if n.input.contains(where: { !$0.isEmpty && !seen.contains($0) }) { sorted = false; break }
            for o in n.output { seen.insert(o) }
        }
        if sorted { return Array(0..<g.node.count) }
        // Otherwise Kahn's algorithm, taking the lowest-numbered ready node first.
        var ready = (0..<g.node.count).filter { indegree[$0] == 0 }.reversed() as [Int]
        var order: [Int] = []
        order.reserveCapacity(g.node.count)
        while let i = ready.popLast() {
            order.append(i)
            for d in dependents[i] {
                indegree[d] -= 1
                if indegree[d] == 0 {
                    let pos = ready.firstIndex { $0 < d } ?? ready.count
                    ready.insert(d, at: pos)
                }
            }
        }
        if order.count < g.node.count {
            let left = (0..<g.node.count).filter { indegree[$0] > 0 }
            let names = left.prefix(8).map { g.node[$0].name.isEmpty ? g.node[$0].opType : g.node[$0].name }.joined(separator: ", ")
            throw InputError(file: file, keyPath: "graph.node", value: names,
                             message: "the graph has a cycle: \(left.count) node(s) depend on each other's outputs",
                             hint: "an ONNX graph must be acyclic; re-export the model")
        }
        return order
    }

    // MARK: - Values

    func activation(_ t: String) -> (duet: String, shape: [Int])? {
        if case .activation(let d, let s)? = values[t] { return (d, s) }
        return nil
    }

    func constant(_ t: String) -> (shape: [Int], ints: [Int]?, doubles: [Double]?)? {
        if case .constant(let s, let i, let d)? = values[t] { return (s, i, d) }
        return nil
    }

    func needActivation(_ node: Onnx_NodeProto, _ k: Int) throws -> (duet: String, shape: [Int]) {
        guard k < node.input.count, let a = activation(node.input[k]) else {
            throw Unsupported(reason: "input \(k) is expected to be computed from the network input, not a constant")
        }
        return a
    }

    func needConstant(_ node: Onnx_NodeProto, _ k: Int, what: String) throws -> (shape: [Int], ints: [Int]?, doubles: [Double]?) {
        guard k < node.input.count, let c = constant(node.input[k]) else {
            throw Unsupported(reason: "its \(what) (input \(k)) is computed at run time; only constant \(what)s are supported")
        }
        return c
    }

    func intsInput(_ node: Onnx_NodeProto, _ k: Int, what: String) throws -> [Int] {
        let c = try needConstant(node, k, what: what)
        guard let v = c.ints else { throw Unsupported(reason: "its \(what) (input \(k)) has no readable integer values") }
        return v
    }

    /// The name a new layer gets: the node's name, else its output, else a generated one.
    mutating func layerName(_ node: Onnx_NodeProto, index: Int) -> String {
        for cand in [node.name, node.output.first ?? ""] where !cand.isEmpty && !usedNames.contains(cand) {
            usedNames.insert(cand)
            return cand
        }
        var k = index
        while usedNames.contains("\(node.opType)_\(k)") { k += 1 }
        usedNames.insert("\(node.opType)_\(k)")
        return "\(node.opType)_\(k)"
    }

    /// Appends a layer reading the given ONNX activation tensors, infers its output shape and
    /// binds `output` to it.
    @discardableResult
    mutating func addLayer(_ name: String, _ op: Operator, inputs: [String], output: String) throws -> Int {
        var names: [String] = [], shapes: [[Int]] = []
        for t in inputs {
            guard let a = activation(t) else { throw Unsupported(reason: "input '\(t)' is not computed from the network input") }
            names.append(a.duet); shapes.append(a.shape)
        }
        let out = try Self.inferShape(name: name, op, inputShapes: shapes.map { Array($0.dropFirst()) }, batch: batch)
        layers.append(Layer(name, op, inputs: names))
        let idx = layers.count - 1
        layerIndex[name] = idx
        layerOutput[idx] = output
        values[output] = .activation(duet: name, shape: [batch] + out)
        return idx
    }

    /// Per-sample output shape of one layer, by Duet's own shape inference.
    static func inferShape(name: String, _ op: Operator, inputShapes: [[Int]], batch: Int) throws -> [Int] {
        let ins = inputShapes.enumerated().map { NetworkInput(name: "\u{1}in\($0.offset)", shape: TensorShape($0.element)) }
        let net = Network(name: "probe", batch: batch, inputs: ins, layers: [Layer(name, op, inputs: ins.map(\.name))])
        do {
            let a = try net.analyze()
            return a.layers[0].outputShape.dims
        } catch let e as InputError {
            throw InputError(e.issues.map { var i = $0; i.keyPath = i.keyPath.replacingOccurrences(of: "layers[0]", with: "")
                if i.keyPath.hasPrefix(".") { i.keyPath.removeFirst() }
                i.keyPath = onnxKeyPath(i.keyPath)
                return i })
        }
    }

    /// The ONNX name of a key Duet's shape inference reports: the node's attribute or input that
    /// holds the value (`kernel` → `attribute.kernel_shape`), so that messages point into the
    /// .onnx file rather than at Duet's own network format.
    static func onnxKeyPath(_ duetKey: String) -> String {
        let head = String(duetKey.prefix { $0 != "." && $0 != "[" })
        let rest = duetKey.dropFirst(head.count)
        let map = ["kernel": "attribute.kernel_shape", "padding": "attribute.pads", "groups": "attribute.group",
                   "perm": "attribute.perm", "axis": "attribute.axis", "size": "attribute.size", "length": "attribute.ends",
                   "amounts": "attribute.pads", "out_channels": "input[1]", "shape": "input[1]", "scale": "input[2]",
                   "vocabulary": "input[0]", "slopes": "input[1]", "inputs": "input"]
        return map[head].map { $0 + rest } ?? duetKey
    }

    /// The layer that produces ONNX tensor `t`, when every reader of `t` is among `group` and `t` is
    /// not a graph output — so a following node can be folded into that layer. In files Duet wrote,
    /// the folded node's name must also start with the layer's name and a slash.
    func foldableProducer(_ t: String, group: Set<Int>, nodeName: String) -> Int? {
        guard case .activation(let duet, _)? = values[t], let idx = layerIndex[duet], !removed.contains(idx),
              layerOutput[idx] == t, !graphOutputs.contains(t),
              (consumers[t] ?? []).allSatisfy({ group.contains($0) }) else { return nil }
        if fromDuet && !nodeName.hasPrefix(duet + "/") { return nil }
        return idx
    }

    func onlyConsumer(_ t: String) -> Int? {
        guard !graphOutputs.contains(t), let c = consumers[t], c.count == 1 else { return nil }
        return c[0]
    }

    func nodeAt(_ i: Int) -> Onnx_NodeProto { model.graph.node[i] }

    func isConst(_ t: String, _ value: Double, tolerance: Double = 1e-4) -> Bool {
        guard let c = constant(t), let d = c.doubles, d.count == 1 else { return false }
        return abs(d[0] - value) <= tolerance * max(1, abs(value))
    }

    // MARK: - Unsupported nodes

    /// A zero-cost stand-in for a node that could not be mapped: its output takes the shape of its
    /// first activation input (or its declared shape, when value_info gives one of equal size).
    mutating func placeholder(_ i: Int, _ node: Onnx_NodeProto) throws {
        guard let inT = node.input.first(where: { activation($0) != nil }), let a = activation(inT) else {
            for o in node.output where !o.isEmpty { values[o] = .constant(shape: [], ints: nil, doubles: nil) }
            return
        }
        for o in node.output where !o.isEmpty {
            if !options.allowUnknown || !unsupported.contains(where: { $0.index == i }) {
                values[o] = .activation(duet: a.duet, shape: a.shape)
                continue
            }
            var shape = a.shape
            if let vi = (model.graph.valueInfo + model.graph.output).first(where: { $0.name == o }), let d = vi.dims,
               d.allSatisfy({ $0 != nil }), d.count >= 2 {
                let declared = [batch] + d.dropFirst().map { $0! }
                if try elementCount(declared) == elementCount(shape) { shape = declared }
                else {
                    issues.add(nodePath(i), value: node.opType,
                               "unsupported node '\(node.name)' changes the tensor size (\(a.shape) → \(declared)); a zero-cost placeholder cannot stand in for it")
                }
            }
            let name = layerName(node, index: i)
            try addLayer(name, .reshape(Array(shape.dropFirst())), inputs: [inT], output: o)
        }
    }
}
