import DuetCore
import DuetWorkload
import Foundation

/// Which features a predictor computes from an architecture.
public enum FeatureSet: String, Sendable, Hashable, CaseIterable, Codable {
    /// The bare one-hot choice vector (the baseline the structural features are measured against).
    case onehot
    /// One-hot choices plus structural features of the lowered network (``NetworkStructure``) and,
    /// for cell spaces, of the cell (``CellStructure``).
    case structural
}

/// Turns architectures of one network space into feature vectors: the one-hot choice vector and,
/// for ``FeatureSet/structural``, what the lowered network says about the architecture (live
/// layers after dead-code removal, per-operator counts on live paths, MACs, parameters, depth) and,
/// for NAS-Bench-201, its cell (live edges, per-op counts on live edges, paths and their depths).
///
/// Feature names (``names``) are the predictor file's feature schema: a predictor refuses
/// features computed under another schema.
public struct FeatureExtractor: Sendable {
    public let space: any NetworkSpace
    public let set: FeatureSet
    /// The name of each feature, in vector order.
    public let names: [String]

    public init(space: any NetworkSpace, set: FeatureSet = .structural) {
        self.space = space
        self.set = set
        var names: [String] = []
        for d in space.dimensions { for o in d.options { names.append("choice.\(d.name)=\(o)") } }
        if set == .structural {
            if space is NASBench201Space { names += CellStructure.names }
            names += NetworkStructure.names
        }
        self.names = names
    }

    /// The number of features.
    public var count: Int { names.count }

    /// The feature vector of `arch` (which must be an architecture of the space).
    public func features(_ arch: Architecture) throws -> [Float] {
        var out = [Float](repeating: 0, count: names.count)
        var k = 0
        for (d, c) in zip(space.dimensions, arch.choices) {
            out[k + c] = 1
            k += d.options.count
        }
        guard set == .structural else { return out }
        if space is NASBench201Space {
            for v in CellStructure(nb201: arch).values { out[k] = v; k += 1 }
        }
        let s = try NetworkStructure(try space.network(arch))
        for v in s.values { out[k] = v; k += 1 }
        return out
    }

    /// Features of many architectures in one row-major matrix (`archs.count × count`).
    public func matrix(_ archs: [Architecture]) throws -> [Float] {
        var m: [Float] = []
        m.reserveCapacity(archs.count * count)
        for a in archs { m += try features(a) }
        return m
    }
}

/// Structural features of a lowered network after dead-code removal: a layer is live when it is
/// reachable from the network input (a `zero` layer cuts that) and reaches an output.
public struct NetworkStructure: Sendable, Hashable {
    /// Live layers by kind: convolutions by kernel size, depthwise, grouped and pointwise
    /// convolutions, pools, adds, dense layers.
    public var liveLayers = 0, conv1 = 0, conv3 = 0, conv5 = 0, conv7 = 0, depthwise = 0, grouped = 0
    public var pools = 0, adds = 0, dense = 0, squeezeExcite = 0
    /// log₁₀ of the live layers' multiply-accumulates and parameters (+1).
    public var log10MACs = 0.0, log10Params = 0.0
    /// The longest and shortest input → output path, counted in weighted layers (conv, dense).
    public var longestPath = 0, shortestPath = 0
    /// 1 when the output depends on the input at all (a NAS-Bench-201 cell can cut it).
    public var connected = 0

    public static let names = ["net.live_layers", "net.conv1x1", "net.conv3x3", "net.conv5x5", "net.conv7x7", "net.depthwise",
                               "net.grouped", "net.pools", "net.adds", "net.dense", "net.squeeze_excite", "net.log10_macs",
                               "net.log10_params", "net.longest_path", "net.shortest_path", "net.connected"]

    public var values: [Float] {
        [liveLayers, conv1, conv3, conv5, conv7, depthwise, grouped, pools, adds, dense, squeezeExcite].map(Float.init)
            + [Float(log10MACs), Float(log10Params), Float(longestPath), Float(shortestPath), Float(connected)]
    }

    public init(_ network: Network) throws {
        let analysis = try network.analyze()
        let n = network.layers.count
        var index: [String: Int] = [:]
        for (i, l) in network.layers.enumerated() { index[l.name] = i }
        let inputNames = Set(network.inputs.map(\.name))
        // Forward: reachable from the input, with the longest/shortest weighted path to each layer.
        var reach = [Bool](repeating: false, count: n)
        var longest = [Int](repeating: 0, count: n), shortest = [Int](repeating: .max, count: n)
        for (i, l) in network.layers.enumerated() {
            if case .zero = l.op { continue }
            var any = false, lo = Int.max, hi = 0
            for src in l.inputs {
                if inputNames.contains(src) { any = true; lo = min(lo, 0); continue }
                guard let j = index[src], reach[j] else { continue }
                any = true; lo = min(lo, shortest[j]); hi = max(hi, longest[j])
            }
            guard any else { continue }
            let w = Self.isWeighted(l.op) ? 1 : 0
            reach[i] = true; longest[i] = hi + w; shortest[i] = lo + w
        }
        // Backward: reaches an output.
        var live = [Bool](repeating: false, count: n)
        let outs = network.outputs.isEmpty ? [network.layers.last?.name ?? ""] : network.outputs
        for o in outs { if let j = index[o] { live[j] = true } }
        for i in stride(from: n - 1, through: 0, by: -1) where live[i] {
            for src in network.layers[i].inputs { if let j = index[src] { live[j] = true } }
        }
        var macs = 0, params = 0
        for i in 0..<n where live[i] && reach[i] {
            let l = network.layers[i]
            liveLayers += 1
            macs &+= analysis.layers[i].macs
            params &+= analysis.layers[i].params
            switch l.op {
            case .conv(_, let w, let g, _, _, _):
                let cin = analysis.layers[i].inputShapes.first?.dims.first ?? 0
                if g > 1 && g == cin { depthwise += 1 } else if g > 1 { grouped += 1 }
                if g == 1 || g != cin {
                    switch w.kernelH { case 1: conv1 += 1; case 3: conv3 += 1; case 5: conv5 += 1; default: conv7 += 1 }
                }
            case .pool: pools += 1
            case .elementwise(.add): adds += 1
            case .dense: dense += 1
            case .squeezeExcite: squeezeExcite += 1
            default: break
            }
        }
        log10MACs = log10(Double(macs) + 1)
        log10Params = log10(Double(params) + 1)
        let finals = outs.compactMap { index[$0] }.filter { reach[$0] }
        connected = finals.isEmpty ? 0 : 1
        longestPath = finals.map { longest[$0] }.max() ?? 0
        shortestPath = finals.map { shortest[$0] }.min() ?? 0
    }

    static func isWeighted(_ op: Operator) -> Bool {
        switch op {
        case .conv, .convTranspose, .dense, .matmul: return true
        default: return false
        }
    }
}

/// Structural features of a NAS-Bench-201 cell (4 nodes, 6 edges; node 0 is the input, node 3 the
/// output): an edge is live when its op is not `none`, its source is reachable from node 0 and its
/// target reaches node 3 through live edges. Per-op counts on live edges, the number of live
/// input → output paths, and the longest/shortest live path counted in convolutions and in edges.
public struct CellStructure: Sendable, Hashable {
    public var live: [Bool]
    public var opCounts: [Int]
    public var paths = 0
    public var longestConvPath = 0, shortestConvPath = 0, longestEdgePath = 0, shortestEdgePath = 0
    /// Per path shape (0→3, 0→1→3, 0→2→3, 0→1→2→3): the number of convolutions on it, or −1 when dead.
    public var pathConvs: [Int]

    public static let names: [String] = {
        var n = (0..<6).map { "cell.live_edge\($0)" }
        n += NASBench201Space.ops.map { "cell.live_\($0)" }
        n += ["cell.paths", "cell.longest_conv_path", "cell.shortest_conv_path", "cell.longest_edge_path", "cell.shortest_edge_path"]
        n += ["cell.path03_convs", "cell.path013_convs", "cell.path023_convs", "cell.path0123_convs"]
        return n
    }()

    public var values: [Float] {
        live.map { $0 ? 1 : 0 } + opCounts.map(Float.init)
            + [paths, longestConvPath, shortestConvPath, longestEdgePath, shortestEdgePath].map(Float.init) + pathConvs.map(Float.init)
    }

    public init(nb201 arch: Architecture) {
        let edges = NASBench201Space.edges
        let ops = NASBench201Space.ops
        let none = ops.firstIndex(of: "none")!
        let present = arch.choices.map { $0 != none }
        var fromInput = [true, false, false, false]
        for (k, e) in edges.enumerated() where present[k] && fromInput[e.from] { fromInput[e.to] = true }
        var toOutput = [false, false, false, true]
        for (k, e) in edges.enumerated().reversed() where present[k] && toOutput[e.to] { toOutput[e.from] = true }
        live = edges.indices.map { present[$0] && fromInput[edges[$0].from] && toOutput[edges[$0].to] }
        opCounts = [Int](repeating: 0, count: ops.count)
        for k in edges.indices where live[k] { opCounts[arch.choices[k]] += 1 }
        let isConv = arch.choices.map { ops[$0].hasPrefix("nor_conv") }
        func edge(_ from: Int, _ to: Int) -> Int { edges.firstIndex { $0.from == from && $0.to == to }! }
        let shapes: [[Int]] = [[0, 3], [0, 1, 3], [0, 2, 3], [0, 1, 2, 3]]
        pathConvs = []
        var convs: [Int] = [], lengths: [Int] = []
        for s in shapes {
            let ks = zip(s, s.dropFirst()).map { edge($0, $1) }
            if ks.allSatisfy({ live[$0] }) {
                let c = ks.filter { isConv[$0] }.count
                pathConvs.append(c); convs.append(c); lengths.append(ks.count)
            } else {
                pathConvs.append(-1)
            }
        }
        paths = convs.count
        longestConvPath = convs.max() ?? 0
        shortestConvPath = convs.min() ?? 0
        longestEdgePath = lengths.max() ?? 0
        shortestEdgePath = lengths.min() ?? 0
    }
}
