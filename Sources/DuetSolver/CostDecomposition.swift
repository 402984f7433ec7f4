import DuetCore
import DuetCostModel
import DuetHardware
import DuetWorkload

/// A network space's cost on one sub-accelerator written as sums of per-choice terms, so that a
/// solver can reason over all of its networks at once. Costs are integers: latency in cycles,
/// energy in femtojoules (pJ × 1000, rounded per layer), MACs as counted.
public struct CostDecomposition: Sendable {
    public enum Kind: Sendable {
        /// Independent layer positions (FBNet): metric = constant + Σ_l term[l][choice_l].
        case additive
        /// NAS-Bench-201 cells: per-stage edge terms, gated by which nodes are non-zero, and
        /// node-add terms by the number of inputs reaching the node (see ``NB201Logic``).
        case nb201
    }
    public var kind: Kind
    public var metrics: [String]
    /// metric → constant (cycles/fJ/MACs of the parts no choice changes).
    public var constant: [String: Int64]
    /// metric → [position][option] (additive) or [stage][option] (nb201: one edge in one cell).
    public var terms: [String: [[Int64]]]
    /// nb201: metric → [stage][terms − 2] cost of one node's add with 2 or 3 inputs.
    public var adds: [String: [[Int64]]]
    public var cellsPerStage: Int

    static func metricsOf(_ r: NetworkResult, layers filter: (String) -> Bool) -> [String: Int64] {
        var lat: Int64 = 0, fj: Int64 = 0, macs: Int64 = 0
        for l in r.layers where filter(l.analysis.layer.name) {
            lat += l.cost.latencyCycles
            fj += Int64((l.cost.energy.total.value * 1000).rounded())
            macs += Int64(l.cost.macs)
        }
        return ["latency_cycles": lat, "energy_fj": fj, "macs": macs]
    }

    /// Decomposes `space` on `hw` by evaluating a handful of its networks with the cost model.
    public static func make(space: any NetworkSpace, on hw: SubAccelerator) throws -> CostDecomposition {
        let cache = MappingCache()
        let metrics = ["latency_cycles", "energy_fj", "macs"]
        func eval(_ choices: [Int]) throws -> NetworkResult {
            try NetworkEvaluator.evaluate(space.network(Architecture(choices)).analyze(), on: hw, cache: cache)
        }
        if space is NASBench201Space {
            let ops = NASBench201Space.ops
            // All-none: only the skeleton (stem, reductions, head) costs anything.
            let none = try eval([Int](repeating: 0, count: 6))
            let constant = metricsOf(none) { _ in true }
            var terms: [String: [[Int64]]] = Dictionary(uniqueKeysWithValues: metrics.map { ($0, [[Int64]](repeating: [Int64](repeating: 0, count: ops.count), count: 3)) })
            var adds: [String: [[Int64]]] = Dictionary(uniqueKeysWithValues: metrics.map { ($0, [[Int64]](repeating: [0, 0], count: 3)) })
            for (o, op) in ops.enumerated() where op != "none" && op != "skip_connect" {
                let r = try eval([Int](repeating: o, count: 6))
                for stage in 0..<3 {
                    // Edge 0→1 of the first cell of the stage: its ReLU and conv, or its pool.
                    let m = metricsOf(r) { $0.hasPrefix("stage\(stage + 1).cell0.e01.") }
                    for k in metrics { terms[k]![stage][o] = m[k]! }
                    if op == "nor_conv_3x3" {
                        let a2 = metricsOf(r) { $0 == "stage\(stage + 1).cell0.node2" }
                        let a3 = metricsOf(r) { $0 == "stage\(stage + 1).cell0.node3" }
                        for k in metrics { adds[k]![stage] = [a2[k]!, a3[k]!] }
                    }
                }
            }
            return CostDecomposition(kind: .nb201, metrics: metrics, constant: constant, terms: terms, adds: adds, cellsPerStage: 5)
        }
        // Additive spaces: one position per dimension, each owning the layers named "layer<i>.".
        guard space is FBNetSpace else {
            throw InputError(keyPath: "tasks[0].space", value: space.name, message: "the exact solver supports the nb201 and fbnet spaces",
                             hint: "use duet explore for other spaces")
        }
        let n = space.dimensions.count, k = space.dimensions[0].options.count
        var terms: [String: [[Int64]]] = Dictionary(uniqueKeysWithValues: metrics.map { ($0, [[Int64]](repeating: [Int64](repeating: 0, count: k), count: n)) })
        var constant: [String: Int64] = [:]
        for o in 0..<k {
            let r = try eval([Int](repeating: o, count: n))
            for l in 0..<n {
                let m = metricsOf(r) { $0.hasPrefix("layer\(l).") }
                for key in metrics { terms[key]![l][o] = m[key]! }
            }
            if o == 0 { constant = metricsOf(r) { !$0.hasPrefix("layer") } }
        }
        return CostDecomposition(kind: .additive, metrics: metrics, constant: constant, terms: terms, adds: [:], cellsPerStage: 1)
    }

    /// The metric of one architecture by the decomposition (for brute-force checks).
    public func value(_ metric: String, _ arch: Architecture) -> Int64 {
        var total = constant[metric]!
        let t = terms[metric]!
        switch kind {
        case .additive:
            for (l, o) in arch.choices.enumerated() { total += t[l][o] }
        case .nb201:
            let logic = NB201Logic(arch.choices)
            for stage in 0..<3 {
                var cell: Int64 = 0
                for e in 0..<6 where logic.term[e] { cell += t[stage][arch.choices[e]] }
                for node in 2...3 where logic.inputs[node] >= 2 { cell += adds[metric]![stage][logic.inputs[node] - 2] }
                total += Int64(cellsPerStage) * cell
            }
        }
        return total
    }
}

/// Which parts of a NAS-Bench-201 cell exist, as Duet builds the network: a node is non-zero
/// when some non-`none` edge from a non-zero node enters it; such an edge is a term of its node's
/// sum (skip connections add no layer but are terms); a node with two or more terms has an add.
public struct NB201Logic {
    public var nonzero = [true, false, false, false]
    public var term = [Bool](repeating: false, count: 6)
    public var inputs = [0, 0, 0, 0]

    public init(_ choices: [Int]) {
        for (e, edge) in NASBench201Space.edges.enumerated() {
            let active = nonzero[edge.from] && choices[e] != 0
            term[e] = active
            if active { inputs[edge.to] += 1; nonzero[edge.to] = true }
        }
    }
}
