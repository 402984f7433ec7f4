import DuetCore
import DuetExplore
import DuetStudy
import Foundation
import Testing
import _DuetTestSupport
@testable import DuetServe

/// Ask/tell through the server on SQLite and PostgreSQL studies: an outside agent asks for the
/// optimizer's designs, evaluates them (here with the server's own config-point evaluate), tells
/// the metrics back, and the study holds them like any explore trial.
@Suite struct AskTellTests {
    /// Asks for `n`, evaluates each asked point through the server and tells its metrics; returns the asked trials.
    static func askAndTell(_ server: Server, study: String, config: String, n: Int) async throws -> [JSONValue] {
        let asked = try #require(try await result(server, "ask", .obj(["study": .string(study), "config": .string(config), "n": .int(n)]))["trials"]?.arrayValue)
        for t in asked {
            let point = try #require(t["point"])
            let e = try await result(server, "evaluate", .obj(["config": .string(config), "point": point]))
            let told = try await result(server, "tell", .obj(["study": .string(study), "trial": try #require(t["trial"]), "metrics": try #require(e["metrics"])]))
            #expect(told["recorded"] == .bool(true) && told["trial"] == t["trial"])
            #expect(told["feasible"] == e["feasible"])
        }
        return asked
    }

    /// The whole round: a generation asked in parts, extras beyond it, a tell-only design, the
    /// next generation proposed from the told results; returns the points of generation 1.
    static func roundTrip(study: String, config: String) async throws -> [JSONValue] {
        let server = Server(dataDir: root)
        defer { Task { await server.close() } }
        // Given a new study (population 4): three of generation 0's proposals asked and told,
        let first = try await askAndTell(server, study: study, config: config, n: 3)
        #expect(first.map { $0["generation"] } == [.int(0), .int(0), .int(0)])
        #expect(first.map { $0["slot"] } == [.int(0), .int(1), .int(2)])
        // when three more are asked: the last proposal (slot 3) and two extras after it (slots 4, 5),
        let second = try await result(server, "ask", .obj(["study": .string(study), "n": .int(3)]))["trials"]?.arrayValue ?? []
        #expect(second.map { $0["slot"] } == [.int(3), .int(4), .int(5)])
        #expect(second.allSatisfy { $0["generation"] == .int(0) })
        // a tell twice is refused with an input error, a tell without a budget metric too,
        let dup = try await error(server, "tell", .obj(["study": .string(study), "trial": first[0]["trial"]!, "metrics": .obj(["accuracy": .int(1)])]))
        #expect(dup["code"] == .int(-32000))
        let partial = try await error(server, "tell", .obj(["study": .string(study), "trial": second[0]["trial"]!,
                                                             "metrics": .obj(["accuracy": .int(1), "latency_ms": .double(0.5)])]))
        #expect(partial["code"] == .int(-32000))
        #expect(partial["data"]?["issues"]?.arrayValue?.first?["key"] == .string("metrics.area_mm2"))
        // and once every one of them is told, plus a design of the agent's own (tell-only),
        for t in second {
            let e = try await result(server, "evaluate", .obj(["config": .string(config), "point": t["point"]!]))
            _ = try await result(server, "tell", .obj(["study": .string(study), "trial": t["trial"]!, "metrics": e["metrics"]!]))
        }
        let own = try #require(try await result(server, "sample", .obj(["config": .string(config), "n": .int(1), "seed": .int(99)]))["points"]?.arrayValue?.first)
        let ownMetrics = try await result(server, "evaluate", .obj(["config": .string(config), "point": own]))["metrics"]!
        let toldOwn = try await result(server, "tell", .obj(["study": .string(study), "point": own, "metrics": ownMetrics]))
        #expect(toldOwn["recorded"] == .bool(true) && toldOwn["trial"]?.intValue != nil)
        // then the next ask proposes generation 1 (NSGA-II offspring of the told generation),
        let next = try await result(server, "ask", .obj(["study": .string(study), "n": .int(4)]))["trials"]?.arrayValue ?? []
        #expect(next.count == 4)
        #expect(next.allSatisfy { $0["generation"] == .int(1) })
        // and the study holds every told trial as complete, the extras and the tell-only one included.
        let store = try await openStudy(study, mode: .readOnly)
        let counts = try await store.counts()
        try await store.close()
        #expect(counts.complete == 7)
        #expect(counts.running == 4)
        return next.map { $0["point"]! }
    }

    @Test func roundTripOnSQLiteIsDeterministic() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try writeConfig(dir)
        let a = try await Self.roundTrip(study: dir.appendingPathComponent("a.db").path, config: config)
        let b = try await Self.roundTrip(study: dir.appendingPathComponent("b.db").path, config: config)
        // The same seed and results give the same proposals.
        #expect(a == b)
    }

    @Test(.enabled(if: !TestPostgres.optedOut, "DUET_TEST_SKIP_POSTGRES=1"))
    func roundTripOnPostgreSQLMatchesSQLite() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try writeConfig(dir)
        let sqlite = try await Self.roundTrip(study: dir.appendingPathComponent("s.db").path, config: config)
        let postgres = try await Self.roundTrip(study: try await TestPostgres.newStudyURL("asktell"), config: config)
        #expect(sqlite == postgres)
    }

    @Test func askWithoutConfigOnANewStudyExplainsTheFix() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = Server(dataDir: root)
        let e = try await error(server, "ask", .obj(["study": .string(dir.appendingPathComponent("none.db").path)]))
        #expect(e["code"] == .int(-32000))
        #expect(e["data"]?["issues"]?.arrayValue?.first?["fix"] != nil)
    }

    @Test func anExpiredAskIsHandedOutAgain() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try writeConfig(dir)
        let study = dir.appendingPathComponent("lease.db").path
        let server = Server(dataDir: root)
        let first = try await result(server, "ask", .obj(["study": .string(study), "config": .string(config), "n": .int(1), "lease": .double(0.05)]))
        try await Task.sleep(nanoseconds: 200_000_000)
        let again = try await result(server, "ask", .obj(["study": .string(study), "n": .int(1)]))
        #expect(first["trials"]?.arrayValue?.first?["trial"] == again["trials"]?.arrayValue?.first?["trial"])
        // Told through another process's view (a new server: the claim is rebuilt from the study).
        let other = Server(dataDir: root)
        let t = try #require(again["trials"]?.arrayValue?.first)
        let metrics = try await result(other, "evaluate", .obj(["config": .string(config), "point": t["point"]!]))["metrics"]!
        let told = try await result(other, "tell", .obj(["study": .string(study), "trial": t["trial"]!, "metrics": metrics]))
        #expect(told["status"] == .string("complete"))
        // Ids that are no trial of the study are input errors, never a trap.
        for bad in [Int.min, 0, 999_999] {
            let e = try await error(other, "tell", .obj(["study": .string(study), "trial": .int(bad), "metrics": metrics]))
            #expect(e["code"] == .int(-32000))
        }
        await server.close()
        await other.close()
    }
}
