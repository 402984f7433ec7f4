import Foundation
import Testing
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetSolver
@testable import DuetWorkload

/// Repair of infeasible designs (the hybrid optimizer's): the feasible design with the fewest
/// changed choices, checked against independent counts.
@Suite struct RepairTests {
    @Test func fbnetRepairChangesTheFewestPositions() throws {
        let space = FBNetSpace()
        let d = try CostDecomposition.make(space: space, on: try edge())
        let lat = d.terms["latency_cycles"]!
        // The slowest network and a budget halfway between the fastest and the slowest.
        let slowest = Architecture(lat.map { row in row.indices.max { row[$0] < row[$1] }! })
        let fastest = Architecture(lat.map { row in row.indices.min { row[$0] < row[$1] }! })
        let hi = d.value("latency_cycles", slowest), lo = d.value("latency_cycles", fastest)
        for limit in [lo + (hi - lo) / 2, lo + (hi - lo) / 5] {
            let solver = TableSumSolver(space: space, decomposition: d, budgets: [IntegerBudget(name: "latency_ms", metric: "latency_cycles", limit: limit) { "\($0)" }])
            let fixed = try #require(try solver.nearestFeasible(to: slowest))
            #expect(solver.meetsBudgets(fixed))
            let changed = zip(fixed.choices, slowest.choices).filter { $0 != $1 }.count
            // Independent count: with one budget, the fewest changes take the largest savings first.
            let savings = lat.indices.map { i in lat[i][slowest.choices[i]] - lat[i].min()! }.sorted(by: >)
            var excess = hi - limit, greedy = 0
            while excess > 0 { excess -= savings[greedy]; greedy += 1 }
            #expect(changed == greedy)
        }
        let solver = TableSumSolver(space: space, decomposition: d, budgets: [IntegerBudget(name: "latency_ms", metric: "latency_cycles", limit: lo - 1) { "\($0)" }])
        #expect(try solver.nearestFeasible(to: slowest) == nil)
        #expect(try TableSumSolver(space: space, decomposition: d, budgets: []).nearestFeasible(to: slowest) == slowest)
    }

    @Test func nb201RepairIsTheNearestFeasibleCell() throws {
        let space = NASBench201Space()
        let d = try CostDecomposition.make(space: space, on: try edge())
        let all = space.enumerate()!
        let lat = all.map { d.value("latency_cycles", $0) }.sorted()
        let limit = lat[lat.count / 4]
        let solver = TableSumSolver(space: space, decomposition: d, budgets: [IntegerBudget(name: "latency_ms", metric: "latency_cycles", limit: limit) { "\($0)" }])
        let start = Architecture([3, 3, 3, 3, 3, 3])
        #expect(!solver.meetsBudgets(start))
        let fixed = try #require(try solver.nearestFeasible(to: start))
        #expect(solver.meetsBudgets(fixed))
        let dist = { (a: Architecture) in zip(a.choices, start.choices).filter { $0 != $1 }.count }
        #expect(all.filter { solver.meetsBudgets($0) }.allSatisfy { dist($0) >= dist(fixed) })
    }
}
