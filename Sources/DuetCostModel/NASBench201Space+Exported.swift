import DuetCore
import DuetWorkload

extension NASBench201Space {
    /// The network as the benchmark's PyTorch code builds it and a converter sees it, before any
    /// simplification: every `none` edge is a `zero` layer reading its source (PyTorch's
    /// `x.mul(0.)`), every node sums all its incoming edges, and edges leaving a node whose value
    /// is zero are still there. ``network(_:)`` drops zero nodes and the edges leaving them
    /// (a mathematical simplification); a device runtime does not do all of that — TFLite still
    /// runs a convolution fed by zeros — so table-driven latency starts from this graph and lets
    /// `DeviceGraph`'s rewrites decide what runs. Layer names follow ``network(_:)``, plus
    /// `stageN.cellM.eIJ.zero` for `none` edges.
    public func exportedNetwork(_ arch: Architecture) throws -> Network {
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
                exportedCell(&b, arch, prefix: "stage\(stage + 1).cell\(cell)", channels: c)
            }
        }
        b.add("lastact.bn", .batchNorm)
        b.add("lastact.relu", .activation(.relu))
        b.add("gap", .globalPool(.avg))
        b.add("flatten", .flatten)
        b.dense("classifier", out: classes)
        return b.network
    }

    private func exportedCell(_ b: inout NetworkBuilder, _ arch: Architecture, prefix: String, channels: Int) {
        var nodes: [String] = [b.current]
        for to in 1...3 {
            var terms: [String] = []
            for (k, e) in Self.edges.enumerated() where e.to == to {
                let src = nodes[e.from]
                let p = "\(prefix).e\(e.from)\(e.to)"
                switch Self.ops[arch.choices[k]] {
                case "none": terms.append(b.add("\(p).zero", .zero, inputs: [src]))
                case "skip_connect": terms.append(src)
                case "nor_conv_1x1", "nor_conv_3x3":
                    let k = Self.ops[arch.choices[k]] == "nor_conv_1x1" ? 1 : 3
                    b.add("\(p).relu", .activation(.relu), inputs: [src])
                    terms.append(b.conv("\(p).conv\(k)x\(k)", out: channels, kernel: k))
                default:
                    terms.append(b.add("\(p).avgpool", .pool(.avg, window: Window2D(kernel: 3, stride: 1, padding: .symmetric(1, 1))), inputs: [src]))
                }
            }
            nodes.append(terms.count == 1 ? terms[0] : b.add("\(prefix).node\(to)", .elementwise(.add), inputs: terms))
        }
        b.current = nodes[3]
    }
}

extension SpaceOperators {
    /// The network a device's converter sees for `arch`: ``NASBench201Space/exportedNetwork(_:)``
    /// for NAS-Bench-201, the space's own network otherwise.
    public static func deviceNetwork(_ space: any NetworkSpace, _ arch: Architecture) throws -> Network {
        if let nb = space as? NASBench201Space { return try nb.exportedNetwork(arch) }
        return try space.network(arch)
    }
}
