import ArgumentParser
import DuetCore
import DuetCostModel
import DuetHardware
import DuetWorkload
import Foundation

/// `duet-bench table-fits`: `duet table fit` on every device column of one measurements CSV (for
/// each seed), in one process so that each runtime's lowering of the networks is done once.
/// With `--few-shot` the same file is the reference (each device held out in turn, the others as
/// references: HELP's protocol). Writes DIR/DEVICE_SEED.csv (`--predictions`) and
/// DIR/DEVICE_SEED.json (the report) per fit; docs/validation/tables/help_fit.py scores them.
struct TableFitBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "table-fits", abstract: "Table fits on every device of a measurements CSV (files).")
    @Option var measurements: String
    @Option var space: String = "nb201"
    @Option(name: .customLong("arch-column")) var archColumn: String = "arch_str"
    @Option var train: Int = 1000
    @Option(help: "Comma-separated seeds.") var seeds: String = "0"
    @Flag(name: .customLong("few-shot"), help: "Use the other device columns as references.") var fewShot = false
    @Option(name: .customLong("nearest"), help: "Reference devices that choose the rules with --few-shot-rules nearest.") var nearest: Int = 3
    @Option(name: .customLong("few-shot-rules"), help: "How a few-shot fit chooses its rules: loo (leave-one-out on the target's networks) or nearest (CV on the nearest reference devices).") var fewShotRules: String = "loo"
    @Option(help: "Only these device columns (comma-separated).") var devices: String?
    @Option var out: String

    func run() async throws {
        guard let s = NetworkSpaces.named(space) else { throw ValidationError("unknown space \(space)") }
        let all = try MeasuredNetworks.load(path: measurements, archColumn: archColumn, columns: nil)
        // Each network lowered at most once per runtime, only when a fit asks for it.
        var cache: [TableDevice: [DeviceGraph?]] = [:]
        var intern: [OperatorSignature: OperatorSignature] = [:]
        let lowered: (TableDevice, [Int]) throws -> [DeviceGraph] = { r, idx in
            var g = cache[r] ?? [DeviceGraph?](repeating: nil, count: all.archs.count)
            defer { cache[r] = g }
            return try idx.map { i in
                if let x = g[i] { return x }
                do {
                    let x = try r.lower(SpaceOperators.deviceNetwork(s, s.parse(all.archs[i]))).compacted(&intern)
                    g[i] = x
                    return x
                } catch let e as InputError { throw e.under("\(measurements)[\(i)]") }
            }
        }
        let memo = TableFitJob.ReferenceMemo()
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let chosen = devices.map { $0.split(separator: ",").map(String.init) } ?? all.devices
        for d in chosen {
            for seed in seeds.split(separator: ",").compactMap({ UInt64($0) }) {
                var job = TableFitJob(space: s, measurements: measurements, archColumn: archColumn, latencyColumn: d, train: train, deviceName: d)
                job.seed = seed
                if fewShot { job.references = [measurements] }
                guard let choice = TableFitJob.FewShotRuleChoice(rawValue: fewShotRules) else { throw ValidationError("--few-shot-rules is loo or nearest") }
                (job.fewShotRuleChoice, job.nearestReferences) = (choice, nearest)
                job.lowered = lowered          // memoized: shared by every fit
                job.referenceMemo = memo
                let t0 = Date()
                let r = try job.run()
                let secs = Date().timeIntervalSince(t0)
                try r.predictionsCSV.write(toFile: "\(out)/\(d)_\(seed).csv", atomically: true, encoding: .utf8)
                try r.json(extra: [.init("device", .string(d)), .init("seed", .int(Int(seed))), .init("job_seconds", .double(secs))]).serialized()
                    .write(toFile: "\(out)/\(d)_\(seed).json", atomically: true, encoding: .utf8)
                FileHandle.standardError.write(Data("\(d) seed \(seed): test tau \(r.testErrors?.kendallTau ?? .nan), fit \(r.fitSeconds) s, job \(secs) s\n".utf8))
            }
        }
    }
}
