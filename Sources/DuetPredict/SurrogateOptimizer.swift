import DuetCore
import DuetSearch

/// Settings of surrogate-assisted search (`optimizer: {name: nsga2, surrogate: {model: gbdt, screen: 20}}`).
public struct SurrogateSettings: Sendable, Hashable {
    /// The model refitted each generation on every evaluated design.
    public var model: ModelKind = .gbdt
    /// Offspring bred per offspring evaluated: each generation the base optimizer is asked
    /// `screen` times and the predicted best of all those candidates are evaluated.
    public var screen: Int = 20
    /// Evaluated designs needed before screening starts (before that the base optimizer's
    /// proposals are evaluated as they are; with ``batch`` set, only as many of them as reach this).
    public var minimumTrainingRows: Int = 10
    /// Uniformly random designs added to the screened pool, per design bred by the base optimizer
    /// (0 screens the base's offspring only). Random candidates let the model pull the search out
    /// of a converged population toward regions it predicts better. Ignored when ``pool`` is set.
    public var randomShare: Double = 1
    /// Candidates screened per generation: the base's offspring, then uniformly random designs
    /// up to this many (nil: ``randomShare`` decides). Prediction is cheap (about 200,000 rows per
    /// CPU-second from memoized features), so thousands are affordable when evaluations are not.
    public var pool: Int?
    /// Real evaluations per screened generation (nil: as many as one base ``Optimizer/ask()``
    /// gives, the population). Small batches refit the model more often per evaluation.
    public var batch: Int?
    /// Models fitted per predicted objective, with different seeds (XGBoost's row and column
    /// subsampling); their spread is the uncertainty ``exploration`` uses. 1: no spread.
    public var members: Int = 1
    /// Optimism under uncertainty: a candidate's predicted objective is the members' mean minus
    /// this many standard deviations (minimization form), so uncertain candidates get a chance.
    public var exploration: Double = 0
    /// Boosting rounds of a gbdt surrogate (fewer than a saved predictor's: it is refitted every generation).
    public var rounds: Int = 200
    /// At most this many evaluated designs train the surrogate: the best by the first objective
    /// (feasible first) and the most recent, half each. A model of the best region ranks the
    /// candidates near the top better than one of everything, and refits stay fast: on
    /// NAS-Bench-201 (docs/VALIDATION.md) the worst of 40 runs needed 227 evaluations with 100
    /// rows and 661 with 600.
    public var maximumTrainingRows: Int = 100
    /// Whether the caller computes the cheap objectives and the budget violation of each
    /// candidate exactly (an ``ExactEstimate`` closure) instead of letting the model predict them.
    /// A setting for the caller that builds the optimizer (the co-exploration does when true).
    public var exactCosts = true

    public init(model: ModelKind = .gbdt, screen: Int = 20) { self.model = model; self.screen = screen }
}

/// What is known exactly, and cheaply, of a design before it is evaluated: the objectives that do
/// not need the expensive evaluation (a latency from a table or the cost model) and the budget
/// violation (budgets are on cost metrics). The surrogate predicts only the objectives left nil.
public struct ExactEstimate: Sendable, Hashable {
    /// Per objective, in minimization form (as ``Individual/fitness``): the exact value, or nil
    /// where the surrogate must predict it.
    public var objectives: [Double?]
    /// The total budget violation, Σ max(0, …) as ``Individual/violation`` (0: feasible).
    public var violation: Double

    public init(objectives: [Double?], violation: Double) { self.objectives = objectives; self.violation = violation }
}

/// How well one screened generation's predictions ranked the designs it chose: Kendall τ of the
/// predicted against the measured value of the first predicted objective, over the designs of
/// the generation that were evaluated.
public struct SurrogateQuality: Sendable, Hashable {
    /// The search round (the study's generation) whose proposals were screened.
    public var generation: Int
    /// Kendall τ (−1…1); nil when fewer than two of the chosen designs were evaluated, or the
    /// predictions or the results are all equal.
    public var tau: Double?
    /// Designs of the generation evaluated (the pairs τ is over).
    public var evaluated: Int
    /// Evaluated designs the model was trained on.
    public var trainingRows: Int
    /// Candidates screened.
    public var pool: Int
    /// The objective τ is of (its index in the problem's objectives).
    public var objective: Int

    public init(generation: Int, tau: Double?, evaluated: Int, trainingRows: Int, pool: Int, objective: Int) {
        self.generation = generation; self.tau = tau; self.evaluated = evaluated
        self.trainingRows = trainingRows; self.pool = pool; self.objective = objective
    }
}

/// Surrogate-assisted search: a decorator that makes any ``Optimizer`` spend its real evaluations
/// on the designs a model predicts best.
///
/// Each ``ask()`` after the first `minimumTrainingRows` evaluations asks the base optimizer
/// `screen` times (NSGA-II breeds a new batch of offspring from the same population each time,
/// aging evolution new mutants, random search new samples), adds uniformly random designs
/// (``SurrogateSettings/pool`` or ``SurrogateSettings/randomShare``), drops designs already
/// evaluated, and scores every candidate: objectives the ``ExactEstimate`` closure knows (cheap
/// ones) exactly, the others predicted by models refitted on the designs told so far (mean minus
/// ``SurrogateSettings/exploration`` × the spread of ``SurrogateSettings/members`` models), the
/// budget violation exactly (or, without the closure, the predicted chance of violating a budget).
/// It returns ``SurrogateSettings/batch`` candidates (default: as many as one base ``ask()``
/// gave): the best by constrained non-dominated rank, ties by crowding. ``tell(_:)`` passes the
/// results to the base optimizer (which merges them as if it had proposed only those), so the
/// budget of evaluations counts real evaluations only.
///
/// Why it lives in DuetPredict and takes a feature closure: the decorator owns the fitting
/// (XGBoost, least squares), which DuetSearch must not depend on; the closures keep it free of
/// what a design is (a network, a chip), which the caller knows (``PointFeaturizer``).
///
/// The models are refitted with a seed derived from the base optimizer's seed and the round,
/// so the same seed and results give the same proposals (and the same ``quality``).
public struct SurrogateOptimizer<Base: Optimizer>: Optimizer {
    public private(set) var base: Base
    public let settings: SurrogateSettings
    let features: @Sendable (Point) -> [Float]
    let exact: (@Sendable (Point) -> ExactEstimate)?
    /// Called with each screened generation's quality as soon as its results are told (a study
    /// stores it); the same records accumulate in ``quality``.
    public var onQuality: (@Sendable (SurrogateQuality) -> Void)?

    /// Every design told (evaluated), in order, and its features.
    public private(set) var history: [Individual] = []
    var historyFeatures: [Float] = []
    var evaluated = Set<Point>()
    var width = 0
    /// The last ``ask()``'s screening: the objective judged, its predictions for the chosen
    /// candidates, training rows and pool size (nil when it did not screen).
    var pending: (objective: Int, predicted: [Double], rows: Int, pool: Int)?
    var rng: SeededGenerator
    /// ``ask()`` calls so far: the search round, as the study numbers generations.
    public private(set) var round = 0
    /// Per screened generation: Kendall τ of the predictions against the results told.
    public private(set) var quality: [SurrogateQuality] = []

    public init(base: Base, settings: SurrogateSettings, features: @escaping @Sendable (Point) -> [Float],
                exact: (@Sendable (Point) -> ExactEstimate)? = nil) {
        precondition(settings.screen >= 1 && settings.members >= 1 && (settings.batch ?? 1) >= 1)
        self.base = base
        self.settings = settings
        self.features = features
        self.exact = exact
        rng = SeededGenerator(seed: base.seed ^ 0x5EED_5C2E_E4ED_0001)
    }

    public var space: DesignSpace { base.space }
    public var seed: UInt64 { base.seed }
    public var generation: Int { base.generation }
    public var front: [Individual] { base.front }

    public mutating func ask() -> [Candidate] {
        pending = nil
        defer { round += 1 }
        let first = base.ask()
        let trainable = history.filter { !$0.violation.isInfinite }.count
        guard settings.screen > 1 || settings.pool != nil, trainable >= settings.minimumTrainingRows, !first.isEmpty else {
            // Before the model has its rows: the base's proposals; with a batch size, no more than reach the minimum.
            guard let batch = settings.batch else { return first }
            return Array(first.prefix(max(batch, settings.minimumTrainingRows - trainable)))
        }
        var pool: [Candidate] = []
        var seen = evaluated
        for c in first where seen.insert(c.point).inserted { pool.append(c) }
        for _ in 1..<max(1, settings.screen) {
            let more = base.ask()
            if more.isEmpty { break }
            for c in more where seen.insert(c.point).inserted { pool.append(c) }
        }
        let bred = pool.count
        let extra = settings.pool.map { max(0, $0 - bred) } ?? Int((Double(bred) * settings.randomShare).rounded())
        var attempts = 0
        while pool.count < bred + extra && attempts < 4 * extra {
            attempts += 1
            let g = space.randomGenome(using: &rng)
            let p = space.decode(g)
            if seen.insert(p).inserted { pool.append(Candidate(genome: g, point: p)) }
        }
        let want = settings.batch ?? first.count
        guard pool.count > want else { return pool.isEmpty ? Array(first.prefix(want)) : pool }
        guard let scored = try? score(pool) else { return Array(first.prefix(want)) }
        let m = scored.objectives
        let fitness = scored.fitness
        let ranks = NonDominatedSort.ranks(fitness, objectiveCount: m, violations: scored.violation)
        var chosen: [Int] = []
        for front in NonDominatedSort.fronts(fromRanks: ranks) {
            if chosen.count + front.count <= want { chosen += front; continue }
            let need = want - chosen.count
            let sub = front.flatMap { i in fitness[(i * m)..<(i * m + m)] }
            let crowd = Crowding.distances(Array(sub), objectiveCount: m)
            // Ties (a single objective, or equal crowding) go to the better first objective.
            let order = front.indices.sorted {
                if crowd[$0] != crowd[$1] { return crowd[$0] > crowd[$1] }
                let a = fitness[front[$0] * m], b = fitness[front[$1] * m]
                return a != b ? a < b : front[$0] < front[$1]
            }
            chosen += order.prefix(need).map { front[$0] }
            break
        }
        if let j = scored.judged {
            pending = (j, chosen.map { scored.mean[$0 * m + j] }, scored.rows, pool.count)
        }
        return chosen.map { pool[$0] }
    }

    /// The candidates as the selection sees them: fitness (row-major, one row per candidate; exact
    /// where known, else the acquisition value), the predicted mean (for τ), the violation used
    /// for constrained ranks, and the first objective that was predicted.
    struct Scored {
        var fitness: [Double], mean: [Double], violation: [Double]
        var objectives: Int, judged: Int?, rows: Int
    }

    func score(_ pool: [Candidate]) throws -> Scored {
        var rows = history.indices.filter { !history[$0].violation.isInfinite && history[$0].isEvaluated }
        if rows.count > settings.maximumTrainingRows {
            let half = settings.maximumTrainingRows / 2
            let best = rows.sorted { a, b in
                let fa = history[a].isFeasible, fb = history[b].isFeasible
                if fa != fb { return fa }
                return history[a].fitness[0] != history[b].fitness[0] ? history[a].fitness[0] < history[b].fitness[0] : a < b
            }.prefix(half)
            rows = Array(Set(best).union(rows.suffix(settings.maximumTrainingRows - half))).sorted()
        }
        let m = history[rows[0]].fitness.count
        let known = exact.map { e in pool.map { e($0.point) } }
        if let known { precondition(known.allSatisfy { $0.objectives.count == m }, "the exact closure must give one entry per objective") }
        // Objectives the closure knows for every candidate are exact; the others are predicted.
        let predicted = (0..<m).filter { j in known.map { k in k.contains { $0.objectives[j] == nil } } ?? true }
        var fitness = [Double](repeating: 0, count: pool.count * m)
        var mean = fitness
        if let known {
            for (i, k) in known.enumerated() { for j in 0..<m { if let v = k.objectives[j] { fitness[i * m + j] = v; mean[i * m + j] = v } } }
        }
        let w = width
        var x: [Float] = [], px: [Float] = []
        let needModel = !predicted.isEmpty || known == nil
        if needModel {
            x = rows.flatMap { historyFeatures[($0 * w)..<($0 * w + w)] }
            px.reserveCapacity(pool.count * w)
            for c in pool {
                let f = features(c.point)
                precondition(f.count == w, "the feature closure must give vectors of one length")
                px += f
            }
        }
        func fitSettings(_ member: Int) -> FitSettings {
            var fit = FitSettings(kind: settings.model, seed: seed &+ UInt64(round) &* 1_000 &+ UInt64(member))
            fit.rounds = settings.rounds
            return fit
        }
        for j in predicted {
            let y = rows.map { history[$0].fitness[j] }
            let k = settings.members
            var sum = [Double](repeating: 0, count: pool.count), squares = sum
            for member in 0..<k {
                let model = try RegressionModel.fit(features: x, rows: rows.count, columns: w, targets: y, settings: fitSettings(member))
                for (i, v) in try model.predict(px, rows: pool.count, columns: w).enumerated() { sum[i] += v; squares[i] += v * v }
            }
            for i in pool.indices {
                let mu = sum[i] / Double(k)
                let sd = k > 1 ? (max(0, squares[i] / Double(k) - mu * mu)).squareRoot() : 0
                mean[i * m + j] = mu
                fitness[i * m + j] = mu - settings.exploration * sd
                if known != nil, let v = known![i].objectives[j] { fitness[i * m + j] = v; mean[i * m + j] = v }
            }
        }
        var violation: [Double]
        if let known {
            violation = known.map(\.violation)
        } else {
            // Predicted constrained ranks: a candidate predicted infeasible (p ≥ 0.5) ranks by p.
            violation = [Double](repeating: 0, count: pool.count)
            let labels = rows.map { history[$0].violation > 0 ? 1.0 : 0.0 }
            if labels.contains(1) {
                if labels.contains(0) {
                    let model = try RegressionModel.fit(features: x, rows: rows.count, columns: w, targets: labels, settings: fitSettings(0))
                    violation = try model.predict(px, rows: pool.count, columns: w).map { $0 >= 0.5 ? $0 : 0 }
                } else {
                    violation = [Double](repeating: 1, count: pool.count)
                }
            }
        }
        return Scored(fitness: fitness, mean: mean, violation: violation, objectives: m, judged: predicted.first, rows: rows.count)
    }

    public mutating func tell(_ told: [Individual]) {
        if let pending {
            let done = told.indices.filter { $0 < pending.predicted.count && told[$0].isEvaluated && !told[$0].violation.isInfinite }
            var tau: Double?
            if done.count >= 2 {
                let t = Correlation.kendallTau(done.map { pending.predicted[$0] }, done.map { told[$0].fitness[pending.objective] })
                if t.isFinite { tau = t }
            }
            let q = SurrogateQuality(generation: round - 1, tau: tau, evaluated: done.count, trainingRows: pending.rows,
                                     pool: pending.pool, objective: pending.objective)
            quality.append(q)
            onQuality?(q)
        }
        pending = nil
        for t in told where t.isEvaluated {
            let f = features(t.point)
            if width == 0 { width = f.count }
            precondition(f.count == width, "the feature closure must give vectors of one length")
            history.append(t)
            historyFeatures += f
            evaluated.insert(t.point)
        }
        base.tell(told)
    }
}
