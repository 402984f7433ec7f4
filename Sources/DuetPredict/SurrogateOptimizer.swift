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
    /// proposals are evaluated as they are).
    public var minimumTrainingRows: Int = 10
    /// Uniformly random designs added to the screened pool, per design bred by the base optimizer
    /// (0 screens the base's offspring only). Random candidates let the model pull the search out
    /// of a converged population toward regions it predicts better.
    public var randomShare: Double = 1
    /// Boosting rounds of a gbdt surrogate (fewer than a saved predictor's: it is refitted every generation).
    public var rounds: Int = 200
    /// At most this many evaluated designs train the surrogate: the best by the first objective
    /// (feasible first) and the most recent, half each. A model of the best region ranks the
    /// candidates near the top better than one of everything, and refits stay fast: on
    /// NAS-Bench-201 (docs/VALIDATION.md) the worst of 40 runs needed 227 evaluations with 100
    /// rows and 661 with 600.
    public var maximumTrainingRows: Int = 100

    public init(model: ModelKind = .gbdt, screen: Int = 20) { self.model = model; self.screen = screen }
}

/// Surrogate-assisted search: a decorator that makes any ``Optimizer`` spend its real evaluations
/// on the designs a model predicts best.
///
/// Each ``ask()`` after the first `minimumTrainingRows` evaluations asks the base optimizer
/// `screen` times (NSGA-II breeds a new batch of offspring from the same population each time,
/// aging evolution new mutants, random search new samples), adds `randomShare` times as many
/// uniformly random designs, drops designs already evaluated,
/// predicts every objective and the chance of violating a budget with models refitted on every
/// design told so far, and returns as many candidates as one base ``ask()`` gave: the best by
/// constrained non-dominated rank of the predictions, ties by crowding. ``tell(_:)`` passes the
/// results to the base optimizer (which merges them as if it had proposed only those), so the
/// budget of evaluations counts real evaluations only.
///
/// Why it lives in DuetPredict and takes a feature closure: the decorator owns the fitting
/// (XGBoost, least squares), which DuetSearch must not depend on; the closure keeps it free of
/// what a design is (a network, a chip), which the caller knows (``PointFeaturizer``).
///
/// The models are refitted with a seed derived from the base optimizer's seed and the generation,
/// so the same seed and results give the same proposals.
public struct SurrogateOptimizer<Base: Optimizer>: Optimizer {
    public private(set) var base: Base
    public let settings: SurrogateSettings
    let features: @Sendable (Point) -> [Float]

    /// Every design told (evaluated), in order, and its features.
    public private(set) var history: [Individual] = []
    var historyFeatures: [Float] = []
    var evaluated = Set<Point>()
    var width = 0
    /// Predicted first objective of the candidates of the last ``ask()`` (nil when it did not screen).
    var pending: [Double]?
    var rng: SeededGenerator
    /// Per screened generation: Kendall τ of the predicted first objective against the results told.
    public private(set) var quality: [Double] = []

    public init(base: Base, settings: SurrogateSettings, features: @escaping @Sendable (Point) -> [Float]) {
        precondition(settings.screen >= 1)
        self.base = base
        self.settings = settings
        self.features = features
        rng = SeededGenerator(seed: base.seed ^ 0x5EED_5C2E_E4ED_0001)
    }

    public var space: DesignSpace { base.space }
    public var seed: UInt64 { base.seed }
    public var generation: Int { base.generation }
    public var front: [Individual] { base.front }

    public mutating func ask() -> [Candidate] {
        pending = nil
        let first = base.ask()
        let trainable = history.filter { !$0.violation.isInfinite }.count
        guard settings.screen > 1, trainable >= settings.minimumTrainingRows, !first.isEmpty else { return first }
        var pool: [Candidate] = []
        var seen = evaluated
        for c in first where seen.insert(c.point).inserted { pool.append(c) }
        for _ in 1..<settings.screen {
            let more = base.ask()
            if more.isEmpty { break }
            for c in more where seen.insert(c.point).inserted { pool.append(c) }
        }
        let bred = pool.count
        var attempts = 0
        let extra = Int((Double(bred) * settings.randomShare).rounded())
        while pool.count < bred + extra && attempts < 4 * extra {
            attempts += 1
            let g = space.randomGenome(using: &rng)
            let p = space.decode(g)
            if seen.insert(p).inserted { pool.append(Candidate(genome: g, point: p)) }
        }
        let want = first.count
        guard pool.count > want else { return pool.isEmpty ? first : pool }
        guard let (fitness, infeasible) = try? predict(pool) else { return first }
        let m = fitness.count / pool.count
        // Predicted constrained ranks: a candidate predicted infeasible (p ≥ 0.5) ranks by p.
        let violation = infeasible.map { $0 >= 0.5 ? $0 : 0 }
        let ranks = NonDominatedSort.ranks(fitness, objectiveCount: m, violations: violation)
        var chosen: [Int] = []
        for front in NonDominatedSort.fronts(fromRanks: ranks) {
            if chosen.count + front.count <= want { chosen += front; continue }
            let need = want - chosen.count
            let sub = front.flatMap { i in fitness[(i * m)..<(i * m + m)] }
            let crowd = Crowding.distances(Array(sub), objectiveCount: m)
            let order = front.indices.sorted { crowd[$0] != crowd[$1] ? crowd[$0] > crowd[$1] : front[$0] < front[$1] }
            chosen += order.prefix(need).map { front[$0] }
            break
        }
        pending = chosen.map { fitness[$0 * m] }
        return chosen.map { pool[$0] }
    }

    /// Predicted fitness (row-major, one row per candidate) and predicted probability of violating a budget.
    func predict(_ pool: [Candidate]) throws -> (fitness: [Double], infeasible: [Double]) {
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
        let w = width
        let x = rows.flatMap { historyFeatures[($0 * w)..<($0 * w + w)] }
        var px: [Float] = []
        px.reserveCapacity(pool.count * w)
        for c in pool {
            let f = features(c.point)
            precondition(f.count == w, "the feature closure must give vectors of one length")
            px += f
        }
        let m = history[rows[0]].fitness.count
        var fit = FitSettings(kind: settings.model, seed: seed &+ UInt64(generation))
        fit.rounds = settings.rounds
        var out = [Double](repeating: 0, count: pool.count * m)
        for j in 0..<m {
            let y = rows.map { history[$0].fitness[j] }
            let model = try RegressionModel.fit(features: x, rows: rows.count, columns: w, targets: y, settings: fit)
            for (i, v) in try model.predict(px, rows: pool.count, columns: w).enumerated() { out[i * m + j] = v }
        }
        var infeasible = [Double](repeating: 0, count: pool.count)
        let labels = rows.map { history[$0].violation > 0 ? 1.0 : 0.0 }
        if labels.contains(1) {
            if labels.contains(0) {
                let model = try RegressionModel.fit(features: x, rows: rows.count, columns: w, targets: labels, settings: fit)
                infeasible = try model.predict(px, rows: pool.count, columns: w)
            } else {
                infeasible = [Double](repeating: 1, count: pool.count)
            }
        }
        return (out, infeasible)
    }

    public mutating func tell(_ told: [Individual]) {
        if let pending, told.count >= 2 {
            let done = told.indices.filter { told[$0].isEvaluated && !told[$0].violation.isInfinite }
            if done.count >= 2 {
                let tau = Correlation.kendallTau(done.map { pending[$0] }, done.map { told[$0].fitness[0] })
                if tau.isFinite { quality.append(tau) }
            }
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
