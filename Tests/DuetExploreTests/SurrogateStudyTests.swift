import DuetCore
import DuetPredict
import DuetSearch
import DuetStudy
import DuetWorkload
import Foundation
import Testing
@testable import DuetExplore

/// A study as training data, predicted task metrics, and the surrogate's per-generation quality
/// kept in the study (issue 13).
@Suite struct SurrogateStudyTests {
    func explore(_ path: String, study: String, overrides: [String] = []) async throws -> ExploreResult {
        let cfg = try ExploreConfig.load(path: path, overrides: overrides, dataDir: root)
        return try await ExploreRun(exploration: try CoExploration(config: cfg, dataDir: root), study: try Study(path: study)).run()
    }

    /// A 30-trial study of ``predictorConfig(_:space:optimizer:)`` in `dir`.
    func smallStudy(in dir: URL, optimizer: String = "nsga2", evaluations: Int = 30) async throws -> (study: String, result: ExploreResult) {
        _ = try savedPredictor(in: dir, space: NASBench201Space())
        let path = try writeConfig(dir, predictorConfig("p.json", optimizer: optimizer))
        let study = dir.appendingPathComponent("s.sqlite").path
        return (study, try await explore(path, study: study, overrides: ["evaluations=\(evaluations)"]))
    }

    @Test func aStudysCompleteTrialsAreTrainingRowsOfAMetric() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (study, _) = try await smallStudy(in: dir)
        #expect(StudyTrainingData.isStudy(study))
        #expect(!StudyTrainingData.isStudy(dir.appendingPathComponent("p.json").path), "a JSON file is not a study")
        // The task's accuracy: one row per distinct architecture, its value the trial's.
        let (data, space) = try await StudyTrainingData.load(study: study, target: "c100.accuracy")
        #expect(space.name == "nb201")
        var byArch: [String: Double] = [:]
        for t in try StudySnapshot(study: try Study(path: study)).trials where t.status == "complete" {
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(t.design.utf8)) as? [String: Any])
            byArch[try #require((obj["tasks"] as? [String: String])?["c100"])] = t.metrics["c100.accuracy"]
        }
        #expect(data.archStrings.count == byArch.count && data.archStrings.count >= 2)
        for (a, y) in zip(data.archStrings, data.targets) { #expect(byArch[a] == y, "\(a)") }
        // A bare metric belongs to the one searched task; latency is a metric the study stores too.
        let latency = try await StudyTrainingData.load(study: study, target: "latency_ms", space: "nb201")
        #expect(latency.data.targets.count == data.targets.count)
        // And it fits a predictor.
        let fit = try Predictor.fit(data: data, space: space, target: "c100.accuracy", features: .onehot, settings: FitSettings(kind: .linear), train: nil, folds: nil)
        #expect(fit.predictor.spaceName == "nb201" && fit.predictor.target == "c100.accuracy")
    }

    @Test func anUnknownMetricIsRefusedNamingTheStudyAndItsMetrics() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (study, _) = try await smallStudy(in: dir, evaluations: 10)
        let e = try await #require(throws: InputError.self) { _ = try await StudyTrainingData.load(study: study, target: "c100.acuracy") }
        let issue = try #require(e.issues.first)
        #expect(issue.file == study && issue.keyPath == "--target" && issue.value == "c100.acuracy")
        #expect(issue.hint?.contains("did you mean 'c100.accuracy'") == true)
        #expect(issue.hint?.contains("latency_ms") == true && issue.hint?.contains("macs") == true, "the hint lists the study's metrics")
        let wrongSpace = try await #require(throws: InputError.self) { _ = try await StudyTrainingData.load(study: study, target: "c100.accuracy", space: "fbnet") }
        #expect(wrongSpace.issues.first?.keyPath == "--space" && wrongSpace.issues.first?.message.contains("nb201") == true)
    }

    @Test func aTaskMetricCanComeFromAPredictorLabelledAsAPrediction() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try savedPredictor(in: dir, space: NASBench201Space())
        let hours = try savedPredictor(in: dir, space: NASBench201Space(), name: "hours.json")
        _ = try savedPredictor(in: dir, space: FBNetSpace(), name: "fbnet.json")
        let text = predictorConfig("p.json").replacingOccurrences(of: "accuracy: {predictor: p.json}",
                                                                   with: "accuracy: {predictor: p.json}\n    metrics: {train_hours: {predictor: hours.json}}")
            + "\nobjectives: [{maximize: accuracy}, {minimize: c100.train_hours}]\n"
        let cfg = try ExploreConfig.load(path: try writeConfig(dir, text), dataDir: root)
        #expect(cfg.predictedMetricLabels.map(\.metric) == ["c100.train_hours"] && cfg.predictedMetricLabels[0].label == "predictor:hours.json")
        #expect(cfg.objectives.map(\.metric) == ["accuracy", "c100.train_hours"])
        #expect(cfg.inputFiles.contains(URL(fileURLWithPath: hours).standardizedFileURL.path), "workers check the predictor file's hash")
        let x = try CoExploration(config: cfg, dataDir: root)
        let point = x.space.decode(x.space.genes.map(\.lower))
        let r = await x.measure(point)
        #expect(r.error == nil)
        let arch = try NASBench201Space().parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
        #expect(r.metrics["c100.train_hours"] == (try Predictor.load(path: hours).predict([arch])[0]))
        // The surrogate treats it as expensive: predicted, not computed exactly.
        #expect(x.exactEstimate(point).objectives == [nil, nil])
        // Outputs name it as a prediction.
        let study = dir.appendingPathComponent("m.sqlite").path
        let result = try await ExploreRun(exploration: x, study: try Study(path: study)).run()
        #expect(ExploreOutput.render(result, config: cfg, format: .table).contains("note: c100.train_hours is a PREDICTION (predictor:hours.json)"))
        #expect(ExploreOutput.render(result, config: cfg, format: .json).contains("\"predicted_metrics\""))
        let report = try ExploreReport(study: try Study(path: study), dataDir: root)
        #expect(report.files["index.html"]?.contains("c100.train_hours is a PREDICTION") == true)
        // Duet's own metric names and predictors of another space are refused by key.
        for (metric, file, key) in [("latency_ms", "hours.json", "tasks[0].metrics.latency_ms"), ("train_hours", "fbnet.json", "tasks[0].metrics.train_hours.predictor")] {
            let bad = predictorConfig("p.json").replacingOccurrences(of: "accuracy: {predictor: p.json}",
                                                                      with: "accuracy: {predictor: p.json}\n    metrics: {\(metric): {predictor: \(file)}}")
            let e = try #require(throws: InputError.self) { try ExploreConfig.load(path: try writeConfig(dir, bad), dataDir: root) }
            #expect(e.issues.contains { $0.keyPath == key }, "\(metric) \(file): \(e)")
        }
    }

    @Test func eachScreenedGenerationsQualityIsStoredAndPlottedAndSurvivesAResume() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let optimizer = "{name: nsga2, surrogate: {model: linear, screen: 3, min_trials: 10, batch: 5, pool: 40}}"
        let (study, result) = try await smallStudy(in: dir, optimizer: optimizer, evaluations: 30)
        #expect(result.trials.count == 30)
        let stored = SurrogateQualityLog.read(try StudySnapshot(study: try Study(path: study)).attributes)
        // Generation 0 (10 designs) trains the model; generations 1…4 (5 each) are screened.
        #expect(stored.map(\.generation) == [1, 2, 3, 4])
        #expect(stored.allSatisfy { $0.evaluated == 5 && $0.pool >= 30 && $0.objective == "accuracy" })
        #expect(stored.map(\.trainingRows) == [10, 15, 20, 25])
        #expect(stored.contains { $0.tau != nil })
        let report = try ExploreReport(study: try Study(path: study), dataDir: root)
        #expect(report.files["plots/surrogate-quality.svg"]?.contains("<polyline") == true)
        #expect(report.files["index.html"]?.contains("<h2>Surrogate quality</h2>") == true)
        // Resumed with a larger budget: the replayed generations give the same records, new ones follow.
        _ = try await explore(dir.appendingPathComponent("config.yaml").path, study: study, overrides: ["evaluations=40"])
        let resumed = SurrogateQualityLog.read(try StudySnapshot(study: try Study(path: study)).attributes)
        #expect(Array(resumed.prefix(4)) == stored)
        #expect(resumed.map(\.generation) == [1, 2, 3, 4, 5, 6])
    }

    @Test func workersSharingAScreenedStudyMakeTheStudyAndQualityOfOneProcess() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try savedPredictor(in: dir, space: NASBench201Space())
        let path = try writeConfig(dir, predictorConfig("p.json", optimizer: "{name: nsga2, surrogate: {model: linear, screen: 3, min_trials: 10, batch: 5, pool: 40}}"))
        func exploration() throws -> CoExploration {
            try CoExploration(config: try ExploreConfig.load(path: path, overrides: ["evaluations=25"], dataDir: root), dataDir: root)
        }
        let alone = dir.appendingPathComponent("alone.sqlite").path
        _ = try await ExploreRun(exploration: try exploration(), store: try await openStudy(alone, mode: .create)).run()
        // The explore process and a worker evaluate the generations through the shared study's queue;
        // each refits the surrogate on every completed trial of each generation.
        let shared = dir.appendingPathComponent("shared.sqlite").path
        let store = try await openStudy(shared, mode: .create)
        let explore = ExploreRun(exploration: try exploration(), store: store, worker: WorkerOptions(id: "explore", concurrency: 1), overrides: ["evaluations=25"])
        try await explore.claim(store)
        async let e = explore.run()
        async let w = ExploreWorker.run(study: shared, options: WorkerOptions(id: "w1", concurrency: 2), dataDir: root)
        _ = try await (e, w)
        func content(_ p: String) async throws -> (trials: [String], quality: [SurrogateQualityLog.Stored]) {
            let snap = try await StudySnapshot.load(try await openStudy(p, mode: .readOnly))
            return (snap.trials.map { "\($0.generation)/\($0.slot) \($0.genome) \($0.objectives)" }.sorted(), SurrogateQualityLog.read(snap.attributes))
        }
        let a = try await content(alone), b = try await content(shared)
        #expect(a.trials.count == 25 && a.trials == b.trials)
        #expect(a.quality.map(\.generation) == [1, 2, 3] && a.quality == b.quality)
    }
}
