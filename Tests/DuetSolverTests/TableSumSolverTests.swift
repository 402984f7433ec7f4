import Foundation
import Testing
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetSolver
@testable import DuetWorkload

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func edge() throws -> SubAccelerator { try AcceleratorLoader(dataDir: root).load("tpu:edge").subAccelerators[0] }

/// The accuracy table: NAS-Bench-201's CIFAR-10 column from ../shared/data when present,
/// otherwise a deterministic stand-in (a hash of the arch string) so the check still runs.
func accuracyTable() -> (table: [String: Double], real: Bool) {
    let path = root.deletingLastPathComponent().appendingPathComponent("shared/data/nb201/accuracy.csv").path
    if let text = try? String(contentsOfFile: path, encoding: .utf8) {
        var t: [String: Double] = [:]
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let f = line.split(separator: ",")
            t[String(f[1])] = Double(f[2])
        }
        return (t, true)
    }
    print("../shared/data absent: using a synthetic accuracy table")
    let s = NASBench201Space()
    return (Dictionary(uniqueKeysWithValues: s.enumerate()!.map { a in
        let str = s.format(a)
        return (str, Double(str.unicodeScalars.reduce(7) { ($0 &* 31 &+ Int($1.value)) % 100_003 }) / 1000)
    }), false)
}

@Suite struct CostDecompositionTests {
    @Test func nb201DecompositionEqualsTheCostModel() throws {
        let hw = try edge()
        let space = NASBench201Space()
        let d = try CostDecomposition.make(space: space, on: hw)
        var rng = SplitMix(seed: 5)
        // Every cell with a disconnected or zero node, plus random ones.
        let archs = (0..<60).map { _ in Architecture((0..<6).map { _ in Int(rng.next() % 5) }) }
            + [Architecture([0, 0, 0, 0, 0, 0]), Architecture([0, 0, 3, 0, 3, 3]), Architecture([3, 0, 0, 0, 0, 1])]
        for a in archs {
            let r = try NetworkEvaluator.evaluate(space.network(a).analyze(), on: hw)
            #expect(d.value("latency_cycles", a) == r.latencyCycles, "\(space.format(a))")
            #expect(d.value("macs", a) == Int64(r.macs))
            #expect(abs(Double(d.value("energy_fj", a)) / 1000 - r.energy.total.value) <= 0.001 * Double(r.layers.count))
        }
    }

    @Test func fbnetDecompositionEqualsTheCostModel() throws {
        let hw = try edge()
        let space = FBNetSpace()
        let d = try CostDecomposition.make(space: space, on: hw)
        var rng = SplitMix(seed: 9)
        for _ in 0..<8 {
            let a = Architecture((0..<22).map { _ in Int(rng.next() % 9) })
            let r = try NetworkEvaluator.evaluate(space.network(a).analyze(), on: hw)
            #expect(d.value("latency_cycles", a) == r.latencyCycles)
            #expect(d.value("macs", a) == Int64(r.macs))
        }
    }
}

struct SplitMix: RandomNumberGenerator {
    var s: UInt64
    init(seed: UInt64) { s = seed }
    mutating func next() -> UInt64 {
        s &+= 0x9E37_79B9_7F4A_7C15
        var z = s
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct TableSumSolverTests {
    /// A sweep of latency budgets over NAS-Bench-201: the solver's optimum equals brute-force
    /// enumeration of all 15,625 cells every time, and budgets below the fastest cell are infeasible.
    @Test func nb201OptimumEqualsBruteForce() throws {
        let hw = try edge()
        let space = NASBench201Space()
        let d = try CostDecomposition.make(space: space, on: hw)
        let (table, _) = accuracyTable()
        let all = space.enumerate()!
        let lat = all.map { d.value("latency_cycles", $0) }
        let lo = lat.min()!, hi = lat.max()!
        let budgets = (0..<20).map { lo + (hi - lo) * Int64($0) / 19 } + [lo - 1]
        let maximizer = try TableMaximizer(TableSumSolver(space: space, decomposition: d, budgets: []), table: table)
        for limit in budgets {
            let brute = zip(all, lat).filter { $0.1 <= limit }.compactMap { table[space.format($0.0)] }.max()
            let r = try maximizer.solve([IntegerBudget(name: "latency_ms", metric: "latency_cycles", limit: limit) { "\($0) cycles" }])
            if let brute {
                #expect(r.status == .optimal, "limit \(limit)")
                #expect(r.value == brute, "limit \(limit): solver \(r.value ?? -1) vs brute force \(brute)")
                #expect(r.metrics["latency_cycles"]! <= limit)
            } else {
                #expect(r.status == .infeasible)
                #expect(r.explanation.first == "latency_ms ≤ \(limit) cycles cannot hold for any design in this space")
                #expect(r.explanation.last == "the smallest latency_ms in this space is \(lo) cycles")
            }
        }
    }

    @Test func conflictingBudgetsAreNamed() throws {
        let hw = try edge()
        let space = NASBench201Space()
        let d = try CostDecomposition.make(space: space, on: hw)
        let all = space.enumerate()!
        let minLat = all.map { d.value("latency_cycles", $0) }.min()!
        let macsOfFastest = all.filter { d.value("latency_cycles", $0) == minLat }.map { d.value("macs", $0) }.max()!
        // As fast as the fastest cell and bigger than any of the fastest: each holds alone, not both.
        let solver = TableSumSolver(space: space, decomposition: d, budgets: [
            IntegerBudget(name: "latency_ms", metric: "latency_cycles", limit: minLat) { "\($0) cycles" },
            IntegerBudget(name: "macs", metric: "macs", limit: macsOfFastest + 1, atLeast: true) { "\($0)" },
        ])
        let r = try solver.optimize(metric: "energy_fj", maximize: false)
        #expect(r.status == .infeasible)
        #expect(r.explanation.first == "latency_ms ≤ \(minLat) cycles and macs ≥ \(macsOfFastest + 1) cannot all hold for any design in this space")
        #expect(r.explanation.contains("the largest macs under latency_ms ≤ \(minLat) cycles is \(macsOfFastest)"))
        let minLatBig = all.filter { d.value("macs", $0) >= macsOfFastest + 1 }.map { d.value("latency_cycles", $0) }.min()!
        #expect(r.explanation.contains("the smallest latency_ms under macs ≥ \(macsOfFastest + 1) is \(minLatBig) cycles"))
    }

    @Test func fbnetMACsUnderLatencyIsProvenOptimal() throws {
        let hw = try edge()
        let space = FBNetSpace()
        let d = try CostDecomposition.make(space: space, on: hw)
        let minLat = d.constant["latency_cycles"]! + d.terms["latency_cycles"]!.reduce(0) { $0 + $1.min()! }
        let maxLat = d.constant["latency_cycles"]! + d.terms["latency_cycles"]!.reduce(0) { $0 + $1.max()! }
        let limit = minLat + (maxLat - minLat) / 3
        let solver = TableSumSolver(space: space, decomposition: d,
                                    budgets: [IntegerBudget(name: "latency_ms", metric: "latency_cycles", limit: limit) { "\($0) cycles" }])
        let r = try solver.optimize(metric: "macs", maximize: true)
        try #require(r.status == .optimal)
        #expect(r.bound == r.value)
        #expect(r.metrics["latency_cycles"]! <= limit)
        #expect(Double(r.metrics["macs"]!) == r.value)
        // Independent check: no single-layer change of the answer gives more MACs within the budget.
        let a = r.arch!
        for l in 0..<22 {
            for o in 0..<9 {
                var b = a; b.choices[l] = o
                if d.value("latency_cycles", b) <= limit { #expect(d.value("macs", b) <= d.value("macs", a)) }
            }
        }
    }
}
