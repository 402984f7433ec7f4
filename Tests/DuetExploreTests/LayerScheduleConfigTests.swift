import Foundation
import Testing
import _DuetTestSupport
@testable import DuetCore
@testable import DuetCostModel
@testable import DuetExplore
@testable import DuetSearch

/// `target.schedule: layers` in exploration configs: explore's metrics are the layer schedule's,
/// and targets or solvers that cannot honour it refuse it by key.
@Suite struct LayerScheduleConfigTests {
    static let config = """
        tasks:
          - {name: cifar10, space: nb201, accuracy: proxy:macs}
          - {name: cifar100, space: nb201, accuracy: proxy:macs}
        target:
          schedule: layers
          hardware: {subaccelerators: 2, templates: [tpu, nvdla], node_nm: 28, pe_rows: [8, 32], pe_cols: [8, 32], global_buffer_kib: [64, 256]}
        objectives: [{maximize: accuracy}, {minimize: latency_ms}]
        evaluations: 20
        population: 10
        """

    @Test func exploreMeasuresTheLayerSchedule() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cfg = try ExploreConfig.load(path: try writeConfig(dir, Self.config), dataDir: root)
        #expect(cfg.scheduling == .layers)
        let ex = try CoExploration(config: cfg, dataDir: root)
        var rng = SeededGenerator(seed: 4)
        var shorter = 0
        for _ in 0..<8 {
            let point = ex.space.decode(ex.space.randomGenome(using: &rng))
            let m = await ex.measure(point)
            let design = try ex.decode(point)
            let nets = try cfg.tasks.map { try $0.space!.network(parsing: design.archs[$0.name]!).analyze() }
            let r = try ChipEvaluator.evaluate(nets, on: try #require(design.chip), scheduling: .layers)
            #expect(m.metrics["latency_ms"] == r.makespan.milliseconds && m.metrics["energy_mj"] == r.energy.millijoules)
            let ls = try #require(r.layerSchedule)
            #expect(r.makespan.value <= ls.wholeMakespan)
            if ls.used { shorter += 1 }
        }
        #expect(shorter > 0, "no drawn design was faster by layers")
    }

    @Test func targetsAndSolversThatCannotScheduleLayersRefuseIt() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let table = root.appendingPathComponent("Examples/solve-nb201-pixel3/pixel3-lut.json").path
        let e = #expect(throws: InputError.self) {
            _ = try ExploreConfig.load(path: try writeConfig(dir, """
                tasks: [{name: a, space: nb201, accuracy: proxy:macs}]
                target: {table: \(table), schedule: layers}
                """), dataDir: root)
        }
        #expect(e?.issues.first?.keyPath == "target.schedule")
        let fixed = try ExploreConfig.load(path: try writeConfig(dir, """
            tasks: [{name: a, network: resnet18}, {name: b, network: mobilenet-v2}]
            target:
              schedule: layers
              hardware: {subaccelerators: 2, templates: [tpu], pe_rows: [8, 32], pe_cols: [8, 32], global_buffer_kib: [64, 256]}
            objectives: [{minimize: energy_mj}]
            """), dataDir: root)
        // duet solve schedules layers to shorten the makespan (ChipLayerSearch): another objective is refused.
        let s = #expect(throws: InputError.self) { _ = try ChipSolveSetup.make(fixed) }
        #expect(s?.issues.contains { $0.keyPath == "objectives[0]" && $0.message.contains("schedule: layers") } == true)
    }
}
