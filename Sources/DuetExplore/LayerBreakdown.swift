import DuetCostModel
import DuetHardware
import DuetReport

/// The per-layer cost of one network of the chosen design, with the groupings the report shows:
/// by stage (the layer name's first component, e.g. `stage2`), by block (its first two, e.g.
/// `stage2.cell3`) and by operator kind (`conv`, `pointwise`, `avg_pool`, …).
public struct LayerBreakdown: Sendable {
    /// One layer (or, on a table-driven device, one fused device operator).
    public struct Row: Sendable, Hashable {
        public var name: String
        public var kind: String
        public var stage: String
        public var block: String
        public var macs: Int
        /// Latency, microseconds.
        public var latencyUs: Double
        /// Energy, microjoules; nil where the model gives none (table-driven devices).
        public var energyUJ: Double?
        /// DRAM traffic, bytes; nil where unknown.
        public var dramBytes: Double?
        /// MACs ÷ (compute cycles × PEs); nil where unknown.
        public var utilization: Double?
        /// What bounds the layer's latency (compute, noc, buffer, dram); nil where unknown.
        public var bottleneck: String?

        public init(name: String, kind: String, macs: Int, latencyUs: Double, energyUJ: Double?, dramBytes: Double? = nil,
                    utilization: Double? = nil, bottleneck: String? = nil) {
            self.name = name; self.kind = kind; self.macs = macs; self.latencyUs = latencyUs; self.energyUJ = energyUJ
            self.dramBytes = dramBytes; self.utilization = utilization; self.bottleneck = bottleneck
            stage = LayerBreakdown.stage(of: name); block = LayerBreakdown.block(of: name)
        }
    }

    /// The sum of a group of rows.
    public struct Group: Sendable, Hashable {
        public var name: String
        public var layers: Int
        public var macs: Int
        /// Microseconds.
        public var latencyUs: Double
        /// Microjoules; nil when no row of the group has an energy.
        public var energyUJ: Double?
    }

    /// The task (network) this breakdown is of.
    public var task: String
    /// Where it runs: a sub-accelerator's name or a device's.
    public var runsOn: String
    public var rows: [Row]

    public init(task: String, runsOn: String, rows: [Row]) { self.task = task; self.runsOn = runsOn; self.rows = rows }

    /// Rows summed by `key`, groups in order of first appearance.
    public func grouped(by key: KeyPath<Row, String>) -> [Group] {
        var order: [String] = [], groups: [String: Group] = [:]
        for r in rows {
            let k = r[keyPath: key]
            if groups[k] == nil { order.append(k); groups[k] = Group(name: k, layers: 0, macs: 0, latencyUs: 0, energyUJ: nil) }
            groups[k]!.layers += 1
            groups[k]!.macs &+= r.macs
            groups[k]!.latencyUs += r.latencyUs
            if let e = r.energyUJ { groups[k]!.energyUJ = (groups[k]!.energyUJ ?? 0) + e }
        }
        return order.map { groups[$0]! }
    }

    /// Every row summed.
    public var total: Group {
        Group(name: "total", layers: rows.count, macs: rows.reduce(0) { $0 &+ $1.macs }, latencyUs: rows.reduce(0) { $0 + $1.latencyUs },
              energyUJ: rows.contains { $0.energyUJ != nil } ? rows.reduce(0) { $0 + ($1.energyUJ ?? 0) } : nil)
    }

    static func components(_ name: String) -> [Substring] { name.split(whereSeparator: { $0 == "." || $0 == "/" }) }

    /// The first component of a layer name (`stage2.cell3.e01.conv3x3` → `stage2`); the name itself without separators.
    public static func stage(of name: String) -> String { components(name).first.map(String.init) ?? name }

    /// The first two components of a layer name with at least three (`stage2.cell3.e01.conv3x3` →
    /// `stage2.cell3`), else its stage.
    public static func block(of name: String) -> String {
        let c = components(name)
        return c.count >= 3 ? c.prefix(2).joined(separator: ".") : stage(of: name)
    }

    /// The breakdown of one network evaluated on an accelerator (layers with no cost left out).
    public init(_ n: NetworkResult) {
        self.init(task: n.network, runsOn: n.subAccelerator, rows: n.layers.filter { $0.cost.latencyCycles > 0 || $0.cost.macs > 0 }.map { l in
            Row(name: l.analysis.layer.name, kind: l.analysis.kind, macs: l.cost.macs, latencyUs: Double(l.cost.latencyCycles) / n.clockMHz,
                energyUJ: l.cost.energy.total.value * 1e-6, dramBytes: l.cost.traffic.dramBytes,
                utilization: l.cost.macs > 0 ? l.cost.utilization : nil, bottleneck: l.cost.bottleneck.rawValue)
        })
    }

    /// The breakdown of one network on a table-driven device: one row per device operator
    /// (layers fused into it joined by `+`), latency only.
    public init(task: String, device: String, report: TableLatencyReport) {
        self.init(task: task, runsOn: device, rows: report.operators.map {
            Row(name: $0.op.layers.joined(separator: "+"), kind: $0.op.signature.kind, macs: 0, latencyUs: $0.latencyMs * 1e3, energyUJ: nil)
        })
    }

    /// The roofline points of the layers with MACs and DRAM traffic: MACs ÷ DRAM bytes against
    /// MACs ÷ latency cycles (`clockMHz` converts the row's microseconds back to cycles).
    public func rooflinePoints(clockMHz: Double) -> [SVGPlot.RooflinePoint] {
        rows.compactMap { r in
            guard r.macs > 0, let b = r.dramBytes, b > 0, r.latencyUs > 0 else { return nil }
            return SVGPlot.RooflinePoint(label: "\(task) \(r.name)", intensity: Double(r.macs) / b,
                                         attained: Double(r.macs) / (r.latencyUs * clockMHz), group: r.kind)
        }
    }
}
