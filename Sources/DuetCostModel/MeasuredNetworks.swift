import DuetCore
import DuetHardware
import DuetWorkload

/// Networks of a space measured end to end: a CSV (read by DuetCore's ``CSVDocument``) with an
/// architecture column and one latency column (milliseconds) per device, as HW-NAS-Bench and
/// HELP publish them (`arch_str,pixel3,gold_6240,…`).
public struct MeasuredNetworks: Sendable {
    /// The file the networks were read from.
    public var file: String
    /// Architecture strings, in file order.
    public var archs: [String]
    /// Device column names in file order (the numeric columns read).
    public var devices: [String]
    /// Latency in milliseconds of each network on each device, by column name.
    public var latencyMs: [String: [Double]]

    /// Reads `path`: the architecture column and `columns` (each a positive latency in every
    /// row), or when `columns` is nil every numeric column other than the architecture column and
    /// index-like columns (names containing `index`, or `id`). Problems name file, line and
    /// column; `keyPath` names the option that gave the column names.
    public static func load(path: String, archColumn: String, columns: [String]?, keyPath: String = "--latency-column") throws -> MeasuredNetworks {
        let doc = try CSVDocument.load(path: path)
        let ai = try doc.column(archColumn, keyPath: "--arch-column")
        let names: [String]
        if let columns {
            names = columns
            for c in columns { _ = try doc.column(c, keyPath: keyPath) }
        } else {
            names = doc.header.enumerated().filter { i, h in
                i != ai && !h.lowercased().contains("index") && h.lowercased() != "id"
                    && (doc.records.first.map { Double($0[i]) != nil } ?? false)
            }.map(\.element)
        }
        var c = IssueCollector(file: path)
        var lat: [String: [Double]] = [:]
        for name in names {
            let ci = try doc.column(name, keyPath: keyPath)
            var vs: [Double] = []
            vs.reserveCapacity(doc.records.count)
            for r in doc.records {
                guard let v = Double(r[ci]), v.isFinite, v > 0 else {
                    c.add(doc.keyPath(r, ci), value: r[ci], "expected a positive latency in milliseconds in column '\(name)'",
                          hint: "every row needs a measured latency; remove the row or the column")
                    if c.issues.count >= 20 { break }
                    continue
                }
                vs.append(v)
            }
            lat[name] = vs
        }
        try c.throwIfAny()
        return MeasuredNetworks(file: path, archs: doc.records.map { $0[ai] }, devices: names, latencyMs: lat)
    }

    /// The networks lowered for `device` (every bad architecture reported with its row, at most 20).
    public func graphs(_ space: any NetworkSpace, device: TableDevice) throws -> [DeviceGraph] {
        try SpaceOperators.lower(space, archs, device: device, what: file)
    }
}

extension SpaceOperators {
    /// Lowers architecture strings of `space` for `device`; bad ones are reported together with
    /// their index under `what` (at most 20).
    public static func lower(_ space: any NetworkSpace, _ archs: [String], device: TableDevice, what: String) throws -> [DeviceGraph] {
        var c = IssueCollector()
        var out: [DeviceGraph] = []
        out.reserveCapacity(archs.count)
        for (i, a) in archs.enumerated() {
            do { out.append(try device.lower(deviceNetwork(space, space.parse(a)))) } catch let e as InputError {
                c.add(e.under("\(what)[\(i)]"))
                if c.issues.count > 20 { break }
            }
        }
        try c.throwIfAny()
        return out
    }
}

extension TableFit {
    /// The latency a table predicts for `graph`: its constant plus every operator's entry, an
    /// operator without an entry counted as 0 ms (see ``unseen(_:in:)``).
    public static func predict(_ table: LatencyTable, _ graph: DeviceGraph) -> Double {
        graph.operators.reduce(table.networkOverheadMs) { $0 + (table[$1.signature]?.meanMs ?? 0) }
    }

    /// The distinct operators of `graphs` that `table` has no entry for.
    public static func unseen(_ table: LatencyTable, in graphs: some Sequence<DeviceGraph>) -> Set<OperatorSignature> {
        var out = Set<OperatorSignature>()
        for g in graphs { for op in g.operators where !table.contains(op.signature) { out.insert(op.signature) } }
        return out
    }
}

extension SpaceOperators {
    /// The space's covering architectures (``coveringArchitectures(_:resolutions:enumerateLimit:)``),
    /// or `sample` random ones drawn with `seed`.
    public static func architectures(_ space: any NetworkSpace, resolutions: [Int]? = nil, sample: Int? = nil, seed: UInt64 = 0) throws -> [Architecture] {
        guard let sample else { return coveringArchitectures(space, resolutions: resolutions) }
        let count = try NetworkSpaces.checkSampleCount(sample, option: "--sample")
        var rng = SeededGenerator(seed: seed)
        return space.sample(count: count, using: &rng)
    }

    /// Every operator a table must hold for: a space's architectures (see
    /// ``architectures(_:resolutions:sample:seed:)``), network references and an operator list
    /// (a CSV as `duet table check --format csv` prints it), lowered for `device`; sorted by key,
    /// the first `limit` when given.
    public static func requested(space: (any NetworkSpace)?, resolutions: [Int]? = nil, sample: Int? = nil, seed: UInt64 = 0,
                                 networks: [String] = [], operators: String? = nil, device: TableDevice, limit: Int? = nil) throws -> [OperatorSignature] {
        var set = Set<OperatorSignature>()
        if let space { set.formUnion(try signatures(space, architectures(space, resolutions: resolutions, sample: sample, seed: seed), device: device)) }
        for (i, n) in networks.enumerated() {
            do { set.formUnion(try device.lower(deviceNetwork(reference: n)).signatures) } catch let e as InputError { throw e.under("--network[\(i)]") }
        }
        if let operators { set.formUnion(try OperatorSignature.load(csv: operators)) }
        var sigs = set.sorted()
        if let limit { sigs = Array(sigs.prefix(limit)) }
        return sigs
    }
}

extension OperatorSignature {
    /// The operators listed in a CSV whose columns include ``fieldNames`` (other columns ignored).
    public static func load(csv path: String) throws -> [OperatorSignature] {
        let doc = try CSVDocument.load(path: path)
        var c = IssueCollector(file: path)
        var out: [OperatorSignature] = []
        for (r, row) in zip(doc.records, doc.dictionaries()) {
            let f = row.filter { fieldNames.contains($0.key) }
            if let s = try c.attempt({ try OperatorSignature.from(fields: f, keyPath: "line \(r.line)") }) { out.append(s) }
        }
        try c.throwIfAny()
        return out
    }
}

extension DeviceGraph {
    /// The same operators without layer names and removed-layer lists, their signatures taken
    /// from `intern` (one shared copy per distinct signature): what fitting needs, in a fraction
    /// of the memory when many networks are kept.
    public func compacted(_ intern: inout [OperatorSignature: OperatorSignature]) -> DeviceGraph {
        DeviceGraph(operators: operators.map { op in
            if let s = intern[op.signature] { return DeviceOperator(signature: s, layers: []) }
            intern[op.signature] = op.signature
            return DeviceOperator(signature: op.signature, layers: [])
        }, deadLayers: [], foldedLayers: [], mergedLayers: [])
    }
}
