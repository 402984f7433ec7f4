import ArgumentParser
import DuetCore
import DuetCostModel
import DuetHardware
import DuetWorkload
import Foundation

/// `duet-bench cost`: speed of the analytical cost model — full mapping search per layer, one
/// cost evaluation, whole networks per template, throughput on one and on all cores, and
/// resident memory across many evaluations. Prints JSON.
struct CostModelBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cost", abstract: "Cost-model speed (JSON).")

    @Option(help: "Network whose layers are searched.") var network: String = "resnet50"
    @Option(help: "Templates to run, comma-separated.") var templates: String = "tpu:edge,eyeriss,nvdla:nv_full,shidiannao,input_stationary"
    @Option(help: "Repetitions of each timing.") var repeats: Int = 5

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

    static func residentKiB() -> Int {
        guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = s.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return -1 }
        return pages * 4
    }

    func run() async throws {
        let dataDir = try DataDirectory.locate()
        let loader = AcceleratorLoader(dataDir: dataDir)
        let analysis = try NetworkReference.resolve(network).analyze()
        let computeLayers = analysis.layers.compactMap { l -> (String, LoopNest)? in
            guard let loops = l.loops, l.macs > 0 else { return nil }
            return (l.layer.name, loops)
        }
        var perTemplate: [JSONValue] = []
        var searchMicros: [Double] = []
        for ref in templates.split(separator: ",").map(String.init) {
            let hw = try loader.load(ref).subAccelerators[0]
            // Full mapping search, no cache: best of `repeats` passes over every compute layer.
            var best = Double.infinity
            for _ in 0..<repeats {
                let t0 = Self.now()
                for (name, l) in computeLayers { _ = try MappingSearch.best(l, on: hw, layerName: name) }
                best = min(best, Self.now() - t0)
            }
            let perLayer = best / Double(computeLayers.count) * 1e6
            searchMicros.append(perLayer)
            // Whole network with a fresh cache (repeated layer shapes hit the cache).
            var netBest = Double.infinity
            for _ in 0..<repeats {
                let t0 = Self.now()
                _ = try NetworkEvaluator.evaluate(analysis, on: hw, cache: MappingCache())
                netBest = min(netBest, Self.now() - t0)
            }
            perTemplate.append(.obj(["template": .string(ref), "search_us_per_layer": .double(perLayer),
                                     "network_ms": .double(netBest * 1e3)]))
        }
        // One cost evaluation: the search visits (tile candidates × 24 loop orders) evaluations.
        let hw = try loader.load("tpu:edge").subAccelerators[0]
        let probe = LoopNest(n: 1, k: 128, c: 128, p: 28, q: 28, r: 3, s: 3)
        let evals = MappingSearch.evaluationCount(probe, on: hw)
        var t0 = Self.now()
        let reps = 200
        for _ in 0..<reps { _ = try MappingSearch.best(probe, on: hw) }
        let perEval = (Self.now() - t0) / Double(reps * evals) * 1e6
        // Throughput on one core and on all cores: independent searches of every layer.
        let work = Array(repeating: computeLayers.map(\.1), count: 20).flatMap { $0 }
        t0 = Self.now()
        for l in work { _ = try MappingSearch.best(l, on: hw) }
        let oneCore = Double(work.count) / (Self.now() - t0)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        t0 = Self.now()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in 0..<cores {
                // Each worker loads its own copy of the hardware and layers (as explore's workers
                // hold their own designs): shared buffers would make the cores contend on
                // reference counts, which is not what this measures.
                let mine = try loader.load("tpu:edge").subAccelerators[0]
                let myWork = try NetworkReference.resolve(network).analyze().layers.compactMap { l -> LoopNest? in
                    guard let loops = l.loops, l.macs > 0 else { return nil }
                    return loops
                }
                group.addTask {
                    for _ in 0..<20 { for (i, l) in myWork.enumerated() where i % cores == c { _ = try MappingSearch.best(l, on: mine) } }
                }
            }
            try await group.waitForAll()
        }
        let allCores = Double(work.count) / (Self.now() - t0)
        // Memory: resident size before and after 20,000 more searches without a cache.
        let before = Self.residentKiB()
        for i in 0..<20_000 { _ = try MappingSearch.best(work[i % work.count], on: hw) }
        let after = Self.residentKiB()
        let out = JSONValue.obj([
            "network": .string(network), "compute_layers": .int(computeLayers.count),
            "templates": .array(perTemplate),
            "search_us_per_layer_mean": .double(searchMicros.reduce(0, +) / Double(searchMicros.count)),
            "evaluations_per_search": .int(evals),
            "single_evaluation_us": .double(perEval),
            "layer_searches_per_second_1_core": .double(oneCore),
            "layer_searches_per_second_all_cores": .double(allCores), "cores": .int(cores),
            "resident_kib_before": .int(before), "resident_kib_after_20k_searches": .int(after),
        ])
        print(out.serialized())
    }
}
