import ArgumentParser
import DuetCore
import DuetCostModel
import DuetExplore
import DuetHardware
import DuetSearch
import DuetWorkload
import Foundation

/// `duet-bench layer-schedule`: layer-level scheduling (``ChipScheduling/layers``) against the
/// whole-network assignment on chips drawn from the nasaic-two-tasks hardware space (2–3
/// heterogeneous sub-accelerators): for each instance, seeded random chips (and, for the
/// NAS-Bench-201 instance, random cells), both makespans, how often and by how much layers win,
/// the distance to the lower bound, and the time per evaluation. Prints JSON.
struct LayerScheduleBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "layer-schedule",
                                                    abstract: "Layer-level vs whole-network scheduling on heterogeneous chips (JSON).")
    @Option(help: "Random designs per instance.") var designs: Int = 200
    @Option(help: "Seed of the design draws.") var seed: UInt64 = 1

    static let instances: [(name: String, tasks: String)] = [
        ("nasaic-two-tasks (nb201 cifar10 + cifar100 cells)", """
            - {name: cifar10, space: nb201}
            - {name: cifar100, space: nb201}
            """),
        ("resnet18+mobilenet-v2", """
            - {name: resnet18, network: resnet18}
            - {name: mobilenet, network: mobilenet-v2}
            """),
        ("resnet18+mobilenet-v2+mobilenet-v3-large", """
            - {name: resnet18, network: resnet18}
            - {name: mobilenet, network: mobilenet-v2}
            - {name: mbv3, network: mobilenet-v3-large}
            """),
    ]

    func run() async throws {
        let dataDir = try DataDirectory.locate()
        var out: [JSONValue] = []
        for inst in Self.instances {
            let yaml = "tasks:\n" + inst.tasks.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n" + ChipBenchmark.hardware
                + "\nobjectives: [{minimize: latency_ms}]\n"
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("layer-schedule.yaml").path
            let cfg = try ExploreConfig.load(text: yaml, path: path, dataDir: dataDir)
            let ex = try CoExploration(config: cfg, dataDir: dataDir)
            var rng = SeededGenerator(seed: seed)
            let cache = MappingCache()
            var ratios: [Double] = [], gaps: [Double] = [], seconds: [Double] = []
            var worse = 0
            for _ in 0..<designs {
                let design = try ex.decode(ex.space.decode(ex.space.randomGenome(using: &rng)))
                guard let chip = design.chip else { continue }
                let nets = try cfg.tasks.map { t -> NetworkAnalysis in
                    if let s = t.space, let arch = design.archs[t.name] { return try s.network(parsing: arch).analyze() }
                    return try NetworkReference.resolve(t.network!).analyze()
                }
                let clock = ContinuousClock()
                let start = clock.now
                let r = try ChipEvaluator.evaluate(nets, on: chip, cache: cache, scheduling: .layers)
                seconds.append((clock.now - start).seconds)
                guard let ls = r.layerSchedule else { continue }
                if r.makespan.value > ls.wholeMakespan * (1 + 1e-12) { worse += 1 }
                ratios.append(r.makespan.value / ls.wholeMakespan)
                gaps.append(ls.gap)
            }
            let sorted = ratios.sorted()
            func q(_ p: Double) -> Double { sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))] }
            var o = JSONObject()
            o.set("instance", inst.name)
            o.set("designs", ratios.count)
            o.set("longer_than_whole_networks", worse)
            o.set("layers_shorter", ratios.filter { $0 < 1 - 1e-9 }.count)
            o.set("makespan_ratio_min", q(0))
            o.set("makespan_ratio_median", q(0.5))
            o.set("largest_reduction_percent", (1 - q(0)) * 100)
            o.set("reduction_at_least_15_percent", ratios.filter { $0 <= 0.85 }.count)
            o.set("gap_to_lower_bound_median", gaps.sorted().isEmpty ? nil : gaps.sorted()[gaps.count / 2])
            o.set("gap_to_lower_bound_max", gaps.max())
            o.set("seconds_per_design_median", seconds.sorted().isEmpty ? nil : seconds.sorted()[seconds.count / 2])
            o.set("seconds_per_design_max", seconds.max())
            out.append(try JSONValue(parsing: o.text))
        }
        print(JSONValue.array(out).serialized())
    }
}
