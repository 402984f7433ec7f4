import DuetCore
import DuetHardware
import DuetWorkload
import Foundation

/// `duet table generate` as a library call: the operators a space, networks or an operator list
/// need on a device, filled from a device model or measured by a runner (``TableMeasurement``)
/// into `out`. An existing `out` is resumed: only the operators it lacks are measured.
public struct TableGeneration: Sendable {
    /// A network space whose operators (all of them, or `sample` random networks') are covered.
    public var space: (any NetworkSpace)?
    /// OFA resolutions to cover; nil: all.
    public var resolutions: [Int]?
    /// Cover this many random networks of `space` (drawn with `seed`) instead of all its operators.
    public var sample: Int?
    public var seed: UInt64 = 0
    /// Network references (built-in, `SPACE:ARCH`, files) whose operators are covered.
    public var networks: [String] = []
    /// A CSV of operators, as `duet table check --format csv` prints it.
    public var operators: String?
    /// A device model (name in HardwareModels/devices, or a .yaml file): fills entries when there
    /// is no runner, and sets the runtime rules.
    public var device: String?
    /// A shell command measuring one operator (docs/FORMATS.md); nil: the device model fills the table.
    public var runner: String?
    /// Seconds one runner call may take.
    public var timeoutSeconds: Double = 60
    /// Extra attempts after a failed runner call.
    public var retries = 1
    /// Runner calls in parallel.
    public var jobs = 1
    /// Runner calls per operator at most while its relative spread is above ``maxSpread``.
    public var repeats = 3
    /// Relative spread (std/mean) accepted without repeating (0.05: 5 %).
    public var maxSpread = 0.05
    /// The table file (.csv, .json or .yaml); written as measuring goes.
    public var out: String
    /// Only the first `limit` operators (sorted by key).
    public var limit: Int?
    /// Graph rewrites and fusion rules (comma-separated names or `none`); nil: the device's, else TFLite's.
    public var rewrites: String?
    public var fusion: String?

    public init(out: String) { self.out = out }

    /// What a generation did: the line for stdout, and one line per failed operator.
    public struct Outcome: Sendable {
        public var summary: String
        public var failures: [String]
    }

    /// Builds the table; `progress` is told of each measured operator (not called for a device model).
    public func run(progress: @escaping @Sendable (TableMeasurement.Progress) -> Void = { _ in }) async throws -> Outcome {
        let neither = InputError(keyPath: "--device", message: "no device model and no runner", hint: "give --device (model) or --runner (measure), or both")
        guard device != nil || runner != nil else { throw neither }
        let model = try device.map { try DeviceModel.resolve($0) }
        let rules = try (model.map(TableDevice.init) ?? .tflite).with(rewrites: rewrites, fusion: fusion)
        let sigs = try SpaceOperators.requested(space: space, resolutions: resolutions, sample: sample, seed: seed,
                                                networks: networks, operators: operators, device: rules, limit: limit)
        guard let runner else {
            guard let model, let device else { throw neither }
            var t = model.table(for: sigs, date: OutputFile.today())
            (t.rewrites, t.fusion, t.provenance.source) = (rules.rewrites, rules.fusion, "duet device model \(device)")
            try t.save(to: out)
            return Outcome(summary: "\(t.count) operators from the \(model.name) device model -> \(out)\n", failures: [])
        }
        let table = FileManager.default.fileExists(atPath: out) ? try LatencyTable.load(path: out)
            : LatencyTable(provenance: TableProvenance(device: model?.name ?? "runner", method: "measured", date: OutputFile.today(), source: "runner: \(runner)"),
                           rewrites: rules.rewrites, fusion: rules.fusion)
        let todo = sigs.filter { !table.contains($0) }
        var m = TableMeasurement(runner: TableRunner(command: runner, timeoutSeconds: timeoutSeconds, retries: retries), jobs: jobs)
        (m.maxRepeats, m.maxRelativeSpread) = (repeats, maxSpread)
        let path = out
        let r = try await m.run(todo, into: table, save: { try $0.save(to: path) }, progress: progress)
        let noisy = r.measured.filter { r.table[$0].map { $0.meanMs > 0 && $0.stdMs / $0.meanMs > maxSpread } ?? false }.count
        let summary = "\(sigs.count) operators: \(sigs.count - todo.count) kept from \(out), \(r.measured.count) measured"
            + " (\(noisy) with spread above \(JSONValue.format(maxSpread * 100)) %), \(r.failed.count) failed -> \(out)\n"
        return Outcome(summary: summary, failures: r.failed.map { "failed: \($0.key): \(r.table.failures[$0.key] ?? "")" })
    }
}
