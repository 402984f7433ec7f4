import DuetPredict
import DuetSearch

/// Surrogate-assisted search over the co-exploration (`optimizer: {name: …, surrogate: {…}}`).
extension CoExploration {
    /// `base` with surrogate screening when the configuration asks for it (`optimizer: {name: …,
    /// surrogate: {model: gbdt, screen: 20}}`), else `base` itself. The surrogate's features: each
    /// searched task's network features (one-hot + structural) and the hardware variables. With
    /// `exact: true` (the default) the cost model's metrics and the budget violation of every
    /// candidate are computed exactly (``exactEstimate(_:)``) and only the accuracy objectives are
    /// predicted. `onQuality` receives each screened generation's predictor quality.
    public func screened(_ base: some Optimizer, onQuality: (@Sendable (SurrogateQuality) -> Void)? = nil) -> any Optimizer {
        guard let s = config.surrogate else { return base }
        let f = PointFeaturizer(space: space, networks: config.tasks.compactMap { t in t.space.map { .init(prefix: "\(t.name).", space: $0) } })
        var exact: (@Sendable (Point) -> ExactEstimate)?
        if s.exactCosts { exact = { @Sendable [self] p in self.exactEstimate(p) } }
        var o = SurrogateOptimizer(base: base, settings: s, features: { f.features($0) }, exact: exact)
        o.onQuality = onQuality
        return o
    }

    /// What is known of a design without its accuracy: the objectives the cost model gives
    /// (latency, energy, area, power, frame rates, MACs, parameters), exactly, in minimization
    /// form; nil for those that come from the tasks' accuracy sources (accuracy, and the metrics
    /// an external evaluator returns), which a surrogate predicts; and the exact budget violation
    /// (budgets are on cost metrics). A design whose cost cannot be computed is infinitely in
    /// violation (its evaluation fails too).
    public func exactEstimate(_ point: Point) -> ExactEstimate {
        let m: [String: Double]
        do {
            let design = try decode(canonical(point))
            let nets = try config.tasks.map { try analysis(task: $0, arch: design.archs[$0.name]) }
            m = try costMetrics(design, networks: nets)
        } catch {
            return ExactEstimate(objectives: config.objectives.map { _ in nil }, violation: .infinity)
        }
        let objectives = config.objectives.map { o -> Double? in m[o.metric].map { o.maximize ? -$0 : $0 } }
        return ExactEstimate(objectives: objectives, violation: Evaluation(objectives: [], constraints: constraintValues(m)).violation)
    }
}
