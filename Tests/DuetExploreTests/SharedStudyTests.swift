import Foundation
import Testing
@testable import DuetCore
@testable import DuetExplore
@testable import DuetStudy

/// Studies shared through their queue (`--shared`, `duet worker`): the same trials as one process
/// alone, whatever the number of workers; a worker refuses a study whose files differ.
@Suite struct SharedStudyTests {
    func exploration(_ path: String, overrides: [String] = []) throws -> CoExploration {
        try CoExploration(config: try ExploreConfig.load(path: path, overrides: overrides, dataDir: root), dataDir: root)
    }

    /// Trials as (generation, slot) → (genome, objectives, violation, status), the study's content.
    static func rows(_ trials: [TrialRecord]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: trials.map { t in
            ("\(t.generation)/\(t.slot)", "\(t.genome) \(t.objectives) \(t.violation) \(t.status) \(t.design)")
        })
    }

    static func storedRows(_ path: String) async throws -> [String: String] {
        let store = try await openStudy(path, mode: .readOnly)
        var all: [TrialRecord] = []
        try await store.forEachTrial { all.append($0) }
        return rows(all)
    }

    @Test func threeWorkersMakeTheStudyOfOneProcess() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, smallConfig.replacingOccurrences(of: "evaluations: 120", with: "evaluations: 60"))
        // Given the study of one process alone,
        let alone = dir.appendingPathComponent("alone.sqlite").path
        _ = try await ExploreRun(exploration: try exploration(path), store: try await openStudy(alone, mode: .create)).run()
        // when the explore process and two workers share another study through its queue,
        let shared = dir.appendingPathComponent("shared.sqlite").path
        let store = try await openStudy(shared, mode: .create)
        let first = try await ExploreRun(exploration: try exploration(path), store: store, worker: WorkerOptions(id: "explore", concurrency: 2))
            .run()
        #expect(first.trials.count == 60)
        async let w1 = ExploreWorker.run(study: shared, options: WorkerOptions(id: "w1", concurrency: 1), dataDir: root)
        async let w2 = ExploreWorker.run(study: shared, options: WorkerOptions(id: "w2", concurrency: 3), dataDir: root)
        let (r1, r2) = try await (w1, w2)
        // then both studies hold the same trials row for row (the workers found the run finished),
        #expect(try await Self.storedRows(shared) == Self.storedRows(alone))
        #expect(r1.trials.count == 60 && r2.trials.count == 60)
        #expect(r1.evaluatedHere == 0 && r2.evaluatedHere == 0)
    }

    @Test func workersSplitTheTrialsAndAgreeWithOneProcess() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, smallConfig.replacingOccurrences(of: "evaluations: 120", with: "evaluations: 60"))
        let alone = dir.appendingPathComponent("alone.sqlite").path
        _ = try await ExploreRun(exploration: try exploration(path), store: try await openStudy(alone, mode: .create)).run()
        // The explore process and two workers run at the same time on one study.
        let shared = dir.appendingPathComponent("shared.sqlite").path
        let store = try await openStudy(shared, mode: .create)
        let explore = ExploreRun(exploration: try exploration(path), store: store, worker: WorkerOptions(id: "explore", concurrency: 1))
        try await explore.claim(store)   // the settings a worker reads
        async let e = explore.run()
        async let w1 = ExploreWorker.run(study: shared, options: WorkerOptions(id: "w1", concurrency: 2), dataDir: root)
        async let w2 = ExploreWorker.run(study: shared, options: WorkerOptions(id: "w2", concurrency: 2), dataDir: root)
        let (re, r1, r2) = try await (e, w1, w2)
        #expect(re.evaluatedHere + r1.evaluatedHere + r2.evaluatedHere >= 60)
        #expect(try await Self.storedRows(shared) == Self.storedRows(alone))
        let counts = try await openStudy(shared, mode: .readOnly).counts()
        #expect(counts.complete + counts.failed == 60 && counts.pending == 0 && counts.running == 0)
    }

    @Test func aWorkerRefusesAStudyWhoseFilesDiffer() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let table = dir.appendingPathComponent("acc.csv")
        try FileManager.default.copyItem(at: root.appendingPathComponent("Examples/data/nb201/accuracy.csv"), to: table)
        let path = try writeConfig(dir, smallConfig.replacingOccurrences(of: "evaluations: 120", with: "evaluations: 20")
            .replacingOccurrences(of: "accuracy: proxy:macs", with: "accuracy: {table: acc.csv, column: cifar10_test_acc}"))
        let shared = dir.appendingPathComponent("shared.sqlite").path
        let store = try await openStudy(shared, mode: .create)
        try await ExploreRun(exploration: try exploration(path), store: store, worker: WorkerOptions(id: "explore")).claim(store)
        // Another host's copy of the table differs in one row.
        var text = try String(contentsOf: table, encoding: .utf8)
        text = text.replacingOccurrences(of: "85.86333333333334", with: "85.9")
        try text.write(to: table, atomically: true, encoding: .utf8)
        do {
            _ = try await ExploreWorker.run(study: shared, options: WorkerOptions(id: "w"), dataDir: root)
            Issue.record("a worker evaluated a study whose accuracy table differs")
        } catch let e as InputError {
            #expect(e.description.contains("acc.csv") && e.description.contains("differs from the one the study was made with"), "\(e)")
        }
    }

    @Test func aWorkerStopsAfterMaxTrialsOrWhenIdle() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, smallConfig.replacingOccurrences(of: "evaluations: 120", with: "evaluations: 60"))
        let shared = dir.appendingPathComponent("shared.sqlite").path
        let store = try await openStudy(shared, mode: .create)
        try await ExploreRun(exploration: try exploration(path), store: store, worker: WorkerOptions(id: "explore")).claim(store)
        let capped = try await ExploreWorker.run(study: shared, options: WorkerOptions(id: "w", maxTrials: 5), dataDir: root)
        #expect(capped.evaluatedHere == 5)
        let counts = try await openStudy(shared, mode: .readOnly).counts()
        #expect(counts.complete + counts.failed == 5)
    }
}
