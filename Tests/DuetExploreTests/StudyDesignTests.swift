import Foundation
import Testing
import _DuetTestSupport
@testable import DuetCore
@testable import DuetCostModel
@testable import DuetExplore
@testable import DuetHardware
@testable import DuetStudy

/// `duet study design STUDY --trial N --out DIR`: the files it writes reproduce the trial with
/// `duet evaluate`: the same chip parameter for parameter, the same figures to 1e-12.
@Suite struct StudyDesignTests {
    /// Two tasks on a 1–2 sub-accelerator chip with a per-task and an fps budget: the spec gets both.
    static let config = """
        tasks:
          - {name: cifar10, space: nb201, accuracy: proxy:macs}
          - {name: cifar100, space: nb201, accuracy: proxy:macs}
        target:
          hardware:
            subaccelerators: [1, 2]
            templates: [tpu, eyeriss, nvdla]
            node_nm: 28
            pe_rows: [8, 32]
            pe_cols: [8, 32]
            global_buffer_kib: [64, 256]
        budgets: {latency_ms: 1.0, area_mm2: 4, cifar10.latency_ms: 0.8, fps: 200}
        objectives: [{maximize: accuracy}, {minimize: energy_mj}]
        evaluations: 40
        population: 20
        seed: 5
        """

    func explored(_ dir: URL, _ text: String) async throws -> (study: String, trials: [TrialRecord]) {
        let cfg = try ExploreConfig.load(path: try writeConfig(dir, text), dataDir: root)
        let study = dir.appendingPathComponent("s.sqlite").path
        _ = try await ExploreRun.explore(config: cfg, dataDir: root, overrides: [], study: study, shared: false, workerConcurrency: nil,
                                         baseline: false, status: { _ in })
        let store = try await openStudy(study, mode: .readOnly)
        var trials: [TrialRecord] = []
        for try await t in store.allTrials() { trials.append(t) }
        try await store.close()
        return (study, trials)
    }

    @Test func theFilesReproduceEveryCostFigureOfTheTrial() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (study, trials) = try await explored(dir, Self.config)
        // One single- and one two-sub-accelerator chip, if the run has both.
        var picked: [TrialRecord] = []
        for count in [1, 2] {
            if let t = trials.first(where: { $0.status == .complete && ($0.design.components(separatedBy: "\"template\"").count - 1) == count }) { picked.append(t) }
        }
        try #require(!picked.isEmpty)
        for t in picked {
            let store = try await openStudy(study, mode: .readOnly)
            let design = try await StudyDesign.make(store: store, selector: .generationSlot(t.generation, t.slot), dataDir: root)
            try await store.close()
            let out = dir.appendingPathComponent("design-\(t.generation)-\(t.slot)")
            try design.write(to: out)
            #expect(design.files.map(\.path) == ["networks/cifar10.yaml", "networks/cifar100.yaml", "accelerator.yaml", "spec.yaml", "trial.json", "README.md"])
            #expect(design.command == "duet evaluate --network networks/cifar10.yaml --network networks/cifar100.yaml --accelerator accelerator.yaml --spec spec.yaml")
            // The accelerator file loads back into the explored chip, parameter for parameter.
            let loaded = try AcceleratorLoader(dataDir: root).load(out.appendingPathComponent("accelerator.yaml").path)
            let store2 = try await openStudy(study, mode: .readOnly)
            let settings = try #require(try await store2.settings())
            let (ex, _) = try await ExploreWorker.storedExploration(store: store2, settings: settings, dataDir: root)
            try await store2.close()
            let chip = try #require(try ex.decode(ex.space.decode(t.genome)).chip)
            #expect(loaded.subAccelerators == chip.subAccelerators)
            #expect(loaded.dramGBps == chip.dramGBps)
            // duet evaluate on the files gives the stored figures.
            let request = EvaluateRequest(networks: ["cifar10", "cifar100"].map { out.appendingPathComponent("networks/\($0).yaml").path },
                                          accelerator: out.appendingPathComponent("accelerator.yaml").path,
                                          spec: out.appendingPathComponent("spec.yaml").path)
            let (result, verdicts, rates, _) = try request.evaluateChip(dataDir: root, cache: nil)
            // Equal to the last bits or two (the chip evaluation may add per-layer terms in another order).
            func same(_ a: Double, _ key: String) {
                let b = t.metrics[key] ?? .nan
                #expect(abs(a - b) <= 1e-12 * abs(b), "\(key): evaluate \(a), study \(b)")
            }
            same(result.makespan.milliseconds, "latency_ms")
            same(result.energy.millijoules, "energy_mj")
            same(result.area.value, "area_mm2")
            same(result.power.value, "power_mw")
            for (i, n) in result.networks.enumerated() {
                same(n.latency.milliseconds, ["cifar10", "cifar100"][i] + ".latency_ms")
                same(n.energy.total.millijoules, ["cifar10", "cifar100"][i] + ".energy_mj")
            }
            #expect(rates.chip == 200)
            // The spec holds every budget of the study, so the verdicts agree with its violation.
            #expect(Set(verdicts.map(\.budget)) == ["latency_ms", "area_mm2", "cifar10.latency_ms", "fps"])
            #expect(verdicts.allSatisfy(\.met) == (t.violation == 0))
        }
    }

    @Test func trialsAreSelectedByGenerationSlotOrByListIndex() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (study, trials) = try await explored(dir, Self.config)
        let store = try await openStudy(study, mode: .readOnly)
        defer { Task { try? await store.close() } }
        let byIndex = try await StudyDesign.make(store: store, selector: try .init(parsing: "25"), dataDir: root)
        #expect(byIndex.trial == "\(trials[25].generation)/\(trials[25].slot)")
        let bySlot = try await StudyDesign.make(store: store, selector: try .init(parsing: byIndex.trial), dataDir: root)
        #expect(bySlot.files.map(\.text) == byIndex.files.map(\.text))
        for bad in ["", "x", "1/", "-1", "1/2/3", "a/b"] {
            #expect(throws: InputError.self) { _ = try StudyDesign.Selector(parsing: bad) }
        }
        do {
            _ = try await StudyDesign.make(store: store, selector: .generationSlot(99, 0), dataDir: root)
            Issue.record("a missing trial was accepted")
        } catch let e as InputError {
            #expect(e.issues[0].keyPath == "--trial" && e.description.contains("no such trial (it has 40)"))
        }
    }

    /// A table-driven target: the command names the space's architecture and the table.
    @Test func aTableTargetNamesTheArchitectureAndTheTable() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let table = root.appendingPathComponent("Examples/solve-nb201-pixel3/pixel3-lut.json").path
        let (study, trials) = try await explored(dir, """
            tasks:
              - {name: cifar10, space: nb201, accuracy: proxy:macs}
            target: {table: \(table)}
            budgets: {latency_ms: 5}
            objectives: [{maximize: accuracy}, {minimize: latency_ms}]
            evaluations: 20
            population: 10
            """)
        let t = try #require(trials.first { $0.status == .complete })
        let store = try await openStudy(study, mode: .readOnly)
        let design = try await StudyDesign.make(store: store, selector: .generationSlot(t.generation, t.slot), dataDir: root)
        try await store.close()
        #expect(!design.files.contains { $0.path == "accelerator.yaml" })
        #expect(design.command.contains("--table \(table)") && design.command.contains("--network 'nb201:|"))
        // The architecture the command names, on the table, gives the stored latency.
        let arch = try #require(design.command.split(separator: "'").dropFirst().first.map(String.init))
        let request = EvaluateRequest(networks: [arch], table: table)
        let (json, _) = try request.json(dataDir: root)
        let text = json.serialized(pretty: false)
        let stored = try #require(t.metrics["latency_ms"])
        #expect(text.contains(JSONValue.format(stored)), "evaluate: \(text.prefix(400)); study latency \(stored)")
    }
}
