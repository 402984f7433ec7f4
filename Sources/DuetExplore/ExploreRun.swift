import DuetCore
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
}

/// Runs an exploration: the seeded optimizer proposes, designs are evaluated concurrently by
/// `workers` tasks, each finished trial is written to the study at once, and the optimizer is
/// told. With an existing study the same seeded ask/tell sequence is replayed and trials already
/// stored at (generation, slot) are reused, so an interrupted study resumes without losing or
/// repeating a trial.
public struct ExploreRun {
    public static let version = "0.1.0"
    public var exploration: CoExploration
    public var study: Study?

    public init(exploration: CoExploration, study: Study?) {
        self.exploration = exploration
        self.study = study
    }

    func makeOptimizer() throws -> any Optimizer {
        let c = exploration.config
        switch c.optimizer {
        case "random": return RandomSearch(space: exploration.space, batchSize: c.population, seed: c.seed)
        case "evolution": return RegularizedEvolution(space: exploration.space, populationSize: c.population, seed: c.seed)
        case "z3":
            return FixedDesigns(space: exploration.space, seed: c.seed, designs: try exactFront(limit: c.evaluations))
        case "hybrid":
            var nsga = NSGA2(space: exploration.space, populationSize: c.population, seed: c.seed)
            let exact = try ExactSolve(config: exploration.config, dataDir: exploration.dataDir, timeoutSeconds: 60)
            nsga.seeds = try exactFront(exact, limit: c.population)
            return RepairingOptimizer(base: nsga, repair: Repair(exact: exact, space: exploration.space))
        default: return NSGA2(space: exploration.space, populationSize: c.population, seed: c.seed)
        }
    }

    /// The exact Pareto front of the configuration (``ExactSolve/paretoFront(maxPoints:)``) as
    /// genomes of the exploration's space.
    func exactFront(_ exact: ExactSolve? = nil, limit: Int) throws -> [[Double]] {
        let exact = try exact ?? ExactSolve(config: exploration.config, dataDir: exploration.dataDir, timeoutSeconds: 60)
        return try exact.paretoFront(maxPoints: limit).map { try Repair.genome(of: $0.arch, exact: exact, space: exploration.space) }
    }

    public func run(progress: (@Sendable (ExploreProgress) -> Void)? = nil) async throws -> ExploreResult {
        let c = exploration.config
        if let study {
            // A study belongs to one configuration and seed: refuse to mix.
            let signature = "\(c.optimizer) seed=\(c.seed) population=\(c.population) objectives=\(exploration.objectiveNames) space=\(exploration.space.variables.map(\.name))"
            let stored = try study.setSettingOnce("signature", signature)
            if stored != signature {
                throw InputError(file: study.path, message: "this study was made by a different configuration or seed",
                                 hint: "use a new --study file, or the same config and seed to resume")
            }
            try study.setSettingOnce("config", (try? String(contentsOfFile: c.file, encoding: .utf8)) ?? "")
            try study.setSettingOnce("config_path", URL(fileURLWithPath: c.file).standardizedFileURL.path)
            try study.setSettingOnce("seed", String(c.seed))
            try study.setSettingOnce("objectives", exploration.objectiveNames.joined(separator: ","))
            try study.setSettingOnce("maximize", c.objectives.map { $0.maximize ? "1" : "0" }.joined(separator: ","))
            try study.setSettingOnce("budgets", c.budgets.map { "\($0.name)=\($0.limit)" }.joined(separator: ","))
            try study.setSettingOnce("accuracy", c.tasks.map { "\($0.name)=\($0.accuracy.label)" }.joined(separator: ","))
            try study.setSettingOnce("duet_version", Self.version)
        }
        var optimizer = try makeOptimizer()
        let start = Date()
        var trials: [TrialRecord] = []
        var reused = 0
        let maximize = c.objectives.map(\.maximize)
        var generation = 0
        var feasibleCount = 0, bestFirst: Double?
        var lo = [Double](repeating: .infinity, count: maximize.count), hi = [Double](repeating: -.infinity, count: maximize.count)
        var front: [[Double]] = []
        while trials.count < c.evaluations {
            var batch = optimizer.ask()
            if batch.isEmpty { break }
            if batch.count > c.evaluations - trials.count { batch.removeLast(batch.count - (c.evaluations - trials.count)) }
            let stored = try study?.trials(generation: generation) ?? [:]
            var results = [TrialRecord?](repeating: nil, count: batch.count)
            for (slot, cand) in batch.enumerated() {
                if let t = stored[slot], t.genome == cand.genome { results[slot] = t; reused += 1 }
            }
            let todo = batch.indices.filter { results[$0] == nil }
            let gen = generation
            let exploration = self.exploration, study = self.study
            try await withThrowingTaskGroup(of: (Int, TrialRecord).self) { group in
                var next = 0
                func launch() {
                    guard next < todo.count else { return }
                    let slot = todo[next], cand = batch[slot]
                    next += 1
                    group.addTask {
                        let t = await ExploreRun.trial(exploration, point: cand.point, genome: cand.genome, generation: gen, slot: slot)
                        try study?.record(t)
                        return (slot, t)
                    }
                }
                for _ in 0..<max(1, c.workers) { launch() }
                while let (slot, t) = try await group.next() {
                    results[slot] = t
                    launch()
                }
            }
            let done = results.map { $0! }
            optimizer.tell(zip(batch, done).map { cand, t in
                let fitness = t.status == "complete" ? zip(t.objectives, maximize).map { $1 ? -$0 : $0 }
                    : [Double](repeating: .infinity, count: maximize.count)
                return Individual(genome: cand.genome, point: cand.point, fitness: fitness.map { $0.isNaN ? .infinity : $0 }, violation: t.violation)
            })
            trials += done
            generation += 1
            // Running totals: recounting every trial each generation was quadratic in the budget.
            for t in done where t.isFeasible {
                feasibleCount += 1
                let v = t.objectives[0]
                if bestFirst == nil || (maximize[0] ? v > bestFirst! : v < bestFirst!) { bestFirst = v }
            }
            if let progress {
                // The running front is small (non-dominated feasible points), so this is cheap per generation.
                for t in done where t.status == "complete" {
                    for (k, v) in t.objectives.enumerated() where v.isFinite { lo[k] = min(lo[k], v); hi[k] = max(hi[k], v) }
                    if t.isFeasible { front.append(t.objectives) }
                }
                let norm = front.map { o in o.indices.map { k -> Double in
                    let span = hi[k] - lo[k], v = span > 0 ? (o[k] - lo[k]) / span : 0
                    return maximize[k] ? 1 - v : v
                } }
                let keep = NonDominatedSort.nonDominated(norm)
                front = keep.map { front[$0] }
                let hv = keep.isEmpty ? nil : Hypervolume.compute(keep.map { norm[$0] }, reference: [Double](repeating: 1.1, count: maximize.count))
                progress(ExploreProgress(evaluations: trials.count, total: c.evaluations, feasible: feasibleCount, best: bestFirst,
                                         seconds: Date().timeIntervalSince(start), reused: reused, hypervolume: hv))
            }
        }
        let pareto = Self.pareto(trials, maximize: maximize)
        let best = trials.filter(\.isFeasible).max { a, b in maximize[0] ? a.objectives[0] < b.objectives[0] : a.objectives[0] > b.objectives[0] }
        return ExploreResult(trials: trials, pareto: pareto, best: best, evaluations: trials.count, reused: reused,
                             seconds: Date().timeIntervalSince(start), seed: c.seed, study: study?.path)
    }

    /// Evaluates one design into a trial record (failures are records too, with an infinite violation).
    static func trial(_ exploration: CoExploration, point: Point, genome: [Double], generation: Int, slot: Int) async -> TrialRecord {
        let t0 = Date()
        let (design, metrics, error) = await exploration.evaluate(point)
        let objectives = error == nil ? exploration.objectives(metrics) : []
        let cons = error == nil ? exploration.constraints(metrics) : [:]
        let violation = error == nil ? cons.values.reduce(0) { $0 + max(0, $1) } : .infinity
        return TrialRecord(generation: generation, slot: slot, genome: genome, design: design, metrics: metrics,
                           objectives: objectives, constraints: cons, violation: violation,
                           status: error == nil ? "complete" : "failed", error: error,
                           seconds: Date().timeIntervalSince(t0), seed: exploration.config.seed, version: ExploreRun.version)
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
struct Repair: @unchecked Sendable {
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
