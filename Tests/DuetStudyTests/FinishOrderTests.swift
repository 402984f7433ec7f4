import DuetCore
import Foundation
import _DuetTestSupport
import Testing
import GRDB
@testable import DuetStudy

/// Schema 3 on both backends: finish orders in completion order, bases, the queries a steady-state
/// proposer makes, and the migration of schema-2 studies.
@Suite("Finish orders (schema 3)") struct FinishOrderTests {
    func pending(_ g: Int, _ s: Int, basis: Int64?) -> PendingTrial {
        var p = samplePending(g, s)
        p.basis = basis
        return p
    }

    func result(_ x: Double) -> TrialResult {
        TrialResult(metrics: ["x": x], objectives: [x, -x], constraints: [:], violation: 0, seconds: 0.5)
    }

    @Test(arguments: Backend.underTest)
    func finishOrdersFollowCompletionsAndBasesRoundTrip(_ backend: Backend) async throws {
        let store = try await backend.open(try await backend.newLocation())
        #expect(try await store.lastProposal() == nil)
        try await store.enqueue((0..<5).map { pending(0, $0, basis: Int64($0)) })
        let claims = try await (0..<4).asyncMap { _ in try #require(try await store.claim(worker: "w", leaseSeconds: 60)) }
        // Completed 2, 0, failed 1 (no retry), in that order; 3 still running, 4 pending.
        #expect(try await store.complete(claims[2], with: result(2)))
        #expect(try await store.complete(claims[0], with: result(0)))
        #expect(try await store.fail(claims[1], reason: "boom", seconds: 1, retry: false, maxRetries: 2) == .failed)
        // Completing again (an answer lost on the way back) keeps the first order.
        #expect(try await store.complete(claims[2], with: result(2)))

        let finished = try await store.finishedTrials(afterFinishOrder: 0, limit: 10)
        #expect(finished.map(\.slot) == [2, 0, 1])
        #expect(finished.map(\.finishOrder) == [1, 2, 3])
        #expect(finished.map(\.basis) == [2, 0, 1])
        #expect(try await store.finishedTrials(afterFinishOrder: 1, limit: 1).map(\.slot) == [0])
        let open = try await store.trials(generation: 0)
        #expect(open[3]?.finishOrder == nil && open[4]?.finishOrder == nil && open[4]?.basis == 4)

        let last = try #require(try await store.lastProposal())
        #expect(last.generation == 0 && last.slot == 4)
        let genome3 = samplePending(0, 3).genome
        #expect(try await store.hasGenome(genome3, before: 0, slot: 4))
        #expect(try await !store.hasGenome(genome3, before: 0, slot: 3))
        #expect(try await store.hasGenome(genome3, before: 1, slot: 0))
        try await store.close()
    }

    @Test(arguments: Backend.underTest)
    func aLeaseOutOfRetriesGetsAFinishOrder(_ backend: Backend) async throws {
        let store = try await backend.open(try await backend.newLocation())
        try await store.enqueue([pending(0, 0, basis: 0), pending(0, 1, basis: 0)])
        let a = try #require(try await store.claim(worker: "w", leaseSeconds: 0.05))
        let b = try #require(try await store.claim(worker: "w", leaseSeconds: 60))
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(try await store.reclaimStale(maxRetries: 0) == ReclaimReport(requeued: 0, failed: 1))
        #expect(try await store.complete(b, with: result(1)))
        let finished = try await store.finishedTrials(afterFinishOrder: 0, limit: 10)
        #expect(finished.map(\.slot) == [a.slot, b.slot])
        #expect(finished.map(\.finishOrder) == [1, 2])
        try await store.close()
    }

    @Test(arguments: Backend.underTest)
    func copyingKeepsFinishOrdersAndBases(_ backend: Backend) async throws {
        let source = try await Backend.sqlite.open(try await Backend.sqlite.newLocation())
        try await source.enqueue([pending(0, 0, basis: 0), pending(0, 1, basis: 0)])
        for x in [1.0, 2.0] { try await source.complete(try #require(try await source.claim(worker: "w", leaseSeconds: 60)), with: result(x)) }
        var directly = sampleTrial(0, 2, 0.5)
        directly.basis = 1
        try await source.record(directly)
        let destination = try await backend.open(try await backend.newLocation())
        try await copyStudy(from: source, to: destination)
        var a: [TrialRecord] = [], b: [TrialRecord] = []
        try await source.forEachTrial { a.append($0) }
        try await destination.forEachTrial { b.append($0) }
        #expect(b.map(\.finishOrder) == [1, 2, nil] && b.map(\.basis) == [0, 0, 1])
        #expect(a.map(\.finishOrder) == b.map(\.finishOrder))
        // The destination's next completion comes after the copied ones.
        try await destination.enqueue([pending(0, 3, basis: 2)])
        try await destination.complete(try #require(try await destination.claim(worker: "w", leaseSeconds: 60)), with: result(3))
        #expect(try await destination.finishedTrials(afterFinishOrder: 2, limit: 5).map(\.finishOrder) == [3])
        try await source.close(); try await destination.close()
    }

    @Test func aSchema2SQLiteStudyIsMigrated() async throws {
        let path = try await Backend.sqlite.newLocation()
        defer { try? FileManager.default.removeItem(atPath: path) }
        // A study as Duet wrote it at schema 2, with one finished trial.
        do {
            let q = try DatabaseQueue(path: path)
            try SQLiteStudyStore.migrator.migrate(q, upTo: "v2")
            try await q.write { try $0.execute(sql: """
                INSERT INTO trial (generation, slot, genome, design, metrics, objectives, constraints, violation, status, seconds, seed, version)
                VALUES (0, 0, '[1]', '{}', '{}', '[1]', '{}', 0, 'complete', 0.1, 1, 'old')
                """) }
            try q.close()
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        // Read-only: read through a migrated copy, the file untouched.
        let reader = try SQLiteStudyStore(path: path, mode: .readOnly)
        #expect(try await reader.schemaVersion() == 2)
        #expect(try await reader.trialPage(after: nil, limit: 5).trials.first?.finishOrder == nil)
        try await reader.close()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        // Opened to write: migrated to schema 3; the old trial keeps no finish order, new ones get one.
        let store = try SQLiteStudyStore(path: path, mode: .open)
        #expect(try await store.schemaVersion() == 3)
        try await store.enqueue([pending(1, 0, basis: 0)])
        try await store.complete(try #require(try await store.claim(worker: "w", leaseSeconds: 60)), with: result(1))
        #expect(try await store.finishedTrials(afterFinishOrder: 0, limit: 5).map(\.generation) == [1])
        try await store.close()
    }

    @Test(.enabled(if: !TestPostgres.optedOut, "DUET_TEST_SKIP_POSTGRES=1"))
    func aSchema2PostgresDatabaseIsMigratedWhenOpenedToWrite() async throws {
        let location = try await Backend.postgres.isolatedLocation()
        let url = try PostgresURL(parsing: location)
        // The tables as Duet wrote them at schema 2, one study with one finished trial.
        for q in PostgresStudyStore.schema2 { try await PostgresStudyStore._execute(url, q.sql) }
        try await PostgresStudyStore._execute(url, "INSERT INTO duet_study (name) VALUES ('s')")
        try await PostgresStudyStore._execute(url, """
            INSERT INTO duet_trial (study_id, generation, slot, genome, design, status, seed, version)
            SELECT id, 0, 0, '[1]', '{}', 'complete', 1, 'old' FROM duet_study WHERE name = 's'
            """)
        let reader = try await openStudy(location, mode: .readOnly)
        #expect(try await reader.schemaVersion() == 2)
        #expect(try await reader.trialPage(after: nil, limit: 5).trials.map(\.finishOrder) == [nil])
        try await reader.close()
        let store = try await openStudy(location, mode: .open)
        #expect(try await store.schemaVersion() == 3)
        try await store.enqueue([pending(1, 0, basis: 0)])
        try await store.complete(try #require(try await store.claim(worker: "w", leaseSeconds: 60)), with: result(1))
        #expect(try await store.finishedTrials(afterFinishOrder: 0, limit: 5).map(\.finishOrder) == [1])
        try await store.close()
    }
}

extension Range where Element == Int {
    func asyncMap<T>(_ body: (Int) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for i in self { out.append(try await body(i)) }
        return out
    }
}
