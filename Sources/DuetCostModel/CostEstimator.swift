import DuetCore
import DuetWorkload

/// The network whose cost a ``CostEstimator`` is asked for.
public enum CostSubject: Sendable {
    /// Architecture `arch` of `space`, what a solver enumerates: a table-driven device lowers it as
    /// its converter sees it (``SpaceOperators/deviceNetwork(_:_:)``), a learned predictor reads
    /// its choices, the analytical model builds and analyzes its network.
    case point(any NetworkSpace, Architecture)
    /// An analyzed network (a task's fixed network).
    case network(NetworkAnalysis)
}

/// A cost metric in the fixed-point integers exact solving works in: `user value = integer / scale`
/// (e.g. `latency_ms` as `latency_cycles` with scale = clock MHz × 1000).
public struct FixedPointMetric: Sendable, Hashable {
    /// The metric as configs name it (`latency_ms`, `energy_mj`, `macs`).
    public var userMetric: String
    /// The integer metric of the estimator's units (`latency_cycles`, `latency_ps`, `energy_fj`).
    public var metric: String
    /// Integers per user unit.
    public var scale: Double
    /// The user unit, for printing (`ms`, `mJ`).
    public var unit: String

    public init(userMetric: String, metric: String, scale: Double, unit: String) {
        self.userMetric = userMetric; self.metric = metric; self.scale = scale; self.unit = unit
    }
}

/// Parts of a network's cost, each attributed to a layer by name (`""`: the network's constant),
/// metric → value in fixed-point integers.
public typealias CostUnits = [(layer: String, metrics: [String: Int64])]

/// One network's estimated cost.
public struct CostEstimate: Sendable {
    /// User metric (``FixedPointMetric/userMetric``: `latency_ms`, `energy_mj`) → value in that
    /// unit, computed in floating point as the estimator computes it (not from `units`).
    public var totals: [String: Double]
    /// The cost in parts whose sum is the network's cost, in the fixed-point metrics of
    /// ``CostEstimator/fixedPoint`` (rounded per part); empty when the estimator is not additive.
    public var units: CostUnits

    public init(totals: [String: Double], units: CostUnits) { self.totals = totals; self.units = units }
}

/// Where a network's cost comes from: the one seam through which the co-exploration and the
/// exact solvers ask for it. Implementations: ``AnalyticalEstimator`` (the per-layer dataflow model
/// on one sub-accelerator), ``TableTarget`` (a latency table or device model: one entry per device
/// operator), and DuetExplore's `PredictedLatency` (a learned predictor of a whole network's latency).
///
/// Exact solving decomposes a space's cost into per-choice terms, which is only right when a
/// network's cost is a sum over its parts: ``isAdditive`` says so, and `CostDecomposition.make`
/// refuses an estimator that is not (an ``InputError`` naming the target and what to use instead).
public protocol CostEstimator: Sendable {
    /// The accelerator reference, device or file the figures are for.
    var targetName: String { get }
    /// Where the figures come from, for every output (`modelled (analytical cost model)`,
    /// `measured table pixel3`, `predicted (…)`).
    var costSource: String { get }
    /// Whether a network's cost is the sum of its ``CostEstimate/units`` (per layer or per device
    /// operator, plus a constant): what exact solving needs to decompose a space.
    var isAdditive: Bool { get }
    /// Whether one unit may cover layers that different choices of a space change (a device
    /// runtime's fusion): the sum over units then need not split into per-choice terms, so a
    /// decomposition is tabulated (small spaces) or checked on a sample.
    var mayFuseLayers: Bool { get }
    /// The metrics this estimator gives, in order: user metric and its fixed-point form.
    var fixedPoint: [FixedPointMetric] { get }
    /// The content that determines every estimate (hashed into tabulation cache keys); nil: never cached.
    var identity: String? { get }
    /// The cost of one network.
    func estimate(_ subject: CostSubject) throws -> CostEstimate
    /// The network's cost in the fixed-point metrics: the sum of ``estimate(_:)``'s units (an
    /// implementation may compute it without building the units).
    func fixedPointTotal(_ subject: CostSubject) throws -> [String: Int64]
}

extension CostEstimator {
    public var mayFuseLayers: Bool { false }
    public var identity: String? { nil }

    public func fixedPointTotal(_ subject: CostSubject) throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for u in try estimate(subject).units { for (k, v) in u.metrics { out[k, default: 0] += v } }
        return out
    }

    /// The fixed-point form of user metric `name`, if this estimator gives it.
    public func fixedPoint(_ name: String) -> FixedPointMetric? { fixedPoint.first { $0.userMetric == name } }
}
