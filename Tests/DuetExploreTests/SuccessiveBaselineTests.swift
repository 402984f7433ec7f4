import DuetSearch
import DuetWorkload
import Foundation
import Testing
@testable import DuetCore
@testable import DuetExplore
@testable import DuetStudy

/// A synthetic NAS-Bench-201 accuracy table: accuracy = number of 3×3 convolutions + 0.1 × number
/// of 1×1 convolutions, so the best network is unique (all six edges nor_conv_3x3, 6.0) and the
/// largest; every one of the 15,625 architectures has a row.
func syntheticTable(_ dir: URL) throws -> String {
    let space = NASBench201Space()
    var csv = "arch_str,acc\n"
    for arch in space.enumerate()! {
        let s = space.format(arch)
        let acc = Double(s.components(separatedBy: "nor_conv_3x3").count - 1) + 0.1 * Double(s.components(separatedBy: "nor_conv_1x1").count - 1)
        csv += "\(s),\(acc)\n"
    }
    let path = dir.appendingPathComponent("acc.csv").path
    try csv.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

let bestNB201 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"

func baselineConfig(table: String, latency: Double, target: String? = nil) -> String {
    """
    name: baseline
    tasks:
      - name: cifar10
        space: nb201
        accuracy: {table: \(table), key: arch_str, column: acc}
    target:
    \(target ?? "  hardware: {subaccelerators: [1, 1], templates: [nvdla], pe_rows: [8, 16], pe_cols: [8, 16], global_buffer_kib: [64, 128]}")
    budgets:
      latency_ms: \(latency)
    objectives:
      - maximize: accuracy
      - minimize: area_mm2
    evaluations: 30
    population: 10
    seed: 5
    workers: 2
    """
}

@Suite struct SuccessiveBaselineTests {
    /// The best network's latency on each of the 8 chips of the hardware space.
    func latencies(_ dir: URL, table: String) async throws -> [Double] {
        var cfg = try ExploreConfig.load(path: try writeConfig(dir, baselineConfig(table: table, latency: 1)), dataDir: root)
        cfg.tasks[0].space = nil
        cfg.tasks[0].network = "nb201:" + bestNB201
        let ex = try CoExploration(config: cfg, dataDir: root)
        var out: [Double] = []
        for rows in [8, 16] { for cols in [8, 16] { for kib in [64, 128] {
            let g = try ex.space.encode(["hw.0.template": .string("nvdla"), "hw.0.pe_rows": .int(rows), "hw.0.pe_cols": .int(cols),
                                         "hw.0.global_buffer_kib": .int(kib)])
            let (_, m, error) = await ex.measure(ex.space.decode(g))
            #expect(error == nil)
            #expect(m["cifar10.accuracy"] == 6.0)   // the fixed SPACE:ARCH network is looked up in the table
            out.append(try #require(m["latency_ms"]))
        } } }
        return out
    }

    @Test func successiveIsInfeasibleWhereCoExplorationIsNot() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let table = try syntheticTable(dir)
        // Given a latency budget 10 % below what the most accurate network needs on the fastest chip,
        let fastest = try await latencies(dir, table: table).min()!
        let cfg = try ExploreConfig.load(path: try writeConfig(dir, baselineConfig(table: table, latency: 0.9 * fastest)), dataDir: root)
        // when both are run,
        let b = try await SuccessiveBaseline.run(config: cfg, dataDir: root)
        let co = try await ExploreRun(exploration: try CoExploration(config: cfg, dataDir: root), study: nil).run()
        let c = BaselineComparison(coExploration: co, successive: b)
        // then successive design picks the table's best network, spends the same budget on the hardware alone,
        #expect(b.choices.map(\.network) == ["nb201:" + bestNB201])
        #expect(b.choices[0].accuracy == 6.0)
        #expect(b.choices[0].method == "best of 15625 table rows (acc)")
        // (NSGA-II stops early once its duplicate elimination has exhausted the 8 chips.)
        #expect(b.hardware.evaluations == Set(b.hardware.trials.map(\.design)).count && b.hardware.evaluations <= 30)
        #expect(b.hardware.trials.allSatisfy { $0.design.contains(bestNB201) })
        // and meets no budget, while co-exploration finds feasible, less accurate designs.
        #expect(c.successive.best == nil && c.successive.feasible == 0)
        #expect(c.successive.leastViolating?.constraints["latency_ms"] ?? 0 > 0)
        let coBest = try #require(c.coExploration.bestAccuracy)
        #expect(coBest < 6.0)
        #expect(c.accuracyGain == nil)
    }

    @Test func feasibleSuccessiveIsTheAccuracyUpperBound() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let table = try syntheticTable(dir)
        let slowest = try await latencies(dir, table: table).max()!
        let cfg = try ExploreConfig.load(path: try writeConfig(dir, baselineConfig(table: table, latency: 2 * slowest)), dataDir: root)
        let b = try await SuccessiveBaseline.run(config: cfg, dataDir: root)
        let co = try await ExploreRun(exploration: try CoExploration(config: cfg, dataDir: root), study: nil).run()
        let c = BaselineComparison(coExploration: co, successive: b)
        #expect(c.successive.feasible == b.hardware.evaluations)
        #expect(c.successive.bestAccuracy == 6.0)
        let gain = try #require(c.accuracyGain)
        #expect(gain <= 0)   // nothing beats the best network when the budgets are loose
    }

    @Test func fixedAcceleratorIsEvaluatedOnce() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let table = try syntheticTable(dir)
        let cfg = try ExploreConfig.load(path: try writeConfig(dir, baselineConfig(table: table, latency: 1000, target: "  accelerator: nvdla")),
                                         dataDir: root)
        let b = try await SuccessiveBaseline.run(config: cfg, dataDir: root)
        #expect(b.hardware.evaluations == 1)
        let t = try #require(b.hardware.trials.first)
        #expect(t.status == "complete")
        #expect(t.metrics["accuracy"] == 6.0)
        #expect(t.isFeasible)
    }

    @Test func proxyBaselineSearchesALargeSpace() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var cfg = try ExploreConfig.load(path: try writeConfig(dir, smallConfig), dataDir: root)
        cfg.evaluations = 20
        // nb201 counts as large here, so the MACs proxy is searched (20 evaluations), not enumerated.
        let b = try await SuccessiveBaseline.run(config: cfg, dataDir: root, enumerationLimit: 100)
        #expect(b.choices[0].method == "best of 20 searched with nsga2 (PROXY proxy:macs)")
        #expect(b.choices[0].evaluations == 20)
        #expect(b.hardware.evaluations == 20)
        #expect(b.hardware.trials.allSatisfy { $0.design.contains(b.choices[0].network.dropFirst(6)) })
    }
}

@Suite struct FixedNetworkTests {
    let tiny = root.appendingPathComponent("Examples/networks/tiny-cnn.yaml").path

    func config(_ objectives: String) -> String {
        """
        tasks:
          - {name: a, network: \(tiny)}
          - {name: b, network: \(tiny)}
        target:
          hardware: {templates: [eyeriss], pe_rows: [8, 16], pe_cols: [8, 16], global_buffer_kib: [64, 128]}
        budgets: {area_mm2: 100}
        \(objectives)
        evaluations: 12
        population: 6
        """
    }

    @Test func fixedNetworksNeedNoAccuracy() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cfg = try ExploreConfig.load(path: try writeConfig(dir, config("")), dataDir: root)
        #expect(cfg.objectives.map(\.metric) == ["latency_ms", "energy_mj"])   // the default without accuracy
        #expect(cfg.tasks.allSatisfy { $0.accuracy.isNone && !$0.accuracy.isProxy })
        let r = try await ExploreRun(exploration: try CoExploration(config: cfg, dataDir: root), study: nil).run()
        #expect(r.trials.allSatisfy { $0.status == "complete" && $0.metrics["accuracy"] == nil && $0.metrics["a.latency_ms"] != nil })
        #expect(r.best != nil)
        // The baseline has nothing to choose.
        await #expect(throws: InputError.self) { _ = try await SuccessiveBaseline.run(config: cfg, dataDir: root) }
    }

    @Test func anAccuracyObjectiveWithoutASourceIsAnError() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, config("objectives: [{maximize: accuracy}, {minimize: latency_ms}]"))
        let e = #expect(throws: InputError.self) { try ExploreConfig.load(path: path, dataDir: root) }
        #expect(e?.issues.contains { $0.description.contains("objectives[0]") && $0.description.contains("no accuracy to optimize") } == true)
    }
}
