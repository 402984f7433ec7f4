import DuetCore
import Foundation
import _DuetTestSupport
import Testing
@testable import DuetStudy

@Suite("Study locations") struct StudyLocationTests {
    /// `make test` builds with the default traits; `make demo`'s slim build (traits off) is what CI's
    /// `make demo` compiles, and its refusal is checked there by hand (docs/ARCHITECTURE.md).
    @Test func theDefaultBuildHasPostgreSQLStudies() throws {
        #expect(postgresStudiesAvailable)
        let refusal = postgresNotBuilt(try PostgresURL(parsing: "postgresql://ada:s3cret@h/db", environment: [:])).description
        #expect(refusal.contains("make build") && refusal.contains("postgresql://ada:***@h"))
        #expect(!refusal.contains("s3cret"))
    }

    @Test func pathsAreSQLiteAndURLsArePostgres() throws {
        #expect(try StudyLocation(parsing: "out/study.sqlite") == .sqlite(path: "out/study.sqlite"))
        guard case .postgres(let u) = try StudyLocation(parsing: "postgres://ada:s3cret@db.lab:6543/duet?study=run1&sslmode=require") else {
            Issue.record("not parsed as PostgreSQL"); return
        }
        #expect(u.user == "ada" && u.password == "s3cret" && u.passwordSource == "URL")
        #expect(u.host == "db.lab" && u.port == 6543 && u.database == "duet" && u.study == "run1" && u.sslMode == .require)
        #expect(u.description == "postgresql://ada:***@db.lab:6543/duet?study=run1&sslmode=require")
        #expect(!u.description.contains("s3cret"))
        #expect(throws: InputError.self) { _ = try StudyLocation(parsing: "mysql://h/db") }
    }

    @Test func badURLsAreInputErrorsThatHideThePassword() throws {
        for text in ["postgresql://ada:s3cret@h/db?study=", "postgresql://ada:s3cret@h/db?sslmode=sometimes",
                     "postgresql://ada:s3cret@h:99999/db", "postgresql://ada:s3cret@h/", "postgresql://ada:s3cret@h/db?color=red"] {
            let e = #expect(throws: InputError.self) { _ = try PostgresURL(parsing: text, environment: [:]) }
            #expect(e?.description.contains("s3cret") == false, "\(text)")
        }
    }

    @Test func passwordComesFromURLThenPGPASSWORDThenPgpass() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pgpass-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pgpass = dir + "/pgpass"
        try "# comment\nother:5432:*:ada:nope\ndb.lab:5432:duet:ada:from\\:file\n*:*:*:bob:wild\n".write(toFile: pgpass, atomically: true, encoding: .utf8)
        let env = ["PGPASSFILE": pgpass]
        #expect(try PostgresURL(parsing: "postgresql://ada:url@db.lab/duet?study=s", environment: env.merging(["PGPASSWORD": "env"]) { $1 }).password == "url")
        #expect(try PostgresURL(parsing: "postgresql://ada@db.lab/duet?study=s", environment: env.merging(["PGPASSWORD": "env"]) { $1 }).password == "env")
        let fromFile = try PostgresURL(parsing: "postgresql://ada@db.lab/duet?study=s", environment: env)
        #expect(fromFile.password == "from:file" && fromFile.passwordSource == pgpass)
        #expect(!fromFile.description.contains("***"))                            // nothing from the URL to mask
        #expect(try PostgresURL(parsing: "postgresql://bob@x:1/y?study=s", environment: env).password == "wild")
        #expect(try PostgresURL(parsing: "postgresql://carol@db.lab/duet?study=s", environment: env).password == nil)
    }
}

@Suite("PostgreSQL studies", .enabled(if: !TestPostgres.optedOut, "DUET_TEST_SKIP_POSTGRES=1"))
struct PostgresStudyStoreTests {
    func url(_ edit: (inout PostgresURL) -> Void) async throws -> (PostgresURL, String) {
        var u = try PostgresURL(parsing: try await TestPostgres.newStudyURL(), environment: [:])
        edit(&u)
        let pw = u.password.map { ":\($0)" } ?? ""
        return (u, "postgresql://\(u.user)\(pw)@\(u.host):\(u.port)/\(u.database)?study=\(u.study ?? "")&sslmode=\(u.sslMode.rawValue)")
    }

    /// Opens `text` expecting an InputError, never a hang: within `seconds` even on a loaded machine
    /// (the connect timeout is 6 s; docs/validation/study-errors.sh measures the real times).
    func expectFastInputError(_ text: String, mode: StudyOpenMode = .create, within seconds: Double = 30) async throws -> String {
        let start = Date()
        let e = await #expect(throws: InputError.self) { _ = try await openStudy(text, mode: mode) }
        #expect(Date().timeIntervalSince(start) < seconds)
        return e?.description ?? ""
    }

    @Test func wrongPasswordIsAnInputErrorNamingTheServer() async throws {
        let (u, text) = try await url { $0.password = "wrong-password" }
        let message = try await expectFastInputError(text)
        #expect(message.contains(u.endpoint) && message.contains("password"))
        #expect(!message.contains("wrong-password"))
    }

    @Test func unreachableServerFailsFast() async throws {
        // A port nothing listens on: take a free one from the kernel and close it.
        let (u, text) = try await url { $0.port = 1 }
        let message = try await expectFastInputError(text)
        #expect(message.contains("127.0.0.1:1") && message.contains("cannot connect"))
        _ = u
    }

    @Test func missingDatabaseSaysHowToCreateIt() async throws {
        let (_, text) = try await url { $0.database = "no_such_db" }
        let message = try await expectFastInputError(text)
        #expect(message.contains("no database 'no_such_db'") && message.contains("createdb"))
    }

    @Test func unknownStudyListsTheStudiesThere() async throws {
        let known = try await TestPostgres.newStudyURL("known")
        try await openStudy(known, mode: .create).close()
        let (_, text) = try await url { $0.study = "never-made" }
        let message = try await expectFastInputError(text, mode: .open)
        #expect(message.contains("no study 'never-made'") && message.contains("known-"))
        let listed = try await PostgresStudyStore.list(try PostgresURL(parsing: try await TestPostgres.baseURL()))
        #expect(listed.contains { $0.name == (try? PostgresURL(parsing: known))?.study })
    }

    @Test func sslRequireAgainstAServerWithoutTLSIsRefusedClearly() async throws {
        let (_, text) = try await url { $0.sslMode = .require }
        let message = try await expectFastInputError(text)
        #expect(message.contains("TLS"))
    }

    @Test func severalStudiesShareADatabaseIndependently() async throws {
        let a = try await openStudy(try await TestPostgres.newStudyURL("a"), mode: .create)
        let b = try await openStudy(try await TestPostgres.newStudyURL("b"), mode: .create)
        try await a.record(sampleTrial(0, 0, 1))
        try await b.enqueue([samplePending(0, 0)])
        #expect(try await a.counts() == TrialCounts(complete: 1, feasible: 1))
        #expect(try await b.counts() == TrialCounts(pending: 1))
        #expect(try await a.claim(worker: "w", leaseSeconds: 5) == nil)            // b's pending trial is not a's
        try await a.close(); try await b.close()
    }

    /// A claimer in READ COMMITTED may hold a lock on a trial claimed since its snapshot (another
    /// worker's `running` trial) until it commits, so `completeAndClaim`'s completion can wait for
    /// it. It must then wait holding no lock of its own (the completion before the claim): here the
    /// other transaction goes on to lock the next pending trial, which a claim made first would hold
    /// (a deadlock: the server fails one of the two after deadlock_timeout).
    @Test func completeAndClaimWaitsForAClaimersLockHoldingNone() async throws {
        let text = try await TestPostgres.newStudyURL("lockorder")
        let url = try PostgresURL(parsing: text)
        let store = try await PostgresStudyStore.open(url, mode: .create)
        try await store.enqueue([samplePending(0, 0), samplePending(0, 1)])
        let a = try #require(try await store.claim(worker: "w1", leaseSeconds: 60))
        let other = try await PostgresStudyStore._rawSession(url)
        do {
            try await other.run("BEGIN")
            try await other.run("SELECT number FROM duet_trial WHERE number = \(a.number) FOR UPDATE")
            let r = TrialResult(metrics: ["m": 1], objectives: [1], constraints: [:], violation: 0, seconds: 0)
            let step = Task { try await store.completeAndClaim(a, with: r, worker: "w1", leaseSeconds: 60) }
            // Seen waiting for the other transaction's lock (not guessed with a sleep), from a third
            // client: inside a transaction, pg_stat_activity keeps the snapshot it first read.
            let watcher = try await PostgresStudyStore._rawSession(url)
            defer { Task { await watcher.close() } }
            let deadline = Date().addingTimeInterval(60)
            while try await watcher.int("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'WITH d AS%'") == 0 {
                #expect(Date() < deadline, "the completion never waited for the other transaction's lock")
                if Date() > deadline { break }
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            let next = "SELECT number FROM duet_trial WHERE number <> \(a.number) AND study_id = (SELECT study_id FROM duet_trial WHERE number = \(a.number))"
            try await other.run(next + " FOR UPDATE")                               // free: the waiting statement holds no lock
            try await other.run("COMMIT")
            let (done, claimed) = try await step.value
            #expect(done)
            #expect(claimed?.generation == 0 && claimed?.slot == 1 && claimed?.worker == "w1")
            #expect(try await store.counts() == TrialCounts(running: 1, complete: 1, feasible: 1))
        } catch {
            await other.close(); try? await store.close()
            throw error
        }
        await other.close()
        try await store.close()
    }
}

/// A server restart under an open store (its own server, so the other tests' server stays up): calls
/// made while it is down wait, reconnect and succeed; nothing is lost or stored twice.
@Suite("PostgreSQL restarts", .enabled(if: !TestPostgres.optedOut, "DUET_TEST_SKIP_POSTGRES=1"))
struct PostgresRestartTests {
    @Test func callsDuringARestartReconnectAndLoseNothing() async throws {
        let server = try await TestPostgres.Private.start()
        do {
            let store = try await PostgresStudyStore.open(try PostgresURL(parsing: server.url + "?study=restart", environment: [:]), mode: .create)
            #expect(try await store.record((0..<5).map { sampleTrial(0, $0, Double($0)) }) == 5)
            try await store.enqueue((0..<3).map { samplePending(1, $0) })
            let claim = try #require(try await store.claim(worker: "w", leaseSeconds: 60))

            // Down for 2 s; the calls below start once it is down (seen, not guessed with a sleep:
            // on a loaded machine the stop itself can take longer) and must wait for it.
            let restart = Task { try await server.restart(downSeconds: 2) }
            #expect(await server.waitUntilDown(timeout: 120), "the server did not stop")
            let started = Date()
            let recorded = try await store.record((5..<8).map { sampleTrial(0, $0, Double($0)) })
            #expect(recorded == 3)
            #expect(Date().timeIntervalSince(started) > 0.3, "the record did not wait for the server")
            try await restart.value

            // The claim made before the restart is still ours; completing it twice counts once.
            let result = TrialResult(metrics: ["accuracy": 90], objectives: [1, 2], constraints: [:], violation: 0, seconds: 0.01)
            #expect(try await store.complete(claim, with: result))
            #expect(try await store.complete(claim, with: result), "a repeated complete (its first answer lost) is accepted")
            // Record again what was recorded: skipped, not doubled.
            #expect(try await store.record((0..<8).map { sampleTrial(0, $0, Double($0)) }) == 0)
            let counts = try await store.counts()
            #expect(counts.complete == 9 && counts.pending == 2 && counts.running == 0, "\(counts)")
            try await store.close()
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}

/// A real TLS-only server (self-signed certificate, pg_hba rejecting connections without TLS):
/// sslmode=require and prefer store and read a study over TLS; disable is refused by the server;
/// verify-full refuses the untrusted certificate with a clear error.
@Suite("PostgreSQL over TLS", .enabled(if: !TestPostgres.optedOut, "DUET_TEST_SKIP_POSTGRES=1"))
struct PostgresTLSTests {
    @Test func aTLSOnlyServerIsUsedOverTLSAndRefusedWithout() async throws {
        let server = try await TestPostgres.Private.start(tls: true)
        do {
            for mode in ["require", "prefer"] {
                let url = try PostgresURL(parsing: server.url + "?study=tls-\(mode)&sslmode=\(mode)", environment: [:])
                let store = try await PostgresStudyStore.open(url, mode: .create)
                #expect(try await store.record((0..<3).map { sampleTrial(0, $0, Double($0)) }) == 3)
                #expect(try await store.counts() == TrialCounts(complete: 3, feasible: 3), "\(mode)")
                try await store.close()
            }
            for (mode, says) in [("disable", "no encryption"), ("verify-full", "TLS certificate that is not trusted")] {
                do {
                    let store = try await PostgresStudyStore.open(try PostgresURL(parsing: server.url + "?study=tls&sslmode=\(mode)", environment: [:]), mode: .create)
                    try? await store.close()
                    Issue.record("sslmode=\(mode) connected to a TLS-only server with an untrusted certificate")
                } catch let e as InputError {
                    #expect(e.description.contains(says), "\(mode): \(e)")
                }
            }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
