import DuetCore
import Foundation
import GRDB

/// One evaluated design of a study, as stored.
public struct TrialRecord: Sendable, Hashable {
    /// Ask/tell round and position in its batch: the identity that makes resume exact.
    public var generation: Int
    public var slot: Int
    public var genome: [Double]
    /// The decoded design as JSON text (variables and values).
    public var design: String
    /// Named metrics (accuracy, latency_ms, …).
    public var metrics: [String: Double]
    /// Objective values in the study's objective order (as reported, not negated).
    public var objectives: [Double]
    /// Budget name → relative violation (value − limit) / limit; ≤ 0 when met.
    public var constraints: [String: Double]
    /// Σ max(0, constraint); +∞ for a failed trial.
    public var violation: Double
    /// `complete` or `failed`.
    public var status: String
    public var error: String?
    /// Wall seconds of this evaluation.
    public var seconds: Double
    public var seed: UInt64
    public var version: String

    public init(generation: Int, slot: Int, genome: [Double], design: String, metrics: [String: Double], objectives: [Double],
                constraints: [String: Double], violation: Double, status: String, error: String? = nil, seconds: Double,
                seed: UInt64, version: String) {
        self.generation = generation; self.slot = slot; self.genome = genome; self.design = design; self.metrics = metrics
        self.objectives = objectives; self.constraints = constraints; self.violation = violation; self.status = status
        self.error = error; self.seconds = seconds; self.seed = seed; self.version = version
    }

    public var isFeasible: Bool { status == "complete" && violation == 0 }
}

/// A persistent study: an SQLite file (WAL mode, so several processes may share it) holding the
/// study's settings and every trial, written as each completes. Trials are keyed by
/// (generation, slot), so a resumed run that replays the same seeded ask/tell sequence finds its
/// finished trials instead of evaluating them again — nothing is lost or duplicated, even after
/// `kill -9`.
public final class Study: Sendable {
    public let path: String
    private let db: DatabasePool

    /// Opens or creates the study at `path`.
    public init(path: String) throws {
        self.path = path
        do {
            var config = Configuration()
            config.busyMode = .timeout(30)
            db = try DatabasePool(path: path, configuration: config)
            try db.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS study (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
                    CREATE TABLE IF NOT EXISTS trial (
                        number INTEGER PRIMARY KEY AUTOINCREMENT,
                        generation INTEGER NOT NULL, slot INTEGER NOT NULL,
                        genome TEXT NOT NULL, design TEXT NOT NULL, metrics TEXT NOT NULL, objectives TEXT NOT NULL,
                        constraints TEXT NOT NULL, violation REAL NOT NULL, status TEXT NOT NULL, error TEXT,
                        seconds REAL NOT NULL, seed INTEGER NOT NULL, version TEXT NOT NULL,
                        created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
                        UNIQUE (generation, slot));
                    """)
            }
        } catch let e as DatabaseError {
            throw InputError(file: path, message: "cannot open the study: \(e.message ?? "\(e)")",
                             hint: "check that the path is a Duet study (SQLite) file and its folder is writable")
        }
    }

    // MARK: Settings

    public func setting(_ key: String) throws -> String? {
        try db.read { try String.fetchOne($0, sql: "SELECT value FROM study WHERE key = ?", arguments: [key]) }
    }

    /// Sets `key` unless it is already set; returns the stored value (so concurrent writers agree).
    @discardableResult
    public func setSettingOnce(_ key: String, _ value: String) throws -> String {
        try db.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO study (key, value) VALUES (?, ?)", arguments: [key, value])
            return try String.fetchOne(db, sql: "SELECT value FROM study WHERE key = ?", arguments: [key]) ?? value
        }
    }

    /// Sets `key` to `value`, replacing what was there (results derived from the trials, e.g. a
    /// baseline comparison, that a later run may recompute).
    public func setSetting(_ key: String, _ value: String) throws {
        try db.write { db in try db.execute(sql: "INSERT OR REPLACE INTO study (key, value) VALUES (?, ?)", arguments: [key, value]) }
    }

    public func settings() throws -> [(String, String)] {
        try db.read { db in try Row.fetchAll(db, sql: "SELECT key, value FROM study ORDER BY key").map { ($0[0], $0[1]) } }
    }

    // MARK: Trials

    /// Stores a trial unless one with its (generation, slot) exists; returns whether it was new.
    @discardableResult
    public func record(_ t: TrialRecord) throws -> Bool {
        try db.write { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO trial (generation, slot, genome, design, metrics, objectives, constraints, violation,
                                             status, error, seconds, seed, version)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [t.generation, t.slot, Self.encode(t.genome), t.design, Self.encode(t.metrics),
                                 Self.encode(t.objectives), Self.encode(t.constraints),
                                 t.violation.isFinite ? t.violation : 1e308, t.status, t.error, t.seconds,
                                 Int64(bitPattern: t.seed), t.version])
            return db.changesCount > 0
        }
    }

    /// The trials of one generation, by slot.
    public func trials(generation: Int) throws -> [Int: TrialRecord] {
        try db.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM trial WHERE generation = ?", arguments: [generation])
            return Dictionary(uniqueKeysWithValues: rows.map { r in let t = Self.decode(r); return (t.slot, t) })
        }
    }

    /// Every trial, in the order they were stored.
    public func trials() throws -> [TrialRecord] {
        try db.read { db in try Row.fetchAll(db, sql: "SELECT * FROM trial ORDER BY number").map(Self.decode) }
    }

    public func trialCount() throws -> Int {
        try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM trial") ?? 0 }
    }

    // MARK: Encoding (exact: Double descriptions round-trip)

    static func encode(_ v: [Double]) -> String { "[" + v.map { $0.isFinite ? "\($0)" : "1e308" }.joined(separator: ",") + "]" }
    static func encode(_ d: [String: Double]) -> String {
        JSONValue.object(d.keys.sorted().map { .init($0, d[$0]!.isFinite ? .double(d[$0]!) : .null) }).serialized(pretty: false)
    }

    static func decodeDoubles(_ s: String) -> [Double] {
        s.dropFirst().dropLast().split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }

    static func decodeDict(_ s: String) -> [String: Double] {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any] else { return [:] }
        var out: [String: Double] = [:]
        for (k, v) in obj { out[k] = (v as? NSNumber)?.doubleValue ?? .nan }
        return out
    }

    static func decode(_ r: Row) -> TrialRecord {
        let violation: Double = r["violation"]
        return TrialRecord(generation: r["generation"], slot: r["slot"], genome: decodeDoubles(r["genome"]), design: r["design"],
                           metrics: decodeDict(r["metrics"]), objectives: decodeDoubles(r["objectives"]),
                           constraints: decodeDict(r["constraints"]), violation: violation >= 1e308 ? .infinity : violation,
                           status: r["status"], error: r["error"], seconds: r["seconds"],
                           seed: UInt64(bitPattern: r["seed"] as Int64), version: r["version"])
    }
}
