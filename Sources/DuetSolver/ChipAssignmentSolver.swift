import DuetCore
import DuetCostModel
import DuetHardware
import DuetWorkload
import Foundation
import Synchronization

// Exact heterogeneous-chip design (NASAIC): choose the sub-accelerators of a chip among
// candidate configurations and assign whole networks to them, minimizing the makespan (or the
// energy, area, PE count) under budgets, with Z3.
//
// Fixed point. Every cost is an integer in its unit and the solver is exact over those
// integers. Converting from the cost model's real numbers, costs are rounded UP (latency to the
// nanosecond, energy to the femtojoule, area to the square micrometre, leakage to the microwatt)
// and budget limits DOWN, so a design the solver accepts meets the real-valued budgets too —
// except a power budget (energy / makespan), where the makespan's rounding up can hide at most
// one nanosecond per network; the caller re-checks the chosen design in real numbers. Two
// designs whose real costs differ by less than the rounding may be ranked either way.
// The units chain: µW × ns = fJ, so leakage × idle time needs no scaling.

/// One candidate sub-accelerator configuration and its integer costs for each network, at the
/// DRAM bandwidth share it gets on a chip with a given number of sub-accelerators.
public struct ChipCandidate: Sendable, Hashable {
    /// What the configuration is, e.g. `tpu/ws 16x32 256KiB` (for reports).
    public var label: String
    /// Latency of each network run alone on this sub-accelerator, nanoseconds (rounded up).
    public var latencyNs: [Int64]
    /// Energy of each network on this sub-accelerator (leakage while it runs included), femtojoules (rounded up).
    public var energyFJ: [Int64]
    /// Silicon area, square micrometres (rounded up).
    public var areaUm2: Int64
    /// Leakage power while idle, microwatts (rounded up); µW × ns = fJ.
    public var leakageUW: Int64
    /// Processing elements (rows × columns).
    public var pes: Int64

    public init(label: String, latencyNs: [Int64], energyFJ: [Int64], areaUm2: Int64, leakageUW: Int64, pes: Int64) {
        self.label = label; self.latencyNs = latencyNs; self.energyFJ = energyFJ
        self.areaUm2 = areaUm2; self.leakageUW = leakageUW; self.pes = pes
    }
}

/// A metric of a chip design, in the solver's integer units.
public enum ChipMetric: Sendable, Hashable, CustomStringConvertible {
    /// Time until every network has finished, nanoseconds.
    case makespan
    /// Energy of all networks plus the leakage of idle sub-accelerators until the makespan, femtojoules.
    case energy
    /// Chip area (sum of the sub-accelerators), square micrometres.
    case area
    /// Total processing elements.
    case pes
    /// Average power, energy / makespan, microwatts (a budget only: it is not linear).
    case power
    /// One network's latency on the sub-accelerator it runs on, nanoseconds.
    case taskLatency(Int)
    /// One network's energy on the sub-accelerator it runs on, femtojoules.
    case taskEnergy(Int)

    public var description: String {
        switch self {
        case .makespan: return "makespan_ns"
        case .energy: return "energy_fj"
        case .area: return "area_um2"
        case .pes: return "pes"
        case .power: return "power_uw"
        case .taskLatency(let i): return "task\(i).latency_ns"
        case .taskEnergy(let i): return "task\(i).energy_fj"
        }
    }

    /// A value of the metric in the unit users write budgets in (ns → ms, fJ → mJ, µm² → mm²,
    /// µW → mW), e.g. "latency 0.073855 ms"; explanations use it rather than the solver's integers.
    public func describe(_ v: Int64) -> String {
        func g(_ x: Double) -> String { String(format: "%.6g", x) }
        switch self {
        case .makespan: return "latency \(g(Double(v) / 1e6)) ms"
        case .energy: return "energy \(g(Double(v) / 1e12)) mJ"
        case .area: return "area \(g(Double(v) / 1e6)) mm²"
        case .pes: return "\(v) PEs"
        case .power: return "power \(g(Double(v) / 1e3)) mW"
        case .taskLatency(let i): return "task \(i)'s latency \(g(Double(v) / 1e6)) ms"
        case .taskEnergy(let i): return "task \(i)'s energy \(g(Double(v) / 1e12)) mJ"
        }
    }
}

/// A budget `metric ≤ limit` in the metric's integer unit (see ``ChipMetric``).
public struct ChipBudget: Sendable {
    /// The user's name for it (e.g. `area_mm2`), which explanations and unsat cores report.
    public var name: String
    public var metric: ChipMetric
    public var limit: Int64
    /// Prints a value of the metric in the budget's unit (e.g. ns → "1.2 ms").
    public var describe: @Sendable (Int64) -> String

    public init(name: String, metric: ChipMetric, limit: Int64, describe: @escaping @Sendable (Int64) -> String) {
        self.name = name; self.metric = metric; self.limit = limit; self.describe = describe
    }
}

/// One chip design: how many sub-accelerators, which candidate each is, where each network runs.
public struct ChipDesign: Sendable, Hashable {
    /// Number of sub-accelerators (a key of ``ChipAssignmentSolver/candidates``).
    public var count: Int
    /// Candidate index (into `candidates[count]`) of each sub-accelerator, non-decreasing.
    public var slots: [Int]
    /// Sub-accelerator (index into `slots`) of each network.
    public var assignment: [Int]

    public init(count: Int, slots: [Int], assignment: [Int]) { self.count = count; self.slots = slots; self.assignment = assignment }
}

/// The integer metrics of a ``ChipDesign``.
public struct ChipMetrics: Sendable, Hashable {
    /// Nanoseconds.
    public var makespanNs: Int64
    /// Femtojoules, idle leakage included.
    public var energyFJ: Int64
    /// Square micrometres.
    public var areaUm2: Int64
    public var pes: Int64
    /// Busy time of each sub-accelerator, nanoseconds.
    public var busyNs: [Int64]
    /// Per network, nanoseconds and femtojoules on its sub-accelerator.
    public var taskLatencyNs: [Int64]
    public var taskEnergyFJ: [Int64]

    /// The value of `metric` (power: floor of energy / makespan, µW).
    public func value(_ metric: ChipMetric) -> Int64 {
        switch metric {
        case .makespan: return makespanNs
        case .energy: return energyFJ
        case .area: return areaUm2
        case .pes: return pes
        case .power: return makespanNs == 0 ? 0 : energyFJ / makespanNs
        case .taskLatency(let i): return taskLatencyNs[i]
        case .taskEnergy(let i): return taskEnergyFJ[i]
        }
    }

    /// Whether `budget` holds (power exactly: energy ≤ limit × makespan).
    public func meets(_ budget: ChipBudget) -> Bool {
        if case .power = budget.metric {
            let (p, o) = budget.limit.multipliedReportingOverflow(by: makespanNs)
            return o || energyFJ <= p
        }
        return value(budget.metric) <= budget.limit
    }
}

/// The answer of a chip solve.
public struct ChipSolveResult: Sendable {
    public var status: SolveResult.Status
    /// The best design found (nil when infeasible, or unknown with nothing found).
    public var design: ChipDesign?
    public var metrics: ChipMetrics?
    /// The objective value of `design`, in the objective's integer unit.
    public var value: Int64?
    /// A proven lower bound on the objective (equal to `value` when optimal).
    public var bound: Int64?
    /// How the answer was proven, or for infeasible budgets which conflict and what is reachable.
    public var explanation: [String]
    public var seconds: Double
    /// Satisfiability checks made.
    public var checks: Int
    /// Per slot count: candidates given and kept after removing dominated ones.
    public var candidatesKept: [Int: (given: Int, kept: Int)]
}

/// Exact heterogeneous-chip design with Z3 (see the top of this file for units and rounding).
///
/// Encoding, per slot count `k` (the candidates' costs depend on `k` through the DRAM share, so
/// each count is its own linear integer problem, solved in turn, each required to beat the best
/// design so far): `s_j ∈ [0, C)` the candidate of slot `j`, ordered `s_0 ≤ … ≤ s_{k−1}`
/// (slots are interchangeable), and of two slots with the same candidate the first is the
/// busier; `a_i ∈ [0, k)` the slot of network `i`; per (slot, network) the latency and energy
/// selected by `s_j = c ⇒ lat_ij = t_ic` (linear); `busy_j = Σ_i [a_i = j] lat_ij`; makespan
/// `M = max_j busy_j`; energy `Σ_i Σ_j [a_i = j] e_ij + Σ_j L(s_j) (M − busy_j)` (idle leakage,
/// as ``ChipEvaluator`` charges it); area and PEs are sums of the slots' values. The objective is
/// minimized by bisection on its value, each step a satisfiability check, so optimality is
/// proven by the unsatisfiability of `objective ≤ optimum − 1` for every count.
public struct ChipAssignmentSolver: Sendable {
    public var networks: [String]
    /// Slot count → candidate configurations with their costs at that count.
    public var candidates: [Int: [ChipCandidate]]
    public var budgets: [ChipBudget]
    /// Minimized: makespan, energy, area, pes, or a task's latency or energy (not power).
    public var objective: ChipMetric
    public var timeoutSeconds: Double
    /// Drop candidates dominated by another (see ``undominated(_:)``); off automatically under a power budget.
    public var pruneDominated: Bool

    public init(networks: [String], candidates: [Int: [ChipCandidate]], budgets: [ChipBudget], objective: ChipMetric = .makespan,
                timeoutSeconds: Double = 60, pruneDominated: Bool = true) {
        self.networks = networks; self.candidates = candidates; self.budgets = budgets; self.objective = objective
        self.timeoutSeconds = timeoutSeconds; self.pruneDominated = pruneDominated
    }

    /// Checks the input's shape: every count positive with candidates, cost vectors one per
    /// network, costs non-negative; the objective is not power.
    public func validate() throws {
        var issues = IssueCollector()
        if networks.isEmpty { issues.add("networks", "no network to place") }
        if candidates.isEmpty { issues.add("candidates", "no slot count") }
        for (k, cs) in candidates.sorted(by: { $0.key < $1.key }) {
            if k < 1 { issues.add("candidates[\(k)]", "a chip has at least one sub-accelerator") }
            if cs.isEmpty { issues.add("candidates[\(k)]", "no candidate configuration") }
            for (c, x) in cs.enumerated() {
                if x.latencyNs.count != networks.count || x.energyFJ.count != networks.count {
                    issues.add("candidates[\(k)][\(c)]", "\(x.label): costs for \(x.latencyNs.count) networks, expected \(networks.count)")
                } else if (x.latencyNs + x.energyFJ + [x.areaUm2, x.leakageUW, x.pes]).contains(where: { $0 < 0 }) {
                    issues.add("candidates[\(k)][\(c)]", "\(x.label): negative cost")
                }
            }
        }
        if case .power = objective { issues.add("objective", "power is not linear; minimize energy or makespan under a power budget") }
        for b in budgets {
            switch b.metric {
            case .taskLatency(let i), .taskEnergy(let i):
                if !networks.indices.contains(i) { issues.add("budgets.\(b.name)", "no network \(i)") }
            default: break
            }
        }
        try issues.throwIfAny()
    }

    // MARK: - Metrics in integers (no solver)

    /// The integer metrics of `design`, computed directly; throws on a malformed design or an
    /// Int64 overflow (absurd costs), never traps.
    public func metrics(of design: ChipDesign) throws -> ChipMetrics {
        guard let cs = candidates[design.count], design.slots.count == design.count, design.assignment.count == networks.count,
              design.slots.allSatisfy({ cs.indices.contains($0) }), design.assignment.allSatisfy({ (0..<design.count).contains($0) }) else {
            throw InputError(message: "malformed chip design \(design)")
        }
        func add(_ a: Int64, _ b: Int64) throws -> Int64 {
            let (r, o) = a.addingReportingOverflow(b)
            if o { throw InputError(message: "chip costs overflow a 64-bit integer", hint: "check the cost units") }
            return r
        }
        var busy = [Int64](repeating: 0, count: design.count)
        var tl: [Int64] = [], te: [Int64] = []
        var energy: Int64 = 0
        for (i, j) in design.assignment.enumerated() {
            let c = cs[design.slots[j]]
            busy[j] = try add(busy[j], c.latencyNs[i])
            energy = try add(energy, c.energyFJ[i])
            tl.append(c.latencyNs[i]); te.append(c.energyFJ[i])
        }
        let makespan = busy.max() ?? 0
        var area: Int64 = 0, pes: Int64 = 0
        for (j, s) in design.slots.enumerated() {
            let c = cs[s]
            let (leak, o) = c.leakageUW.multipliedReportingOverflow(by: makespan - busy[j])
            if o { throw InputError(message: "chip leakage energy overflows a 64-bit integer", hint: "check the cost units") }
            energy = try add(energy, leak)
            area = try add(area, c.areaUm2)
            pes = try add(pes, c.pes)
        }
        return ChipMetrics(makespanNs: makespan, energyFJ: energy, areaUm2: area, pes: pes, busyNs: busy, taskLatencyNs: tl, taskEnergyFJ: te)
    }

    // MARK: - Dominance

    /// Indices of the candidates no other candidate dominates (the first of equal ones kept).
    ///
    /// `d` dominates `c` when `area_d ≤ area_c`, `pes_d ≤ pes_c`, `L_d ≤ L_c`, and for every
    /// network `i`: `t_id ≤ t_ic`, `e_id ≤ e_ic` and `e_id − L_d t_id ≤ e_ic − L_c t_ic`.
    /// Claim: replacing `c` by `d` in any slot of any design, keeping the assignment, makes no
    /// metric except power worse, so some optimal design avoids `c`. Proof: each network's latency
    /// and energy do not grow, so busy times, the makespan `M`, task metrics, area and PEs do not
    /// grow. The energy is `Σ_j [L_j M + Σ_{i on j} (e_ij − L_j t_ij)]` (dynamic energy plus idle
    /// leakage `L_j (M − busy_j)`); the replaced slot's bracket does not grow (`L_d ≤ L_c`,
    /// `M' ≤ M`, each term `e − L t` does not grow), and every other slot's `L_j M` does not grow.
    /// (The last condition matters: a faster slot idles longer and leaks more; the rewrite charges
    /// that to its networks.) Power = energy / makespan is not monotone under this replacement (the
    /// makespan may shrink more than the energy), so with a power budget nothing is pruned.
    public static func undominated(_ cs: [ChipCandidate]) -> [Int] {
        func dominates(_ d: ChipCandidate, _ c: ChipCandidate) -> Bool {
            guard d.areaUm2 <= c.areaUm2, d.pes <= c.pes, d.leakageUW <= c.leakageUW else { return false }
            for i in d.latencyNs.indices {
                guard d.latencyNs[i] <= c.latencyNs[i], d.energyFJ[i] <= c.energyFJ[i] else { return false }
                // e − L·t in Double: only a comparison; values are far below 2⁵³ ns·µW in practice,
                // and a near-tie misjudged either way only keeps a candidate or drops an equal one.
                let lhs = Double(d.energyFJ[i]) - Double(d.leakageUW) * Double(d.latencyNs[i])
                let rhs = Double(c.energyFJ[i]) - Double(c.leakageUW) * Double(c.latencyNs[i])
                guard lhs <= rhs else { return false }
            }
            return true
        }
        return cs.indices.filter { c in
            !cs.indices.contains { d in d != c && dominates(cs[d], cs[c]) && (!dominates(cs[c], cs[d]) || d < c) }
        }
    }

    // MARK: - Encoding

    /// The Z3 model of one slot count.
    final class CountModel {
        let z = Z3Context()
        let s: Z3Solver
        let k: Int
        /// Kept candidates (indices into the count's full list).
        let kept: [Int]
        var slot: [Z3Term] = []
        var assign: [Z3Term] = []
        var term: [ChipMetric: Z3Term] = [:]

        init(_ p: ChipAssignmentSolver, count k: Int, kept: [Int]) throws {
            self.k = k
            self.kept = kept
            s = try Z3Solver(z, timeoutSeconds: p.timeoutSeconds)
            let cs = kept.map { p.candidates[k]![$0] }
            let n = p.networks.count
            let zero = try z.int(0)
            for j in 0..<k {
                let v = try z.intVar("s\(j)")
                try s.add(try z.and([try z.ge(v, zero), try z.lt(v, try z.int(Int64(cs.count)))]))
                slot.append(v)
            }
            for i in 0..<n {
                let v = try z.intVar("a\(i)")
                try s.add(try z.and([try z.ge(v, zero), try z.lt(v, try z.int(Int64(k)))]))
                assign.append(v)
            }
            // is[j][c] ⇔ slot j holds candidate c; on[i][j] ⇔ network i runs on slot j.
            let isC = try slot.map { v in try cs.indices.map { try z.eq(v, try z.int(Int64($0))) } }
            let on = try assign.map { v in try (0..<k).map { try z.eq(v, try z.int(Int64($0))) } }
            // A slot's value of a per-candidate table, by implications.
            func select(_ name: String, _ j: Int, _ table: (ChipCandidate) -> Int64) throws -> Z3Term {
                let v = try z.intVar(name)
                for (c, x) in cs.enumerated() { try s.add(try z.implies(isC[j][c], try z.eq(v, try z.int(table(x))))) }
                return v
            }
            var busy: [Z3Term] = [], areas: [Z3Term] = [], pes: [Z3Term] = []
            var lat = [[Z3Term]](repeating: [], count: n), en = [[Z3Term]](repeating: [], count: n)
            for j in 0..<k {
                for i in 0..<n {
                    lat[i].append(try select("lat\(i)_\(j)", j) { $0.latencyNs[i] })
                    en[i].append(try select("en\(i)_\(j)", j) { $0.energyFJ[i] })
                }
                busy.append(try z.sum(try (0..<n).map { i in try z.ite(on[i][j], lat[i][j], zero) }))
                areas.append(try select("area\(j)", j) { $0.areaUm2 })
                pes.append(try select("pes\(j)", j) { $0.pes })
            }
            // Symmetry: slots in candidate order; equal candidates, busier first.
            for j in 0..<max(0, k - 1) {
                try s.add(try z.le(slot[j], slot[j + 1]))
                try s.add(try z.implies(try z.eq(slot[j], slot[j + 1]), try z.ge(busy[j], busy[j + 1])))
            }
            let m = try z.intVar("makespan")
            for b in busy { try s.add(try z.ge(m, b)) }
            try s.add(try z.or(try busy.map { try z.eq(m, $0) }))
            var energyParts: [Z3Term] = []
            for j in 0..<k {
                let idle = try z.sum([m, try z.mul(-1, busy[j])])
                let leak = try z.intVar("leak\(j)")
                for (c, x) in cs.enumerated() { try s.add(try z.implies(isC[j][c], try z.eq(leak, try z.mul(x.leakageUW, idle)))) }
                energyParts.append(leak)
            }
            for i in 0..<n {
                let tl = try z.sum(try (0..<k).map { try z.ite(on[i][$0], lat[i][$0], zero) })
                let te = try z.sum(try (0..<k).map { try z.ite(on[i][$0], en[i][$0], zero) })
                term[.taskLatency(i)] = tl
                term[.taskEnergy(i)] = te
                energyParts.append(te)
            }
            term[.makespan] = m
            term[.energy] = try z.sum(energyParts)
            term[.area] = try z.sum(areas)
            term[.pes] = try z.sum(pes)
        }

        /// `metric ≤ limit` (power: energy ≤ limit · makespan).
        func atMost(_ metric: ChipMetric, _ limit: Int64) throws -> Z3Term {
            if case .power = metric { return try z.le(term[.energy]!, try z.mul(limit, term[.makespan]!)) }
            return try z.le(term[metric]!, try z.int(limit))
        }

        func design() throws -> ChipDesign {
            ChipDesign(count: k, slots: try slot.map { kept[Int(try s.value($0))] }, assignment: try assign.map { Int(try s.value($0)) })
        }
    }

    /// A lower bound on `metric` for a chip of `k` slots that needs no solver (for reports of
    /// counts not reached before the deadline): the best network placement ignoring contention.
    func trivialBound(_ metric: ChipMetric, count k: Int) -> Int64 {
        let cs = candidates[k] ?? []
        switch metric {
        case .makespan: return networks.indices.map { i in cs.map { $0.latencyNs[i] }.min() ?? 0 }.max() ?? 0
        case .energy: return networks.indices.reduce(0) { acc, i in acc &+ (cs.map { $0.energyFJ[i] }.min() ?? 0) }
        case .area: return Int64(k) &* (cs.map(\.areaUm2).min() ?? 0)
        case .pes: return Int64(k) &* (cs.map(\.pes).min() ?? 0)
        case .taskLatency(let i): return cs.map { $0.latencyNs[i] }.min() ?? 0
        case .taskEnergy(let i): return cs.map { $0.energyFJ[i] }.min() ?? 0
        case .power: return 0
        }
    }

    // MARK: - Solving

    /// Minimizes the objective under the budgets.
    public func solve() throws -> ChipSolveResult {
        try validate()
        let start = Date()
        let deadline = start.addingTimeInterval(timeoutSeconds)
        let r = try minimize(objective, budgets: budgets, deadline: deadline, trackBudgets: true)
        var explanation: [String] = []
        var status: SolveResult.Status
        switch r.outcome {
        case .optimal:
            status = .optimal
            explanation.append("optimal: no design has a lower \(objective.describe(r.value!)) at the solver's resolution (1 ns, 1 fJ, 1 µm²; unsat for every slot count \(countsText))")
        case .infeasible(let core):
            status = .infeasible
            explanation = try explain(core, deadline: deadline)
        case .stopped(let why):
            status = r.design == nil ? .unknown : .feasible
            if status == .feasible, Date() >= deadline { status = .unknown }  // a timeout is reported as unknown, best design kept
            explanation.append("not proven optimal: \(why); \(r.design == nil ? "no design found yet" : "best design found so far")"
                               + (r.bound.map { ", proven lower bound: \(objective.describe($0))" } ?? ""))
        }
        let m = try r.design.map { try metrics(of: $0) }
        if let m, let v = r.value, m.value(objective) != v {
            throw Z3Error(description: "internal: Z3's objective \(v) differs from the design's recomputed \(m.value(objective))")
        }
        return ChipSolveResult(status: status, design: r.design, metrics: m, value: r.value, bound: r.bound,
                               explanation: explanation, seconds: Date().timeIntervalSince(start), checks: r.checks, candidatesKept: r.kept)
    }

    var countsText: String { candidates.keys.sorted().map(String.init).joined(separator: ", ") }

    enum Outcome { case optimal, infeasible(core: [String]), stopped(String) }

    struct Minimum {
        var outcome: Outcome
        var design: ChipDesign?
        var value: Int64?
        var bound: Int64?
        var checks: Int
        var kept: [Int: (given: Int, kept: Int)]
    }

    /// Minimizes `metric` under `budgets`, count by count, by bisection on the value.
    func minimize(_ metric: ChipMetric, budgets: [ChipBudget], deadline: Date, trackBudgets: Bool) throws -> Minimum {
        let prune = pruneDominated && !budgets.contains { if case .power = $0.metric { return true }; return false }
        // A first incumbent without Z3 (so that a timeout still reports a sensible chip): every
        // slot the same candidate, networks placed longest first on the least-loaded slot.
        var best: (design: ChipDesign, value: Int64)? = homogeneousIncumbent(metric, budgets: budgets, prune: prune)
        var checks = 0
        var core: Set<String> = []
        var kept: [Int: (given: Int, kept: Int)] = [:]
        var unprovenBounds: [Int64] = []
        var stopReason: String?
        for k in candidates.keys.sorted() {
            let cs = candidates[k]!
            let keep = prune ? Self.undominated(cs) : Array(cs.indices)
            kept[k] = (cs.count, keep.count)
            if stopReason != nil || Date() >= deadline {
                stopReason = stopReason ?? "timeout"
                unprovenBounds.append(trivialBound(metric, count: k))
                continue
            }
            let model = try CountModel(self, count: k, kept: keep)
            let s = model.s
            for b in budgets {
                if trackBudgets { try s.add(try model.atMost(b.metric, b.limit), named: b.name) } else { try s.add(try model.atMost(b.metric, b.limit)) }
            }
            var lo = trivialBound(metric, count: k)
            var hi: Int64
            // First: any design of this count at all (or better than the best so far).
            s.push()
            if let best { try s.add(try model.atMost(metric, best.value - 1)) }
            checks += 1
            let first = try s.check(deadline: deadline)
            var localBest: (ChipDesign, Int64)?
            if first == .sat {
                let d = try model.design()
                let v = try s.value(model.term[metric]!)
                localBest = (d, v)
            }
            let noBest = best == nil
            let firstCore = first == .unsat && noBest ? try s.unsatCore() : []
            s.pop()
            switch first {
            case .unsat:
                if noBest { core.formUnion(firstCore.isEmpty ? budgets.map(\.name) : firstCore) }
                continue
            case .unknown:
                stopReason = Date() >= deadline ? "timeout" : "Z3 gave up (\(s.reasonUnknown))"
                unprovenBounds.append(lo)
                continue
            case .sat: break
            }
            best = (localBest!.0, localBest!.1)
            hi = localBest!.1
            // Invariant: no design of this count has metric < lo; best has metric = hi.
            while lo < hi {
                let mid = lo + (hi - lo) / 2
                s.push()
                try s.add(try model.atMost(metric, mid))
                checks += 1
                let r = try s.check(deadline: deadline)
                switch r {
                case .sat:
                    let v = try s.value(model.term[metric]!)
                    best = (try model.design(), v)
                    hi = v
                case .unsat:
                    lo = mid + 1
                case .unknown:
                    stopReason = Date() >= deadline ? "timeout" : "Z3 gave up (\(s.reasonUnknown))"
                }
                s.pop()
                if stopReason != nil { unprovenBounds.append(lo); break }
            }
        }
        guard let best else {
            if let stopReason { return Minimum(outcome: .stopped(stopReason), design: nil, value: nil, bound: nil, checks: checks, kept: kept) }
            return Minimum(outcome: .infeasible(core: budgets.map(\.name).filter(core.contains)), design: nil, value: nil, bound: nil, checks: checks, kept: kept)
        }
        if let stopReason {
            return Minimum(outcome: .stopped(stopReason), design: best.design, value: best.value,
                           bound: min(best.value, unprovenBounds.min() ?? best.value), checks: checks, kept: kept)
        }
        return Minimum(outcome: .optimal, design: best.design, value: best.value, bound: best.value, checks: checks, kept: kept)
    }

    /// The best design, under `budgets`, among chips whose slots all hold the same candidate,
    /// each network placed (longest first) on the slot that is free earliest; nil if none meets
    /// the budgets. Only a starting point: the solver still has to prove or improve it.
    func homogeneousIncumbent(_ metric: ChipMetric, budgets: [ChipBudget], prune: Bool) -> (design: ChipDesign, value: Int64)? {
        var best: (design: ChipDesign, value: Int64)?
        for k in candidates.keys.sorted() {
            let cs = candidates[k]!
            for c in prune ? Self.undominated(cs) : Array(cs.indices) {
                var busy = [Int64](repeating: 0, count: k)
                var a = [Int](repeating: 0, count: networks.count)
                for i in networks.indices.sorted(by: { (cs[c].latencyNs[$0], $1) > (cs[c].latencyNs[$1], $0) }) {
                    let j = busy.indices.min { (busy[$0], $0) < (busy[$1], $1) }!
                    a[i] = j
                    busy[j] = busy[j] &+ cs[c].latencyNs[i]
                }
                // Busiest slot first, as the encoding's symmetry breaking requires for equal candidates.
                let order = busy.indices.sorted { (busy[$0], $1) > (busy[$1], $0) }
                let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($0.element, $0.offset) })
                let d = ChipDesign(count: k, slots: Array(repeating: c, count: k), assignment: a.map { rank[$0]! })
                guard let m = try? metrics(of: d), budgets.allSatisfy(m.meets) else { continue }
                let v = m.value(metric)
                if best == nil || v < best!.value { best = (d, v) }
            }
        }
        return best
    }

    /// The conflicting budgets (the union of the unsat cores over the slot counts: each count's
    /// core is in it, so these budgets together admit no design) and, for each, the best value
    /// of its metric reachable under the others.
    func explain(_ core: [String], deadline: Date) throws -> [String] {
        let conflicting = budgets.filter { core.contains($0.name) }
        let text = conflicting.map { "\($0.name) ≤ \($0.describe($0.limit))" }.joined(separator: " and ")
        var out = [conflicting.count == 1 ? "\(text) cannot hold for any chip in this hardware space"
                                          : "\(text) cannot all hold for any chip in this hardware space"]
        for b in conflicting {
            if case .power = b.metric { continue }
            let others = conflicting.filter { $0.name != b.name }
            let r = try minimize(b.metric, budgets: others, deadline: deadline, trackBudgets: false)
            guard case .optimal = r.outcome, let v = r.value else { continue }
            let under = others.map { "\($0.name) ≤ \($0.describe($0.limit))" }.joined(separator: " and ")
            out.append("the smallest \(b.name) \(under.isEmpty ? "in this hardware space" : "under \(under)") is \(b.describe(v))")
        }
        return out
    }
}

// MARK: - Candidates of a hardware space, evaluated by the cost model
