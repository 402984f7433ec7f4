import DuetCore
import Foundation
import GRDB

/// A study in one SQLite file (GRDB; WAL mode, so several processes on one host may share it).
///
/// The file is marked as a Duet study (`PRAGMA application_id` 'Duet') and versioned with GRDB's
/// `DatabaseMigrator` (migrations `v1`, `v2`, … ↔ ``StudySchema``). Opening never writes into a file
/// that is not a Duet study: a file with other tables is refused with an ``InputError``. Read-only
/// opening (``StudyOpenMode/readOnly``) leaves no -wal/-shm files and works on a read-only file.
public final class SQLiteStudyStore: StudyStore {
    public let path: String
    public var location: StudyLocation { .sqlite(path: path) }
    public let name: String
    private let reader: any DatabaseReader
    private let writer: (any DatabaseWriter)?
    private let storedVersion: Int

    /// 'Duet' as a big-endian 32-bit integer: the SQLite header's application id of every Duet study.
    static let applicationID: Int32 = 0x4475_6574

    /// The columns of a schema-1 trial table (a study written before schemas were versioned).
    static let v1TrialColumns: Set<String> = ["number", "generation", "slot", "genome", "design", "metrics", "objectives", "constraints",
                                              "violation", "status", "error", "seconds", "seed", "version", "created"]

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
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
        m.registerMigration("v2") { db in
            try db.execute(sql: """
                ALTER TABLE trial ADD COLUMN worker TEXT;
                ALTER TABLE trial ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE trial ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE trial ADD COLUMN lease_expires REAL;
                ALTER TABLE trial ADD COLUMN heartbeat REAL;
                CREATE INDEX trial_queue ON trial (status, generation, slot);
                CREATE TABLE study_settings (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);
                PRAGMA application_id = \(applicationID);
                """)
            // Schema 1 kept its settings as comma-joined key/value rows: store them typed.
            let kv = Dictionary(try Row.fetchAll(db, sql: "SELECT key, value FROM study").map { ($0[0] as String, $0[1] as String) },
                                uniquingKeysWith: { a, _ in a })
            if let s = StudySettings(legacy: kv) {
                try db.execute(sql: "INSERT INTO study_settings (id, json) VALUES (1, ?)", arguments: [try s.jsonText()])
            }
        }
        m.registerMigration("v3") { db in
            // Trials finished before schema 3 have no recorded finish order (NULL): only `async`
            // studies, which schema 3 introduced, need one.
            try db.execute(sql: """
                ALTER TABLE trial ADD COLUMN finish_order INTEGER;
                ALTER TABLE trial ADD COLUMN basis INTEGER;
                CREATE UNIQUE INDEX trial_finish_order ON trial (finish_order);
                CREATE INDEX trial_genome ON trial (genome);
                """)
        }
        return m
    }

    /// Opens the study file at `path`.
    ///
    /// - `create`: creates the file if missing; migrates an older study.
    /// - `open`: the file must exist; migrates an older study.
    /// - `readOnly`: the file must exist; nothing is written (an older study is read through a
    ///   migrated copy in memory).
    ///
    /// Throws ``InputError`` for a missing file (except `create`), a file that is not a Duet study,
    /// or a study written by a newer Duet.
    public init(path: String, mode: StudyOpenMode) throws {
        self.path = path
        self.name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let fm = FileManager.default
        let exists = fm.fileExists(atPath: path)
        let size = ((try? fm.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
        if !exists && mode != .create {
            throw InputError(file: path, message: "no such study", hint: "studies are written by duet explore CONFIG --study FILE")
        }
        do {
            if exists && size > 0 {
                // Look before writing anything: someone else's database must stay untouched.
                let probe = try Self.openReadOnly(path)
                try Self.checkIsDuetStudy(probe, path: path)
                try probe.close()
            }
            let migrator = Self.migrator
            if mode == .readOnly {
                if !exists || size == 0 {
                    throw InputError(file: path, message: "the study is empty (no Duet tables)", hint: "run duet explore CONFIG --study \(path) first")
                }
                let queue = try Self.openReadOnly(path)
                let (done, superseded, version) = try queue.read { db in
                    (try migrator.hasCompletedMigrations(db), try migrator.hasBeenSuperseded(db), try Self.version(db))
                }
                if superseded { throw Self.newerSchema(path, version) }
                storedVersion = version
                if done {
                    reader = queue
                } else {
                    let memory = try DatabaseQueue()
                    try queue.backup(to: memory)
                    try queue.close()
                    try migrator.migrate(memory)
                    reader = memory
                }
                writer = nil
            } else {
                var config = Configuration()
                config.busyMode = .timeout(30)
                let pool = try DatabasePool(path: path, configuration: config)
                let (superseded, version) = try pool.read { db in (try migrator.hasBeenSuperseded(db), try Self.version(db)) }
                if superseded { throw Self.newerSchema(path, version) }
                do { try migrator.migrate(pool) } catch { try migrator.migrate(pool) }  // a concurrent creator may have raced us
                storedVersion = StudySchema.current
                reader = pool; writer = pool
            }
        } catch let e as DatabaseError {
            throw InputError(file: path, message: "cannot open the study: \(e.message ?? "\(e)")",
                             hint: e.resultCode == .SQLITE_NOTADB ? "this file is not an SQLite database; give the path of a Duet study or a new file name"
                                 : "check that the path is a Duet study (SQLite) file and its folder is writable")
        }
    }

    // MARK: Opening helpers

    /// A read-only connection that creates no file: `immutable=1` when no writer has the file open
    /// (no -wal beside it), else an ordinary read-only connection (which shares the writer's -shm).
    static func openReadOnly(_ path: String) throws -> DatabaseQueue {
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(30)
        if !FileManager.default.fileExists(atPath: path + "-wal") {
            let abs = URL(fileURLWithPath: path).standardizedFileURL.path
            let escaped = abs.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "?", with: "%3f").replacingOccurrences(of: "#", with: "%23")
            if let q = try? DatabaseQueue(path: "file:\(escaped)?immutable=1", configuration: config),
               (try? q.read { try Int.fetchOne($0, sql: "PRAGMA schema_version") }) != nil {
                return q
            }
        }
        return try DatabaseQueue(path: path, configuration: config)
    }

    /// Throws unless the database is empty, a Duet study, or a schema-1 Duet study (which predates the application id).
    static func checkIsDuetStudy(_ q: DatabaseQueue, path: String) throws {
        try q.read { db in
            let appID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
            if appID == applicationID { return }
            let tables = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))
            if tables.isEmpty && appID == 0 { return }
            if appID == 0, tables.subtracting(["grdb_migrations"]) == ["study", "trial"] {
                let columns = Set(try db.columns(in: "trial").map(\.name))
                let applied = tables.contains("grdb_migrations") ? Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")) : []
                if columns == v1TrialColumns && applied.isSubset(of: ["v1"]) { return }
            }
            let shown = tables.sorted().prefix(8).joined(separator: ", ") + (tables.count > 8 ? ", …" : "")
            throw InputError(file: path, message: "not a Duet study: this SQLite database holds other tables (\(shown))\(appID != 0 ? " and application id \(appID)" : "")",
                             hint: "give a new file name for the study, or the path of a study written by duet explore --study; Duet writes nothing into this file")
        }
    }

    static func version(_ db: Database) throws -> Int {
        guard try db.tableExists("grdb_migrations") else { return try db.tableExists("trial") ? 1 : 0 }
        return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations").compactMap { Int($0.dropFirst()) }.max() ?? 0
    }

    static func newerSchema(_ path: String, _ version: Int) -> InputError {
        InputError(file: path, value: "schema \(version)", message: "this study was written by a newer Duet (schema \(version); this Duet reads schemas up to \(StudySchema.current))",
                   hint: "upgrade duet to read it; the file was left unchanged")
    }

    // MARK: Access

    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        guard let writer else { throw readOnlyError }
        return try await writer.write(body)
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await reader.read(body)
    }

    private var readOnlyError: InputError {
        InputError(file: path, message: "the study was opened read-only", hint: "this command only reads studies")
    }

    /// Synchronous access for ``Study`` (the pre-protocol API).
    func writeSync<T>(_ body: (Database) throws -> T) throws -> T {
        guard let writer else { throw readOnlyError }
        return try writer.write(body)
    }
    func readSync<T>(_ body: (Database) throws -> T) throws -> T { try reader.read(body) }

    // MARK: StudyStore

    public func schemaVersion() async throws -> Int { storedVersion }

    public func settings() async throws -> StudySettings? { try await read(Self.settings) }

    static func settings(_ db: Database) throws -> StudySettings? {
        if let json = try String.fetchOne(db, sql: "SELECT json FROM study_settings WHERE id = 1") {
            return try StudySettings.fromJSON(json)
        }
        let kv = Dictionary(try Row.fetchAll(db, sql: "SELECT key, value FROM study").map { ($0[0] as String, $0[1] as String) },
                            uniquingKeysWith: { a, _ in a })
        return StudySettings(legacy: kv)
    }

    @discardableResult
    public func setSettingsOnce(_ settings: StudySettings) async throws -> StudySettings {
        let json = try settings.jsonText()
        return try await write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO study_settings (id, json) VALUES (1, ?)", arguments: [json])
            return try Self.settings(db) ?? settings
        }
    }

    public func attribute(_ key: String) async throws -> String? {
        try await read { try String.fetchOne($0, sql: "SELECT value FROM study WHERE key = ?", arguments: [key]) }
    }

    public func setAttribute(_ key: String, _ value: String) async throws {
        try await write { try $0.execute(sql: "INSERT OR REPLACE INTO study (key, value) VALUES (?, ?)", arguments: [key, value]) }
    }

    @discardableResult
    public func setAttributeOnce(_ key: String, _ value: String) async throws -> String {
        try await write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO study (key, value) VALUES (?, ?)", arguments: [key, value])
            return try String.fetchOne(db, sql: "SELECT value FROM study WHERE key = ?", arguments: [key]) ?? value
        }
    }

    public func attributes() async throws -> [(key: String, value: String)] {
        try await read { db in try Row.fetchAll(db, sql: "SELECT key, value FROM study ORDER BY key").map { (key: $0[0], value: $0[1]) } }
    }

    @discardableResult
    public func record(_ trials: [TrialRecord]) async throws -> Int {
        guard !trials.isEmpty else { return 0 }
        return try await write { db in try Self.record(trials, db) }
    }

    static func record(_ trials: [TrialRecord], _ db: Database) throws -> Int {
        var n = 0
        for t in trials {
            precondition(t.status.isFinished, "record() stores finished trials; enqueue() pending ones")
            try db.execute(sql: """
                INSERT OR IGNORE INTO trial (generation, slot, genome, design, metrics, objectives, constraints, violation,
                                             status, error, seconds, seed, version, retries, worker, finish_order, basis)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [t.generation, t.slot, TrialCoding.encode(t.genome), t.design, TrialCoding.encode(t.metrics),
                                 TrialCoding.encode(t.objectives), TrialCoding.encode(t.constraints),
                                 TrialCoding.storedViolation(t.violation), t.status.rawValue, t.error, t.seconds,
                                 Int64(bitPattern: t.seed), t.version, t.retries, t.worker, t.finishOrder, t.basis])
            n += db.changesCount
        }
        return n
    }

    @discardableResult
    public func enqueue(_ trials: [PendingTrial]) async throws -> Int {
        guard !trials.isEmpty else { return 0 }
        return try await write { db in
            var n = 0
            for t in trials {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO trial (generation, slot, genome, design, metrics, objectives, constraints, violation,
                                                 status, seconds, seed, version, basis)
                    VALUES (?, ?, ?, ?, '{}', '[]', '{}', 1e308, 'pending', 0, ?, ?, ?)
                    """, arguments: [t.generation, t.slot, TrialCoding.encode(t.genome), t.design, Int64(bitPattern: t.seed), t.version, t.basis])
                n += db.changesCount
            }
            return n
        }
    }

    public func claim(worker: String, leaseSeconds: Double) async throws -> TrialClaim? {
        try await write { db in try Self.claim(db, worker: worker, leaseSeconds: leaseSeconds) }
    }

    private static func claim(_ db: Database, worker: String, leaseSeconds: Double) throws -> TrialClaim? {
        let now = Date().timeIntervalSince1970
        guard let r = try Row.fetchOne(db, sql: """
            UPDATE trial SET status = 'running', worker = ?, attempt = attempt + 1, lease_expires = ?, heartbeat = ?
            WHERE number = (SELECT number FROM trial WHERE status = 'pending' ORDER BY generation, slot LIMIT 1)
            RETURNING number, generation, slot, genome, design, seed, version, attempt, retries
            """, arguments: [worker, now + leaseSeconds, now]) else { return nil }
        return TrialClaim(number: r["number"], generation: r["generation"], slot: r["slot"], genome: TrialCoding.decodeDoubles(r["genome"]),
                          design: r["design"], seed: UInt64(bitPattern: r["seed"] as Int64), version: r["version"],
                          worker: worker, attempt: r["attempt"], retries: r["retries"])
    }

    private static let held = "number = ? AND status = 'running' AND worker = ? AND attempt = ?"
    /// The next finish order: one writer at a time, so max + 1 inside the write is commit order
    /// (the unique index makes the maximum one index lookup).
    private static let nextFinishOrder = "(SELECT coalesce(max(finish_order), 0) + 1 FROM trial)"

    @discardableResult
    public func heartbeat(_ claim: TrialClaim, leaseSeconds: Double) async throws -> Bool {
        try await write { db in
            let now = Date().timeIntervalSince1970
            try db.execute(sql: "UPDATE trial SET lease_expires = ?, heartbeat = ? WHERE \(Self.held)",
                           arguments: [now + leaseSeconds, now, claim.number, claim.worker, claim.attempt])
            return db.changesCount > 0
        }
    }

    @discardableResult
    public func complete(_ claim: TrialClaim, with r: TrialResult) async throws -> Bool {
        try await write { db in try Self.complete(db, claim, with: r) }
    }

    private static func complete(_ db: Database, _ claim: TrialClaim, with r: TrialResult) throws -> Bool {
        try db.execute(sql: """
            UPDATE trial SET status = 'complete', metrics = ?, objectives = ?, constraints = ?, violation = ?, seconds = ?,
                             error = NULL, lease_expires = NULL, finish_order = coalesce(finish_order, \(Self.nextFinishOrder))
            WHERE number = ? AND status IN ('running', 'complete') AND worker = ? AND attempt = ?
            """, arguments: [TrialCoding.encode(r.metrics), TrialCoding.encode(r.objectives), TrialCoding.encode(r.constraints),
                             TrialCoding.storedViolation(r.violation), r.seconds, claim.number, claim.worker, claim.attempt])
        return db.changesCount > 0
    }

    /// ``complete(_:with:)`` and ``claim(worker:leaseSeconds:)`` in one write transaction.
    public func completeAndClaim(_ claim: TrialClaim, with r: TrialResult, worker: String,
                                 leaseSeconds: Double) async throws -> (completed: Bool, next: TrialClaim?) {
        try await write { db in
            let completed = try Self.complete(db, claim, with: r)
            return (completed, try Self.claim(db, worker: worker, leaseSeconds: leaseSeconds))
        }
    }

    @discardableResult
    public func fail(_ claim: TrialClaim, reason: String, seconds: Double, retry: Bool, maxRetries: Int) async throws -> FailOutcome {
        try await write { db in
            guard let retries = try Int.fetchOne(db, sql: "SELECT retries FROM trial WHERE \(Self.held)",
                                                 arguments: [claim.number, claim.worker, claim.attempt]) else { return .claimLost }
            if retry && retries < maxRetries {
                try db.execute(sql: "UPDATE trial SET status = 'pending', retries = retries + 1, error = ?, lease_expires = NULL WHERE number = ?",
                               arguments: [reason, claim.number])
                return .requeued(retries: retries + 1)
            }
            try db.execute(sql: "UPDATE trial SET status = 'failed', error = ?, violation = 1e308, seconds = ?, lease_expires = NULL, finish_order = \(Self.nextFinishOrder) WHERE number = ?",
                           arguments: [reason, seconds, claim.number])
            return .failed
        }
    }

    @discardableResult
    public func reclaimStale(maxRetries: Int) async throws -> ReclaimReport {
        try await write { db in
            let now = Date().timeIntervalSince1970
            var report = ReclaimReport()
            let rows = try Row.fetchAll(db, sql: "SELECT number, worker, attempt, retries FROM trial WHERE status = 'running' AND lease_expires < ?",
                                        arguments: [now])
            for r in rows {
                let retries: Int = r["retries"]
                let reason = TrialCoding.leaseExpired(worker: r["worker"], attempt: r["attempt"], retries: retries, maxRetries: maxRetries)
                if retries < maxRetries {
                    try db.execute(sql: "UPDATE trial SET status = 'pending', retries = retries + 1, error = ?, lease_expires = NULL WHERE number = ?",
                                   arguments: [reason, r["number"] as Int64])
                    report.requeued += 1
                } else {
                    try db.execute(sql: "UPDATE trial SET status = 'failed', error = ?, violation = 1e308, lease_expires = NULL, finish_order = \(Self.nextFinishOrder) WHERE number = ?",
                                   arguments: [reason, r["number"] as Int64])
                    report.failed += 1
                }
            }
            return report
        }
    }

    public func trials(generation: Int) async throws -> [Int: TrialRecord] {
        try await read { db in try Self.trials(generation: generation, db) }
    }

    static func trials(generation: Int, _ db: Database) throws -> [Int: TrialRecord] {
        let rows = try Row.fetchAll(db, sql: "SELECT * FROM trial WHERE generation = ?", arguments: [generation])
        return Dictionary(rows.map { r in let t = decode(r); return (t.slot, t) }, uniquingKeysWith: { a, _ in a })
    }

    public func trialPage(after cursor: Int64?, limit: Int) async throws -> (trials: [TrialRecord], next: Int64?) {
        try await read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM trial WHERE number > ? ORDER BY number LIMIT ?", arguments: [cursor ?? 0, limit])
            let next: Int64? = rows.count == limit ? rows.last?["number"] : nil
            return (rows.map(Self.decode), next)
        }
    }

    public func counts() async throws -> TrialCounts { try await read(Self.counts) }

    public func finishedTrials(afterFinishOrder finishOrder: Int64, limit: Int) async throws -> [TrialRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM trial WHERE finish_order > ? ORDER BY finish_order LIMIT ?",
                             arguments: [finishOrder, max(1, limit)]).map(Self.decode)
        }
    }

    public func lastProposal() async throws -> (generation: Int, slot: Int)? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT generation, slot FROM trial ORDER BY generation DESC, slot DESC LIMIT 1")
                .map { (generation: $0[0], slot: $0[1]) }
        }
    }

    public func hasGenome(_ genome: [Double], before generation: Int, slot: Int) async throws -> Bool {
        let text = TrialCoding.encode(genome)
        return try await read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM trial WHERE genome = ? AND (generation < ? OR (generation = ? AND slot < ?)))",
                              arguments: [text, generation, generation, slot]) ?? false
        }
    }

    static func counts(_ db: Database) throws -> TrialCounts {
        var c = TrialCounts()
        for r in try Row.fetchAll(db, sql: """
            SELECT status, COUNT(*), SUM(CASE WHEN violation = 0 THEN 1 ELSE 0 END) FROM trial GROUP BY status
            """) {
            let n: Int = r[1]
            switch TrialStatus(rawValue: r[0]) {
            case .pending: c.pending = n
            case .running: c.running = n
            case .complete: c.complete = n; c.feasible = r[2]
            case .failed: c.failed = n
            case nil: break
            }
        }
        return c
    }

    public func listStudies() async throws -> [StudySummary] { [StudySummary(name: name, counts: try await counts())] }

    public func close() async throws {
        try reader.close()
        if writer != nil { Self.removeWALFiles(path) }
    }

    deinit {
        if writer != nil {
            try? reader.close()
            Self.removeWALFiles(path)
        }
    }

    /// GRDB closes a pool's writer before its readers, so the last connection to close is a
    /// read-only one, which cannot checkpoint and delete -wal/-shm. One short read-write connection
    /// opened and closed afterwards does (SQLite deletes them only when no other process has the
    /// file open), so a finished study is one file that read-only readers can open as immutable.
    static func removeWALFiles(_ path: String) {
        guard FileManager.default.fileExists(atPath: path + "-wal") || FileManager.default.fileExists(atPath: path + "-shm") else { return }
        if let q = try? DatabaseQueue(path: path) { try? q.close() }
    }

    static func decode(_ r: Row) -> TrialRecord {
        TrialRecord(generation: r["generation"], slot: r["slot"], genome: TrialCoding.decodeDoubles(r["genome"]), design: r["design"],
                    metrics: TrialCoding.decodeDict(r["metrics"]), objectives: TrialCoding.decodeDoubles(r["objectives"]),
                    constraints: TrialCoding.decodeDict(r["constraints"]), violation: TrialCoding.loadedViolation(r["violation"]),
                    status: TrialStatus(rawValue: r["status"]) ?? .failed, error: r["error"], seconds: r["seconds"],
                    seed: UInt64(bitPattern: r["seed"] as Int64), version: r["version"],
                    retries: r["retries"] ?? 0, worker: r["worker"], finishOrder: r["finish_order"], basis: r["basis"])
    }
}
