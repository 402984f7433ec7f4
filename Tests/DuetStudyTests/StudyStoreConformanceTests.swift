import DuetCore
import Foundation
import _DuetTestSupport
import Testing
@testable import DuetStudy

/// The backends every StudyStore test runs on. PostgreSQL runs against a real throwaway server
/// (TestPostgres); it is left out only when DUET_TEST_SKIP_POSTGRES=1, which
/// `postgresBackendIsUnderTest` then reports as a skip.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }

    static var underTest: [Backend] { TestPostgres.optedOut ? [.sqlite] : allCases }

    /// A new, empty study's location.
    func newLocation() async throws -> String {
        switch self {
        case .sqlite: return FileManager.default.temporaryDirectory.appendingPathComponent("study-\(UUID().uuidString).sqlite").path
        case .postgres: return try await TestPostgres.newStudyURL()
        }
    }

    func open(_ location: String, _ mode: StudyOpenMode = .create) async throws -> any StudyStore {
        try await openStudy(location, mode: mode)
    }

    /// Makes the stored study look as if a newer Duet (schema 99) wrote it.
    func makeNewer(_ location: String) async throws {
        switch self {
        case .sqlite: try SQLiteStudyStore._execute(location, "INSERT INTO grdb_migrations (identifier) VALUES ('v99')")
        case .postgres:
            let url = try PostgresURL(parsing: location)
            try await PostgresStudyStore._execute(url, "UPDATE duet_schema SET version = 99")
        }
    }

    /// A location in a database of its own (PostgreSQL), for tests that change what all studies there share.
    func isolatedLocation() async throws -> String {
        switch self {
        case .sqlite: return try await newLocation()
        case .postgres:
            let db = "iso_\(UUID().uuidString.prefix(8).lowercased())"
            try await TestPostgres.execute("CREATE DATABASE \(db)")
            var url = try PostgresURL(parsing: try await TestPostgres.baseURL())
            url.database = db
            return "postgresql://duet:duet-test@\(url.host):\(url.port)/\(db)?study=s"
        }
    }
}

func sampleTrial(_ g: Int, _ s: Int, _ x: Double, status: TrialStatus = .complete) -> TrialRecord {
    TrialRecord(generation: g, slot: s, genome: [x, 1.0 / 3.0], design: #"{"x":\#(x)}"#, metrics: ["accuracy": 93.125, "latency_ms": x],
                objectives: [93.125, x], constraints: ["latency_ms": -0.5], violation: 0, status: status, seconds: 0.01,
                seed: 7, version: "test")
}

func samplePending(_ g: Int, _ s: Int) -> PendingTrial {
    PendingTrial(generation: g, slot: s, genome: [Double(g), Double(s) / 7], design: #"{"g":\#(g),"s":\#(s)}"#, seed: 11, version: "test")
}

let sampleSettings = StudySettings(
    config: "tasks: []\n", configPath: "/tmp/config.yaml", fileHashes: ["acc.csv": String(repeating: "ab", count: 32)], seed: 42,
    objectives: [.init(name: "accuracy", direction: .maximize), .init(name: "latency_ms", direction: .minimize)],
    budgets: [.init(name: "latency_ms", limit: 12.5)], accuracy: [.init(task: "cifar", label: "table:acc.csv")],
    optimizer: "nsga2", population: 24, scheduling: .deterministic, duetVersion: "0.test")

@Suite("StudyStore conformance") struct StudyStoreConformanceTests {
    @Test(.disabled(if: TestPostgres.optedOut, "DUET_TEST_SKIP_POSTGRES=1: the PostgreSQL backend is not tested"))
    func postgresBackendIsUnderTest() async throws {
        #expect(Backend.underTest.contains(.postgres))
        let store = try await Backend.postgres.open(try await Backend.postgres.newLocation())
        #expect(try await store.schemaVersion() == StudySchema.current)
        try await store.close()
    }

    @Test(arguments: Backend.underTest)
    func settingsAndAttributesRoundTrip(_ backend: Backend) async throws {
        let loc = try await backend.newLocation()
        do {
            let store = try await backend.open(loc)
            #expect(try await store.settings() == nil)
            #expect(try await store.setSettingsOnce(sampleSettings) == sampleSettings)
            var other = sampleSettings; other.seed = 43
            #expect(try await store.setSettingsOnce(other) == sampleSettings)       // first writer wins
            #expect(try await store.setAttributeOnce("signature", "abc") == "abc")
            #expect(try await store.setAttributeOnce("signature", "xyz") == "abc")
            try await store.setAttribute("baseline", "{\"a\":1}")
            try await store.setAttribute("baseline", "{\"a\":2}")                    // replaced
            try await store.close()
        }
        let again = try await backend.open(loc, .open)
        #expect(try await again.settings() == sampleSettings)
        #expect(try await again.attribute("baseline") == "{\"a\":2}")
        #expect(try await again.attributes().map(\.key) == ["baseline", "signature"])
        #expect(try await again.attribute("missing") == nil)
        try await again.close()
    }

    @Test(arguments: Backend.underTest)
    func recordIsInsertOrIgnoreAndExact(_ backend: Backend) async throws {
        let store = try await backend.open(try await backend.newLocation())
        #expect(try await store.record(sampleTrial(0, 0, 0.1)))
        #expect(try await !store.record(sampleTrial(0, 0, 0.2)))                    // same (generation, slot): kept once
        #expect(try await store.record([sampleTrial(0, 1, 0.2), sampleTrial(0, 2, 0.3), sampleTrial(0, 1, 9)]) == 2)
        var failed = sampleTrial(1, 0, 1, status: .failed)
        failed.error = "evaluator timed out after 5 s"; failed.violation = .infinity; failed.metrics = [:]
        #expect(try await store.record(failed))
        let g0 = try await store.trials(generation: 0)
        #expect(g0.keys.sorted() == [0, 1, 2])
        #expect(g0[0] == sampleTrial(0, 0, 0.1))                                     // doubles round-trip exactly
        #expect(g0[1] == sampleTrial(0, 1, 0.2))
        let back = try #require(try await store.trials(generation: 1)[0])
        #expect(back == failed)
        #expect(back.violation == .infinity && back.error == "evaluator timed out after 5 s")
        let c = try await store.counts()
        #expect(c == TrialCounts(complete: 3, failed: 1, feasible: 3))
        try await store.close()
    }

    @Test(arguments: Backend.underTest)
    func generationFetchReturnsOnlyThatGeneration(_ backend: Backend) async throws {
        let store = try await backend.open(try await backend.newLocation())
        for g in 0..<3 { try await store.record((0..<4).map { sampleTrial(g, $0, Double(g * 10 + $0)) }) }
        #expect(try await store.enqueue([samplePending(1, 4), samplePending(1, 0)]) == 1)   // (1, 0) exists already
        let g1 = try await store.trials(generation: 1)
        #expect(g1.keys.sorted() == [0, 1, 2, 3, 4])
        #expect(g1.values.allSatisfy { $0.generation == 1 })
        #expect(g1[2]?.objectives == [93.125, 12])
        #expect(g1[4]?.status == .pending && g1[4]?.genome == [1, 4.0 / 7])
        #expect(try await store.trials(generation: 7).isEmpty)
        try await store.close()
    }

    @Test(arguments: Backend.underTest)
    func claimTakesLowestPendingAndCompleteStoresResult(_ backend: Backend) async throws {
        let store = try await backend.open(try await backend.newLocation())
        #expect(try await store.claim(worker: "w", leaseSeconds: 60) == nil)       // nothing pending
        #expect(try await store.enqueue([samplePending(1, 0), samplePending(0, 1), samplePending(0, 0)]) == 3)
        let a = try #require(try await store.claim(worker: "w1", leaseSeconds: 60))
        #expect((a.generation, a.slot, a.attempt, a.retries) == (0, 0, 1, 0))
        #expect(a.genome == samplePending(0, 0).genome && a.design == samplePending(0, 0).design && a.seed == 11)
        let result = TrialResult(metrics: ["accuracy": 91.5, "latency_ms": 3.25], objectives: [91.5, 3.25],
                                 constraints: ["latency_ms": -0.75], violation: 0, seconds: 0.125)
        #expect(try await store.complete(a, with: result))
        // The same claim completing again (its first answer lost, e.g. in a server restart) counts once.
        #expect(try await store.complete(a, with: result))
        #expect(try await store.counts().complete == 1)
        var forged = a; forged.worker = "intruder"
        let b = try #require(try await store.claim(worker: "w2", leaseSeconds: 60))
        #expect((b.generation, b.slot) == (0, 1))
        forged.number = b.number
        #expect(try await !store.complete(forged, with: result))                     // someone else's claim
        let t = try #require(try await store.trials(generation: 0)[0])
        #expect(t.status == .complete && t.metrics == result.metrics && t.objectives == result.objectives)
        #expect(t.constraints == result.constraints && t.violation == 0 && t.seconds == 0.125 && t.worker == "w1")
        let c = try await store.counts()
        #expect(c == TrialCounts(pending: 1, running: 1, complete: 1, feasible: 1))
        try await store.close()
    }

    /// One call, as two: the completion is stored exactly as `complete` stores it (idempotent for
    /// its own claim, refused for a claim not held) and the next claim is that `claim` would give.
    @Test(arguments: Backend.underTest)
    func completeAndClaimIsCompleteThenClaimInOneCall(_ backend: Backend) async throws {
        let store = try await backend.open(try await backend.newLocation())
        #expect(try await store.enqueue([samplePending(0, 0), samplePending(0, 1), samplePending(0, 2), samplePending(1, 0)]) == 4)
        let a = try #require(try await store.claim(worker: "w1", leaseSeconds: 60))
        let result = TrialResult(metrics: ["accuracy": 91.5, "latency_ms": 3.25], objectives: [91.5, 3.25],
                                 constraints: ["latency_ms": -0.75], violation: 0, seconds: 0.125)
        let (done, next) = try await store.completeAndClaim(a, with: result, worker: "w1", leaseSeconds: 60)
        #expect(done)
        let b = try #require(next)
        #expect((b.generation, b.slot, b.attempt, b.retries, b.worker) == (0, 1, 1, 0, "w1"))
        #expect(b.genome == samplePending(0, 1).genome && b.design == samplePending(0, 1).design && b.seed == 11)
        let t = try #require(try await store.trials(generation: 0)[0])
        #expect(t.status == .complete && t.metrics == result.metrics && t.objectives == result.objectives)
        #expect(t.constraints == result.constraints && t.violation == 0 && t.seconds == 0.125 && t.worker == "w1")
        // Run again (its first answer lost): the completion is accepted once more, and the claim
        // goes to the next pending trial; (0, 1) stays claimed (re-queued when its lease expires).
        let (again, c) = try await store.completeAndClaim(a, with: result, worker: "w1", leaseSeconds: 60)
        #expect(again && c?.generation == 0 && c?.slot == 2)
        #expect(try await store.counts() == TrialCounts(pending: 1, running: 2, complete: 1, feasible: 1))
        // A claim not held (another worker's) stores nothing; the call still claims for its caller.
        var forged = b; forged.worker = "intruder"
        let (refused, d) = try await store.completeAndClaim(forged, with: result, worker: "w2", leaseSeconds: 60)
        #expect(!refused && d?.generation == 1 && d?.slot == 0 && d?.worker == "w2")
        #expect(try await store.trials(generation: 0)[1]?.status == .running)
        // Nothing left to claim: the completion alone.
        let (last, none) = try await store.completeAndClaim(try #require(d), with: result, worker: "w2", leaseSeconds: 60)
        #expect(last && none == nil)
        #expect(try await store.counts() == TrialCounts(running: 2, complete: 2, feasible: 2))
        try await store.close()
    }

    /// A claim handed out by `completeAndClaim` is a claim like any other: its heartbeats hold it,
    /// and when its worker dies (no heartbeat) its lease expires and the trial is re-queued and re-run.
    @Test(arguments: Backend.underTest)
    func aClaimFromCompleteAndClaimExpiresAndIsRerun(_ backend: Backend) async throws {
        let store = try await backend.open(try await backend.newLocation())
        try await store.enqueue([samplePending(0, 0), samplePending(0, 1)])
        let a = try #require(try await store.claim(worker: "dead", leaseSeconds: 60))
        let r = TrialResult(metrics: ["m": 1], objectives: [1], constraints: [:], violation: 0, seconds: 1)
        let b = try #require(try await store.completeAndClaim(a, with: r, worker: "dead", leaseSeconds: 600).next)
        #expect(try await store.reclaimStale(maxRetries: 2) == ReclaimReport())    // lease not expired
        #expect(try await store.heartbeat(b, leaseSeconds: 0.1))                   // the worker's last heartbeat
        try await Task.sleep(nanoseconds: 500_000_000)
        #expect(try await store.reclaimStale(maxRetries: 2) == ReclaimReport(requeued: 1))
        let c = try #require(try await store.claim(worker: "alive", leaseSeconds: 60))
        #expect((c.generation, c.slot, c.attempt, c.retries) == (0, 1, 2, 1))
        #expect(try await !store.complete(b, with: r))                               // the dead worker's late result is refused
        let (stored, nothing) = try await store.completeAndClaim(c, with: r, worker: "alive", leaseSeconds: 60)
        #expect(stored && nothing == nil)
        #expect(try await store.counts() == TrialCounts(complete: 2, feasible: 2))
        try await store.close()
    }

    @Test(arguments: Backend.underTest)
    func concurrentClaimersNeverShareATrial(_ backend: Backend) async throws {
        let loc = try await backend.newLocation()
        let first = try await backend.open(loc)
        let n = 60
        #expect(try await first.enqueue((0..<n).map { samplePending($0 / 10, $0 % 10) }) == n)
        // Two connections (two "processes"), four claim loops each.
        let second = try await backend.open(loc, .open)
        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for (i, store) in [first, second, first, second, first, second, first, second].enumerated() {
                group.addTask {
                    // Even loops complete and claim in two calls, odd ones in one (completeAndClaim).
                    var mine: [String] = []
                    var held = try await store.claim(worker: "w\(i)", leaseSeconds: 60)
                    while let c = held {
                        mine.append("\(c.generation)/\(c.slot)")
                        let r = TrialResult(metrics: [:], objectives: [Double(i)], constraints: [:], violation: 0, seconds: 0)
                        if i % 2 == 0 {
                            #expect(try await store.complete(c, with: r))
                            held = try await store.claim(worker: "w\(i)", leaseSeconds: 60)
                        } else {
                            let (done, next) = try await store.completeAndClaim(c, with: r, worker: "w\(i)", leaseSeconds: 60)
                            #expect(done)
                            held = next
                        }
                    }
                    return mine
                }
            }
            var all: [String] = []
            for try await part in group { all += part }
            return all
        }
        #expect(claimed.count == n)
        #expect(Set(claimed).count == n)
        #expect(try await first.counts() == TrialCounts(complete: n, feasible: n))
        try await first.close(); try await second.close()
    }

    // Lease tests only ever shorten a lease before sleeping past it, so a slow (loaded) machine
    // cannot make them fail: a stall makes an expiry more certain, never less.
    @Test(arguments: Backend.underTest)
    func staleLeaseIsRequeuedWithRetryCount(_ backend: Backend) async throws {
        let store = try await backend.open(try await backend.newLocation())
        try await store.enqueue([samplePending(0, 0)])
        let c1 = try #require(try await store.claim(worker: "dead", leaseSeconds: 600))
        #expect(try await store.reclaimStale(maxRetries: 2) == ReclaimReport())    // lease not expired
        #expect(try await store.heartbeat(c1, leaseSeconds: 0.1))                   // the worker's last heartbeat
        try await Task.sleep(nanoseconds: 500_000_000)
        #expect(try await store.reclaimStale(maxRetries: 2) == ReclaimReport(requeued: 1))
        #expect(try await store.reclaimStale(maxRetries: 2) == ReclaimReport())    // once only
        let t = try #require(try await store.trials(generation: 0)[0])
        #expect(t.status == .pending && t.retries == 1)
        #expect(t.error?.contains("lease of worker dead expired") == true)
        let c2 = try #require(try await store.claim(worker: "alive", leaseSeconds: 60))
        #expect(c2.attempt == 2 && c2.retries == 1)
        let r = TrialResult(metrics: ["m": 1], objectives: [1], constraints: [:], violation: 0, seconds: 1)
        #expect(try await !store.complete(c1, with: r))                              // the dead worker's late result is refused
        #expect(try await !store.heartbeat(c1, leaseSeconds: 60))
        #expect(try await store.complete(c2, with: r))
        let done = try #require(try await store.trials(generation: 0)[0])
        #expect(done.status == .complete && done.error == nil && done.retries == 1 && done.worker == "alive")
        try await store.close()
    }

    @Test(arguments: Backend.underTest)
    func exhaustedRetriesAreRecordedFailedWithTheReason(_ backend: Backend) async throws {
        let store = try await backend.open(try await backend.newLocation())
        try await store.enqueue([samplePending(0, 0)])
        for round in 0..<2 {
            _ = try #require(try await store.claim(worker: "w\(round)", leaseSeconds: 0.1))
            try await Task.sleep(nanoseconds: 400_000_000)
            let r = try await store.reclaimStale(maxRetries: 1)
            #expect(r == (round == 0 ? ReclaimReport(requeued: 1) : ReclaimReport(failed: 1)))
        }
        let t = try #require(try await store.trials(generation: 0)[0])
        #expect(t.status == .failed && t.violation == .infinity && t.retries == 1)
        #expect(t.error?.contains("lease of worker w1 expired") == true && t.error?.contains("no retries left") == true)
        #expect(try await store.claim(worker: "w", leaseSeconds: 60) == nil)
        #expect(try await store.counts() == TrialCounts(failed: 1))
        try await store.close()
    }

    @Test(arguments: Backend.underTest)
    func failRequeuesUntilRetriesAreSpent(_ backend: Backend) async throws {
        let store = try await backend.open(try await backend.newLocation())
        try await store.enqueue([samplePending(0, 0)])
        let c1 = try #require(try await store.claim(worker: "w", leaseSeconds: 60))
        #expect(try await store.fail(c1, reason: "CUDA out of memory", seconds: 2, retry: true, maxRetries: 1) == .requeued(retries: 1))
        #expect(try await store.fail(c1, reason: "again", seconds: 2, retry: true, maxRetries: 1) == .claimLost)
        #expect(try await store.trials(generation: 0)[0]?.error == "CUDA out of memory")
        let c2 = try #require(try await store.claim(worker: "w", leaseSeconds: 60))
        #expect(try await store.fail(c2, reason: "CUDA out of memory", seconds: 3, retry: true, maxRetries: 1) == .failed)
        let t = try #require(try await store.trials(generation: 0)[0])
        #expect(t.status == .failed && t.error == "CUDA out of memory" && t.seconds == 3 && t.violation == .infinity)
        try await store.enqueue([samplePending(0, 1)])
        let c3 = try #require(try await store.claim(worker: "w", leaseSeconds: 60))
        #expect(try await store.fail(c3, reason: "bad design", seconds: 0.5, retry: false, maxRetries: 5) == .failed)
        try await store.close()
    }

    @Test(arguments: Backend.underTest)
    func heartbeatsExtendLeases(_ backend: Backend) async throws {
        let store = try await backend.open(try await backend.newLocation())
        try await store.enqueue([samplePending(0, 0)])
        let c = try #require(try await store.claim(worker: "w", leaseSeconds: 0.3))
        #expect(try await store.heartbeat(c, leaseSeconds: 600))                    // extended well past the claim's 0.3 s
        try await Task.sleep(nanoseconds: 800_000_000)
        #expect(try await store.reclaimStale(maxRetries: 3) == ReclaimReport())
        #expect(try await store.trials(generation: 0)[0]?.status == .running)
        #expect(try await store.heartbeat(c, leaseSeconds: 0.1))                    // heartbeats stop: the lease runs out
        try await Task.sleep(nanoseconds: 500_000_000)
        #expect(try await store.reclaimStale(maxRetries: 3) == ReclaimReport(requeued: 1))
        #expect(try await !store.heartbeat(c, leaseSeconds: 600))                   // too late: no longer held
        try await store.close()
    }

    @Test(arguments: Backend.underTest)
    func newerSchemaIsRefusedAndLeftUnchanged(_ backend: Backend) async throws {
        let loc = try await backend.isolatedLocation()
        let store = try await backend.open(loc)
        try await store.record(sampleTrial(0, 0, 1))
        try await store.close()
        try await backend.makeNewer(loc)
        for mode in [StudyOpenMode.create, .open, .readOnly] {
            let error = await #expect(throws: InputError.self) { _ = try await backend.open(loc, mode) }
            #expect(error?.description.contains("newer Duet (schema 99") == true)
        }
    }

    @Test(arguments: Backend.underTest)
    func trialsStreamPageByPage(_ backend: Backend) async throws {
        let store = try await backend.open(try await backend.newLocation())
        let n = 1_234
        for start in stride(from: 0, to: n, by: 500) {
            try await store.record((start..<min(n, start + 500)).map { sampleTrial($0 / 100, $0 % 100, Double($0)) })
        }
        try await store.enqueue([samplePending(99, 0)])
        var seen = 0, last = -1.0
        for try await t in store.allTrials(pageSize: 100) {
            if t.status == .complete { #expect(t.objectives[1] == last + 1); last = t.objectives[1] }
            seen += 1
        }
        #expect(seen == n + 1)
        let page = try await store.trialPage(after: nil, limit: 100)
        #expect(page.trials.count == 100 && page.next != nil)
        let next = try await store.trialPage(after: page.next, limit: 100)
        #expect(next.trials.first?.objectives[1] == 100)
        var count = 0
        try await store.forEachTrial(pageSize: 1000) { _ in count += 1 }
        #expect(count == n + 1)
        try await store.close()
    }

    @Test(arguments: Backend.underTest)
    func missingStudyIsAnInputErrorExceptWhenCreating(_ backend: Backend) async throws {
        let loc = try await backend.newLocation()
        for mode in [StudyOpenMode.open, .readOnly] {
            await #expect(throws: InputError.self) { _ = try await backend.open(loc, mode) }
        }
        if backend == .sqlite { #expect(!FileManager.default.fileExists(atPath: loc)) }
    }

    @Test(arguments: Backend.underTest)
    func readOnlyStoresRefuseWrites(_ backend: Backend) async throws {
        let loc = try await backend.newLocation()
        let w = try await backend.open(loc)
        try await w.setSettingsOnce(sampleSettings)
        try await w.record(sampleTrial(0, 0, 1))
        try await w.close()
        let r = try await backend.open(loc, .readOnly)
        #expect(try await r.settings() == sampleSettings)
        #expect(try await r.counts() == TrialCounts(complete: 1, feasible: 1))
        await #expect(throws: InputError.self) { try await r.record(sampleTrial(0, 1, 1)) }
        await #expect(throws: InputError.self) { try await r.setAttribute("k", "v") }
        #expect(try await r.listStudies().contains { $0.name == r.name && $0.counts.complete == 1 })
        try await r.close()
    }
}

@Suite("Study copy") struct StudyCopyTests {
    static var pairs: [(Backend, Backend)] {
        Backend.underTest.flatMap { a in Backend.underTest.map { (a, $0) } }
    }

    @Test(arguments: pairs)
    func copyMovesEverything(_ from: Backend, _ to: Backend) async throws {
        let src = try await from.open(try await from.newLocation())
        try await src.setSettingsOnce(sampleSettings)
        try await src.setAttribute("baseline", "{}")
        try await src.record((0..<30).map { sampleTrial(0, $0, Double($0)) })
        try await src.enqueue([samplePending(1, 0), samplePending(1, 1)])
        _ = try await src.claim(worker: "w", leaseSeconds: 60)                     // running → arrives pending
        let dst = try await to.open(try await to.newLocation())
        let report = try await copyStudy(from: src, to: dst, pageSize: 7)
        #expect(report == StudyCopyReport(finished: 30, pending: 2, attributes: 1))
        #expect(try await dst.settings() == sampleSettings)
        #expect(try await dst.attribute("baseline") == "{}")
        #expect(try await dst.trials(generation: 0) == src.trials(generation: 0))
        #expect(try await dst.counts() == TrialCounts(pending: 2, complete: 30, feasible: 30))
        await #expect(throws: InputError.self) { try await copyStudy(from: src, to: dst) }   // never merges
        try await src.close(); try await dst.close()
    }
}

@Suite struct BestTrialsTests {
    /// Accuracy maximized, latency minimized: the front is the feasible trials no other beats on
    /// both; infeasible, failed and dominated ones are left out; best accuracy first.
    @Test(arguments: Backend.underTest)
    func bestTrialsAreTheFeasibleNonDominatedOnes(_ backend: Backend) async throws {
        let store = try await backend.open(try await backend.newLocation())
        try await store.setSettingsOnce(sampleSettings)
        func trial(_ slot: Int, _ acc: Double, _ ms: Double, violation: Double = 0, status: TrialStatus = .complete) -> TrialRecord {
            var t = sampleTrial(0, slot, ms, status: status)
            t.objectives = [acc, ms]
            t.violation = violation
            return t
        }
        try await store.record([
            trial(0, 90, 2),            // front
            trial(1, 94, 5),            // front (best accuracy)
            trial(2, 89, 3),            // dominated by slot 0
            trial(3, 99, 1, violation: 0.2),  // infeasible
            trial(4, 92, 2.5),          // front
            trial(5, 95, 9, status: .failed),
            trial(6, 90, 2),            // same objectives as slot 0: one copy kept
        ])
        let best = try await store.bestTrials(limit: 10)
        #expect(best.map(\.slot) == [1, 4, 0])
        #expect(try await store.bestTrials(limit: 2).map(\.slot) == [1, 4])
        try await store.close()
    }
}
