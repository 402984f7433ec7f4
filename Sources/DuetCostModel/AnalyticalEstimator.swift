import DuetCore
import DuetHardware
import DuetWorkload

/// The analytical dataflow model (``NetworkEvaluator``: each layer through the mapping search) on
/// one sub-accelerator, as a ``CostEstimator``. Additive: a network's latency and energy are sums
/// over its layers (with activation residency, of layers whose costs depend on their neighbours). Units: `latency_cycles`, `energy_fj` (pJ × 1000, rounded per layer) and `macs`.
public struct AnalyticalEstimator: CostEstimator {
    public var subAccelerator: SubAccelerator
    public var targetName: String
    public var objective: MappingObjective
    /// Mapping searches shared between estimates (and with other users of the cache).
    public let cache: MappingCache

    /// `name`: how outputs name the target (default: the sub-accelerator's name).
    public init(_ hw: SubAccelerator, name: String? = nil, objective: MappingObjective = .latency, cache: MappingCache = MappingCache()) {
        subAccelerator = hw; targetName = name ?? hw.name; self.objective = objective; self.cache = cache
    }

    public var costSource: String { "modelled (analytical cost model)" }
    public var isAdditive: Bool { true }
    /// With activation residency a layer's cost depends on its neighbours (what stays on chip), so
    /// a decomposition is tabulated or checked, as for a runtime that fuses layers.
    public var mayFuseLayers: Bool { subAccelerator.activationResidency }
    public var fixedPoint: [FixedPointMetric] {
        [FixedPointMetric(userMetric: "latency_ms", metric: "latency_cycles", scale: subAccelerator.clockMHz * 1e3, unit: "ms"),
         FixedPointMetric(userMetric: "energy_mj", metric: "energy_fj", scale: 1e12, unit: "mJ")]
    }

    /// The full per-layer result (what reports print).
    public func evaluate(_ subject: CostSubject) throws -> NetworkResult {
        let analysis: NetworkAnalysis
        switch subject {
        case .point(let space, let arch): analysis = try space.network(arch).analyze()
        case .network(let a): analysis = a
        }
        return try NetworkEvaluator.evaluate(analysis, on: subAccelerator, objective: objective, cache: cache)
    }

    public func estimate(_ subject: CostSubject) throws -> CostEstimate {
        let r = try evaluate(subject)
        return CostEstimate(totals: ["latency_ms": r.latency.milliseconds, "energy_mj": r.energy.total.millijoules],
                            units: r.layers.map { l in
                                (l.analysis.layer.name, ["latency_cycles": l.cost.latencyCycles,
                                                         "energy_fj": Int64((l.cost.energy.total.value * 1000).rounded()),
                                                         "macs": Int64(l.cost.macs)])
                            })
    }
}
