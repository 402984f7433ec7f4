import Foundation
import Testing
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetSolver
@testable import DuetWorkload

/// `duet solve` on a table-driven device: NAS-Bench-201 on the Pixel 3 device model, whose
/// lowering (exported graph, constant folding, fusion) is not a sum over the cell's edges, so
/// the space is tabulated; FBNet, whose blocks do not fuse across each other, stays additive.
@Suite(.serialized) struct TableTargetSolveTests {
    static func pixel3() throws -> TableTarget {
        TableTarget(model: try DeviceModel.resolve("pixel3", dataDirectory: root))
    }

    @Test func nb201OnADeviceTableEqualsBruteForce() async throws {
        let space = NASBench201Space()
        let target = try Self.pixel3()
        let d = try await CostDecomposition.make(space: space, table: target)
        #expect(d.kind == .tabulated)
        let all = space.enumerate()!
        // The tabulation is the device's latency: every 50th network recomputed independently.
        let sample = stride(from: 0, to: all.count, by: 50).map { all[$0] }
        #expect(try d.mismatches(space: space, table: target, architectures: sample).isEmpty)
        // A per-edge sum would not be: the structural decomposition misses most networks.
        let structural = try CostDecomposition.make(space: space, metrics: ["latency_ps"]) { choices in
            let r = try target.latency(space, Architecture(choices))
            return [("", ["latency_ps": Int64((r.overheadMs * 1e9).rounded())])]
                + r.operators.map { ($0.op.layers.first ?? "", ["latency_ps": Int64(($0.latencyMs * 1e9).rounded())]) }
        }
        let differ = sample.filter { structural.value("latency_ps", $0) != d.value("latency_ps", $0) }.count
        print("per-edge sum differs from the device on \(differ) of \(sample.count) cells")
        #expect(differ > sample.count / 2)

        let (table, _) = accuracyTable()
        let latencies = all.map { d.value("latency_ps", $0) }
        let sorted = latencies.sorted()
        // 24 budgets from below the fastest network to above the slowest.
        var limits = (0..<22).map { sorted[min(sorted.count - 1, $0 * sorted.count / 21)] + 1 }
        limits.append(sorted[0] - 1)
        limits.append(sorted.last! * 2)
        var infeasible = 0
        for limit in limits {
            let solver = TableSumSolver(space: space, decomposition: d,
                                        budgets: [IntegerBudget(name: "latency_ms", metric: "latency_ps", limit: limit) { String(format: "%.4g ms", Double($0) / 1e9) }])
            let r = try solver.maximize(table: table)
            // Brute force: the best accuracy among the networks within the budget.
            var best: Double?
            for (a, lat) in zip(all, latencies) where lat <= limit {
                if let acc = table[space.format(a)], best == nil || acc > best! { best = acc }
            }
            if let best {
                #expect(r.status == .optimal)
                #expect(r.value == best)
                let arch = try #require(r.arch)
                #expect(d.value("latency_ps", arch) <= limit)
                #expect(table[space.format(arch)] == best)
            } else {
                infeasible += 1
                #expect(r.status == .infeasible)
                #expect(r.explanation.contains { $0.contains("the smallest latency_ms in this space is") })
            }
        }
        #expect(infeasible == 1)
    }

    @Test func fbnetOnADeviceTableIsAdditiveAndProvenOptimal() async throws {
        let space = FBNetSpace()
        let target = try Self.pixel3()
        let d = try await CostDecomposition.make(space: space, table: target)
        #expect(d.kind == .additive)
        var rng = SplitMix(seed: 11)
        let sample = (0..<12).map { _ in Architecture(space.dimensions.map { Int(rng.next() % UInt64($0.options.count)) }) }
        #expect(try d.mismatches(space: space, table: target, architectures: sample).isEmpty)
        // The fastest network, then a budget 30 % above it: MACs maximized under it.
        let fastest = Architecture(d.terms["latency_ps"]!.map { row in row.indices.min { row[$0] < row[$1] }! })
        let limit = d.value("latency_ps", fastest) * 13 / 10
        let solver = TableSumSolver(space: space, decomposition: d,
                                    budgets: [IntegerBudget(name: "latency_ms", metric: "latency_ps", limit: limit) { "\($0) ps" }])
        let r = try solver.optimize(metric: "macs", maximize: true)
        #expect(r.status == .optimal)
        let arch = try #require(r.arch)
        let exact = try target.latency(space, arch)
        #expect(exact.latencyMs * 1e9 <= Double(limit) + 100)
        // No single-position change that stays within the budget has more MACs (a local check
        // of the global optimum, independent of the solver).
        for pos in 0..<space.dimensions.count {
            for o in 0..<space.dimensions[pos].options.count {
                var c = arch.choices; c[pos] = o
                let alt = Architecture(c)
                if d.value("latency_ps", alt) <= limit { #expect(d.value("macs", alt) <= d.value("macs", arch)) }
            }
        }
    }
}
