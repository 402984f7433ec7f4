import DuetCore
import DuetHardware
import DuetWorkload

/// How a table-driven device runs networks: the runtime's graph rewrites and fusion rules, and
/// the precision its table is keyed by.
public struct TableDevice: Sendable, Hashable {
    public var rewrites: [GraphRewrite]
    public var fusion: [FusionRule]
    public var precision: String

    public init(rewrites: [GraphRewrite], fusion: [FusionRule], precision: String = "fp32") {
        self.rewrites = rewrites; self.fusion = fusion; self.precision = precision
    }

    /// The behaviour a device model declares.
    public init(_ model: DeviceModel) { self.init(rewrites: model.rewrites, fusion: model.fusion, precision: model.precision) }

    /// The behaviour a table was made for.
    public init(_ table: LatencyTable, precision: String = "fp32") { self.init(rewrites: table.rewrites, fusion: table.fusion, precision: precision) }

    /// A TFLite-like mobile runtime: dead code and constant folding (no CSE: measured
    /// NAS-Bench-201 latencies fit better without it); conv+BN, conv+act, add+act fused.
    public static let tflite = TableDevice(rewrites: [.deadCode, .foldConstants], fusion: [.convBN, .convAct, .addAct])

    /// Lowers `network` as this device runs it.
    public func lower(_ network: Network) throws -> DeviceGraph {
        try DeviceGraph.lower(network, rewrites: rewrites, fusion: fusion, precision: precision)
    }
}

/// A network's latency from a lookup table.
public struct TableLatencyReport: Sendable, Hashable {
    /// Total latency in milliseconds (network overhead included).
    public var latencyMs: Double
    /// The table's per-inference constant, in milliseconds.
    public var overheadMs: Double
    /// Each device operator with its entry's mean latency in milliseconds.
    public var operators: [(op: DeviceOperator, latencyMs: Double)]

    public static func == (a: Self, b: Self) -> Bool {
        a.latencyMs == b.latencyMs && a.overheadMs == b.overheadMs && a.operators.map(\.op) == b.operators.map(\.op)
            && a.operators.map(\.latencyMs) == b.operators.map(\.latencyMs)
    }
    public func hash(into h: inout Hasher) { h.combine(latencyMs) }
}

extension LatencyTable {
    /// The latency of `graph`: the network overhead plus each operator's mean. Missing entries
    /// throw one ``InputError`` naming every missing key and how to fill them (`fillHint`).
    public func latency(of graph: DeviceGraph, fillHint: String = "run `duet table check` to list the missing operators and `duet table generate` to fill them") throws -> TableLatencyReport {
        var ops: [(DeviceOperator, Double)] = []
        var total = networkOverheadMs
        var missing: [String] = []
        for op in graph.operators {
            guard let e = self[op.signature] else {
                if !missing.contains(op.signature.key) { missing.append(op.signature.key) }
                continue
            }
            ops.append((op, e.meanMs)); total += e.meanMs
        }
        if !missing.isEmpty {
            throw InputError(missing.map {
                InputIssue(keyPath: "table", value: $0, message: "no entry for this operator" + (failures[$0].map { " (its measurement failed: \($0))" } ?? ""),
                           hint: fillHint)
            })
        }
        return TableLatencyReport(latencyMs: total, overheadMs: networkOverheadMs, operators: ops)
    }

    /// The signatures of `graphs` that have no entry, each once, sorted.
    public func missing(in graphs: [DeviceGraph]) -> [OperatorSignature] {
        var out = Set<OperatorSignature>()
        for g in graphs { for op in g.operators where !contains(op.signature) { out.insert(op.signature) } }
        return out.sorted()
    }
}

/// Every distinct device operator of a space's networks, sorted by key (the entries a table for
/// the space needs).
public func distinctSignatures(_ graphs: some Sequence<DeviceGraph>) -> [OperatorSignature] {
    var out = Set<OperatorSignature>()
    for g in graphs { for op in g.operators { out.insert(op.signature) } }
    return out.sorted()
}

/// A table-driven device as an evaluation target: a latency table (measured, fitted or
/// generated), or a device model that predicts every operator it is asked for. Networks are
/// lowered with the table's (or model's) graph rewrites and fusion rules, as `duet evaluate
/// --table/--device` does; NAS-Bench-201 networks as their exported graph.
public struct TableTarget: Sendable {
    public enum Source: Sendable {
        case table(LatencyTable)
        case model(DeviceModel)
    }
    /// The device's name (the table's provenance, or the model's name).
    public var name: String
    public var source: Source
    public var device: TableDevice

    public init(table: LatencyTable, name: String) {
        self.name = table.provenance.device.isEmpty ? name : table.provenance.device
        source = .table(table); device = TableDevice(table)
    }

    public init(model: DeviceModel) {
        name = model.name; source = .model(model); device = TableDevice(model)
    }

    /// The table's per-inference constant, in milliseconds.
    public var overheadMs: Double {
        switch source {
        case .table(let t): return t.networkOverheadMs
        case .model(let m): return m.effectiveNetworkOverheadMs
        }
    }

    /// The latency of `network` on this device; a table lacking an operator throws an
    /// ``InputError`` naming every missing entry.
    public func latency(of network: Network) throws -> TableLatencyReport {
        let g = try device.lower(network)
        switch source {
        case .table(let t): return try t.latency(of: g)
        case .model(let m): return try m.table(for: g.signatures).latency(of: g)
        }
    }

    /// The latency of architecture `arch` of `space`, lowered as the device's converter sees it.
    public func latency(_ space: any NetworkSpace, _ arch: Architecture) throws -> TableLatencyReport {
        try latency(of: SpaceOperators.deviceNetwork(space, arch))
    }
}
