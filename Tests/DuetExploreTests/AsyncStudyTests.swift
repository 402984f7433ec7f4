import Foundation
import Testing
@testable import DuetCore
@testable import DuetExplore
@testable import DuetStudy
import _DuetTestSupport

/// Steady-state studies (`scheduling: async`): several processes on one study, no generation
/// barrier; every proposal recomputed from the study's records (seed, finish orders, bases) gives
/// the stored design.
@Suite struct AsyncStudyTests {
    static let asyncConfig = smallExploreConfig.replacingOccurrences(of: "evaluations: 120", with: "evaluations: 70")
        .replacingOccurrences(of: "population: 20", with: "population: 10") + "\nscheduling: async\n"

    func exploration(_ path: String) throws -> CoExploration {
        try CoExploration(config: try ExploreConfig.load(path: path, dataDir: root), dataDir: root)
    }

    /// The explore process (3 claim loops) and two workers (2 loops each, stores of their own) run
    /// one async study at once; then checks the study and replays it.
    func runShared(_ location: String, configPath: String) async throws {
        let store = try await openStudy(location, mode: .create)
        let explore = ExploreRun(exploration: try exploration(configPath), store: store, worker: WorkerOptions(id: "explore", concurrency: 3))
        try await explore.claim(store)   // the settings the workers read
        async let e = explore.run()
        async let w1 = ExploreWorker.run(study: location, options: WorkerOptions(id: "w1", concurrency: 2), dataDir: root)
        async let w2 = ExploreWorker.run(study: location, options: WorkerOptions(id: "w2", concurrency: 2), dataDir: root)
        let (re, r1, r2) = try await (e, w1, w2)
        #expect(re.evaluatedHere + r1.evaluatedHere + r2.evaluatedHere == 70)
        #expect(re.evaluations == 70 && !re.pareto.isEmpty)

        let counts = try await store.counts()
        #expect(counts.complete + counts.failed == 70 && counts.pending == 0 && counts.running == 0, "\(counts)")
        var trials: [TrialRecord] = []
        try await store.forEachTrial { trials.append($0) }
        // Proposal n at (n / 10, n % 10): 0 ..< 70, each once; finish orders distinct; the first 10
        // computed from nothing, the later ones each from a basis the study had reached.
        #expect(Set(trials.map { $0.generation * 10 + $0.slot }) == Set(0..<70))
        let orders = trials.compactMap(\.finishOrder)
        #expect(orders.count == 70 && Set(orders).count == 70)
        #expect(trials.allSatisfy { $0.basis != nil && $0.basis! <= orders.max()! })
        #expect(trials.filter { $0.generation == 0 }.allSatisfy { $0.basis == 0 })
        #expect(trials.contains { ($0.basis ?? 0) > 0 }, "no proposal was computed from a finished trial")
        #expect(Set(trials.map(\.genome)).count == 70, "a proposal repeats an earlier one")
        #expect(try await store.settings()?.scheduling == .async)

        // Every proposal recomputed from its recorded basis is the stored design.
        let replay = try await ExploreRun.replayAsync(store: store, exploration: try exploration(configPath))
        #expect(replay.checked == 70)
        #expect(replay.mismatches.isEmpty, "\(replay.mismatches)")
        try await store.close()
    }

    @Test func anAsyncStudyOnSQLiteIsReproducibleFromItsRecords() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, Self.asyncConfig)
        let location = dir.appendingPathComponent("async.sqlite").path
        try await runShared(location, configPath: path)
        // The report and the export read an async study like any other (generation = n / population).
        let out = dir.appendingPathComponent("report").path
        let line = try await ExploreReport.write(study: location, to: out, dataDir: root)
        #expect(line.hasPrefix("wrote \(out)/index.html"))
        let csv = try String(contentsOfFile: out + "/trials.csv", encoding: .utf8).split(whereSeparator: \.isNewline)
        #expect(csv.count == 71 && csv[0].hasSuffix(",finish_order,basis"))
        #expect(csv.dropFirst().allSatisfy { !$0.hasSuffix(",,") }, "every trial of an async study has a finish order and a basis")
    }

    @Test(.enabled(if: !TestPostgres.optedOut, "DUET_TEST_SKIP_POSTGRES=1"))
    func anAsyncStudyOnPostgreSQLIsReproducibleFromItsRecords() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, Self.asyncConfig)
        try await runShared(try await TestPostgres.newStudyURL("async"), configPath: path)
    }

    @Test func aReplayFindsADesignThatWasNotProposedSo() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try writeConfig(dir, Self.asyncConfig.replacingOccurrences(of: "evaluations: 70", with: "evaluations: 25"))
        let location = dir.appendingPathComponent("async.sqlite").path
        let store = try await openStudy(location, mode: .create)
        let r = try await ExploreRun(exploration: try exploration(path), store: store).run()
        #expect(r.evaluations == 25)
        #expect(try await ExploreRun.replayAsync(store: store, exploration: try exploration(path)).mismatches.isEmpty)
        // Given the study with proposal 17 changed behind Duet's back (to the design of proposal 0),
        try SQLiteStudyStore._execute(location, "UPDATE trial SET genome = (SELECT genome FROM trial WHERE generation = 0 AND slot = 0) WHERE generation = 1 AND slot = 7")
        // then the replay names it (later proposals, children of a changed parent, may differ too).
        let replay = try await ExploreRun.replayAsync(store: store, exploration: try exploration(path))
        #expect(replay.checked == 25)
        #expect(replay.mismatches.contains("1/7"), "\(replay.mismatches)")
        try await store.close()
    }

    @Test func asyncSchedulingNeedsNSGA2AndAStudy() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let random = try writeConfig(dir, Self.asyncConfig + "optimizer: random\n")
        #expect {
            _ = try ExploreConfig.load(path: random, dataDir: root)
        } throws: { e in
            let d = "\(e)"
            return d.contains("scheduling") && d.contains("nsga2")
        }
        let path = try writeConfig(dir, Self.asyncConfig)
        await #expect {
            _ = try await ExploreRun(exploration: try exploration(path), store: nil).run()
        } throws: { e in
            (e as? InputError)?.description.contains("--study") == true
        }
    }

    @Test func aStudyRefusesAnotherScheduling() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let location = dir.appendingPathComponent("async.sqlite").path
        let asyncPath = try writeConfig(dir, Self.asyncConfig.replacingOccurrences(of: "evaluations: 70", with: "evaluations: 12"))
        let store = try await openStudy(location, mode: .create)
        _ = try await ExploreRun(exploration: try exploration(asyncPath), store: store).run()
        let syncPath = try writeConfig(dir, Self.asyncConfig.replacingOccurrences(of: "scheduling: async", with: "scheduling: deterministic"))
        await #expect(throws: InputError.self) {
            _ = try await ExploreRun(exploration: try exploration(syncPath), store: store).run()
        }
        try await store.close()
    }
}
