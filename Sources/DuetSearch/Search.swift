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

    public init(problem: P, termination: Termination, concurrency: Int? = nil, caching: Bool = true) {
        self.problem = problem
        self.termination = termination
        self.concurrency = concurrency ?? ProcessInfoCores.count
        self.caching = caching
    }

    /// Runs `optimizer` to termination. `onGeneration` is called after each tell with the
    /// progress so far and the batch just evaluated.
    public func run<O: Optimizer>(_ optimizer: inout O, onGeneration: ((SearchProgress) -> Void)? = nil) async -> SearchResult {
        precondition(optimizer.space == problem.space, "the optimizer searches a different space than the problem's")
        var tracker = TerminationTracker(termination)
        let evaluator = Evaluator(problem: problem, concurrency: concurrency, caching: caching,
                                  expectedEvaluations: tracker.remainingEvaluations ?? 0)
        let clock = ContinuousClock()
        let start = clock.now
        var trials = 0
        var reason = ""
        let directions = problem.objectives.map(\.direction)
        while true {
            var batch = optimizer.ask()
            if batch.isEmpty { reason = "the optimizer has nothing more to propose"; break }
            if let remaining = tracker.remainingEvaluations {
                if remaining == 0 { reason = tracker.reasons.joined(separator: ", "); break }
                if batch.count > remaining { batch.removeLast(batch.count - remaining) }
            }
            let outcomes = await evaluator.evaluate(batch.map(\.point))
            var told: [Individual] = []
            told.reserveCapacity(batch.count)
            for (c, o) in zip(batch, outcomes) { told.append(Self.individual(c, o, directions)) }
            optimizer.tell(told)
            trials += batch.count
            let front = tracker.needsFront ? optimizer.front.filter(\.isFeasible).map(\.fitness) : []
            tracker.update(SearchStatus(evaluations: trials, generations: optimizer.generation,
                                        elapsedSeconds: (clock.now - start).seconds, front: front))
            if let onGeneration {
                onGeneration(SearchProgress(generation: optimizer.generation, evaluations: trials, fraction: tracker.progress,
                                            batch: zip(batch, outcomes).map { Trial(candidate: $0, outcome: $1) }))
            }
            if tracker.isDone { reason = tracker.reasons.joined(separator: ", "); break }
        }
        let front = optimizer.front.map { i in
            Trial(point: i.point, genome: i.genome, objectives: Self.objectives(i.fitness, directions), violation: i.violation)
        }
        return SearchResult(front: front, trials: trials, evaluations: await evaluator.evaluationCount,
                            failures: await evaluator.failureCount, generations: optimizer.generation,
                            elapsedSeconds: (clock.now - start).seconds, seed: optimizer.seed, stopReason: reason)
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

    public init(point: Point, genome: [Double], objectives: [Double], violation: Double, failure: String? = nil) {
        self.point = point
        self.genome = genome
        self.objectives = objectives
        self.violation = violation
        self.failure = failure
    }

    init(candidate c: Candidate, outcome: Outcome) {
        switch outcome {
        case .evaluated(let e): self.init(point: c.point, genome: c.genome, objectives: e.objectives, violation: e.violation)
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
}
