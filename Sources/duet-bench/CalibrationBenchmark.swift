import ArgumentParser
import DuetCore
import DuetCostModel
import DuetHardware
import DuetWorkload
import Foundation

/// `duet-bench calibrate-device`: fits a shipped device model's calibration on measured
/// NAS-Bench-201 latencies (a seeded training sample) and reports the error of the
/// uncalibrated and the calibrated model on the held-out networks, plus the YAML block to paste
/// into `HardwareModels/devices/NAME.yaml`. Prints JSON.
struct CalibrationBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "calibrate-device", abstract: "Calibrate a device model on measured networks (JSON).")
    @Option(help: "Device model name.") var device: String
    @Option(help: "Measurements CSV.") var measurements: String = "../shared/data/nb201/latency_pixel3_raspi4.csv"
    @Option(name: .customLong("arch-column")) var archColumn: String = "arch_str"
    @Option(name: .customLong("latency-column")) var latencyColumn: String
    @Option(help: "The space of the arch column.") var space: String = "nb201"
    @Option(help: "Networks to fit on (seeded); the rest are held out.") var train: Int = 1000
    @Option var seed: UInt64 = 0

    func run() async throws {
        var model = try DeviceModel.resolve(device)
        model.calibration = nil
        guard let s = NetworkSpaces.named(space) else { throw ValidationError("unknown space \(space)") }
        let nets = try MeasuredNetworks.load(path: measurements, archColumn: archColumn, columns: [latencyColumn])
        let y = nets.latencyMs[latencyColumn]!
        let graphs = try nets.graphs(s, device: TableDevice(model))
        let (tr, te) = TableFit.split(count: y.count, trainCount: train, seed: seed)
        func errors(_ m: DeviceModel) -> (TableFit.Errors, Double) {
            var cache: [OperatorSignature: Double] = [:]
            let p = te.map { i in graphs[i].operators.reduce(m.effectiveNetworkOverheadMs) { acc, op in
                let v = cache[op.signature] ?? m.latencyMs(op.signature); cache[op.signature] = v; return acc + v } }
            let ratios = zip(te.map { y[$0] }, p).map { $0 / $1 }.sorted()
            return (TableFit.errors(predicted: p, measured: te.map { y[$0] }), ratios[ratios.count / 2])
        }
        let (before, ratioBefore) = errors(model)
        let file = (measurements as NSString).lastPathComponent
        var c = DeviceCalibration.fit(model, graphs: tr.map { graphs[$0] }, latenciesMs: tr.map { y[$0] }, source: "")
        var calibrated = model
        calibrated.calibration = c
        let (after, ratioAfter) = errors(calibrated)
        c.source = String(format: "fitted on %d NAS-Bench-201 networks of %@ column %@ (seed %llu); on the other %d: median error %.1f %%, Kendall tau %.3f",
                          tr.count, file, latencyColumn, seed, te.count, after.medianAPE, after.kendallTau)
        let yaml = """
            calibration:
              conv: \(JSONValue.format(c.conv))
              depthwise: \(JSONValue.format(c.depthwise))
              elementwise: \(JSONValue.format(c.elementwise))
              launch_overhead_us: \(JSONValue.format(c.launchOverheadUs))
              network_overhead_ms: \(JSONValue.format(c.networkOverheadMs))
              source: "\(c.source)"
            """
        func e(_ x: TableFit.Errors, _ r: Double) -> JSONValue {
            .obj(["ape_median_pct": .double(x.medianAPE), "mape_mean_pct": .double(x.meanAPE), "kendall_tau": .double(x.kendallTau), "median_measured_over_model": .double(r)])
        }
        print(JSONValue.obj(["device": .string(device), "measurements": .string(file), "column": .string(latencyColumn), "train": .int(tr.count), "held_out": .int(te.count),
                             "uncalibrated": e(before, ratioBefore), "calibrated": e(after, ratioAfter), "yaml": .string(yaml)]).serialized())
    }
}
