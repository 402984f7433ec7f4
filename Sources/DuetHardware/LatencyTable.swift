import DuetCore

/// One measured or modelled operator latency, in milliseconds.
public struct LatencyEntry: Sendable, Hashable {
    public var signature: OperatorSignature
    /// Mean latency in milliseconds.
    public var meanMs: Double
    /// Standard deviation over the runs in milliseconds (0 for a modelled or fitted entry).
    public var stdMs: Double
    /// Number of timed runs behind ``meanMs`` (0 for a modelled or fitted entry).
    public var count: Int

    public init(_ signature: OperatorSignature, meanMs: Double, stdMs: Double = 0, count: Int = 0) {
        self.signature = signature; self.meanMs = meanMs; self.stdMs = stdMs; self.count = count
    }
}

/// Where a table's numbers come from.
public struct TableProvenance: Sendable, Hashable {
    /// The device the numbers are for (`pixel3`, `host-cpu`, …).
    public var device: String
    /// How they were made: `model`, `measured`, `fitted`, `imported`.
    public var method: String
    /// When, as an ISO 8601 date or timestamp (empty when unknown).
    public var date: String
    /// Free text: the runner command, the fitted data set, the imported file.
    public var source: String

    public init(device: String, method: String, date: String = "", source: String = "") {
        self.device = device; self.method = method; self.date = date; self.source = source
    }
}

/// A latency lookup table: operator signature → latency, plus a per-network constant (the
/// runtime's fixed cost of one inference: invoking the interpreter, copying input and output),
/// plus the operators whose measurement failed and why.
///
/// A network's latency on the device is ``networkOverheadMs`` plus the sum of its device
/// operators' entries (see `TableLatency` in DuetCostModel).
public struct LatencyTable: Sendable, Hashable {
    public var provenance: TableProvenance
    /// Fixed cost of one inference in milliseconds, added once per network.
    public var networkOverheadMs: Double
    /// Entries by canonical key, in insertion order via ``entries``.
    public private(set) var byKey: [String: LatencyEntry] = [:]
    private var order: [String] = []
    /// The same entries by signature: looking up by key built the key string for every operator
    /// of every network (a tenth of a table-driven exploration's time).
    private var bySignature: [OperatorSignature: LatencyEntry] = [:]
    /// Operators that could not be measured (key → the error), kept so a resumed run retries them.
    public var failures: [String: String] = [:]
    /// The graph rewrites of the runtime the table was made for; a network is rewritten this way
    /// before its operators are looked up (see `DeviceGraph` in DuetCostModel).
    public var rewrites: [GraphRewrite]
    /// The fusion rules of that runtime; fused operators are one entry.
    public var fusion: [FusionRule]

    public init(provenance: TableProvenance, networkOverheadMs: Double = 0, entries: [LatencyEntry] = [],
                rewrites: [GraphRewrite] = [.deadCode, .foldConstants], fusion: [FusionRule] = [.convBN, .convAct, .addAct]) {
        self.provenance = provenance
        self.networkOverheadMs = networkOverheadMs
        self.rewrites = rewrites
        self.fusion = fusion
        for e in entries { insert(e) }
    }

    /// Entries sorted by key (the order every writer uses, so output is deterministic).
    public var entries: [LatencyEntry] { order.sorted().map { byKey[$0]! } }
    public var count: Int { order.count }

    /// Adds or replaces the entry for its signature, and clears a recorded failure for it.
    public mutating func insert(_ entry: LatencyEntry) {
        let k = entry.signature.key
        if let old = byKey[k] { bySignature[old.signature] = nil } else { order.append(k) }
        byKey[k] = entry
        bySignature[entry.signature] = entry
        failures[k] = nil
    }

    /// Equal when provenance, constant, entries, failures and runtime rules are equal (insertion order aside).
    public static func == (a: LatencyTable, b: LatencyTable) -> Bool {
        a.provenance == b.provenance && a.networkOverheadMs == b.networkOverheadMs && a.byKey == b.byKey
            && a.failures == b.failures && a.rewrites == b.rewrites && a.fusion == b.fusion
    }

    public func hash(into h: inout Hasher) {
        h.combine(provenance); h.combine(networkOverheadMs); h.combine(byKey); h.combine(failures); h.combine(rewrites); h.combine(fusion)
    }

    public subscript(signature: OperatorSignature) -> LatencyEntry? { bySignature[signature] ?? byKey[signature.key] }
    public subscript(key key: String) -> LatencyEntry? { byKey[key] }
    public func contains(_ signature: OperatorSignature) -> Bool { self[signature] != nil }
}

extension LatencyTable {
    /// The table format version this Duet reads and writes.
    public static let formatVersion = 1

    /// Valid latencies (mean, standard deviation and network overhead), milliseconds: 0 to 10⁹
    /// (about 11 days). Larger values are typos or unit mix-ups, and a sum of a few 1e308 entries
    /// is infinite.
    public static let validLatencyMs = ValidRange(0, 1e9)

    /// Valid measurement counts: 0 to 2⁴⁰.
    public static let validCount = ValidRange.atLeast(0)

    /// Checks every number of a parsed table against ``validLatencyMs`` and ``validCount``,
    /// whatever format it came from; the problems name the entry's key.
    public func checkValues(file: String?) throws {
        var issues = IssueCollector(file: file)
        let r = Self.validLatencyMs
        if !r.contains(networkOverheadMs) {
            issues.add("network_overhead_ms", value: "\(networkOverheadMs)", "must be \(r) ms", hint: "check the value for a typo or a unit mix-up (seconds vs ms)")
        }
        for e in entries {
            for (name, v) in [("mean_ms", e.meanMs), ("std_ms", e.stdMs)] where !r.contains(v) {
                issues.add(e.signature.key + "." + name, value: "\(v)", "must be \(r) ms", hint: "check the value for a typo or a unit mix-up (seconds vs ms)")
            }
            if !Self.validCount.contains(Double(e.count)) {
                issues.add(e.signature.key + ".count", value: "\(e.count)", "must be \(Self.validCount)")
            }
        }
        try issues.throwIfAny()
    }
}

import DuetCore
