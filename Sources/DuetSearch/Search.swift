/// Runs an ``Optimizer`` on a ``Problem`` until a ``Termination`` holds: ask, evaluate the batch
/// concurrently through an ``Evaluator``, tell, repeat.
///
/// ```swift
/// var nsga = NSGA2(space: problem.space, populationSize: 100, seed: 1)
/// let result = await Search(problem: problem, termination: .evaluations(25_000)).run(&nsga)
/// ```
public struct Search<P: Problem>: Sendable {
    public var problem: P
    public var termination: Termination
    /// The most evaluations running at once.
    public var concurrency: Int
    /// Whether evaluations are cached by point.
    public var caching: Bool
    /// The most designs the evaluation cache holds (``Evaluator/cacheCapacity``).
    public var cacheCapacity: Int = Evaluator<P>.defaultCacheCapacity

    public init(problem: P, termination: Termination, concurrency: Int? = nil, caching: Bool = true) {
        self.problem = problem
        self.termination = termination
        self.concurrency = concurrency ?? ProcessInfoCores.count
        self.caching = caching
    }

    /// Runs `optimizer` to termination. `onGeneration` is called after each tell with the
    /// progress so far and the batch just evaluated.
    public func run<O: Optimizer>(_ optimizer: inout O, onGeneration: ((SearchProgress) -> Void)? = nil) async -> SearchResult {
        do {
            return try await run(&optimizer, log: nil, onGeneration: onGeneration)
        } catch {
            preconditionFailure("a search without a log has nothing that can fail: \(error)")
        }
    }

    /// Runs `optimizer` to termination, keeping every trial in `log` (a study) as it finishes:
    /// a trial the log already holds at the same (generation, slot) with the same genome is taken
    /// from it instead of evaluated, so re-running a seeded search on its study resumes it exactly.
    /// Throws what the log throws (a study that cannot be written).
    public func run<O: Optimizer>(_ optimizer: inout O, log: (any SearchLog)?,
                                  onGeneration: ((SearchProgress) -> Void)? = nil) async throws -> SearchResult {
        precondition(optimizer.space == problem.space, "the optimizer searches a different space than the problem's")
        var tracker = TerminationTracker(termination)
        let evaluator = Evaluator(problem: problem, concurrency: concurrency, caching: caching,
                                  expectedEvaluations: tracker.remainingEvaluations ?? 0, cacheCapacity: cacheCapacity)
        let clock = ContinuousClock()
        let start = clock.now
        var trials = 0, reused = 0, round = 0
        var reason = ""
        let directions = problem.objectives.map(\.direction)
        while true {
            var batch = optimizer.ask()
            if batch.isEmpty { reason = "the optimizer has nothing more to propose"; break }
            if let remaining = tracker.remainingEvaluations {
                if remaining == 0 { reason = tracker.reasons.joined(separator: ", "); break }
                if batch.count > remaining { batch.removeLast(batch.count - remaining) }
            }
            var outcomes: [Outcome]
            if let log, let shared = try await log.share(generation: round, batch: batch, evaluate: { point in
                let t0 = ContinuousClock.now
                let o = await evaluator.evaluate(point)
                return (o, (ContinuousClock.now - t0).seconds)
            }) {
                outcomes = shared
            } else if let log {
                let generation = round
                let stored = try await log.stored(generation: generation)
                var known = [Outcome?](repeating: nil, count: batch.count)
                for (slot, c) in batch.enumerated() {
                    if let t = stored[slot], t.genome == c.genome {
                        known[slot] = t.outcome
                        await evaluator.prime(c.point, t.outcome)
                    }
                }
                let todo = batch.indices.filter { known[$0] == nil }
                reused += batch.count - todo.count
                let proposals = batch
                let fresh = await evaluator.evaluate(todo.map { batch[$0].point }) { k, outcome, seconds in
                    let c = proposals[todo[k]]
                    await log.record(LoggedTrial(generation: generation, slot: todo[k], genome: c.genome, point: c.point,
                                                 outcome: outcome, seconds: seconds))
                }
                try await log.flush()
                for (k, slot) in todo.enumerated() { known[slot] = fresh[k] }
                outcomes = known.map { $0! }
            } else {
                outcomes = await evaluator.evaluate(batch.map(\.point))
            }
            var told: [Individual] = []
            told.reserveCapacity(batch.count)
            for (c, o) in zip(batch, outcomes) { told.append(Self.individual(c, o, directions)) }
            optimizer.tell(told)
            trials += batch.count
            round += 1
            let front = tracker.needsFront ? optimizer.front.filter(\.isFeasible).map(\.fitness) : []
            tracker.update(SearchStatus(evaluations: trials, generations: optimizer.generation,
                                        elapsedSeconds: (clock.now - start).seconds, front: front))
            if let onGeneration {
                onGeneration(SearchProgress(generation: optimizer.generation, evaluations: trials, fraction: tracker.progress,
                                            batch: zip(batch, outcomes).map { Trial(candidate: $0, outcome: $1) }, reused: reused))
            }
            if tracker.isDone { reason = tracker.reasons.joined(separator: ", "); break }
        }
        let front = optimizer.front.map { i in
            Trial(point: i.point, genome: i.genome, objectives: Self.objectives(i.fitness, directions), violation: i.violation)
        }
        return SearchResult(front: front, trials: trials, evaluations: await evaluator.evaluationCount,
                            failures: await evaluator.failureCount, generations: optimizer.generation,
                            elapsedSeconds: (clock.now - start).seconds, seed: optimizer.seed, stopReason: reason, reused: reused)
    }

    /// The individual an optimizer is told about: fitness in minimization form.
    static func individual(_ c: Candidate, _ o: Outcome, _ directions: [Objective.Direction]) -> Individual {
        switch o {
        case .evaluated(let e):
            return Individual(genome: c.genome, point: c.point, fitness: objectives(e.objectives, directions), violation: e.violation)
        case .failed:
            return Individual(genome: c.genome, point: c.point, fitness: [Double](repeating: .infinity, count: directions.count),
                              violation: .infinity)
        }
    }

    /// Converts between the problem's orientation and minimization form (its own inverse).
    static func objectives(_ values: [Double], _ directions: [Objective.Direction]) -> [Double] {
        var f = values
        for j in f.indices where directions[j] == .maximize { f[j] = -f[j] }
        return f
    }
}

/// One evaluated design, objectives in the problem's own orientation.
public struct Trial: Sendable, Hashable {
    public var point: Point
    public var genome: [Double]
    /// Objective values as the problem states them (maximized ones not negated); empty when the
    /// evaluation failed.
    public var objectives: [Double]
    /// Total constraint violation; +∞ when the evaluation failed.
    public var violation: Double
    /// Why the evaluation failed, if it did.
    public var failure: String?
    /// The full evaluation (metrics and detail included) when it succeeded and is known.
    public var evaluation: Evaluation?

    public init(point: Point, genome: [Double], objectives: [Double], violation: Double, failure: String? = nil) {
        self.point = point
        self.genome = genome
        self.objectives = objectives
        self.violation = violation
        self.failure = failure
    }

    init(candidate c: Candidate, outcome: Outcome) {
        switch outcome {
        case .evaluated(let e):
            self.init(point: c.point, genome: c.genome, objectives: e.objectives, violation: e.violation)
            evaluation = e
        case .failed(let why): self.init(point: c.point, genome: c.genome, objectives: [], violation: .infinity, failure: why)
        }
    }
}

/// Reported after each generation of a ``Search``.
public struct SearchProgress: Sendable {
    public var generation: Int
    /// Designs evaluated so far (cache hits included).
    public var evaluations: Int
    /// Progress towards termination in 0...1.
    public var fraction: Double
    /// The designs of this generation and their outcomes.
    public var batch: [Trial]
    /// Trials taken from the search's log (a resumed study) so far instead of evaluated.
    public var reused: Int = 0

    public init(generation: Int, evaluations: Int, fraction: Double, batch: [Trial], reused: Int = 0) {
        self.generation = generation; self.evaluations = evaluations; self.fraction = fraction; self.batch = batch; self.reused = reused
    }
}

/// What a ``Search`` found.
public struct SearchResult: Sendable {
    /// The optimizer's final front (see ``Optimizer/front``).
    public var front: [Trial]
    /// Designs evaluated, cache hits included.
    public var trials: Int
    /// Calls made to the problem (cache misses).
    public var evaluations: Int
    public var failures: Int
    public var generations: Int
    public var elapsedSeconds: Double
    /// The optimizer's seed: rerunning with it reproduces this result.
    public var seed: UInt64
    /// Which termination criterion ended the search.
    public var stopReason: String
    /// Trials taken from the search's log (a resumed study) instead of evaluated.
    public var reused: Int = 0
}

/// Where a ``Search`` keeps its trials — a study — and resumes from.
///
/// Generation numbers count the search's ask/tell rounds from 0, slots are the positions in a batch: a seeded optimizer proposes the same genomes at the same (generation,
/// slot) when told the same outcomes, which is what makes resuming exact.
public protocol SearchLog: Sendable {
    /// The trials already kept for `generation`, by slot.
    func stored(generation: Int) async throws -> [Int: LoggedTrial]
    /// Keeps one finished trial; called as soon as its outcome is known, from concurrent tasks.
    /// An error is kept and thrown by the next ``flush()``.
    func record(_ trial: LoggedTrial) async
    /// Called after each generation: makes what was recorded durable and throws the first error
    /// that ``record(_:)`` met.
    func flush() async throws
    /// For a log shared with other processes (a study that workers on other hosts evaluate too):
    /// queues the generation's proposals, evaluates those this process claims with `evaluate`
    /// (the search's own evaluator: cached, timed in seconds), and returns the outcome of every
    /// proposal, in order, once all are known — whichever process evaluated them. Nil (the
    /// default): the search evaluates the generation itself, reusing ``stored(generation:)``.
    func share(generation: Int, batch: [Candidate],
               evaluate: @escaping @Sendable (Point) async -> (Outcome, Double)) async throws -> [Outcome]?
}

extension SearchLog {
    public func share(generation: Int, batch: [Candidate],
                      evaluate: @escaping @Sendable (Point) async -> (Outcome, Double)) async throws -> [Outcome]? { nil }
}

/// One trial as a ``SearchLog`` keeps it.
public struct LoggedTrial: Sendable {
    public var generation: Int
    public var slot: Int
    public var genome: [Double]
    public var point: Point
    public var outcome: Outcome
    /// Wall seconds its evaluation took (0 when it came from the cache).
    public var seconds: Double

    public init(generation: Int, slot: Int, genome: [Double], point: Point, outcome: Outcome, seconds: Double) {
        self.generation = generation
        self.slot = slot
        self.genome = genome
        self.point = point
        self.outcome = outcome
        self.seconds = seconds
    }
}
