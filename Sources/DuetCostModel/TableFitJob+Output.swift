import DuetCore
import DuetHardware
import DuetReport
import DuetWorkload

extension TableFitJob {
    /// Sets the device as `duet table fit` takes it: `device` (a model name or .yaml file) names the
    /// table's device and sets the runtime rules, `rewrites`/`fusion` (comma-separated names or
    /// `none`) override them; with none of the three the rules stay to be chosen by cross-validation.
    public mutating func setDevice(_ device: String?, rewrites: String?, fusion: String?) throws {
        let model = try device.map { try DeviceModel.resolve($0) }
        if let model { deviceName = model.name }
        if model != nil || rewrites != nil || fusion != nil {
            rules = try (model.map(TableDevice.init) ?? .tflite).with(rewrites: rewrites, fusion: fusion)
        }
    }

    /// Runs the job, writes every network's prediction to `predictions` and the table to `out`
    /// when given, and returns what `duet table fit` prints in `format` (`.json`, else text);
    /// `spaceLabel` is the space as the user named it.
    public func runAndRender(format: OutputFormat, spaceLabel: String, out: String?, predictions: String?) throws -> String {
        let r = try run()
        if let predictions { try OutputFile.write(r.predictionsCSV, to: predictions) }
        if let out { try r.table.save(to: out) }
        if format == .json {
            return r.json(extra: [.init("space", .string(spaceLabel)), .init("measurements", .string(measurements)), .init("latency_column", .string(latencyColumn)),
                                  .init("seed", .int(Int(truncatingIfNeeded: seed))), .init("out", out.map { .string($0) } ?? .null)]).serialized() + "\n"
        }
        return "latency: fitted (seed \(seed))\n" + r.text + (out.map { "table -> \($0)\n" } ?? "")
    }
}
