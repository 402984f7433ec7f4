import DuetCore
import DuetHardware
import DuetReport
import DuetWorkload
import Foundation
import Synchronization

/// What `duet evaluate` evaluates: networks on an accelerator (a template or file with
/// overrides), a latency table or a device model, against an optional spec's budgets. The one
/// implementation behind `duet evaluate` and the `evaluate` method of `duet serve`, so both print
/// the same report.
public struct EvaluateRequest: Sendable, Hashable {
    /// Networks: built-in names, `SPACE:ARCH`, `layer:KIND,k=…` or files.
    public var networks: [String]
    /// A template (`eyeriss`, `tpu:edge`) or an accelerator file; exactly one of this, ``table`` and ``device``.
    public var accelerator: String?
    /// A latency table file of a table-driven device.
    public var table: String?
    /// A device model name or file.
    public var device: String?
    /// `key=value` parameter overrides of the accelerator.
    public var overrides: [String]
    /// A spec file with budgets.
    public var spec: String?
    /// What the mapping search minimizes.
    public var objective: MappingObjective
    /// Input size in pixels (tokens) for built-in networks; nil: the network's own.
    public var input: Int?
    /// Width multiplier for built-in networks.
    public var width: Double
    /// Batch size; nil: 1, or a network file's own.
    public var batch: Int?
    /// Count unsupported ONNX operators as zero-cost placeholders.
    public var allowUnknownOperators: Bool
    /// The network file formats read (``NetworkLoaders/standard``: Duet's own; the CLI and the
    /// server add ONNX through `DuetFormats`).
    public var loaders: NetworkLoaders
    /// How the networks share a chip's sub-accelerators (whole networks, or layers spread over them).
    public var scheduling: ChipScheduling = .networks
    /// Whether the text report lists every layer's accesses per memory level and operand
    /// (Timeloop-style statistics; JSON always carries them).
    public var showAccesses = false

    public init(networks: [String], accelerator: String? = nil, table: String? = nil, device: String? = nil, overrides: [String] = [],
                spec: String? = nil, objective: MappingObjective = .latency, input: Int? = nil, width: Double = 1.0, batch: Int? = nil,
                allowUnknownOperators: Bool = false, loaders: NetworkLoaders = .standard) {
        self.networks = networks; self.accelerator = accelerator; self.table = table; self.device = device
        self.overrides = overrides; self.spec = spec; self.objective = objective; self.input = input; self.width = width
        self.batch = batch; self.allowUnknownOperators = allowUnknownOperators; self.loaders = loaders
    }

    /// Throws an ``InputError`` for a request that names no network, not exactly one target, or
    /// build options out of range (the CLI checks the same with its own option names).
    public func validate() throws {
        var issues = IssueCollector()
        if networks.isEmpty { issues.add("networks", "give at least one network", hint: "e.g. \"networks\": [\"resnet50\"]") }
        if [accelerator, table, device].compactMap({ $0 }).count != 1 {
            issues.add("accelerator", "give exactly one of accelerator, table and device", hint: "e.g. \"accelerator\": \"eyeriss\"")
        }
        if let batch, batch < 1 { issues.add("batch", value: String(batch), "the batch size must be at least 1") }
        try issues.throwIfAny()
        try buildOptions.validate()
    }

    var buildOptions: BuildOptions {
        BuildOptions(input: input, width: width, batch: batch ?? 1, allowUnknownOperators: allowUnknownOperators, loaders: loaders)
    }

    /// The report in `format` and whether every budget is met: exactly what `duet evaluate` prints.
    /// - Parameter cache: loaded accelerators, analyzed networks, specs and mapping searches to reuse
    ///   (a long-running server passes one); nil evaluates from scratch.
    public func render(format: OutputFormat, dataDir: URL, cache: EvaluationCache? = nil) throws -> (text: String, met: Bool) {
        if table != nil || device != nil {
            return try TableEvaluation.render(networks: networks, table: table, device: device, spec: spec,
                                              options: BuildOptions(input: input, width: width, batch: batch ?? 1, loaders: loaders), format: format)
        }
        let (result, verdicts, rates, notes) = try evaluateChip(dataDir: dataDir, cache: cache)
        let met = verdicts.allSatisfy(\.met)
        switch format {
        case .json: return (Self.json(result, verdicts: verdicts, rates: rates, notes: notes).serialized() + "\n", met)
        case .csv: return (EvaluationReport.csv(result), met)
        case .table:
            return (EvaluationReport.table(result, verdicts: verdicts, rates: rates, accesses: showAccesses) + notes.map { "note: \($0)\n" }.joined(), met)
        }
    }

    /// The JSON report (the object `duet evaluate --format json` prints) and whether every budget is met.
    /// - Parameter layers: false leaves out each network's per-layer rows (`"layers"`) on the
    ///   accelerator path, without building them; the table path's rows are left to the caller.
    public func json(dataDir: URL, cache: EvaluationCache? = nil, layers: Bool = true) throws -> (json: JSONValue, met: Bool) {
        if table != nil || device != nil {
            let (text, met) = try render(format: .json, dataDir: dataDir, cache: cache)
            do { return (try JSONValue(parsing: text), met) } catch {
                preconditionFailure("the table report is not valid JSON: \(error)")
            }
        }
        let (result, verdicts, rates, notes) = try evaluateChip(dataDir: dataDir, cache: cache)
        return (Self.json(result, verdicts: verdicts, rates: rates, notes: notes, layers: layers), verdicts.allSatisfy(\.met))
    }

    static func json(_ result: ChipResult, verdicts: [Verdict], rates: FrameRates, notes: [String], layers: Bool = true) -> JSONValue {
        var doc = EvaluationReport.json(result, verdicts: verdicts, rates: rates, layers: layers)
        if !notes.isEmpty, case .object(var fields) = doc { fields.append(.init("notes", .array(notes.map { .string($0) }))); doc = .object(fields) }
        return doc
    }

    /// The accelerator path: networks analyzed, the chip evaluated, the spec's verdicts and frame
    /// rates, and the networks' notes (`name: note`).
    func evaluateChip(dataDir: URL, cache: EvaluationCache?) throws -> (ChipResult, [Verdict], FrameRates, [String]) {
        guard let accelerator else { preconditionFailure("evaluateChip needs an accelerator") }
        let chip = try cache?.accelerator(accelerator, overrides: overrides, dataDir: dataDir)
            ?? AcceleratorLoader(dataDir: dataDir).load(accelerator, overrides: overrides)
        var analyses: [NetworkAnalysis] = []
        var issues = IssueCollector()
        let options = buildOptions
        for (i, n) in networks.enumerated() {
            do {
                var a = try cache?.analysis(n, options: options, batch: batch) ?? Self.analyze(n, options: options, batch: batch)
                if analyses.contains(where: { $0.network.name == a.network.name }) { a.network.name += "#\(i)" }
                analyses.append(a)
            } catch let e as InputError { issues.add(e.issues.allSatisfy { $0.file != nil } ? e : e.under("--network[\(i)]")) }
        }
        try issues.throwIfAny()
        let result = try ChipEvaluator.evaluate(analyses, on: chip, objective: objective, cache: cache?.mappings ?? MappingCache(), scheduling: scheduling)
        let loadedSpec = try spec.map { try cache?.spec($0) ?? Spec.load(path: $0) }
        let verdicts = try loadedSpec?.verdicts(for: result) ?? []
        let notes = analyses.flatMap { a in a.network.notes.map { "\(a.network.name): \($0)" } }
        return (result, verdicts, loadedSpec?.rates ?? FrameRates(), notes)
    }

    static func analyze(_ reference: String, options: BuildOptions, batch: Int?) throws -> NetworkAnalysis {
        var net = try NetworkReference.resolve(reference, options: options)
        if let batch { net.batch = batch }
        return try net.analyze()
    }
}

/// What a long-running evaluator (``EvaluateRequest/render(format:dataDir:cache:)`` called many
/// times, as `duet serve` does) keeps between calls: loaded accelerators, analyzed networks, loaded
/// specs and mapping searches. A file's entries are keyed by its modification time and size, so an
/// edited file is read again. Each table is bounded (``limit`` entries; full, it starts over).
public final class EvaluationCache: Sendable {
    /// The most entries each table keeps.
    public let limit: Int
    private let accelerators = Mutex<[String: Accelerator]>([:])
    private let analyses = Mutex<[AnalysisKey: NetworkAnalysis]>([:])
    private let specs = Mutex<[String: Spec]>([:])
    private let mappingCache = Mutex<MappingCache>(MappingCache())

    public init(limit: Int = 4_096) { self.limit = max(1, limit) }

    /// The mapping searches of layers on sub-accelerators (at most 64 × ``limit`` entries).
    public var mappings: MappingCache {
        mappingCache.withLock { c in
            if c.count > 64 * limit { c = MappingCache() }
            return c
        }
    }

    func accelerator(_ reference: String, overrides: [String], dataDir: URL) throws -> Accelerator {
        let key = ([reference, Self.stamp(reference, isFile: Self.isFile(reference, [".yaml", ".yml", ".json"]))] + overrides).joined(separator: "\u{1F}")
        if let hit = accelerators.withLock({ $0[key] }) { return hit }
        let chip = try AcceleratorLoader(dataDir: dataDir).load(reference, overrides: overrides)
        store(chip, key, in: accelerators)
        return chip
    }

    /// What an analysis depends on: the reference, its file's stamp, and the build options.
    struct AnalysisKey: Hashable, Sendable {
        var reference: String
        var stamp: String
        var input: Int?
        var width: Double
        var batch: Int
        var classes: Int?
        var allowUnknownOperators: Bool
        var batchOverride: Int?
    }

    func analysis(_ reference: String, options: BuildOptions, batch: Int?) throws -> NetworkAnalysis {
        let file = Self.isFile(reference, [".yaml", ".yml", ".json", ".onnx"])
        let key = AnalysisKey(reference: reference, stamp: Self.stamp(reference, isFile: file), input: options.input, width: options.width,
                              batch: options.batch, classes: options.classes, allowUnknownOperators: options.allowUnknownOperators, batchOverride: batch)
        if let hit = analyses.withLock({ $0[key] }) { return hit }
        let a = try EvaluateRequest.analyze(reference, options: options, batch: batch)
        store(a, key, in: analyses)
        return a
    }

    func spec(_ path: String) throws -> Spec {
        let key = path + "\u{1F}" + Self.stamp(path, isFile: true)
        if let hit = specs.withLock({ $0[key] }) { return hit }
        let s = try Spec.load(path: path)
        store(s, key, in: specs)
        return s
    }

    private func store<K: Hashable & Sendable, T: Sendable>(_ value: T, _ key: K, in table: borrowing Mutex<[K: T]>) {
        table.withLock {
            if $0.count >= limit { $0.removeAll(keepingCapacity: true) }
            $0[key] = value
        }
    }

    static func isFile(_ reference: String, _ extensions: [String]) -> Bool {
        let lower = reference.lowercased()
        return extensions.contains { lower.hasSuffix($0) }
    }

    /// A file's modification time and size ("" for a reference that is not a file or a missing file).
    static func stamp(_ path: String, isFile: Bool) -> String {
        guard isFile, let a = try? FileManager.default.attributesOfItem(atPath: path) else { return "" }
        let t = (a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(t):\((a[.size] as? NSNumber)?.int64Value ?? -1)"
    }
}
