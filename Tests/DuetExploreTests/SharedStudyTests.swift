import Foundation
import Testing
@testable import DuetCore
@testable import DuetExplore
@testable import DuetStudy
import _DuetTestSupport

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

/// Real `duet worker` processes on a real PostgreSQL study (the test server of make test, or one
/// this process starts): two of four workers are killed with SIGKILL mid-run; the study still ends
/// with every trial once, equal row for row to one process alone.
@Suite struct PostgresWorkerFaultTests {
    @Test(.tags(.slow), .runsUnlessSkippingSlow, .enabled(if: builtDuet() != nil, "the duet executable was not found beside the test bundle"),
          .enabled(if: !TestPostgres.optedOut, "DUET_TEST_SKIP_POSTGRES=1"))
    func killingTwoOfFourWorkersLosesAndRepeatsNothing() async throws {
        let duet = try #require(builtDuet())
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        // 100 ms per evaluation: 60 trials keep four workers busy ~1.5 s, long enough to kill two mid-run
        // even when this test process is starved on a loaded machine (20 ms once let all 60 finish first).
        let (cfg, alone) = try await SharedStudyTests.sleepyStudy(dir)

        let url = try await TestPostgres.newStudyURL("faults")
        let store = try await openStudy(url, mode: .create)
        try await ExploreRun(exploration: try CoExploration(config: cfg, dataDir: root), store: store, worker: WorkerOptions(id: "setup")).claim(store)
        var env = ProcessInfo.processInfo.environment
        env["DUET_HOME"] = root.path
        let pids = try (0..<4).map { k in
            try spawn([duet, "worker", url, "--lease", "2"], environment: env,
                      stdout: dir.appendingPathComponent("w\(k).out").path, stderr: dir.appendingPathComponent("w\(k).err").path)
        }
        // Kill two workers once a few trials are done.
        let deadline = Date().addingTimeInterval(120)
        var killedAt = 0
        while Date() < deadline {
            let c = try await store.counts()
            if c.complete + c.failed >= 10 { killedAt = c.complete + c.failed; break }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        #expect(killedAt >= 10 && killedAt < 60, "the kill did not happen mid-run (\(killedAt) trials done)")
        kill(pids[0], SIGKILL); kill(pids[1], SIGKILL)
        // The two survivors finish the study (the dead workers' claims expire after 2 s and are re-run).
        var status: [Int32] = [0, 0, 0, 0]
        for (k, pid) in pids.enumerated() {
            while waitpid(pid, &status[k], WNOHANG) == 0 {
                if Date() > deadline { kill(pid, SIGKILL) }
                try await Task.sleep(nanoseconds: 50_000_000)
            }
        }
        let survivorErrors = (2...3).map { (try? String(contentsOf: dir.appendingPathComponent("w\($0).err"), encoding: .utf8)) ?? "" }
        #expect(status[2] == 0 && status[3] == 0, "a surviving worker failed: \(survivorErrors)")
        let counts = try await store.counts()
        #expect(counts.complete + counts.failed == 60 && counts.pending == 0 && counts.running == 0, "\(counts)")
        var shared: [TrialRecord] = []
        try await store.forEachTrial { shared.append($0) }
        #expect(shared.count == 60)
        #expect(try await SharedStudyTests.rows(shared) == SharedStudyTests.storedRows(alone))
        try await store.close()
    }
}

/// Real `duet worker` processes on a PostgreSQL server of this test's own, restarted mid-run (fast
/// shutdown, 2 s down): the workers reconnect and finish; every trial once, equal row for row to
/// one process alone.
@Suite struct PostgresRestartWorkerTests {
    @Test(.tags(.slow), .runsUnlessSkippingSlow, .enabled(if: builtDuet() != nil, "the duet executable was not found beside the test bundle"),
          .enabled(if: !TestPostgres.optedOut, "DUET_TEST_SKIP_POSTGRES=1"))
    func restartingTheServerMidRunLosesAndRepeatsNothing() async throws {
        let duet = try #require(builtDuet())
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (cfg, alone) = try await SharedStudyTests.sleepyStudy(dir)

        let server = try await TestPostgres.Private.start()
        var pids: [pid_t] = []
        do {
            let url = server.url + "?study=restart"
            let store = try await openStudy(url, mode: .create)
            try await ExploreRun(exploration: try CoExploration(config: cfg, dataDir: root), store: store, worker: WorkerOptions(id: "setup")).claim(store)
            var env = ProcessInfo.processInfo.environment
            env["DUET_HOME"] = root.path
            pids = try (0..<2).map { k in
                try spawn([duet, "worker", url, "--lease", "5"], environment: env,
                          stdout: dir.appendingPathComponent("w\(k).out").path, stderr: dir.appendingPathComponent("w\(k).err").path)
            }
            let deadline = Date().addingTimeInterval(120)
            var restartedAt = 0
            while Date() < deadline {
                let c = try await store.counts()
                if c.complete + c.failed >= 10 { restartedAt = c.complete + c.failed; break }
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            try await server.restart(downSeconds: 2)
            #expect(restartedAt >= 10 && restartedAt < 60, "the restart did not happen mid-run (\(restartedAt) trials done)")
            var status: [Int32] = [0, 0]
            for (k, pid) in pids.enumerated() {
                while waitpid(pid, &status[k], WNOHANG) == 0 {
                    if Date() > deadline { kill(pid, SIGKILL) }
                    try await Task.sleep(nanoseconds: 50_000_000)
                }
            }
            let errors = (0...1).map { (try? String(contentsOf: dir.appendingPathComponent("w\($0).err"), encoding: .utf8)) ?? "" }
            #expect(status == [0, 0], "a worker failed: \(errors)")
            // A worker whose query failed says it lost the server; one that was evaluating while the
            // server was down finds the link closed at its next query and says it reconnected.
            #expect(errors.contains { $0.contains("lost the PostgreSQL server") || $0.contains("reconnected to the PostgreSQL server") },
                    "no worker saw the restart: \(errors)")
            let counts = try await store.counts()
            #expect(counts.complete + counts.failed == 60 && counts.pending == 0 && counts.running == 0, "\(counts)")
            var shared: [TrialRecord] = []
            try await store.forEachTrial { shared.append($0) }
            #expect(shared.count == 60)
            #expect(try await SharedStudyTests.rows(shared) == SharedStudyTests.storedRows(alone))
            try await store.close()
        } catch {
            pids.forEach { kill($0, SIGKILL) }
            await server.stop()
            throw error
        }
        await server.stop()
    }
}

extension SharedStudyTests {
    /// A 60-trial configuration whose evaluator sleeps 20 ms a design, and the path of the same
    /// study run by one process alone in `dir` (what a shared run must equal row for row).
    static func sleepyStudy(_ dir: URL) async throws -> (cfg: ExploreConfig, alone: String) {
        let script = root.appendingPathComponent("Tests/DuetExploreTests/Fixtures/evaluator.sh").path
        let path = try writeConfig(dir, smallConfig.replacingOccurrences(of: "evaluations: 120", with: "evaluations: 60")
            .replacingOccurrences(of: "accuracy: proxy:macs", with: "accuracy: {command: \"sleep 0.1; \(script)\"}"))
        let cfg = try ExploreConfig.load(path: path, dataDir: root)
        let alone = dir.appendingPathComponent("alone.sqlite").path
        _ = try await ExploreRun(exploration: try CoExploration(config: cfg, dataDir: root), store: try await openStudy(alone, mode: .create)).run()
        return (cfg, alone)
    }
}
