import DuetCore
import DuetPredict
import DuetSearch
import DuetStudy
import DuetWorkload
import Foundation

/// Progress of a running exploration (for a progress line).
public struct ExploreProgress: Sendable {
    public var evaluations: Int
    public var total: Int
    public var feasible: Int
    /// Best value of the first objective among feasible trials so far.
    public var best: Double?
    public var seconds: Double
    /// Trials taken from the study instead of evaluated (resume).
    public var reused: Int
    /// Hypervolume of the feasible front so far, objectives normalized over the complete trials
    /// seen so far (minimization form, reference 1.1 per objective); nil before a feasible trial.
    public var hypervolume: Double? = nil
}

/// The outcome of `duet explore`.
public struct ExploreResult: Sendable {
    /// This run's trials by (generation, slot) when the run kept them (``ExploreRun/keepsTrials``);
    /// empty otherwise (they are in the study): the counts below are kept either way.
    public var trials: [TrialRecord]
    /// Non-dominated feasible trials (or, while none is feasible, the least-violating ones).
    public var pareto: [TrialRecord]
    /// The feasible trial best in the first objective, if any.
    public var best: TrialRecord?
    public var evaluations: Int
    public var reused: Int
    public var seconds: Double
    public var seed: UInt64
    public var study: String?
    /// Trials this process evaluated (in a shared study, the others were evaluated by workers).
    public var evaluatedHere: Int = 0
    /// This run's feasible trials (complete, every budget met) and failed ones.
    public var feasibleCount = 0
    public var failedCount = 0
}

/// What the result of a run needs from its trials, gathered one trial at a time so that memory
/// holds the front, not every trial: counts, the non-dominated feasible trials (distinct designs),
/// and while none is feasible the (at most 10) least-violating complete ones.
/// ``pareto`` equals ``ExploreRun/pareto(_:maximize:)`` of every trial added (for an evaluator
/// that gives a design the same objectives every time).
struct TrialSummary: Sendable {
    let maximize: [Bool]
    var count = 0, feasible = 0, failed = 0
    /// Feasible trials no other feasible one dominates, one per design.
    var front: [TrialRecord] = []
    var leastViolation = Double.infinity
    /// Complete trials of violation `leastViolation`, the first 10 by (generation, slot).
    var least: [TrialRecord] = []
    var trials: [TrialRecord]?

    init(maximize: [Bool], keepsTrials: Bool) {
        self.maximize = maximize
        trials = keepsTrials ? [] : nil
    }

    /// Minimization form: a ≤ b everywhere and < somewhere.
    func dominates(_ a: [Double], _ b: [Double]) -> Bool {
        var strictly = false
        for k in maximize.indices {
            let x = maximize[k] ? -a[k] : a[k], y = maximize[k] ? -b[k] : b[k]
            if x > y { return false }
            if x < y { strictly = true }
        }
        return strictly
    }

    mutating func add(_ t: TrialRecord) {
        count += 1
        trials?.append(t)
        if t.status == .failed { failed += 1 }
        guard t.status == .complete else { return }
        if t.isFeasible {
            feasible += 1
            guard t.objectives.count == maximize.count, !front.contains(where: { $0.design == t.design || dominates($0.objectives, t.objectives) }) else { return }
            let summary = self
            front.removeAll { summary.dominates(t.objectives, $0.objectives) }
            front.append(t)
        } else if t.violation <= leastViolation {
            if t.violation < leastViolation { leastViolation = t.violation; least = [] }
            least.append(t)
            least.sort { ($0.generation, $0.slot) < ($1.generation, $1.slot) }
            if least.count > 10 { least.removeLast(least.count - 10) }
        }
    }

    var pareto: [TrialRecord] {
        let ordered = { (ts: [TrialRecord]) in ts.sorted { ($0.generation, $0.slot) < ($1.generation, $1.slot) } }
        return ExploreRun.pareto(front.isEmpty ? ordered(least) : ordered(front), maximize: maximize)
    }

    /// The run's result from what was added.
    func result(reused: Int, seconds: Double, seed: UInt64, study: String?, evaluatedHere: Int) -> ExploreResult {
        let pareto = self.pareto
        return ExploreResult(trials: (trials ?? []).sorted { ($0.generation, $0.slot) < ($1.generation, $1.slot) }, pareto: pareto,
                             best: ExploreRun.best(pareto, maximize: maximize), evaluations: count, reused: reused, seconds: seconds,
                             seed: seed, study: study, evaluatedHere: evaluatedHere, feasibleCount: feasible, failedCount: failed)
    }
}

/// Runs an exploration: the seeded optimizer proposes, designs are evaluated concurrently by
/// `workers` tasks, each finished trial is written to the study at once, and the optimizer is
/// told. With an existing study the same seeded ask/tell sequence is replayed and trials already
/// stored at (generation, slot) are reused, so an interrupted study resumes without losing or
/// repeating a trial.
///
/// With ``worker`` set, the study's queue is shared with `duet worker` processes on any host:
/// each generation's proposals are queued, this process evaluates those it claims, and the
/// optimizer is told once every proposal of the generation is done, by whichever process. A
/// generation's proposals are a function of the seed and the earlier generations' results, so the
/// study is the same for 1 or 16 workers.
public struct ExploreRun {
    public static let version = "0.2.0"
    /// The study attribute naming the task metrics a predictor supplies: `TASK.NAME=predictor:FILE,…`.
    public static let predictedMetricsKey = "predicted_metrics"
    public var exploration: CoExploration
    public var store: (any StudyStore)?
    /// How this process takes part in a shared study; nil: it evaluates every trial itself.
    public var worker: WorkerOptions?
    /// The `--set` overrides the configuration was loaded with, stored with a new study so that
    /// workers rebuild the same configuration.
    public var overrides: [String] = []
    /// Whether the result lists every trial of the run (``ExploreResult/trials``). Off, memory
    /// holds what the optimizer needs and the front, whatever the number of trials (they are in
    /// the study); `duet explore` turns it off.
    public var keepsTrials = true
    /// The most designs the evaluation cache holds (``Evaluator/cacheCapacity``).
    public var cacheCapacity = Evaluator<CoExploration>.defaultCacheCapacity

    public init(exploration: CoExploration, study: Study?) {
        self.exploration = exploration
        self.store = study?.store
    }

    public init(exploration: CoExploration, store: (any StudyStore)?, worker: WorkerOptions? = nil, overrides: [String] = []) {
        self.exploration = exploration
        self.store = store
        self.worker = worker
        self.overrides = overrides
    }

    /// The optimizer the config names, seeded: `nsga2`, `random`, `evolution`, and the exact
    /// `z3` (the exact Pareto front, proposed once) and `hybrid` (NSGA-II seeded with it and
    /// repaired by the solver).
    /// `quality` receives a surrogate's per-generation predictor quality (stored in the study).
    func makeOptimizer(quality: SurrogateQualityLog? = nil) async throws -> any Optimizer {
        let c = exploration.config
        switch c.optimizer {
        case "z3":
            return FixedDesigns(space: exploration.space, seed: c.seed, designs: try await exactFront(limit: c.evaluations))
        case "hybrid":
            var nsga = NSGA2(space: exploration.space, populationSize: c.population, seed: c.seed)
            let exact = try await ExactSolve(config: exploration.config, dataDir: exploration.dataDir, timeoutSeconds: 60)
            nsga.seeds = try await exactFront(exact, limit: c.population)
            return RepairingOptimizer(base: nsga, repair: Repair(exact: exact, space: exploration.space))
        default:
            // With `surrogate:`, each generation is screened by a predictor refit on the results so far.
            var sink: (@Sendable (SurrogateQuality) -> Void)?
            if let quality { sink = { @Sendable q in quality.append(q) } }
            return exploration.screened(Self.heuristicOptimizer(c.optimizer, space: exploration.space, population: c.population, seed: c.seed),
                                        onQuality: sink)
        }
    }

    /// The heuristic optimizers by name: `random`, `evolution` (regularized evolution), otherwise NSGA-II.
    static func heuristicOptimizer(_ name: String, space: DesignSpace, population: Int, seed: UInt64) -> any Optimizer {
        switch name {
        case "random": return RandomSearch(space: space, batchSize: population, seed: seed)
        case "evolution": return RegularizedEvolution(space: space, populationSize: population, seed: seed)
        default: return NSGA2(space: space, populationSize: population, seed: seed)
        }
    }

    /// The exact Pareto front of the configuration (``ExactSolve/paretoFront(maxPoints:)``) as
    /// genomes of the exploration's space.
    func exactFront(_ exact: ExactSolve? = nil, limit: Int) async throws -> [[Double]] {
        let exact = if let exact { exact } else { try await ExactSolve(config: exploration.config, dataDir: exploration.dataDir, timeoutSeconds: 60) }
        return try exact.paretoFront(maxPoints: limit).map { try Repair.genome(of: $0.arch, exact: exact, space: exploration.space) }
    }

    /// The settings a new study stores for this exploration.
    func settings() throws -> StudySettings {
        let c = exploration.config
        var hashes: [String: String] = [:]
        for f in c.inputFiles {
            guard let data = FileManager.default.contents(atPath: f) else { continue }
            hashes[f] = SHA256.hex(data)
        }
        return StudySettings(
            config: (try? String(contentsOfFile: c.file, encoding: .utf8)) ?? "",
            configPath: URL(fileURLWithPath: c.file).standardizedFileURL.path, fileHashes: hashes, seed: c.seed,
            objectives: c.objectives.map { .init(name: $0.metric, direction: $0.maximize ? .maximize : .minimize) },
            budgets: c.budgets.map { .init(name: $0.name, limit: $0.limit) },
            accuracy: c.tasks.map { .init(task: $0.name, label: $0.accuracy.label) },
            optimizer: c.optimizer, population: c.population, scheduling: c.studyScheduling, duetVersion: Self.version)
    }

    /// Checks that `store` holds this configuration, seed and budgets (a study holds one search,
    /// and its trials carry violations of the budgets they ran with) and that the files it reads
    /// are those the study was made with; a new study records the settings.
    func claim(_ store: any StudyStore) async throws {
        let c = exploration.config
        let mine = try settings()
        let stored = try await store.setSettingsOnce(mine)
        let location = store.location.description
        // Surrogate screening changes the proposals: a study resumes only under the same settings.
        // (`v2`: the screening of pools, batches and exact costs; a study screened before it does not resume.)
        let surrogate = c.surrogate.map { s in
            " surrogate=\(s.model.rawValue)x\(s.screen) min=\(s.minimumTrainingRows) v2 batch=\(s.batch ?? 0) pool=\(s.pool ?? 0)"
                + " random=\(s.randomShare) members=\(s.members) exploration=\(s.exploration) rows=\(s.maximumTrainingRows) exact=\(s.exactCosts)"
        } ?? ""
        let scheduling = c.studyScheduling == .async ? " scheduling=async" : ""
        let signature = "\(c.optimizer) seed=\(c.seed) population=\(c.population) objectives=\(exploration.objectiveNames) space=\(exploration.space.variables.map(\.name))" + surrogate + scheduling
        let storedSignature = try await store.setAttributeOnce("signature", signature)
        if storedSignature != signature || stored.seed != mine.seed || stored.objectives != mine.objectives || stored.scheduling != mine.scheduling
            || (!stored.optimizer.isEmpty && (stored.optimizer != mine.optimizer || stored.population != mine.population)) {
            throw InputError(file: location, message: "this study was made by a different configuration or seed",
                             hint: "use a new --study, or the same config and seed to resume")
        }
        if stored.budgets != mine.budgets {
            let text = { (b: [StudySettings.Budget]) in b.map { "\($0.name)=\($0.limit)" }.joined(separator: ",") }
            throw InputError(file: location, keyPath: "budgets", value: text(mine.budgets),
                             message: "this study was run with other budgets (\(text(stored.budgets))); its trials' violations are of those",
                             hint: "use a new --study for new budgets, or the study's own budgets to resume")
        }
        try Self.checkInputs(stored, against: mine, study: location)
        let overridesJSON = JSONValue.array(overrides.map { .string($0) }).serialized(pretty: false)
        try await store.setAttributeOnce("overrides", overridesJSON)
        // Task metrics a predictor supplies, named as predictions in the report.
        let predicted = c.predictedMetricLabels
        if !predicted.isEmpty {
            try await store.setAttributeOnce(Self.predictedMetricsKey, predicted.map { "\($0.metric)=\($0.label)" }.joined(separator: ","))
        }
    }

    /// Refuses to evaluate a study whose input files (tables, networks) differ from those it was
    /// made with: every host must evaluate the same problem.
    static func checkInputs(_ stored: StudySettings, against mine: StudySettings, study: String) throws {
        var issues = IssueCollector(file: study)
        for (file, hash) in stored.fileHashes.sorted(by: { $0.key < $1.key }) {
            guard let here = mine.fileHashes[file] else {
                issues.add("settings.files", value: file, "the study reads this file, which is missing here",
                           hint: "make the file available at the same path on this host (a shared file system), or copy it there")
                continue
            }
            if here != hash {
                issues.add("settings.files", value: file, "this file differs from the one the study was made with (SHA-256 \(here.prefix(12))… here, \(hash.prefix(12))… in the study)",
                           hint: "use the same file on every host, or start a new study")
            }
        }
        try issues.throwIfAny()
    }

    /// Runs the exploration through DuetSearch's ``Search`` — the one ask/tell driver — with the
    /// study as its log.
    public func run(progress: (@Sendable (ExploreProgress) -> Void)? = nil) async throws -> ExploreResult {
        let c = exploration.config
        if c.studyScheduling == .async { return try await runAsync(progress: progress) }
        if let store { try await claim(store) }
        let quality = SurrogateQualityLog(objectives: exploration.objectiveNames)
        var optimizer = try await makeOptimizer(quality: quality)
        let log = ExploreLog(exploration: exploration, store: store, worker: worker, quality: quality, keepsTrials: keepsTrials)
        var search = Search(problem: exploration, termination: .evaluations(c.evaluations), concurrency: max(1, c.workers))
        search.cacheCapacity = cacheCapacity
        var tracker = ExploreProgressTracker(maximize: c.objectives.map(\.maximize), total: c.evaluations)
        let result: SearchResult?
        do {
            result = try await search.run(&optimizer, log: log) { p in
                guard let progress else { return }
                progress(tracker.update(p))
            }
        } catch is ExploreLog.WorkerStop {
            result = nil
        }
        // The last generation's predictor quality (the earlier ones were written as the run went).
        try await quality.write(to: store)
        return log.summary().result(reused: result?.reused ?? 0, seconds: result?.elapsedSeconds ?? log.seconds, seed: c.seed,
                                    study: store?.location.description, evaluatedHere: log.evaluatedHere)
    }

    /// The feasible design best in the first objective, ties broken by the next objectives in
    /// order (so it is never dominated by another feasible trial); nil when none is feasible.
    /// `pareto` is the result of ``pareto(_:maximize:)``.
    static func best(_ pareto: [TrialRecord], maximize: [Bool]) -> TrialRecord? {
        pareto.filter(\.isFeasible).min { a, b in
            for (k, mx) in maximize.enumerated() where a.objectives[k] != b.objectives[k] {
                return mx ? a.objectives[k] > b.objectives[k] : a.objectives[k] < b.objectives[k]
            }
            return false
        }
    }

    /// Non-dominated feasible trials, distinct by design; least-violating ones when none is feasible.
    public static func pareto(_ trials: [TrialRecord], maximize: [Bool]) -> [TrialRecord] {
        var seen = Set<String>()
        let feasible = trials.filter { $0.isFeasible && seen.insert($0.design).inserted }
        if feasible.isEmpty {
            let done = trials.filter { $0.status == "complete" }
            guard let least = done.map(\.violation).min() else { return [] }
            return Array(done.filter { $0.violation == least }.prefix(10))
        }
        let m = maximize.count
        var flat: [Double] = []
        for t in feasible { for (v, mx) in zip(t.objectives, maximize) { flat.append(mx ? -v : v) } }
        // The same chip with its sub-accelerators in another order is the same design: keep one.
        var chips = Set<String>()
        return NonDominatedSort.nonDominated(flat, objectiveCount: m).map { feasible[$0] }
            .filter { chips.insert(canonicalDesign($0.design)).inserted }
            .sorted { $0.objectives[0] > $1.objectives[0] }
    }

    /// A design's JSON with the sub-accelerators' slot names dropped and their order sorted.
    static func canonicalDesign(_ design: String) -> String {
        guard var obj = (try? JSONSerialization.jsonObject(with: Data(design.utf8))) as? [String: Any] else { return design }
        if let hw = obj["hardware"] as? [[String: Any]] {
            obj["hardware"] = hw.map { h -> String in
                var h = h
                h["name"] = nil
                return String(decoding: (try? JSONSerialization.data(withJSONObject: h, options: .sortedKeys)) ?? Data(), as: UTF8.self)
            }.sorted()
        }
        return String(decoding: (try? JSONSerialization.data(withJSONObject: obj, options: .sortedKeys)) ?? Data(design.utf8), as: UTF8.self)
    }
}

/// An "optimizer" that proposes a fixed list of designs once (the exact solver's Pareto front).
struct FixedDesigns: Optimizer {
    let space: DesignSpace
    let seed: UInt64
    var designs: [[Double]]
    var generation = 0
    var evaluated: [Individual] = []

    mutating func ask() -> [Candidate] {
        guard generation == 0 else { return [] }
        return designs.map { Candidate(genome: $0, point: space.decode($0)) }
    }

    mutating func tell(_ evaluated: [Individual]) {
        self.evaluated += evaluated
        generation += 1
    }

    var front: [Individual] { evaluated }
}

/// Repair of infeasible proposals by the exact solver: a design whose decomposed costs break a
/// budget is replaced by the feasible design that changes the fewest of its choices
/// (``TableSumSolver/nearestFeasible(to:enumerateLimit:)``); without any feasible design the
/// proposal stands.
struct Repair: Sendable {
    let exact: ExactSolve
    let space: DesignSpace

    static func genome(of arch: Architecture, exact: ExactSolve, space: DesignSpace) throws -> [Double] {
        var values: [String: Value] = [:]
        for (d, o) in zip(exact.space.dimensions, arch.choices) { values["\(exact.task.name).\(d.name)"] = .string(d.options[o]) }
        return try space.encode(values)
    }

    func callAsFunction(_ c: Candidate) -> Candidate {
        let t = exact.task
        let choices = exact.space.dimensions.map { d -> Int in
            d.options.firstIndex(of: c.point["\(t.name).\(d.name)"]?.stringValue ?? d.options[0]) ?? 0
        }
        let solver = exact.solver
        guard !solver.meetsBudgets(Architecture(choices)),
              let fixed = try? solver.nearestFeasible(to: Architecture(choices)),
              let g = try? Self.genome(of: fixed, exact: exact, space: space) else { return c }
        return Candidate(genome: g, point: space.decode(g))
    }
}

/// An optimizer whose proposals are repaired before evaluation (the `hybrid` optimizer's NSGA-II).
struct RepairingOptimizer<Base: Optimizer>: Optimizer {
    var base: Base
    let repair: Repair
    var space: DesignSpace { base.space }
    var seed: UInt64 { base.seed }
    var generation: Int { base.generation }
    var front: [Individual] { base.front }
    mutating func ask() -> [Candidate] { base.ask().map(repair.callAsFunction) }
    mutating func tell(_ evaluated: [Individual]) { base.tell(evaluated) }
}
