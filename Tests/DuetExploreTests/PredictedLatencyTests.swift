import DuetCore
import DuetCostModel
import DuetHardware
import DuetPredict
import DuetSearch
import DuetWorkload
import Foundation
import Testing
@testable import DuetExplore

/// The `predictor:` target: a learned latency predictor as the co-exploration's cost estimator,
/// and the exact solver's refusal of it (a predictor of whole networks is not additive).
@Suite struct PredictedLatencyTests {
    /// A linear predictor of the Pixel 3 device model's NAS-Bench-201 latency (40 seeded networks),
    /// saved in `dir` with target column `target`.
    func latencyPredictor(in dir: URL, target: String = "pixel3_latency_ms") throws -> (path: String, predictor: Predictor) {
        let space = NASBench201Space()
        let device = TableTarget(model: try DeviceModel.resolve("pixel3", dataDirectory: root))
        var rng = SeededGenerator(seed: 3)
        let archs = space.sample(count: 40, using: &rng)
        let y = try archs.map { try device.latency(space, $0).latencyMs }
        let p = try Predictor.fit(space: space, archs: archs, targets: y, target: target, features: .onehot, settings: FitSettings(kind: .linear))
        let path = dir.appendingPathComponent("latency.json").path
        try p.save(to: path)
        return (path, p)
    }

    func config(predictor: String, optimizer: String = "nsga2") -> String {
        """
        name: predicted-latency
        tasks:
          - name: c10
            space: nb201
            accuracy: proxy:macs
        target:
          predictor: \(predictor)
        budgets:
          latency_ms: 30
        objectives:
          - maximize: accuracy
          - minimize: latency_ms
        optimizer: \(optimizer)
        evaluations: 20
        population: 10
        seed: 2
        """
    }

    @Test func theCoExplorationMeasuresLatencyWithThePredictor() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (path, p) = try latencyPredictor(in: dir)
        let cfg = try ExploreConfig.load(path: try writeConfig(dir, config(predictor: path)), dataDir: root)
        let ex = try CoExploration(config: cfg, dataDir: root)
        let estimator = try #require(ex.latencyEstimator as? PredictedLatency)
        #expect(!estimator.isAdditive)
        #expect(ex.tableTarget == nil)
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<5 {
            let point = ex.space.decode(ex.space.randomGenome(using: &rng))
            let design = try ex.decode(point)
            let arch = try NASBench201Space().parse(try #require(design.archs["c10"]))
            let m = await ex.measure(point)
            #expect(m.error == nil)
            // The metric is the predictor's own prediction for the architecture, not a table's sum.
            let predicted = try p.predict([arch])[0]
            #expect(m.metrics["latency_ms"] == predicted)
            #expect(m.metrics["c10.latency_ms"] == predicted)
        }
    }

    @Test func theExactSolverRefusesANonAdditiveEstimator() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (path, _) = try latencyPredictor(in: dir)
        let cfgPath = try writeConfig(dir, config(predictor: path))
        let cfg = try ExploreConfig.load(path: cfgPath, dataDir: root)
        let e = await #expect(throws: InputError.self) { try await ExactSolve(config: cfg, dataDir: root, timeoutSeconds: 10) }
        let issue = try #require(e?.issues.first)
        #expect(issue.file == cfgPath)
        #expect(issue.keyPath == "target.predictor")
        #expect(issue.value == "latency.json")
        #expect(issue.message.contains("not as a sum over its layers"))
        #expect(issue.hint?.contains("duet explore") == true)
        // The exploration's exact optimizers go through the same refusal.
        let z3 = try ExploreConfig.load(path: try writeConfig(dir, config(predictor: path, optimizer: "z3")), dataDir: root)
        await #expect(throws: InputError.self) { try await ExploreRun(exploration: try CoExploration(config: z3, dataDir: root), study: nil).run() }
    }

    @Test func aPredictorOfSomethingElseOrAnotherSpaceIsBadInput() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (accuracy, _) = try latencyPredictor(in: dir, target: "cifar10_test_acc")
        let e = #expect(throws: InputError.self) { try ExploreConfig.load(path: try writeConfig(dir, config(predictor: accuracy)), dataDir: root) }
        #expect(e?.issues.first?.keyPath == "target.predictor")
        #expect(e?.issues.first?.message.contains("not a latency in milliseconds") == true)
        let (latency, _) = try latencyPredictor(in: dir)
        let fbnet = config(predictor: latency).replacingOccurrences(of: "space: nb201", with: "space: fbnet")
        let e2 = #expect(throws: InputError.self) { try ExploreConfig.load(path: try writeConfig(dir, fbnet), dataDir: root) }
        #expect(e2?.issues.first?.keyPath == "tasks[0]")
        #expect(e2?.issues.first?.message.contains("'nb201' only") == true)
    }
}
