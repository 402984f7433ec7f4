import DuetCore

/// NAS-Bench-201 (Dong & Yang, ICLR 2020): a cell of 4 nodes and 6 edges, each edge one of 5 ops,
/// placed in the fixed macro skeleton of the benchmark's `TinyNetwork`: a 3×3 stem conv to 16
/// channels (+BN), three stages of 5 cells at 16/32/64 channels with a residual reduction block
/// (ReLU-conv3×3/2-BN, ReLU-conv3×3-BN, shortcut avgpool 2×2 + conv1×1) between stages, BN+ReLU,
/// global average pooling and a linear classifier. 5⁶ = 15,625 architectures.
///
/// Arch string: `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`, where `op~i` on the j-th group is the
/// edge from node i into node j.
public struct NASBench201Space: NetworkSpace {
    public static let ops = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
    /// (to, from) of each edge in genome order.
    public static let edges: [(to: Int, from: Int)] = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)]

    public var name: String { "nb201" }
    public var summary: String { "NAS-Bench-201 cell space (Dong & Yang ICLR 2020): 6 edges × 5 ops, 15,625 networks" }
    public var dimensions: [SpaceDimension] { Self.edges.map { SpaceDimension("edge\($0.from)->\($0.to)", Self.ops) } }

    /// Input resolution (CIFAR: 32) and classes (CIFAR-10: 10; CIFAR-100: 100; ImageNet16-120: 120, with input 16).
    public var input: Int
    public var classes: Int
    public var channels: Int
    public var cellsPerStage: Int

    public init(input: Int = 32, classes: Int = 10, channels: Int = 16, cellsPerStage: Int = 5) {
        self.input = input; self.classes = classes; self.channels = channels; self.cellsPerStage = cellsPerStage
    }

    public func parse(_ text: String) throws -> Architecture {
        let t = text.trimmingWhitespace()
        let groups = t.split(separator: "+", omittingEmptySubsequences: false).map(String.init)
        guard groups.count == 3 else {
            throw InputError(value: text, message: "a NAS-Bench-201 arch string has 3 node groups separated by '+', found \(groups.count)",
                             hint: "write it as |op~0|+|op~0|op~1|+|op~0|op~1|op~2|")
        }
        var choices: [Int] = []
        for (g, group) in groups.enumerated() {
            guard group.hasPrefix("|"), group.hasSuffix("|") else {
                throw InputError(keyPath: "node\(g + 1)", value: group, message: "each node group must start and end with '|'")
            }
            let items = group.dropFirst().dropLast().split(separator: "|").map(String.init)
            guard items.count == g + 1 else {
                throw InputError(keyPath: "node\(g + 1)", value: group, message: "node \(g + 1) takes \(g + 1) input edge(s), found \(items.count)")
            }
            for (i, item) in items.enumerated() {
                let parts = item.split(separator: "~").map(String.init)
                guard parts.count == 2, Int(parts[1]) == i else {
                    throw InputError(keyPath: "node\(g + 1)", value: item, message: "expected 'op~\(i)'")
                }
                choices.append(try option(parts[0], in: choices.count, keyPath: "node\(g + 1).edge\(i)"))
            }
        }
        return Architecture(choices)
    }

    public func format(_ arch: Architecture) -> String {
        var s = "", k = 0
        for node in 1...3 {
            s += node > 1 ? "+|" : "|"
            for i in 0..<node { s += "\(Self.ops[arch.choices[k]])~\(i)|"; k += 1 }
        }
        return s
    }

    public func network(_ arch: Architecture) throws -> Network { try build(arch, exported: false) }

    /// The network as the benchmark's PyTorch code builds it and a converter sees it, before any
    /// simplification: every `none` edge is a `zero` layer reading its source (PyTorch's
    /// `x.mul(0.)`), every node sums all its incoming edges, and edges leaving a node whose value
    /// is zero are still there. ``network(_:)`` drops zero nodes and the edges leaving them (a
    /// mathematical simplification); a device runtime does not do all of that — TFLite still runs
    /// a convolution fed by zeros — so table-driven latency starts from this graph and lets the
    /// device's graph rewrites decide what runs. Layer names follow ``network(_:)``, plus
    /// `stageN.cellM.eIJ.zero` for `none` edges.
    public func exportedNetwork(_ arch: Architecture) throws -> Network { try build(arch, exported: true) }

    func build(_ arch: Architecture, exported: Bool) throws -> Network {
        try validate(arch)
        var b = NetworkBuilder(name: "nb201", input: TensorShape([3, input, input]))
        b.conv("stem", out: channels, kernel: 3)
        var c = channels
        for stage in 0..<3 {
            if stage > 0 {
                let x = b.current, p = "reduce\(stage)"
                let cn = c * 2
                b.add("\(p).a.relu", .activation(.relu))
                b.conv("\(p).a.conv", out: cn, kernel: 3, stride: 2)
                b.add("\(p).b.relu", .activation(.relu))
                let main = b.conv("\(p).b.conv", out: cn, kernel: 3)
                b.add("\(p).shortcut.pool", .pool(.avg, window: Window2D(kernel: 2, stride: 2, padding: .valid)), inputs: [x])
                let sc = b.conv("\(p).shortcut.conv", out: cn, kernel: 1, padding: .valid, bn: false)
                b.add("\(p).add", .elementwise(.add), inputs: [main, sc])
                c = cn
            }
            for cell in 0..<cellsPerStage {
                cellLayers(&b, arch, prefix: "stage\(stage + 1).cell\(cell)", channels: c, exported: exported)
            }
        }
        b.add("lastact.bn", .batchNorm)
        b.add("lastact.relu", .activation(.relu))
        b.add("gap", .globalPool(.avg))
        b.add("flatten", .flatten)
        b.dense("classifier", out: classes)
        return b.network
    }

    /// Simplified (`exported == false`): nodes whose value is identically zero (every input edge
    /// `none` or from a zero node) are dropped; a cell whose output is zero emits a `zero` layer so
    /// the skeleton stays connected. Exported: every edge is kept, `none` as a `zero` layer.
    private func cellLayers(_ b: inout NetworkBuilder, _ arch: Architecture, prefix: String, channels: Int, exported: Bool) {
        var nodes: [String?] = [b.current, nil, nil, nil]
        let input = b.current
        for to in 1...3 {
            var terms: [String] = []
            for (k, e) in Self.edges.enumerated() where e.to == to {
                guard let src = nodes[e.from] else { continue }
                let p = "\(prefix).e\(e.from)\(e.to)"
                switch Self.ops[arch.choices[k]] {
                case "none": if exported { terms.append(b.add("\(p).zero", .zero, inputs: [src])) }
                case "skip_connect": terms.append(src)
                case "nor_conv_1x1", "nor_conv_3x3":
                    let k = Self.ops[arch.choices[k]] == "nor_conv_1x1" ? 1 : 3
                    b.add("\(p).relu", .activation(.relu), inputs: [src])
                    terms.append(b.conv("\(p).conv\(k)x\(k)", out: channels, kernel: k))
                default:
                    terms.append(b.add("\(p).avgpool", .pool(.avg, window: Window2D(kernel: 3, stride: 1, padding: .symmetric(1, 1))), inputs: [src]))
                }
            }
            if terms.count == 1 { nodes[to] = terms[0] }
            else if terms.count > 1 { nodes[to] = b.add("\(prefix).node\(to)", .elementwise(.add), inputs: terms) }
        }
        if let out = nodes[3] { b.current = out } else { b.add("\(prefix).zero", .zero, inputs: [input]) }
    }
}
