import DuetCore
import DuetWorkload
import Foundation

/// How a dataflow places a layer's loops on the PE array: loops unrolled (flattened) on rows and
/// on columns, loops streamed through the array in time, and the operand that stays in the PEs.
/// Loops in none of the lists are folds (outer temporal loops).
public struct SpatialMapping: Sendable, Hashable {
    public var stationary: Operand
    public var rows: [LoopDim]
    public var cols: [LoopDim]
    public var stream: [LoopDim]
    /// Unroll factors of spatial loops written `dim:factor` (ZigZag/Timeloop-style blocked
    /// unrolling, e.g. rows `[c:8, q:4]`); spatial loops without a factor share the rest of the
    /// axis, flattened (SCALE-Sim-style).
    public var factors: [LoopDim: Int] = [:]
    /// Whether inputs shared by neighbouring windows are fetched once (`window`, Eyeriss-style
    /// diagonal reuse) or once per use (`im2col`, as SCALE-Sim counts them).
    public var windowReuse: Bool
    /// Where the groups of a grouped or depthwise convolution go when one group leaves the array
    /// mostly idle (`groups:` in YAML; ``GroupPlacement``).
    public var groups: GroupPlacement = .block
    /// Eyeriss's row-stationary dataflow (`row_stationary: true`): filter rows on PE rows, output
    /// rows on PE columns, 1-D convolutions in each PE's scratchpads; the cost model chooses the
    /// replication of the PE sets and the scratchpad blocking per layer (rows/cols/stream here
    /// name the loops of the paper's mapping, for reports).
    public var rowStationary = false

    public init(stationary: Operand, rows: [LoopDim], cols: [LoopDim], stream: [LoopDim], windowReuse: Bool = false, factors: [LoopDim: Int] = [:],
                groups: GroupPlacement = .block, rowStationary: Bool = false) {
        self.stationary = stationary; self.rows = rows; self.cols = cols; self.stream = stream; self.windowReuse = windowReuse
        self.factors = factors; self.groups = groups; self.rowStationary = rowStationary
    }

    /// How an axis's loops read in text: `c·q` or `c:8·q:4`.
    public func label(_ dims: [LoopDim]) -> String {
        dims.isEmpty ? "-" : dims.map { d in factors[d].map { "\(d.rawValue):\($0)" } ?? d.rawValue }.joined(separator: "·")
    }

    /// Loops that are neither spatial nor streamed.
    public var folds: [LoopDim] { LoopDim.allCases.filter { !rows.contains($0) && !cols.contains($0) && !stream.contains($0) } }
}

extension SpatialMapping {
    /// Reads `{stationary, rows, cols, stream, input_reuse}` (a template's mapping, or a custom
    /// mapping in an accelerator file), recording problems in `d`.
    public static func decode(_ e: ConfigReader, diagnostics d: Diagnostics) -> SpatialMapping {
        let dims = LoopDim.allCases.map(\.rawValue)
        var factors: [LoopDim: Int] = [:]
        func dimList(_ k: String) -> [LoopDim] {
            (e.strings(k, required: k != "stream") ?? []).compactMap { s in
                let parts = s.split(separator: ":").map(String.init)
                guard let dim = LoopDim(rawValue: parts[0]) else {
                    d.add(e.keyPath(k), value: s, "unknown loop dimension", hint: Suggestion.hint(for: parts[0], in: dims)); return nil
                }
                if parts.count == 2 {
                    guard k != "stream", let f = Int(parts[1]), f >= 1 else {
                        d.add(e.keyPath(k), value: s, k == "stream" ? "streamed loops take no unroll factor" : "the unroll factor must be a positive integer",
                              hint: "write a spatial loop as 'c' or 'c:8'"); return nil
                    }
                    factors[dim] = f
                }
                return dim
            }
        }
        let st = e.choice("stationary", in: Operand.allCases.map(\.rawValue), required: true).flatMap(Operand.init) ?? .weight
        let m = SpatialMapping(stationary: st, rows: dimList("rows"), cols: dimList("cols"), stream: dimList("stream"),
                               windowReuse: e.choice("input_reuse", in: ["im2col", "window"]) == "window", factors: factors,
                               groups: e.choice("groups", in: GroupPlacement.allCases.map(\.rawValue)).flatMap(GroupPlacement.init) ?? .block,
                               rowStationary: e.bool("row_stationary") ?? false)
        e.finish()
        let used = m.rows + m.cols + m.stream
        if Set(used).count != used.count { d.add(e.path, "a loop dimension appears twice among rows, cols and stream") }
        return m
    }
}

/// Where a grouped convolution's groups go on the array when one group alone would leave it
/// mostly idle (depthwise layers: one channel and one kernel per group).
public enum GroupPlacement: String, Sendable, Hashable, CaseIterable {
    /// Block-diagonally: each group on its own rows and columns, so every operand keeps its own
    /// feed (systolic arrays, whose operands flow along rows and columns).
    case block
    /// Along the rows, sharing the columns: each row lane carries its own group's channel and
    /// accumulates its own output (NVDLA's channel-parallel MAC lanes, MAESTRO's NVDLA-style
    /// depthwise mapping); the window is streamed in time.
    case rows
    /// Along the columns, sharing the rows.
    case cols
}

/// Array organisation: a systolic array pays fill/drain skew per fold; a broadcast array
/// (buses and adder trees) pays a fixed pipeline latency.
public enum ArrayKind: String, Sendable, Hashable { case systolic, broadcast }

/// A dataflow template as loaded from `Templates/<name>.yaml`: mappings per dataflow, default
/// parameters (the published design), named variants and the ranges a search may size.
public struct DataflowTemplate: Sendable {
    public var name: String
    public var summary: String
    public var sources: [String]
    public var array: ArrayKind
    public var mappings: [Dataflow: SpatialMapping]
    /// Default parameter values as written (strings), by parameter name.
    public var parameters: [(key: String, value: String)]
    public var variants: [(name: String, overrides: [(key: String, value: String)])]
    public var ranges: [(key: String, low: Double, high: Double)]
    /// How buffer, network and DRAM bandwidths follow `pe_rows`/`pe_cols` (`bandwidth_scaling:`).
    public var bandwidthScaling: BandwidthScaling = .default

    /// Every template under `<dataDir>/Templates`, sorted by name.
    public static func all(dataDir: URL) throws -> [DataflowTemplate] {
        let dir = dataDir.appendingPathComponent("Templates")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }.sorted()
        return try files.map { try load(path: dir.appendingPathComponent($0).path) }
    }

    /// Names of the templates under `<dataDir>/Templates`.
    public static func names(dataDir: URL) -> [String] {
        let dir = dataDir.appendingPathComponent("Templates")
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// Loads a template by name, with a did-you-mean when there is none.
    public static func named(_ name: String, dataDir: URL) throws -> DataflowTemplate {
        let path = dataDir.appendingPathComponent("Templates/\(name).yaml").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw InputError(keyPath: "template", value: name, message: "unknown template",
                             hint: Suggestion.hint(for: name, in: names(dataDir: dataDir)))
        }
        return try load(path: path)
    }

    public static func load(path: String) throws -> DataflowTemplate {
        let d = Diagnostics(file: path)
        let r = ConfigReader(try ConfigNode.load(path: path), diagnostics: d)
        let name = r.string("name", required: true) ?? ""
        let summary = r.string("summary") ?? ""
        let sources = r.strings("sources") ?? []
        let array = r.choice("array", in: ["systolic", "broadcast"], required: true).flatMap(ArrayKind.init) ?? .broadcast
        var mappings: [Dataflow: SpatialMapping] = [:]
        if let m = r.object("mappings", required: true) {
            for key in m.keys {
                guard let e = m.object(key) else { continue }
                let mapping = SpatialMapping.decode(e, diagnostics: d)
                do { mappings[try Dataflow.parse(key, keyPath: m.keyPath(key))] = mapping } catch let err as InputError { d.add(err) }
            }
            m.finish()
        }
        func pairs(_ reader: ConfigReader?) -> [(key: String, value: String)] {
            guard let reader else { return [] }
            return reader.keys.map { k in (k, reader.string(k) ?? "") }
        }
        let params = pairs(r.object("parameters", required: true))
        var variants: [(name: String, overrides: [(key: String, value: String)])] = []
        if let v = r.object("variants") {
            for k in v.keys { variants.append((k, pairs(v.object(k)))) }
        }
        var ranges: [(key: String, low: Double, high: Double)] = []
        if let rg = r.object("ranges") {
            for k in rg.keys {
                if let b = rg.ints(k), b.count == 2 { ranges.append((k, Double(b[0]), Double(b[1]))) }
            }
        }
        let scaling = r.object("bandwidth_scaling").map { BandwidthScaling.decode($0) } ?? .default
        r.finish()
        try d.throwIfAny()
        return DataflowTemplate(name: name, summary: summary, sources: sources, array: array, mappings: mappings,
                                parameters: params, variants: variants, ranges: ranges, bandwidthScaling: scaling)
    }
}
