import DuetCore
import DuetReport
import DuetStudy
import Foundation

/// A second fidelity tier: a trusted simulator (Timeloop, SCALE-Sim, MAESTRO, …) re-evaluates a
/// study's Pareto front — screen thousands of designs with Duet's analytical model, confirm the
/// few that matter with the peer — and the study keeps both figures.
///
/// The command follows the external evaluator protocol (docs/FORMATS.md): it runs under
/// `/bin/sh -c` once per front design, reads one JSON object on stdin,
/// `{"design": {tasks, hardware}, "duet": {metric: value, …}, "generation": g, "slot": s}`, and
/// prints a JSON object whose numeric keys are the peer's figures (e.g. `latency_ms`,
/// `energy_mj`, in the units of Duet's metrics of the same name). A failure (non-zero exit, no
/// JSON, timeout) is recorded for that design with the reason; the others go on. Each design's
/// result is a study attribute `confirm:g<generation>s<slot>` (JSON), so it lives beside the
/// trials in SQLite or PostgreSQL and `duet study confirm --show` lists them again.
public enum FrontConfirmation {
    /// The prefix of the study attributes holding confirmations.
    public static let attributePrefix = "confirm:"

    /// One front design and what the peer said about it.
    public struct Row: Sendable, Hashable {
        public var generation: Int
        public var slot: Int
        /// Duet's metrics of the trial.
        public var duet: [String: Double]
        /// The peer's figures, or nil when it failed.
        public var peer: [String: Double]?
        /// Why the peer failed.
        public var error: String?
        /// The command that produced it.
        public var command: String
    }

    /// Runs `command` on the study's Pareto front (at most `limit` designs, best first) and stores
    /// each result in the study. Returns the rows in front order.
    public static func run(_ store: any StudyStore, command: String, timeoutSeconds: Double = 3600, retries: Int = 0,
                           limit: Int = 20) async throws -> [Row] {
        guard try await store.settings() != nil else {
            throw InputError(keyPath: "study", value: store.location.description, message: "the study has no settings yet (nothing explored)",
                             hint: "run `duet explore CONFIG --study …` first")
        }
        var rows: [Row] = []
        for t in try await store.bestTrials(limit: limit) {
            let design = (try? JSONValue(parsing: t.design)) ?? .object([])
            let input = JSONValue.obj(["design": design, "duet": numbers(t.metrics),
                                       "generation": .int(t.generation), "slot": .int(t.slot)]).serialized(pretty: false)
            var row = Row(generation: t.generation, slot: t.slot, duet: t.metrics, peer: nil, error: nil, command: command)
            switch await ExternalEvaluator.run(command, input: input, timeoutSeconds: timeoutSeconds, retries: retries, required: nil) {
            case .success(let m): row.peer = m
            case .failure(let e): row.error = e.message
            }
            try await store.setAttribute(key(row), json(row).serialized(pretty: false))
            rows.append(row)
        }
        return rows
    }

    /// The confirmations stored in the study, in front order of generation and slot.
    public static func stored(_ store: any StudyStore) async throws -> [Row] {
        try await store.attributes().filter { $0.key.hasPrefix(attributePrefix) }.compactMap { a in
            guard case .object(let f)? = try? JSONValue(parsing: a.value) else { return nil }
            func numbers(_ v: JSONValue?) -> [String: Double]? {
                guard case .object(let fields)? = v else { return nil }
                var out: [String: Double] = [:]
                for x in fields { if let d = x.value.doubleValue { out[x.key] = d } }
                return out
            }
            let obj = Dictionary(f.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
            return Row(generation: obj["generation"]?.doubleValue.map { Int($0) } ?? 0, slot: obj["slot"]?.doubleValue.map { Int($0) } ?? 0,
                       duet: numbers(obj["duet"]) ?? [:], peer: numbers(obj["peer"]), error: obj["error"]?.stringValue,
                       command: obj["command"]?.stringValue ?? "")
        }.sorted { ($0.generation, $0.slot) < ($1.generation, $1.slot) }
    }

    /// A JSON object of named numbers, keys sorted (deterministic text).
    static func numbers(_ m: [String: Double]) -> JSONValue {
        .object(m.keys.sorted().map { JSONValue.Field($0, .double(m[$0]!)) })
    }

    static func key(_ r: Row) -> String { "\(attributePrefix)g\(r.generation)s\(r.slot)" }

    static func json(_ r: Row) -> JSONValue {
        var fields: [JSONValue.Field] = [.init("generation", .int(r.generation)), .init("slot", .int(r.slot)), .init("command", .string(r.command)),
                                         .init("duet", numbers(r.duet))]
        if let p = r.peer { fields.append(.init("peer", numbers(p))) }
        if let e = r.error { fields.append(.init("error", .string(e))) }
        return .object(fields)
    }

    /// A table: each design, and for every figure the peer returned that Duet also has, both
    /// values and their ratio (peer ÷ Duet); the peer's other figures as they are.
    public static func table(_ rows: [Row]) -> String {
        var t = TextTable(columns: ["gen", "slot", "figure", "duet", "peer", "peer/duet"], numeric: [0, 1, 3, 4, 5])
        for r in rows {
            guard let peer = r.peer else {
                t.append([String(r.generation), String(r.slot), "error", "", "", r.error ?? ""])
                continue
            }
            for k in peer.keys.sorted() {
                let p = peer[k]!
                let d = r.duet[k]
                t.append([String(r.generation), String(r.slot), k, d.map { String(format: "%.4g", $0) } ?? "",
                          String(format: "%.4g", p), d.map { $0 != 0 ? String(format: "%.3f", p / $0) : "" } ?? ""])
            }
        }
        return t.rendered()
    }
}
