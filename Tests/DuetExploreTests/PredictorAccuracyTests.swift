import DuetCore
import DuetPredict
import DuetSearch
import DuetWorkload
import Foundation
import Testing
@testable import DuetExplore

/// A linear predictor of a made-up accuracy on `space`, saved in `dir`.
func savedPredictor(in dir: URL, space: any NetworkSpace, name: String = "p.json") throws -> String {
    var rng = SeededGenerator(seed: 1)
    let archs = space.sample(count: 40, using: &rng)
    let y = archs.map { Double($0.choices.reduce(0, +)) }
    let p = try Predictor.fit(space: space, archs: archs, targets: y, target: "acc", features: .onehot, settings: FitSettings(kind: .linear))
    let path = dir.appendingPathComponent(name).path
    try p.save(to: path)
    return path
}

func predictorConfig(_ predictor: String, space: String = "nb201", optimizer: String = "nsga2") -> String {
    """
    name: predicted
    tasks:
      - name: c100
        space: \(space)
        accuracy: {predictor: \(predictor)}
    target:
      device: pixel3
    budgets:
      latency_ms: 20
    optimizer: \(optimizer)
    evaluations: 40
    population: 10
    """
}

@Suite struct PredictorAccuracyTests {
    @Test func aPredictorIsAnAccuracySourceLabelledAsAPrediction() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = try savedPredictor(in: dir, space: NASBench201Space())
        let cfg = try ExploreConfig.load(path: try writeConfig(dir, predictorConfig("p.json")), dataDir: root)
        let acc = cfg.tasks[0].accuracy
        #expect(acc.isPrediction && acc.isEstimate && acc.label == "predictor:p.json" && acc.estimateWord == "PREDICTION")
        // The evaluation's accuracy is the predictor's value for the design's architecture.
        let x = try CoExploration(config: cfg, dataDir: root)
        let point = x.space.decode(x.space.genes.map(\.lower))
        let r = await x.measure(point)
        #expect(r.error == nil)
        let arch = try NASBench201Space().parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
        let expected = try Predictor.load(path: p).predict([arch])[0]
        #expect(r.metrics["c100.accuracy"] == expected)
    }

    @Test func aPredictorForAnotherSpaceIsRefusedByKey() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try savedPredictor(in: dir, space: FBNetSpace(), name: "fbnet.json")
        let e = try #require(throws: InputError.self) {
            try ExploreConfig.load(path: try writeConfig(dir, predictorConfig("fbnet.json")), dataDir: root)
        }
        let issue = try #require(e.issues.first { $0.keyPath == "tasks[0].accuracy.predictor" })
        #expect(issue.value == "fbnet" && issue.message.contains("not the task's space 'nb201'"))
    }

    @Test func aMissingPredictorFileIsReportedAtItsKey() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let e = try #require(throws: InputError.self) {
            try ExploreConfig.load(path: try writeConfig(dir, predictorConfig("nope.json")), dataDir: root)
        }
        #expect(e.issues.contains { $0.keyPath == "tasks[0].accuracy.predictor" && $0.value == "nope.json" })
    }

    @Test func theOptimizerMappingTakesSurrogateSettings() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try savedPredictor(in: dir, space: NASBench201Space())
        let cfg = try ExploreConfig.load(path: try writeConfig(dir, predictorConfig("p.json", optimizer: "{name: evolution, surrogate: {model: ensemble, screen: 8}}")),
                                         dataDir: root)
        #expect(cfg.optimizer == "evolution")
        #expect(cfg.surrogate?.model == .ensemble && cfg.surrogate?.screen == 8)
        // The factory hook wraps the base optimizer; without surrogate settings it returns it as is.
        let x = try CoExploration(config: cfg, dataDir: root)
        #expect(x.screened(RegularizedEvolution(space: x.space, seed: 1)) is SurrogateOptimizer<RegularizedEvolution>)
        let plain = try ExploreConfig.load(path: try writeConfig(dir, predictorConfig("p.json")), dataDir: root)
        #expect(plain.surrogate == nil)
        let e = try #require(throws: InputError.self) {
            try ExploreConfig.load(path: try writeConfig(dir, predictorConfig("p.json", optimizer: "{name: z3, surrogate: {screen: 0}}")), dataDir: root)
        }
        #expect(Set(e.issues.map(\.keyPath)).isSuperset(of: ["optimizer.surrogate.screen", "optimizer.surrogate"]))
    }
}
