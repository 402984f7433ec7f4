import DuetCore
import DuetSearch
import DuetStudy
import DuetWorkload
import Foundation

/// NASAIC's baseline, successive design: first each task's best-accuracy network, chosen from its
/// accuracy source alone (hardware ignored), then the hardware alone for those fixed networks —
/// the same optimizer, population, seed and budget of evaluations on the hardware-only space, or a
/// single evaluation when the target is a fixed accelerator. Comparing it with the co-exploration
/// shows what searching both together gains.
public struct SuccessiveBaseline: Sendable {
    /// The network chosen for one task in the first step.
    public struct Choice: Sendable {
        public var task: String
        /// `SPACE:ARCH` of the chosen network.
        public var network: String
        /// Its accuracy from the task's source (a proxy value for proxy sources).
        public var accuracy: Double
        /// How it was chosen: "best of N table rows", "best of all N architectures (proxy:macs)",
        /// "best of N searched (command)".
        public var method: String
        /// Accuracy evaluations spent on the choice (0 for a table look-up).
        public var evaluations: Int
    }

    public var choices: [Choice]
    /// The hardware step's trials (one trial for a fixed accelerator), best and Pareto set.
    public var hardware: ExploreResult
    public var seconds: Double

    /// Runs the baseline for `config`; the config must search at least one task's network.
    /// - Parameter enumerationLimit: a proxy accuracy is maximized over every architecture of a
    ///   space at most this large, otherwise searched.
    public static func run(config: ExploreConfig, dataDir: URL, enumerationLimit: Int = 20_000) async throws -> SuccessiveBaseline {
        let start = Date()
        let searched = config.tasks.filter { $0.space != nil }
        guard !searched.isEmpty else {
            throw InputError(file: config.file, keyPath: "tasks", message: "the successive baseline needs a task with a searched 'space'",
                             hint: "with fixed networks only, successive design is the co-exploration itself")
        }
        // The accuracy look-ups of step one go through the co-exploration's own sources.
        let sources = try CoExploration(config: config, dataDir: dataDir, allowFixed: true)
        var choices: [Choice] = []
        var fixedTasks = config.tasks
        for (i, t) in config.tasks.enumerated() {
            guard let space = t.space else { continue }
            let c = try await bestNetwork(task: t, space: space, config: config, sources: sources, enumerationLimit: enumerationLimit)
            choices.append(c)
            fixedTasks[i].space = nil
            fixedTasks[i].network = c.network
        }
        var fixed = config
        fixed.tasks = fixedTasks
        let hardware = try CoExploration(config: fixed, dataDir: dataDir, allowFixed: true)
        let result: ExploreResult
        if case .hardware = config.target {
            result = try await ExploreRun(exploration: hardware, study: nil).run()
        } else {
            // Nothing left to vary: the one design is evaluated once (no optimizer is involved).
            var one = fixed
            one.evaluations = 1
            one.optimizer = "random"
            result = try await ExploreRun(exploration: try CoExploration(config: one, dataDir: dataDir, allowFixed: true), study: nil).run()
        }
        return SuccessiveBaseline(choices: choices, hardware: result, seconds: Date().timeIntervalSince(start))
    }

    /// The best-accuracy network of one task: the table's best row that is an architecture of the
    /// space; for a proxy, every architecture when the space has at most 20,000, otherwise a search;
    /// for an external command, a search with the config's optimizer and budget.
    static func bestNetwork(task t: ExploreConfig.Task, space: any NetworkSpace, config: ExploreConfig,
                            sources: CoExploration, enumerationLimit: Int) async throws -> Choice {
        switch t.accuracy {
        case .table(let path, let key, let column):
            let table = try sources.tables.table(path: path, key: key, column: column)
            var best: (arch: String, acc: Double)?
            var rows = 0
            for (k, v) in table {
                guard let arch = try? space.parse(k), space.format(arch) == k else { continue }
                rows += 1
                if best == nil || v > best!.acc || (v == best!.acc && k < best!.arch) { best = (k, v) }
            }
            guard let best else {
                throw InputError(file: path, keyPath: "column \(key)", message: "no row of the accuracy table is an architecture of \(space.name)",
                                 hint: "check 'key' and the table's arch strings (duet space show \(space.name))")
            }
            return Choice(task: t.name, network: "\(space.name):\(best.arch)", accuracy: best.acc,
                          method: "best of \(rows) table rows (\(column))", evaluations: 0)
        case .proxy(let p) where (space.exactCardinality ?? .max) <= enumerationLimit:
            var best: (arch: String, acc: Double)?
            let all = space.enumerate(limit: enumerationLimit) ?? []
            for arch in all {
                let n = try space.network(arch).analyze()
                let v = log10(Double(max(1, p == "params" ? n.totalParams : n.totalMACs)))
                if best == nil || v > best!.acc { best = (space.format(arch), v) }
            }
            return Choice(task: t.name, network: "\(space.name):\(best!.arch)", accuracy: best!.acc,
                          method: "best of all \(all.count) architectures (PROXY \(t.accuracy.label))", evaluations: all.count)
        case .none:
            throw InputError(file: config.file, keyPath: "tasks", value: t.name, message: "a searched task needs an accuracy source for the baseline")
        default:
            return try await searchBest(task: t, space: space, config: config, sources: sources)
        }
    }

    /// Accuracy-only search of one task's space with the config's optimizer, population, seed and
    /// evaluation budget, through the same ``Search`` driver as the co-exploration; failed
    /// evaluations count as worst. The exact optimizers (`z3`, `hybrid`) need an accuracy table,
    /// which this step reads directly (``bestNetwork(task:space:config:sources:enumerationLimit:)``).
    static func searchBest(task t: ExploreConfig.Task, space: any NetworkSpace, config: ExploreConfig,
                           sources: CoExploration) async throws -> Choice {
        if ["z3", "hybrid"].contains(config.optimizer) {
            throw InputError(file: config.file, keyPath: "optimizer", value: config.optimizer,
                             message: "the successive baseline cannot search task '\(t.name)' exactly: its accuracy (\(t.accuracy.label)) is not a table",
                             hint: "use an accuracy table for exact solving, or optimizer nsga2, random or evolution")
        }
        let problem = try AccuracyProblem(task: t, space: space, sources: sources)
        var optimizer = ExploreRun.heuristicOptimizer(config.optimizer, space: problem.space, population: config.population, seed: config.seed)
        var best: (arch: String, acc: Double)?
        let search = Search(problem: problem, termination: .evaluations(config.evaluations), concurrency: max(1, config.workers), caching: true)
        let result = await search.run(&optimizer) { p in
            for trial in p.batch where trial.failure == nil {
                let a = trial.objectives[0], arch = problem.arch(trial.point)
                if best == nil || a > best!.acc { best = (arch, a) }
            }
        }
        guard let best else {
            throw InputError(file: config.file, keyPath: "tasks", value: t.name, message: "no network of the task could be evaluated for accuracy",
                             hint: "check the accuracy source with duet explore first")
        }
        return Choice(task: t.name, network: "\(space.name):\(best.arch)", accuracy: best.acc,
                      method: "best of \(result.trials) searched with \(config.optimizer) (\(t.accuracy.isProxy ? "PROXY " : "")\(t.accuracy.label))",
                      evaluations: result.trials)
    }
}

/// One task's accuracy alone as a search problem (the successive baseline's first step).
struct AccuracyProblem: Problem {
    let task: ExploreConfig.Task
    let network: any NetworkSpace
    let sources: CoExploration
    let space: DesignSpace
    var objectives: [Objective] { [.maximize("accuracy")] }

    init(task: ExploreConfig.Task, space network: any NetworkSpace, sources: CoExploration) throws {
        self.task = task
        self.network = network
        self.sources = sources
        space = try DesignSpace(network.dimensions.map { d in .categorical(d.name, d.options.map { Value.string($0) }) })
    }

    func arch(_ point: Point) -> String {
        network.format(Architecture(network.dimensions.map { d in d.options.firstIndex(of: point[d.name]?.stringValue ?? "") ?? 0 }))
    }

    func evaluate(_ point: Point) async throws -> Evaluation {
        let arch = arch(point)
        let n = try network.network(parsing: arch).analyze()
        let json = JSONValue.obj(["tasks": .obj([task.name: .string(arch)]), "hardware": .array([])]).serialized(pretty: false)
        switch await sources.accuracy(of: task, arch: arch, network: n, designJSON: json) {
        case .success(let m):
            guard let a = m["accuracy"] else { throw TrialFailure(message: "no accuracy") }
            return Evaluation(objectives: [a])
        case .failure(let e): throw TrialFailure(message: e.message)
        }
    }
}

/// Co-exploration against the successive baseline: whether each meets the budgets and its best
/// feasible accuracy (the mean over tasks with an accuracy source).
public struct BaselineComparison: Sendable {
    public struct Side: Sendable {
        public var evaluations: Int
        public var feasible: Int
        /// The feasible trial with the highest accuracy (ties: the first), if any.
        public var best: TrialRecord?
        /// The least-violating complete trial when none is feasible.
        public var leastViolating: TrialRecord?
        public var bestAccuracy: Double? { best?.metrics["accuracy"] }
    }

    public var coExploration: Side
    public var successive: Side
    /// Best feasible accuracy of the co-exploration minus the successive design's; nil unless both are feasible.
    public var accuracyGain: Double? {
        guard let a = coExploration.bestAccuracy, let b = successive.bestAccuracy else { return nil }
        return a - b
    }

    public init(coExploration co: ExploreResult, successive: SuccessiveBaseline) {
        func side(_ trials: [TrialRecord]) -> Side {
            let feasible = trials.filter(\.isFeasible)
            let best = feasible.reduce(nil as TrialRecord?) { b, t in
                b == nil || (t.metrics["accuracy"] ?? -.infinity) > (b!.metrics["accuracy"] ?? -.infinity) ? t : b
            }
            let least = feasible.isEmpty ? trials.filter { $0.status == "complete" }.min { $0.violation < $1.violation } : nil
            return Side(evaluations: trials.count, feasible: feasible.count, best: best, leastViolating: least)
        }
        coExploration = side(co.trials)
        self.successive = side(successive.hardware.trials)
    }
}
