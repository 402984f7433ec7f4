import DuetCore
import DuetCostModel
import DuetHardware
import DuetReport
import DuetSolver
import DuetWorkload
import Foundation

/// The exact side of a configuration: one task's space decomposed on a fixed accelerator or a
/// table-driven device, its budgets and objective in the decomposition's integer units, solved
/// by ``TableSumSolver``. Shared by `duet solve` and `duet explore --optimizer z3|hybrid`.
public struct ExactSolve: Sendable {
    /// A user metric in the decomposition's integers: `user value = integer / scale`.
    public typealias Unit = FixedPointMetric

    public let config: ExploreConfig
    public let task: ExploreConfig.Task
    public let space: any NetworkSpace
    public let decomposition: CostDecomposition
    /// The accelerator reference or the device's name.
    public let targetName: String
    /// User metric (latency_ms, energy_mj, macs) → its integer form on this target.
    public let units: [String: Unit]
    public let budgets: [IntegerBudget]
    public let timeoutSeconds: Double
    /// Where latencies come from, for every output: `measured table`, `fitted table`,
    /// `modelled (device model …)` or `modelled (analytical cost model)`.
    public let latencySource: String

    /// The cost estimator of the target: the table or device model, the latency predictor (which
    /// the decomposition refuses: it is not additive), or the analytical model on the accelerator.
    public let estimator: any CostEstimator

    /// `cache`: where tabulated decompositions of table-driven devices are kept between runs (nil: none).
    public init(config cfg: ExploreConfig, dataDir: URL, timeoutSeconds: Double, cache: TabulationCache? = nil) async throws {
        guard cfg.tasks.count == 1, let task = cfg.tasks.first, let space = task.space else {
            throw InputError(file: cfg.file, keyPath: "tasks", message: "the exact solver takes exactly one task with a 'space'",
                             hint: "use duet explore with nsga2, random or evolution for several tasks or fixed networks")
        }
        let estimator: any CostEstimator
        if let e = try cfg.latencyEstimator(dataDir: dataDir) {
            estimator = e
        } else if case .accelerator(let ref, let sets) = cfg.target {
            let chip = try AcceleratorLoader(dataDir: dataDir).load(ref, overrides: sets)
            guard chip.subAccelerators.count == 1 else {
                throw InputError(file: cfg.file, keyPath: "target.accelerator", message: "the exact solver evaluates one sub-accelerator",
                                 hint: "give a hardware space (target: {hardware: …}) to choose and assign the sub-accelerators of a chip")
            }
            estimator = AnalyticalEstimator(chip.subAccelerators[0], name: ref)
        } else {
            throw InputError(file: cfg.file, keyPath: "target", message: "the exact solver needs a fixed accelerator, a latency table or a device model",
                             hint: "write 'target: {accelerator: eyeriss}', 'target: {table: FILE}' or 'target: {device: pixel3}'")
        }
        do {
            decomposition = try await CostDecomposition.make(space: space, estimator: estimator, cache: cache)
        } catch let e as InputError where !estimator.isAdditive {
            // The refusal names the config's target (the predictor file is the value).
            throw InputError(e.issues.map { var i = $0; i.file = cfg.file; i.keyPath = "target.predictor"; return i })
        }
        self.estimator = estimator
        targetName = estimator.targetName
        latencySource = estimator.costSource
        var units: [String: Unit] = ["macs": Unit(userMetric: "macs", metric: "macs", scale: 1, unit: "MACs")]
        for m in estimator.fixedPoint { units[m.userMetric] = m }
        var budgets: [IntegerBudget] = []
        for (name, limit) in cfg.budgets {
            let metric = name.split(separator: ".").last.map(String.init) ?? name
            guard let u = units[metric] else {
                throw InputError(file: cfg.file, keyPath: "budgets.\(name)",
                                 message: "the exact solver supports \(units.keys.filter { $0 != "macs" }.sorted().joined(separator: " and ")) budgets on this target",
                                 hint: "area and power do not depend on the network for a fixed accelerator; check them with duet evaluate")
            }
            budgets.append(u.budget(name: name, limit: Checked.saturatingInt64(limit * u.scale)))
        }
        self.config = cfg
        self.task = task
        self.space = space
        self.units = units
        self.budgets = budgets
        self.timeoutSeconds = timeoutSeconds
    }

    public var solver: TableSumSolver {
        TableSumSolver(space: space, decomposition: decomposition, budgets: budgets, timeoutSeconds: timeoutSeconds)
    }

    public var objective: (metric: String, maximize: Bool) { config.objectives.first ?? (metric: "accuracy", maximize: true) }

    /// What the first objective is, for the solver: an accuracy table, or a decomposed metric.
    enum Target {
        case table([String: Double])
        case metric(String)
    }

    func objectiveTarget() throws -> Target {
        let objective = self.objective
        switch (objective.metric, task.accuracy) {
        case ("accuracy", .table(let path, let key, let column)):
            return .table(try AccuracyTable.load(path: path, key: key, column: column))
        case ("accuracy", .proxy(let p)) where p == "macs":
            return .metric("macs")
        case (let m, _) where units[m] != nil:
            return .metric(units[m]!.metric)
        default:
            throw InputError(file: config.file, keyPath: "objectives[0]", value: objective.metric,
                             message: "the exact solver optimizes accuracy (from a table or the macs proxy) or \(units.keys.sorted().joined(separator: ", ")) on this target",
                             hint: "external evaluators and the params proxy are not additive: use duet explore with nsga2")
        }
    }

    /// The proven optimum of the first objective under the budgets (or infeasibility, explained).
    public func solve() throws -> SolveResult {
        switch try objectiveTarget() {
        case .table(let t): return try solver.maximize(table: t)
        case .metric(let m): return try solver.optimize(metric: m, maximize: objective.maximize)
        }
    }

    /// The exact Pareto front of the first objective against a cost (the first budget's metric,
    /// else latency) under the budgets, by iterated solving: the optimum under the budgets, then
    /// the optimum under a cost limit just below the last point's cost, until infeasible or
    /// `maxPoints` points have been proposed. Each kept point is optimal for its cost limit and the
    /// cheapest of its value, so no design dominates it.
    public func paretoFront(maxPoints: Int = 50) throws -> [(arch: Architecture, result: SolveResult)] {
        let costName = budgets.first?.name.split(separator: ".").last.map(String.init) ?? "latency_ms"
        guard let cost = units[costName] else { return [] }
        let target = try objectiveTarget()
        var front: [(Architecture, SolveResult)] = []
        var limit: Int64?
        let maximizer: TableMaximizer? = if case .table(let t) = target, decomposition.kind != .tabulated {
            try TableMaximizer(solver, table: t)
        } else { nil }
        var proposed = 0
        while proposed < maxPoints {
            proposed += 1
            var bs = budgets
            if let limit {
                bs.removeAll { $0.metric == cost.metric }
                bs.append(cost.budget(name: costName, limit: limit))
            }
            var s = solver
            s.budgets = bs
            let r: SolveResult
            switch target {
            case .table(let t): r = try maximizer?.solve(bs) ?? s.maximize(table: t)
            case .metric(let m): r = try s.optimize(metric: m, maximize: objective.maximize)
            }
            guard r.status == .optimal || r.status == .feasible, let arch = r.arch else { break }
            // Same objective value at a lower cost: the previous point was dominated (this is
            // the lexicographic step: the cheapest design of each value survives).
            if let last = front.last, last.1.value == r.value { front.removeLast() }
            front.append((arch, r))
            let c = decomposition.value(cost.metric, arch)
            if c <= 0 { break }
            limit = c - 1
        }
        return front
    }
}

extension ExactSolve {
    /// The answer of ``solve()`` for machines (JSON) and people (text): status, the design, its
    /// metrics in the user's units, where the latency comes from, the proven bound, the
    /// explanation of an infeasible answer.
    public func report(_ result: SolveResult, seconds: Double) -> (json: JSONValue, text: String) {
        let arch = result.arch.map { space.format($0) }
        var objectives: [JSONValue.Field] = []
        // The objective in the user's unit (the solver works in the decomposition's integers).
        let objectiveScale = units[objective.metric]?.scale ?? 1
        let bound = result.bound.map { $0 / objectiveScale }
        if let v = result.value { objectives.append(.init(objective.metric, objective.metric == "macs" ? .int(Int(v)) : .double(v / objectiveScale))) }
        if let m = result.arch.map({ solver.metrics($0) }) {
            for (name, u) in units.sorted(by: { $0.key > $1.key }) where name != "macs" && name != objective.metric {
                objectives.append(.init(name, .double(Double(m[u.metric]!) / u.scale)))
            }
            if objective.metric != "macs" { objectives.append(.init("macs", .int(Int(m["macs"]!)))) }
        }
        let doc = JSONValue.obj([
            "status": .string(result.status.rawValue),
            "design": arch.map { .obj(["tasks": .object([.init(task.name, .string($0))]), (config.target.isTableDriven ? "device" : "accelerator"): .string(targetName)]) } ?? .null,
            "objectives": .object(objectives),
            "bound": bound.map { .double($0) } ?? .null,
            "explanation": .array(result.explanation.map { .string($0) }),
            "seconds": .double(seconds),
            "accuracy_source": .string(task.accuracy.label),
            "solver_checks": .int(result.checks),
            "z3_version": result.usedZ3 ? .string(Z3Context.version) : .null,
            "latency_source": .string(latencySource),
        ])
        var out = "status: \(result.status.rawValue)\n"
        if let arch { out += "design: \(task.name) = \(arch) on \(targetName)\n" }
        for f in objectives { out += "  \(f.key): \(f.value.serialized(pretty: false))\n" }
        out += "  latency: \(latencySource)\n"
        if let b = bound { out += "bound: \(b)\(result.status == .optimal ? " (proven)" : "")\n" }
        for e in result.explanation { out += "  - \(e)\n" }
        out += String(format: "%.2f s\n", seconds)
        return (doc, out)
    }
}

extension FixedPointMetric {
    /// A ceiling on this metric, in the decomposition's integers, printed in the user's unit.
    func budget(name: String, limit: Int64) -> IntegerBudget {
        let scale = scale, unit = unit
        return IntegerBudget(name: name, metric: metric, limit: limit, describe: { String(format: "%.4g \(unit)", Double($0) / scale) })
    }
}
