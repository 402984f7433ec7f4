import DuetCore
import DuetExplore
import DuetSearch
import DuetStudy
import Foundation
import Synchronization

/// Studies the server has opened for ask/tell, kept open between requests (a PostgreSQL
/// connection costs a round trip to open, and the replayed optimizer is kept) and closed at shutdown.
final class StudyConnections: Sendable {
    private let open = Mutex<[String: StudyAskTell]>([:])

    /// Ask/tell on the study at `location`, opened (or created with `config`) on first use.
    func askTell(_ location: String, config: String?, overrides: [String], dataDir: URL) async throws -> StudyAskTell {
        if let s = open.withLock({ $0[location] }) { return s }
        let store = try await openStudy(location, mode: config == nil ? .open : .create)
        let session: StudyAskTell
        do { session = try await StudyAskTell.open(store: store, config: config, overrides: overrides, dataDir: dataDir) } catch {
            try? await store.close()
            throw error
        }
        let kept = open.withLock { table -> StudyAskTell? in
            if let other = table[location] { return other }
            table[location] = session
            return nil
        }
        if let kept { try? await store.close(); return kept }
        return session
    }

    func closeAll() async {
        let all = open.withLock { t -> [StudyAskTell] in defer { t.removeAll() }; return Array(t.values) }
        for s in all { try? await s.store.close() }
    }
}

extension Server {
    func session(_ p: Params) async throws -> StudyAskTell {
        let study = try p.requiredString("study", example: "\"study.db\" or \"postgresql://…?study=NAME\"")
        return try await studies.askTell(study, config: try p.string("config"), overrides: try p.overrides("set"), dataDir: dataDir)
    }

    /// `ask`: up to `n` trials of the study's optimizer to evaluate, each `{"trial": id, "generation", "slot", "point", "design"}`.
    func ask(_ p: Params) async throws -> JSONValue {
        let n = try p.int("n", in: 1...10_000) ?? 1
        let lease = try p.double("lease") ?? 3_600
        guard lease > 0 && lease <= 30 * 86_400 else {
            throw RPCError.invalidParams(p.key("lease"), value: .double(lease), "lease must be greater than 0 and at most 30 days (in seconds)")
        }
        let s = try await session(p)
        return s.json(try await s.ask(n, leaseSeconds: lease))
    }

    /// `tell`: the result of an asked trial (`trial`), or of the agent's own design (`point`).
    func tell(_ p: Params) async throws -> JSONValue {
        let s = try await session(p)
        let seconds = try p.double("seconds") ?? 0
        let error = try p.string("error")
        var metrics: [String: Double] = [:]
        if let m = p["metrics"] {
            guard let fields = m.objectFields else { throw RPCError.invalidParams(p.key("metrics"), value: m, "metrics must be an object {name: number}, not \(m.typeName)") }
            for f in fields {
                guard let v = f.value.doubleValue else {
                    throw RPCError.invalidParams(p.key("metrics") + "." + f.key, value: f.value, "a metric must be a number, not \(f.value.typeName)")
                }
                metrics[f.key] = v
            }
        } else if error == nil {
            throw RPCError.invalidParams(p.key("metrics"), "missing parameter 'metrics'", fix: "add \"metrics\": {name: number} with every objective and budget metric (or \"error\": reason for a failed evaluation)")
        }
        let told: StudyAskTell.Told
        if let t = p["trial"] {
            guard let id = t.intValue else { throw RPCError.invalidParams(p.key("trial"), value: t, "trial must be the integer id an ask returned") }
            told = try await s.tell(trial: Int64(id), metrics: metrics, error: error, seconds: seconds)
        } else if let point = p["point"] {
            guard error == nil else { throw RPCError.invalidParams(p.key("error"), "a tell-only trial records a result; there is nothing to fail", fix: "drop \"error\", or tell metrics") }
            do { told = try await s.tell(point: point, metrics: metrics, seconds: seconds) } catch let e as InputError { throw RPCError(e.under("params")) }
        } else {
            throw RPCError.invalidParams(p.key("trial"), "missing parameter 'trial' (an asked trial's id) or 'point' (a design of your own)",
                                         fix: "add \"trial\": ID from an ask, or \"point\": {variable: value}")
        }
        return told.json
    }

}
