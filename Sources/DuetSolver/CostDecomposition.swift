import DuetCore
import DuetCostModel
import DuetHardware
import DuetWorkload
import Foundation

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
        /// Every architecture's cost, tabulated (mixed-radix index of the choices, first
        /// dimension most significant): exact for any cost, for spaces small enough to enumerate.
        case tabulated
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
    /// tabulated: metric → value of every architecture, by ``index(_:)``.
    public var tabulated: [String: [Int64]] = [:]
    /// tabulated: option count of each dimension.
    public var radix: [Int] = []

    /// The mixed-radix index of an architecture (first dimension most significant).
    public func index(_ arch: Architecture) -> Int {
        var i = 0
        for (d, c) in arch.choices.enumerated() { i = i * radix[d] + c }
        return i
    }

    /// One architecture's cost, split into units (a layer, or a device operator) each attributed
    /// to a network layer by name.
    public typealias Units = [(layer: String, metrics: [String: Int64])]

    static func sum(_ units: Units, metrics: [String], where filter: (String) -> Bool) -> [String: Int64] {
        var out = Dictionary(uniqueKeysWithValues: metrics.map { ($0, Int64(0)) })
        for u in units where filter(u.layer) { for k in metrics { out[k]! += u.metrics[k] ?? 0 } }
        return out
    }

    /// Decomposes `space` on `hw` with the analytical model (``AnalyticalEstimator``) by
    /// evaluating a handful of its networks: latency in cycles, energy in femtojoules (rounded per
    /// layer), MACs.
    public static func make(space: any NetworkSpace, on hw: SubAccelerator) throws -> CostDecomposition {
        try probed(space: space, estimator: AnalyticalEstimator(hw))
    }

    /// Picoseconds per millisecond: table latencies are fixed point in ps (rounded per operator).
    public static let picosecondsPerMs = TableTarget.picosecondsPerMs

    /// Decomposes `space` on a table-driven device (``make(space:estimator:tabulateLimit:cache:)``
    /// with the table as the estimator): `latency_ps` and MACs.
    public static func make(space: any NetworkSpace, table: TableTarget, tabulateLimit: Int = 100_000, cache: TabulationCache? = nil) async throws -> CostDecomposition {
        try await make(space: space, estimator: table, tabulateLimit: tabulateLimit, cache: cache)
    }

    /// Decomposes `space`'s cost by `estimator` into the estimator's fixed-point metrics and MACs.
    ///
    /// - An estimator that is not additive (``CostEstimator/isAdditive``: a learned predictor of a
    ///   whole network) is refused with an ``InputError``: no decomposition of it is exact.
    /// - An estimator whose units stay within layers (the analytical model) is probed: a handful of
    ///   networks give every per-choice term exactly.
    /// - An estimator whose units may fuse layers across choices (a device's runtime) is tabulated
    ///   when the space has at most `tabulateLimit` networks (every architecture's cost, exact for
    ///   any cost; read from and written to `cache` when given and the estimator has an
    ///   ``CostEstimator/identity``), otherwise probed and checked on a seeded sample of 64
    ///   networks, throwing an ``InputError`` when the sum does not hold.
    public static func make(space: any NetworkSpace, estimator: some CostEstimator, tabulateLimit: Int = 100_000,
                            cache: TabulationCache? = nil) async throws -> CostDecomposition {
        guard estimator.isAdditive else {
            throw InputError(keyPath: "target", value: estimator.targetName,
                             message: "\(estimator.costSource) estimates a network's cost as a whole, not as a sum over its layers, so the exact solver cannot decompose it (an optimum proven on a sum would not be an optimum of this cost)",
                             hint: "search this target with duet explore (optimizer nsga2, random or evolution), or solve exactly on a target whose costs add up: an accelerator, a latency table or a device model")
        }
        guard estimator.mayFuseLayers else { return try probed(space: space, estimator: estimator) }
        let metrics = estimator.fixedPoint.map(\.metric) + ["macs"]
        if let cache, let identity = estimator.identity, space.cardinality <= Double(tabulateLimit) {
            let key = TabulationCache.key(space: space, identity: identity, metrics: metrics)
            let count = Int(space.cardinality)
            if let values = cache.load(key: key, metrics: metrics, count: count) {
                var d = CostDecomposition(kind: .tabulated, metrics: metrics, constant: Dictionary(uniqueKeysWithValues: metrics.map { ($0, Int64(0)) }),
                                          terms: [:], adds: [:], cellsPerStage: 1)
                d.tabulated = values
                d.radix = space.dimensions.map(\.options.count)
                return d
            }
            let d = try await make(space: space, estimator: estimator, tabulateLimit: tabulateLimit, cache: nil)
            if case .tabulated = d.kind, d.tabulated.values.allSatisfy({ $0.count == count }) { cache.store(key: key, metrics: metrics, values: d.tabulated) }
            return d
        }
        // MACs of NAS-Bench-201 are an exact structural sum (the network Duet builds); tabulating
        // them from that sum saves a second analysis of every network.
        let structuralMACs: CostDecomposition? = space is NASBench201Space ? try make(space: space, metrics: ["macs"]) { choices in
            try space.network(Architecture(choices)).analyze().layers.filter { $0.macs > 0 }.map { ($0.layer.name, ["macs": Int64($0.macs)]) }
        } : nil
        @Sendable func units(_ choices: [Int]) throws -> Units {
            let arch = Architecture(choices)
            var units = try estimator.estimate(.point(space, arch)).units
            if let structuralMACs {
                units.append(("", ["macs": structuralMACs.value("macs", arch)]))
            } else {
                for l in try space.network(arch).analyze().layers where l.macs > 0 { units.append((l.layer.name, ["macs": Int64(l.macs)])) }
            }
            return units
        }
        // A device's runtime folds constants and fuses operators across the parts that choices
        // change, so its latency is not a sum of per-choice terms in general (NAS-Bench-201's
        // exported cells: almost none are). Small spaces are tabulated exactly.
        if space.cardinality <= Double(tabulateLimit), let all = space.enumerate(limit: tabulateLimit) {
            let radix = space.dimensions.map(\.options.count)
            let costMetrics = estimator.fixedPoint.map(\.metric)
            // One child task per core, each taking every `workers`-th architecture and yielding
            // every 64 so that other tasks of the process still run; the first error cancels the
            // others (they stop at their next architecture) and is rethrown.
            let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
            let count = all.count
            var values = Dictionary(uniqueKeysWithValues: metrics.map { ($0, [Int64](repeating: 0, count: count)) })
            try await withThrowingTaskGroup(of: [(index: Int, values: [Int64])].self) { group in
                for w in 0..<workers {
                    group.addTask {
                        var local: [(index: Int, values: [Int64])] = []
                        for (j, i) in stride(from: w, to: count, by: workers).enumerated() {
                            if j % 64 == 63 { await Task.yield() }
                            try Task.checkCancellation()
                            // The whole network's cost (rounded per unit as in `units`), without
                            // building per-unit records.
                            let total = try estimator.fixedPointTotal(.point(space, all[i]))
                            let m = try structuralMACs.map { $0.value("macs", all[i]) }
                                ?? space.network(all[i]).analyze().layers.reduce(Int64(0)) { $0 + Int64($1.macs) }
                            local.append((i, costMetrics.map { total[$0] ?? 0 } + [m]))
                        }
                        return local
                    }
                }
                for try await chunk in group {
                    for u in chunk { for (k, name) in metrics.enumerated() { values[name]![u.index] = u.values[k] } }
                }
            }
            var d = CostDecomposition(kind: .tabulated, metrics: metrics, constant: Dictionary(uniqueKeysWithValues: metrics.map { ($0, Int64(0)) }),
                                      terms: [:], adds: [:], cellsPerStage: 1)
            d.tabulated = values
            d.radix = radix
            // Enumeration order must be the mixed-radix order the index assumes.
            precondition(all.indices.allSatisfy { i in i % 997 != 0 || d.index(all[i]) == i }, "enumeration order")
            return d
        }
        let d = try make(space: space, metrics: metrics, evaluate: units)
        // Additive spaces: the sum must hold. Check it on a seeded sample and refuse a proof otherwise.
        var rng = SeededGenerator(seed: 1)
        let sample = (0..<64).map { _ in Architecture(space.dimensions.map { Int(rng.next() % UInt64($0.options.count)) }) }
        let bad = try d.mismatches(space: space, estimator: estimator, architectures: sample)
        if let first = bad.first, let m = estimator.fixedPoint.first {
            throw InputError(keyPath: "target", value: estimator.targetName,
                             message: "on this device \(space.name)'s \(m.userMetric.split(separator: "_").first ?? "cost") is not a sum over its choices (\(bad.count) of \(sample.count) sampled networks differ, e.g. \(space.format(first.arch)): \(Double(first.decomposed) / m.scale) \(m.unit) by the sum, \(Double(first.estimated) / m.scale) \(m.unit) by the \(estimator is TableTarget ? "table" : "estimator")): the device's fusion or constant folding crosses the searched blocks",
                             hint: "use duet explore for this space and device, or a table without cross-block fusion rules")
        }
        return d
    }

    /// Decomposes by probing (``make(space:metrics:evaluate:)``) with the estimator's units.
    static func probed(space: any NetworkSpace, estimator: some CostEstimator) throws -> CostDecomposition {
        try make(space: space, metrics: estimator.fixedPoint.map(\.metric) + ["macs"]) { choices in
            try estimator.estimate(.point(space, Architecture(choices))).units
        }
    }

    /// The architectures among `architectures` whose decomposed latency differs from the table's
    /// (beyond the per-operator rounding), with both values in picoseconds.
    public func mismatches(space: any NetworkSpace, table: TableTarget, architectures: [Architecture]) throws -> [(arch: Architecture, decomposed: Int64, estimated: Int64)] {
        try mismatches(space: space, estimator: table, architectures: architectures)
    }

    /// The architectures among `architectures` whose decomposed cost (the estimator's first
    /// metric) differs from the estimator's own total (rounded per unit), with both values.
    public func mismatches(space: any NetworkSpace, estimator: some CostEstimator, architectures: [Architecture]) throws -> [(arch: Architecture, decomposed: Int64, estimated: Int64)] {
        guard let metric = estimator.fixedPoint.first?.metric else { return [] }
        var out: [(Architecture, Int64, Int64)] = []
        for a in architectures {
            let exact = try estimator.fixedPointTotal(.point(space, a))[metric] ?? 0
            let d = value(metric, a)
            if d != exact { out.append((a, d, exact)) }
        }
        return out
    }

    /// Decomposes `space` from `evaluate` (choices → units) by probing a handful of architectures.
    public static func make(space: any NetworkSpace, metrics: [String], evaluate: ([Int]) throws -> Units) throws -> CostDecomposition {
        if space is NASBench201Space {
            let ops = NASBench201Space.ops
            // All-none: only the skeleton (stem, reductions, head) costs anything.
            let none = try evaluate([Int](repeating: 0, count: 6))
            let constant = sum(none, metrics: metrics) { _ in true }
            var terms: [String: [[Int64]]] = Dictionary(uniqueKeysWithValues: metrics.map { ($0, [[Int64]](repeating: [Int64](repeating: 0, count: ops.count), count: 3)) })
            var adds: [String: [[Int64]]] = Dictionary(uniqueKeysWithValues: metrics.map { ($0, [[Int64]](repeating: [0, 0], count: 3)) })
            for (o, op) in ops.enumerated() where op != "none" && op != "skip_connect" {
                let r = try evaluate([Int](repeating: o, count: 6))
                for stage in 0..<3 {
                    // Edge 0→1 of the first cell of the stage: its ReLU and conv, or its pool.
                    let m = sum(r, metrics: metrics) { $0.hasPrefix("stage\(stage + 1).cell0.e01.") }
                    for k in metrics { terms[k]![stage][o] = m[k]! }
                    if op == "nor_conv_3x3" {
                        let a2 = sum(r, metrics: metrics) { $0 == "stage\(stage + 1).cell0.node2" }
                        let a3 = sum(r, metrics: metrics) { $0 == "stage\(stage + 1).cell0.node3" }
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
            let r = try evaluate([Int](repeating: o, count: n))
            for l in 0..<n {
                let m = sum(r, metrics: metrics) { $0.hasPrefix("layer\(l).") }
                for key in metrics { terms[key]![l][o] = m[key]! }
            }
            if o == 0 { constant = sum(r, metrics: metrics) { !$0.hasPrefix("layer") } }
        }
        return CostDecomposition(kind: .additive, metrics: metrics, constant: constant, terms: terms, adds: [:], cellsPerStage: 1)
    }

    /// The metric of one architecture by the decomposition (for brute-force checks).
    public func value(_ metric: String, _ arch: Architecture) -> Int64 {
        if kind == .tabulated { return tabulated[metric]![index(arch)] }
        var total = constant[metric]!
        let t = terms[metric]!
        switch kind {
        case .additive:
            for (l, o) in arch.choices.enumerated() { total += t[l][o] }
        case .tabulated:
            break
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
