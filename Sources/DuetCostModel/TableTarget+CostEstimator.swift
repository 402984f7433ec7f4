import DuetCore
import DuetHardware
import DuetWorkload

/// A table-driven device as a ``CostEstimator``: a network's latency is the table's constant plus
/// one entry per device operator (additive over operators), in picoseconds rounded per operator
/// (`latency_ps`). The device's fusion can make one operator cover layers that different choices
/// change (``mayFuseLayers``).
extension TableTarget: CostEstimator {
    /// Picoseconds per millisecond: table latencies are fixed point in ps (rounded per operator).
    public static let picosecondsPerMs = 1e9

    public var targetName: String { name }

    /// `table NAME` (with its method: `measured table NAME`, `fitted table NAME`) or `modelled
    /// (device model NAME; calibration)`.
    public var costSource: String {
        switch source {
        case .table(let t): return t.provenance.method.isEmpty ? "table \(name)" : "\(t.provenance.method) table \(name)"
        case .model(let m): return "modelled (device model \(m.name); \(m.calibrationNote))"
        }
    }

    public var isAdditive: Bool { true }
    public var mayFuseLayers: Bool { true }
    public var fixedPoint: [FixedPointMetric] {
        [FixedPointMetric(userMetric: "latency_ms", metric: "latency_ps", scale: Self.picosecondsPerMs, unit: "ms")]
    }

    /// The graph rules and the table's whole content (entries, constant) or the device model's parameters.
    public var identity: String? {
        var k = "rules \(device.rewrites.map(\.rawValue)) \(device.fusion.map(\.rawValue)) \(device.precision)\n"
        switch source {
        case .table(let t): k += "table\n" + t.json().serialized(pretty: false)
        case .model(let m): k += "model\n" + String(reflecting: m)
        }
        return k
    }

    func report(_ subject: CostSubject) throws -> TableLatencyReport {
        switch subject {
        case .point(let space, let arch): return try latency(space, arch)
        case .network(let a): return try latency(of: a.network)
        }
    }

    static func ps(_ ms: Double) -> Int64 { Int64((ms * picosecondsPerMs).rounded()) }

    public func estimate(_ subject: CostSubject) throws -> CostEstimate {
        let r = try report(subject)
        var units: CostUnits = [("", ["latency_ps": Self.ps(r.overheadMs)])]
        for (op, ms) in r.operators { units.append((op.layers.first ?? "", ["latency_ps": Self.ps(ms)])) }
        return CostEstimate(totals: ["latency_ms": r.latencyMs], units: units)
    }

    /// The constant plus each operator's entry, in ps (rounded per operator), without building units.
    public func fixedPointTotal(_ subject: CostSubject) throws -> [String: Int64] {
        let r = try report(subject)
        return ["latency_ps": r.operators.reduce(Self.ps(r.overheadMs)) { $0 + Self.ps($1.latencyMs) }]
    }
}
