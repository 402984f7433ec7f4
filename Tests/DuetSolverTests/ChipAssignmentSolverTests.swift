import DuetCore
import Foundation
import Testing
@testable import DuetCostModel
@testable import DuetHardware
@testable import DuetSolver
@testable import DuetWorkload

/// Exhaustive reference, written independently of the solver: every slot count, every tuple of
/// candidates (unordered symmetry not exploited), every assignment; metrics from the definition.
struct ChipBruteForce {
    struct Best { var value: Int64; var count: Int; var slots: [Int]; var assignment: [Int] }

    static func metric(_ m: ChipMetric, n: Int, cs: [ChipCandidate], slots: [Int], assignment: [Int]) -> (value: Int64, power: (Int64, Int64)) {
        var busy = [Int64](repeating: 0, count: slots.count)
        var dynamic: Int64 = 0
        for i in 0..<n { busy[assignment[i]] += cs[slots[assignment[i]]].latencyNs[i]; dynamic += cs[slots[assignment[i]]].energyFJ[i] }
        let span = busy.max()!
        var leak: Int64 = 0
        for j in slots.indices { leak += cs[slots[j]].leakageUW * (span - busy[j]) }
        let energy = dynamic + leak
        let v: Int64
        switch m {
        case .makespan: v = span
        case .energy: v = energy
        case .area: v = slots.reduce(0) { $0 + cs[$1].areaUm2 }
        case .pes: v = slots.reduce(0) { $0 + cs[$1].pes }
        case .power: v = 0
        case .taskLatency(let i): v = cs[slots[assignment[i]]].latencyNs[i]
        case .taskEnergy(let i): v = cs[slots[assignment[i]]].energyFJ[i]
        }
        return (v, (energy, span))
    }

    static func solve(_ p: ChipAssignmentSolver) -> Best? {
        let n = p.networks.count
        var best: Best?
        for k in p.candidates.keys.sorted() {
            let cs = p.candidates[k]!
            var slots = [Int](repeating: 0, count: k)
            repeat {
                var a = [Int](repeating: 0, count: n)
                repeat {
                    let ok = p.budgets.allSatisfy { b in
                        let r = metric(b.metric, n: n, cs: cs, slots: slots, assignment: a)
                        if case .power = b.metric { return r.power.0 <= b.limit * r.power.1 }
                        return r.value <= b.limit
                    }
                    if ok {
                        let v = metric(p.objective, n: n, cs: cs, slots: slots, assignment: a).value
                        if best == nil || v < best!.value { best = Best(value: v, count: k, slots: slots, assignment: a) }
                    }
                } while increment(&a, base: k)
            } while increment(&slots, base: cs.count)
        }
        return best
    }

    static func increment(_ v: inout [Int], base: Int) -> Bool {
        var i = 0
        while i < v.count { v[i] += 1; if v[i] < base { return true }; v[i] = 0; i += 1 }
        return false
    }
}

/// A random instance: faster candidates cost more area and leak more, as real ones do, with noise.
func randomChipInstance(_ rng: inout SplitMix, networks n: Int, candidates c: Int, counts: ClosedRange<Int>) -> [Int: [ChipCandidate]] {
    let work = (0..<n).map { _ in Int64(rng.next() % 900 + 100) }
    var out: [Int: [ChipCandidate]] = [:]
    let base = (0..<c).map { _ in (speed: Int64(rng.next() % 8 + 1), area: Int64(rng.next() % 50 + 10)) }
    for k in counts {
        out[k] = base.enumerated().map { ci, b in
            ChipCandidate(label: "c\(ci)",
                          latencyNs: work.map { $0 * 8 / b.speed + Int64(k) * Int64(rng.next() % 20) },
                          energyFJ: work.map { $0 * (b.speed + 3) + Int64(rng.next() % 100) },
                          areaUm2: b.area * b.speed, leakageUW: b.area * b.speed / 10 + Int64(rng.next() % 3), pes: b.speed * 16)
        }
    }
    return out
}

let describeRaw: @Sendable (Int64) -> String = { "\($0)" }

@Suite struct ChipAssignmentSolverTests {
    @Test func optimumEqualsBruteForceOnRandomInstances() throws {
        var agreed = 0, infeasible = 0
        for seed in 0..<36 {
            var rng = SplitMix(seed: UInt64(seed))
            let n = 2 + seed % 3
            let counts = seed % 2 == 0 ? 1...2 : 2...3
            let cands = randomChipInstance(&rng, networks: n, candidates: 3 + seed % 2, counts: counts)
            let objective: ChipMetric = [.makespan, .energy, .area, .taskLatency(0)][seed % 4]
            // Budgets drawn around the instance's range: some bind, some make it infeasible.
            let all = cands.values.flatMap { $0 }
            let maxLat = all.map { $0.latencyNs.reduce(0, +) }.max()!
            var budgets: [ChipBudget] = []
            if seed % 3 != 2 { budgets.append(ChipBudget(name: "area_mm2", metric: .area, limit: Int64(rng.next() % 800 + 20), describe: describeRaw)) }
            if seed % 3 != 1 { budgets.append(ChipBudget(name: "latency_ms", metric: .makespan, limit: Int64(rng.next() % UInt64(maxLat)) + 50, describe: describeRaw)) }
            if seed % 5 == 0 { budgets.append(ChipBudget(name: "power_mw", metric: .power, limit: Int64(rng.next() % 60 + 5), describe: describeRaw)) }
            if seed % 7 == 3 { budgets.append(ChipBudget(name: "energy_mj", metric: .energy, limit: Int64(rng.next() % 40_000 + 1_000), describe: describeRaw)) }
            let p = ChipAssignmentSolver(networks: (0..<n).map { "n\($0)" }, candidates: cands, budgets: budgets, objective: objective, timeoutSeconds: 60)
            let r = try p.solve()
            let brute = ChipBruteForce.solve(p)
            if let brute {
                #expect(r.status == .optimal, "seed \(seed)")
                #expect(r.value == brute.value, "seed \(seed): Z3 \(String(describing: r.value)) vs brute force \(brute.value)")
                #expect(r.bound == r.value, "seed \(seed)")
                // The design really has that value and meets every budget (independent recomputation).
                let d = try #require(r.design)
                let cs = cands[d.count]!
                #expect(ChipBruteForce.metric(objective, n: n, cs: cs, slots: d.slots, assignment: d.assignment).value == brute.value, "seed \(seed)")
                for b in budgets {
                    let m = ChipBruteForce.metric(b.metric, n: n, cs: cs, slots: d.slots, assignment: d.assignment)
                    if case .power = b.metric { #expect(m.power.0 <= b.limit * m.power.1, "seed \(seed)") } else { #expect(m.value <= b.limit, "seed \(seed) \(b.name)") }
                }
                if r.value == brute.value { agreed += 1 }
            } else {
                #expect(r.status == .infeasible, "seed \(seed): brute force finds no design, Z3 says \(r.status)")
                #expect(!r.explanation.isEmpty)
                infeasible += 1
                agreed += r.status == .infeasible ? 1 : 0
            }
        }
        print("chip solver vs brute force: \(agreed)/36 agree (\(infeasible) infeasible)")
        #expect(agreed == 36)
        #expect(infeasible >= 2, "the sweep should include infeasible instances (got \(infeasible))")
        #expect(infeasible <= 30, "the sweep should include feasible instances")
    }

    @Test func infeasibleNamesTheConflictingBudgetsOnly() throws {
        var rng = SplitMix(seed: 11)
        let cands = randomChipInstance(&rng, networks: 3, candidates: 4, counts: 1...2)
        let minArea = cands[1]!.map(\.areaUm2).min()!
        // Area below the smallest candidate: no chip at all; the latency budget is loose.
        let p = ChipAssignmentSolver(networks: ["a", "b", "c"], candidates: cands,
                                     budgets: [ChipBudget(name: "area_mm2", metric: .area, limit: minArea - 1, describe: describeRaw),
                                               ChipBudget(name: "latency_ms", metric: .makespan, limit: 1 << 40, describe: describeRaw)])
        let r = try p.solve()
        #expect(r.status == .infeasible)
        #expect(r.design == nil)
        #expect(r.explanation.first == "area_mm2 ≤ \(minArea - 1) cannot hold for any chip in this hardware space")
        #expect(r.explanation.contains("the smallest area_mm2 in this hardware space is \(minArea)"))
        #expect(!r.explanation.joined().contains("latency_ms ≤"))
    }

    @Test func twoBudgetsInConflictAreBothNamed() throws {
        // One network; a fast large candidate and a slow small one: latency needs the first, area the second.
        let fast = ChipCandidate(label: "fast", latencyNs: [100], energyFJ: [1000], areaUm2: 500, leakageUW: 1, pes: 64)
        let slow = ChipCandidate(label: "slow", latencyNs: [400], energyFJ: [900], areaUm2: 100, leakageUW: 1, pes: 16)
        let p = ChipAssignmentSolver(networks: ["a"], candidates: [1: [fast, slow]],
                                     budgets: [ChipBudget(name: "latency_ms", metric: .makespan, limit: 200, describe: describeRaw),
                                               ChipBudget(name: "area_mm2", metric: .area, limit: 300, describe: describeRaw),
                                               ChipBudget(name: "energy_mj", metric: .energy, limit: 5000, describe: describeRaw)])
        let r = try p.solve()
        #expect(r.status == .infeasible)
        #expect(r.explanation.first == "latency_ms ≤ 200 and area_mm2 ≤ 300 cannot all hold for any chip in this hardware space")
        #expect(r.explanation.contains("the smallest latency_ms under area_mm2 ≤ 300 is 400"))
        #expect(r.explanation.contains("the smallest area_mm2 under latency_ms ≤ 200 is 500"))
    }

    @Test func timeoutGivesUnknownWithTheBestSoFar() throws {
        var rng = SplitMix(seed: 3)
        let cands = randomChipInstance(&rng, networks: 14, candidates: 40, counts: 1...4)
        let p = ChipAssignmentSolver(networks: (0..<14).map { "n\($0)" }, candidates: cands,
                                     budgets: [ChipBudget(name: "area_mm2", metric: .area, limit: 900, describe: describeRaw)],
                                     objective: .makespan, timeoutSeconds: 0.05, pruneDominated: false)
        let start = Date()
        let r = try p.solve()
        #expect(r.status == .unknown)
        #expect(Date().timeIntervalSince(start) < 30, "the watchdog stops Z3 near the deadline")
        // The best design so far is reported (at least the homogeneous incumbent), with a bound below it.
        let d = try #require(r.design)
        let v = try #require(r.value)
        #expect(try p.metrics(of: d).value(.makespan) == v)
        #expect(try p.metrics(of: d).areaUm2 <= 900)
        if let b = r.bound { #expect(b <= v) }
        #expect(r.explanation.first?.contains("timeout") == true)
    }

    @Test func dominatedCandidatesArePrunedButLeakageCounts() {
        let d = ChipCandidate(label: "d", latencyNs: [10, 20], energyFJ: [100, 200], areaUm2: 50, leakageUW: 1, pes: 16)
        let worse = ChipCandidate(label: "worse", latencyNs: [12, 20], energyFJ: [110, 200], areaUm2: 60, leakageUW: 1, pes: 16)
        // Faster and no more energy than `d` but it leaks more per idle nanosecond: kept.
        let leaky = ChipCandidate(label: "leaky", latencyNs: [5, 10], energyFJ: [100, 200], areaUm2: 40, leakageUW: 30, pes: 16)
        let copy = d
        #expect(ChipAssignmentSolver.undominated([d, worse, leaky, copy]) == [0, 2])
        // `d` dominates `leaky`? No: leaky is faster. leaky dominates d? No: it leaks more.
        #expect(ChipAssignmentSolver.undominated([leaky, d]) == [0, 1])
    }

    @Test func pruningKeepsTheOptimumOnRandomInstances() throws {
        for seed in 100..<112 {
            var rng = SplitMix(seed: UInt64(seed))
            let cands = randomChipInstance(&rng, networks: 3, candidates: 8, counts: 1...2)
            for objective in [ChipMetric.makespan, .energy] {
                let budgets = [ChipBudget(name: "area_mm2", metric: .area, limit: 400, describe: describeRaw)]
                let pruned = try ChipAssignmentSolver(networks: ["a", "b", "c"], candidates: cands, budgets: budgets, objective: objective).solve()
                let full = try ChipAssignmentSolver(networks: ["a", "b", "c"], candidates: cands, budgets: budgets, objective: objective,
                                                    pruneDominated: false).solve()
                #expect(pruned.status == full.status, "seed \(seed)")
                #expect(pruned.value == full.value, "seed \(seed) \(objective)")
            }
        }
    }

    @Test func sameInputSameDesign() throws {
        var rng = SplitMix(seed: 21)
        let cands = randomChipInstance(&rng, networks: 4, candidates: 5, counts: 1...3)
        let p = ChipAssignmentSolver(networks: ["a", "b", "c", "d"], candidates: cands,
                                     budgets: [ChipBudget(name: "area_mm2", metric: .area, limit: 500, describe: describeRaw)])
        let a = try p.solve(), b = try p.solve()
        #expect(a.design == b.design)
        #expect(a.value == b.value)
    }

    @Test func malformedInputIsAnErrorNotATrap() {
        let c = ChipCandidate(label: "x", latencyNs: [1], energyFJ: [1, 2], areaUm2: 1, leakageUW: 0, pes: 1)
        #expect(throws: InputError.self) { try ChipAssignmentSolver(networks: ["a", "b"], candidates: [1: [c]], budgets: []).solve() }
        let neg = ChipCandidate(label: "x", latencyNs: [-1], energyFJ: [1], areaUm2: 1, leakageUW: 0, pes: 1)
        #expect(throws: InputError.self) { try ChipAssignmentSolver(networks: ["a"], candidates: [1: [neg]], budgets: []).solve() }
        #expect(throws: InputError.self) { try ChipAssignmentSolver(networks: ["a"], candidates: [1: [neg]], budgets: [], objective: .power).solve() }
        // Costs whose leakage × idle time overflows Int64 are reported, not trapped on.
        let big = ChipCandidate(label: "big", latencyNs: [1 << 40], energyFJ: [1], areaUm2: 1, leakageUW: 1 << 40, pes: 1)
        let p = ChipAssignmentSolver(networks: ["a"], candidates: [2: [big]], budgets: [])
        #expect(throws: InputError.self) { try p.metrics(of: ChipDesign(count: 2, slots: [0, 0], assignment: [0])) }
    }
}
