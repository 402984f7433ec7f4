import DuetCore
import DuetWorkload
import Foundation

/// The answer of an exact solve.
public struct SolveResult: Sendable {
    public enum Status: String, Sendable { case optimal, feasible, infeasible, unknown }
    public var status: Status
    public var arch: Architecture?
    /// Objective value of `arch` (accuracy in percent, or the proxy).
    public var value: Double?
    /// The proven bound on the objective (equal to `value` when optimal).
    public var bound: Double?
    /// Metric values of `arch` by the decomposition (latency_cycles, energy_fj, macs).
    public var metrics: [String: Int64]
    /// For infeasible budgets: which budgets conflict, in the user's words.
    public var explanation: [String]
    public var seconds: Double
    /// Solver checks made (for reports).
    public var checks: Int
    /// Whether Z3 took part (false when the answer came from enumerating every architecture), so
    /// that outputs name a Z3 version only when Z3 was used.
    public var usedZ3: Bool = true
}

/// A budget on a decomposed metric: `metric ≤ limit` (integer units of the decomposition).
public struct IntegerBudget: Sendable {
    public var name: String
    public var metric: String
    public var limit: Int64
    /// A floor (`metric ≥ limit`, e.g. a minimum accuracy proxy) instead of a ceiling.
    public var atLeast: Bool
    /// How to print a value of the metric in the budget's unit (e.g. cycles → ms).
    public var describe: @Sendable (Int64) -> String
    public init(name: String, metric: String, limit: Int64, atLeast: Bool = false, describe: @escaping @Sendable (Int64) -> String) {
        self.name = name; self.metric = metric; self.limit = limit; self.atLeast = atLeast; self.describe = describe
    }

    var symbol: String { atLeast ? "≥" : "≤" }

    func term(_ z: Z3Context, _ m: Z3Term) throws -> Z3Term { atLeast ? try z.ge(m, try z.int(limit)) : try z.le(m, try z.int(limit)) }
}

/// Exact constrained optimum over a network space whose costs are sums of table entries selected
/// by choice variables (``CostDecomposition``): maximize accuracy (a table over architectures, or
/// an additive proxy) subject to budgets, with Z3. Linear integer encodings; the table objective
/// by a binary search over accuracy levels, each level a satisfiability check, so that the
/// optimum is proven by the unsatisfiability of the next level.
public struct TableSumSolver {
    public var space: any NetworkSpace
    public var decomposition: CostDecomposition
    public var budgets: [IntegerBudget]
    public var timeoutSeconds: Double

    public init(space: any NetworkSpace, decomposition: CostDecomposition, budgets: [IntegerBudget], timeoutSeconds: Double = 60) {
        self.space = space; self.decomposition = decomposition; self.budgets = budgets; self.timeoutSeconds = timeoutSeconds
    }

    /// The choice variables and each metric's sum as Z3 terms.
    struct Encoding {
        var choice: [Z3Term]
        var isOption: [[Z3Term]]
        var metric: [String: Z3Term]
    }

    func encode(_ z: Z3Context, _ s: (Z3Term) throws -> Void) throws -> Encoding {
        let dims = space.dimensions
        var choice: [Z3Term] = [], isOption: [[Z3Term]] = [], indicator: [[Z3Term]] = []
        let zeroI = try z.int(0), oneI = try z.int(1)
        for (i, d) in dims.enumerated() {
            let c = try z.intVar("c\(i)")
            try s(try z.and([try z.ge(c, zeroI), try z.lt(c, try z.int(Int64(d.options.count)))]))
            choice.append(c)
            isOption.append(try (0..<d.options.count).map { try z.eq(c, try z.int(Int64($0))) })
            if decomposition.kind == .additive {
                // x[i][o] ∈ {0, 1}, Σ_o x[i][o] = 1, x[i][o] = 1 ⇔ c_i = o.
                let xs = try (0..<d.options.count).map { o -> Z3Term in
                    let x = try z.intVar("x\(i)_\(o)")
                    try s(try z.and([try z.ge(x, zeroI), try z.le(x, oneI)]))
                    try s(try z.eq(try z.eq(x, oneI), isOption[i][o]))
                    return x
                }
                try s(try z.eq(try z.sum(xs), oneI))
                indicator.append(xs)
            }
        }
        var metric: [String: Z3Term] = [:]
        let zero = try z.int(0)
        for m in decomposition.metrics {
            let t = decomposition.terms[m] ?? []
            var parts: [Z3Term] = [try z.int(decomposition.constant[m]!)]
            switch decomposition.kind {
            case .additive:
                // 0/1 indicators with Σ = 1 per position: a pure linear integer program.
                for i in dims.indices {
                    parts.append(contentsOf: try t[i].enumerated().filter { $0.element != 0 }.map { o, v in
                        try z.mul(v, indicator[i][o])
                    })
                }
            case .tabulated:
                throw InputError(message: "a tabulated space is solved by enumeration, not encoded")
            case .nb201:
                // Non-zero nodes and active edges, as NB201Logic computes them.
                var nonzero: [Z3Term] = [try z.bool(true)]
                var term = [Z3Term?](repeating: nil, count: 6)
                for to in 1...3 {
                    var incoming: [Z3Term] = []
                    for (e, edge) in NASBench201Space.edges.enumerated() where edge.to == to {
                        let a = try z.and([nonzero[edge.from], try z.not(isOption[e][0])])
                        term[e] = a
                        incoming.append(a)
                    }
                    nonzero.append(try z.or(incoming))
                }
                let one = try z.int(1)
                let count: [Int: Z3Term] = try Dictionary(uniqueKeysWithValues: (2...3).map { to in
                    (to, try z.sum(NASBench201Space.edges.enumerated().filter { $0.element.to == to }.map { try z.ite(term[$0.offset]!, one, zero) }))
                })
                for stage in 0..<3 {
                    var cell: [Z3Term] = []
                    for e in 0..<6 {
                        for (o, v) in t[stage].enumerated() where v != 0 {
                            cell.append(try z.ite(try z.and([term[e]!, isOption[e][o]]), try z.int(v), zero))
                        }
                    }
                    for to in 2...3 {
                        let a = decomposition.adds[m]![stage]
                        cell.append(try z.ite(try z.eq(count[to]!, try z.int(2)), try z.int(a[0]),
                                              try z.ite(try z.eq(count[to]!, try z.int(3)), try z.int(a[1]), zero)))
                    }
                    let cellSum = try z.sum(cell)
                    parts.append(contentsOf: Array(repeating: cellSum, count: decomposition.cellsPerStage))
                }
            }
            metric[m] = try z.sum(parts)
        }
        return Encoding(choice: choice, isOption: isOption, metric: metric)
    }

    func architecture(_ s: Z3Solver, _ e: Encoding) throws -> Architecture {
        Architecture(try e.choice.map { Int(try s.value($0)) })
    }

    /// The decomposed metrics of `arch` (latency_cycles, energy_fj, macs).
    public func metrics(_ arch: Architecture) -> [String: Int64] {
        Dictionary(uniqueKeysWithValues: decomposition.metrics.map { ($0, decomposition.value($0, arch)) })
    }

    /// Explains infeasible budgets: the conflicting ones (unsat core) and, for each, the best
    /// value of its metric reachable under the others.
    func explain(_ core: [String], budgets: [IntegerBudget]? = nil) throws -> [String] {
        let budgets = budgets ?? self.budgets
        let names = core.isEmpty ? budgets.map(\.name) : core
        var out: [String] = []
        let conflicting = budgets.filter { names.contains($0.name) }
        let text = conflicting.map { "\($0.name) \($0.symbol) \($0.describe($0.limit))" }.joined(separator: " and ")
        out.append(conflicting.count == 1 ? "\(text) cannot hold for any design in this space"
                   : "\(text) cannot all hold for any design in this space")
        for b in conflicting {
            let z = Z3Context()
            let o = try Z3Optimizer(z, timeoutSeconds: timeoutSeconds)
            let e = try encode(z) { try o.add($0) }
            for other in conflicting where other.name != b.name { try o.add(try other.term(z, e.metric[other.metric]!)) }
            let r = try o.optimize(e.metric[b.metric]!, maximize: b.atLeast)
            if r.status == .sat, let v = r.value {
                let under = conflicting.filter { $0.name != b.name }.map { "\($0.name) \($0.symbol) \($0.describe($0.limit))" }.joined(separator: " and ")
                out.append("the \(b.atLeast ? "largest" : "smallest") \(b.name) \(under.isEmpty ? "in this space" : "under \(under)") is \(b.describe(v))")
            }
        }
        return out
    }

    /// Maximizes a table accuracy (architecture string → value) subject to the budgets.
    public func maximize(table: [String: Double]) throws -> SolveResult {
        if decomposition.kind == .tabulated {
            var scored: [(Architecture, Double)] = []
            for (k, v) in table { if let a = try? space.parse(k) { scored.append((a, v)) } }
            guard !scored.isEmpty else { throw InputError(message: "the accuracy table has no architecture of this space") }
            return enumerate(scored, maximize: true)
        }
        return try TableMaximizer(self, table: table).solve(budgets)
    }

    /// The exact optimum of a tabulated space by enumeration: every architecture's metrics are
    /// known, so the budgets are checked on each (ties: the first in choice order).
    func enumerate(_ scored: [(Architecture, Double)], maximize: Bool) -> SolveResult {
        let start = Date()
        func meets(_ a: Architecture, _ bs: [IntegerBudget]) -> Bool {
            bs.allSatisfy { b in let v = decomposition.value(b.metric, a); return b.atLeast ? v >= b.limit : v <= b.limit }
        }
        var best: (Architecture, Double)?
        for (a, v) in scored where meets(a, budgets) {
            if let b = best, maximize ? v < b.1 : v > b.1 { continue }
            if let b = best, v == b.1, !a.choices.lexicographicallyPrecedes(b.0.choices) { continue }
            best = (a, v)
        }
        let n = scored.count
        guard let best else {
            // Which budgets conflict: the smallest set that no architecture meets, tried by size.
            var conflict = budgets
            search: for size in 1...max(1, budgets.count) {
                for subset in Self.subsets(of: budgets.count, size: size) {
                    let bs = subset.map { budgets[$0] }
                    if !scored.contains(where: { meets($0.0, bs) }) { conflict = bs; break search }
                }
            }
            let text = conflict.map { "\($0.name) \($0.symbol) \($0.describe($0.limit))" }.joined(separator: " and ")
            var out = [conflict.count == 1 ? "\(text) cannot hold for any design in this space" : "\(text) cannot all hold for any design in this space"]
            for b in conflict {
                let others = conflict.filter { $0.name != b.name }
                let values = scored.filter { meets($0.0, others) }.map { decomposition.value(b.metric, $0.0) }
                if let v = b.atLeast ? values.max() : values.min() {
                    let under = others.map { "\($0.name) \($0.symbol) \($0.describe($0.limit))" }.joined(separator: " and ")
                    out.append("the \(b.atLeast ? "largest" : "smallest") \(b.name) \(under.isEmpty ? "in this space" : "under \(under)") is \(b.describe(v))")
                }
            }
            return SolveResult(status: .infeasible, arch: nil, value: nil, bound: nil, metrics: [:], explanation: out,
                               seconds: Date().timeIntervalSince(start), checks: n, usedZ3: false)
        }
        return SolveResult(status: .optimal, arch: best.0, value: best.1, bound: best.1, metrics: metrics(best.0),
                           explanation: ["exact: all \(n) architectures checked against the budgets (the device's latency is tabulated per architecture, not a sum of per-choice terms)"],
                           seconds: Date().timeIntervalSince(start), checks: n, usedZ3: false)
    }

    static func subsets(of n: Int, size k: Int) -> [[Int]] {
        guard k > 0, k <= n else { return k == 0 ? [[]] : [] }
        if k == n { return [Array(0..<n)] }
        return subsets(of: n - 1, size: k - 1).map { $0 + [n - 1] } + subsets(of: n - 1, size: k)
    }

    /// Maximizes (or minimizes) a decomposed metric — e.g. the MACs proxy — subject to the budgets.
    public func optimize(metric: String, maximize: Bool) throws -> SolveResult {
        if decomposition.kind == .tabulated, let all = space.enumerate() {
            return enumerate(all.map { ($0, Double(decomposition.value(metric, $0))) }, maximize: maximize)
        }
        let start = Date()
        let z = Z3Context()
        // Feasibility first, with tracked budgets for an explanation.
        let s = try Z3Solver(z, timeoutSeconds: timeoutSeconds)
        let e = try encode(z) { try s.add($0) }
        for b in budgets { try s.add(try b.term(z, e.metric[b.metric]!), named: b.name) }
        let feasible = try s.check(deadline: start.addingTimeInterval(timeoutSeconds))
        if feasible == .unsat {
            return SolveResult(status: .infeasible, arch: nil, value: nil, bound: nil, metrics: [:], explanation: try explain(try s.unsatCore()),
                               seconds: Date().timeIntervalSince(start), checks: 1)
        }
        // One budget on an additive space: exact Pareto dynamic programming finds the optimum,
        // and Z3 is asked to certify that nothing better exists (reported when it answers in time).
        if decomposition.kind == .additive, budgets.count == 1 {
            let b = budgets[0]
            guard let dp = ParetoKnapsack.solve(costs: decomposition.terms[b.metric]!, values: decomposition.terms[metric]!,
                                                constantCost: decomposition.constant[b.metric]!, constantValue: decomposition.constant[metric]!,
                                                limit: b.limit, maximize: maximize) else {
                return SolveResult(status: .infeasible, arch: nil, value: nil, bound: nil, metrics: [:], explanation: try explain([b.name]),
                                   seconds: Date().timeIntervalSince(start), checks: 1)
            }
            let arch = Architecture(dp.choices)
            let cz = Z3Context()
            let cert = try Z3Solver(cz, timeoutSeconds: min(timeoutSeconds, 20))
            let ce = try encode(cz) { try cert.add($0) }
            try cert.add(try cz.le(ce.metric[b.metric]!, try cz.int(b.limit)))
            try cert.add(maximize ? try cz.ge(ce.metric[metric]!, try cz.int(dp.value + 1)) : try cz.le(ce.metric[metric]!, try cz.int(dp.value - 1)))
            let certified = try cert.check(deadline: start.addingTimeInterval(timeoutSeconds)) == .unsat
            return SolveResult(status: .optimal, arch: arch, value: Double(dp.value), bound: Double(dp.value), metrics: metrics(arch),
                               explanation: [certified ? "optimality certified by Z3 (no better design: unsat)"
                                                       : "optimal by exact Pareto dynamic programming over the \(space.dimensions.count) positions; Z3's certificate did not finish in time"],
                               seconds: Date().timeIntervalSince(start), checks: 3)
        }
        let z2 = Z3Context()
        let o = try Z3Optimizer(z2, timeoutSeconds: timeoutSeconds)
        let e2 = try encode(z2) { try o.add($0) }
        for b in budgets { try o.add(try b.term(z2, e2.metric[b.metric]!)) }
        let r = try o.optimize(e2.metric[metric]!, maximize: maximize)
        let elapsed = Date().timeIntervalSince(start)
        guard r.status == .sat, let v = r.value else {
            return SolveResult(status: r.status == .unsat ? .infeasible : .unknown, arch: nil, value: nil, bound: nil, metrics: [:],
                               explanation: [], seconds: elapsed, checks: 2)
        }
        let arch = Architecture(try e2.choice.map { Int(try o.value($0)) })
        let optimal = r.bound == v
        return SolveResult(status: optimal ? .optimal : .feasible, arch: arch, value: Double(v), bound: r.bound.map(Double.init),
                           metrics: metrics(arch), explanation: [], seconds: elapsed, checks: 2)
    }
}

/// Incremental solver for a table objective: "accuracy ≥ level j" is the disjunction of the
/// architectures at level j or better (each a conjunction of its choices, built once and reused),
/// asked under push/pop. Reusable across budgets (sweeps, Pareto enumeration).
public final class TableMaximizer {
    let problem: TableSumSolver
    let z = Z3Context()
    let s: Z3Solver
    let e: TableSumSolver.Encoding
    /// Accuracy of each level, best first.
    public let levels: [Double]
    let table: [String: Double]
    /// Architectures best first, and how many are at each level or better.
    let order: [Architecture]
    let upTo: [Int]
    var conj: [Z3Term] = []

    public init(_ problem: TableSumSolver, table: [String: Double]) throws {
        self.problem = problem
        self.table = table
        s = try Z3Solver(z, timeoutSeconds: problem.timeoutSeconds)
        let s = self.s
        e = try problem.encode(z) { try s.add($0) }
        var byArch: [(Architecture, Double)] = []
        for (k, v) in table { if let a = try? problem.space.parse(k) { byArch.append((a, v)) } }
        byArch.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.choices.lexicographicallyPrecedes($1.0.choices) }
        guard !byArch.isEmpty else { throw InputError(message: "the accuracy table has no architecture of this space") }
        order = byArch.map(\.0)
        levels = Array(Set(byArch.map(\.1))).sorted(by: >)
        upTo = levels.map { l in byArch.prefix { $0.1 >= l }.count }
    }

    func levelTerm(_ j: Int) throws -> Z3Term {
        while conj.count < upTo[j] {
            let a = order[conj.count]
            conj.append(try z.and(a.choices.enumerated().map { e.isOption[$0.offset][$0.element] }))
        }
        return try z.or(Array(conj.prefix(upTo[j])))
    }

    /// The best accuracy meeting `budgets`, proven optimal when every better level is refuted.
    public func solve(_ budgets: [IntegerBudget]) throws -> SolveResult {
        let start = Date()
        let deadline = start.addingTimeInterval(problem.timeoutSeconds)
        s.push()
        defer { s.pop() }
        for b in budgets { try s.add(try b.term(z, e.metric[b.metric]!), named: b.name) }
        var checks = 1
        switch try s.check(deadline: deadline) {
        case .unsat:
            return SolveResult(status: .infeasible, arch: nil, value: nil, bound: nil, metrics: [:],
                               explanation: try problem.explain(try s.unsatCore(), budgets: budgets), seconds: Date().timeIntervalSince(start), checks: checks)
        case .unknown:
            return SolveResult(status: .unknown, arch: nil, value: nil, bound: nil, metrics: [:],
                               explanation: ["Z3 gave up: \(s.reasonUnknown)"], seconds: Date().timeIntervalSince(start), checks: checks)
        case .sat: break
        }
        var best: (Architecture, Double)?
        var found: Int?
        var proven = true
        func check(_ j: Int) throws -> Z3Status {
            s.push()
            defer { s.pop() }
            try s.add(try levelTerm(j))
            checks += 1
            let r = try s.check(deadline: deadline)
            if r == .sat {
                let a = try problem.architecture(s, e)
                best = (a, table[problem.space.format(a)] ?? levels[j])
                found = levels.firstIndex(of: best!.1) ?? j
            }
            return r
        }
        // Galloping from the best level, then bisection, for the smallest satisfiable level.
        var lo = 0, hi = levels.count - 1, step = 1, probe = 0
        gallop: while true {
            switch try check(probe) {
            case .sat: hi = min(probe, found ?? probe) - 1; break gallop
            case .unsat:
                lo = probe + 1
                if probe == levels.count - 1 { break gallop }
                probe = min(levels.count - 1, probe + step); step *= 2
            case .unknown: proven = false; break gallop
            }
        }
        if proven, found != nil {
            while lo <= hi {
                let mid = (lo + hi) / 2
                switch try check(mid) {
                case .sat: hi = min(mid, found ?? mid) - 1
                case .unsat: lo = mid + 1
                case .unknown: proven = false; lo = hi + 1
                }
            }
        }
        let elapsed = Date().timeIntervalSince(start)
        guard let best else {
            return SolveResult(status: proven ? .infeasible : .unknown, arch: nil, value: nil, bound: nil, metrics: [:],
                               explanation: proven ? ["no architecture of the accuracy table meets the budgets"] : ["Z3 gave up: \(s.reasonUnknown)"],
                               seconds: elapsed, checks: checks)
        }
        return SolveResult(status: proven ? .optimal : .feasible, arch: best.0, value: best.1,
                           bound: proven ? best.1 : levels[max(0, lo)], metrics: problem.metrics(best.0),
                           explanation: [], seconds: elapsed, checks: checks)
    }
}

extension TableSumSolver {
    /// Whether `arch` meets every budget by the decomposition.
    public func meetsBudgets(_ arch: Architecture) -> Bool {
        budgets.allSatisfy { b in let v = decomposition.value(b.metric, arch); return b.atLeast ? v >= b.limit : v <= b.limit }
    }

    /// Repair: the design meeting the budgets that changes the fewest choices of `arch` (ties:
    /// the first in choice order for enumerated spaces, Z3's model otherwise), `arch` itself when
    /// it already meets them, nil when no design does or Z3 gives up. Spaces of at most
    /// `enumerateLimit` designs are searched exhaustively; larger ones by Z3 minimizing the
    /// number of changed choices.
    public func nearestFeasible(to arch: Architecture, enumerateLimit: Int = 100_000) throws -> Architecture? {
        if meetsBudgets(arch) { return arch }
        if space.cardinality <= Double(enumerateLimit), let all = space.enumerate(limit: enumerateLimit) {
            var best: (Int, Architecture)?
            for a in all where meetsBudgets(a) {
                let d = zip(a.choices, arch.choices).filter { $0 != $1 }.count
                if best == nil || d < best!.0 { best = (d, a) }
            }
            return best?.1
        }
        let z = Z3Context()
        let o = try Z3Optimizer(z, timeoutSeconds: timeoutSeconds)
        let e = try encode(z) { try o.add($0) }
        for b in budgets { try o.add(try b.term(z, e.metric[b.metric]!)) }
        let zero = try z.int(0), one = try z.int(1)
        let changed = try z.sum(arch.choices.enumerated().map { i, c in try z.ite(e.isOption[i][c], zero, one) })
        let r = try o.optimize(changed, maximize: false)
        guard r.status == .sat else { return nil }
        return Architecture(try e.choice.map { Int(try o.value($0)) })
    }
}
