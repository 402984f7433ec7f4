import DuetCore
import Foundation
import GRDB

/// A persistent study in an SQLite file, with the synchronous API Duet used before ``StudyStore``
/// (the explore driver and the report still call it). It is a thin view of an ``SQLiteStudyStore``
/// (``store``): trials are keyed by (generation, slot), so a resumed run that replays the same
/// seeded ask/tell sequence finds its finished trials instead of evaluating them again — nothing
/// is lost or duplicated, even after `kill -9`.
public final class Study: Sendable {
    public let path: String
    /// The same study through the backend-independent protocol.
    public let store: SQLiteStudyStore

    /// Opens or creates the study at `path` (read-write; migrates an older study; refuses a file
    /// that is not a Duet study or one written by a newer Duet).
    public convenience init(path: String) throws {
        try self.init(path: path, mode: .create)
    }

    /// Opens the study at `path` in `mode` (``StudyOpenMode/readOnly`` for commands that only read).
    public init(path: String, mode: StudyOpenMode) throws {
        self.path = path
        self.store = try SQLiteStudyStore(path: path, mode: mode)
    }

    // MARK: Settings (key/value; the typed settings answer for the schema-1 keys)

    /// The value of `key`: a free key/value entry, or for the schema-1 setting keys (`objectives`,
    /// `maximize`, `budgets`, `accuracy`, `config`, `config_path`, `seed`, `duet_version`) the
    /// typed settings' value when the study has typed settings.
    public func setting(_ key: String) throws -> String? {
        try store.readSync { db in
            if let v = try String.fetchOne(db, sql: "SELECT value FROM study WHERE key = ?", arguments: [key]) { return v }
            guard StudySettings.legacyKeys.contains(key),
                  let json = try String.fetchOne(db, sql: "SELECT json FROM study_settings WHERE id = 1") else { return nil }
            return try StudySettings.fromJSON(json).legacyValues[key]
        }
    }

    /// Sets `key` unless it is already set; returns the stored value (so concurrent writers agree).
    @discardableResult
    public func setSettingOnce(_ key: String, _ value: String) throws -> String {
        try store.writeSync { db in
            try db.execute(sql: "INSERT OR IGNORE INTO study (key, value) VALUES (?, ?)", arguments: [key, value])
            return try String.fetchOne(db, sql: "SELECT value FROM study WHERE key = ?", arguments: [key]) ?? value
        }
    }

    /// Sets `key` to `value`, replacing what was there (results derived from the trials, e.g. a
    /// baseline comparison, that a later run may recompute).
    public func setSetting(_ key: String, _ value: String) throws {
        try store.writeSync { db in try db.execute(sql: "INSERT OR REPLACE INTO study (key, value) VALUES (?, ?)", arguments: [key, value]) }
    }

    /// Every key/value entry, sorted by key.
    public func settings() throws -> [(String, String)] {
        try store.readSync { db in try Row.fetchAll(db, sql: "SELECT key, value FROM study ORDER BY key").map { ($0[0], $0[1]) } }
    }

    // MARK: Trials

    /// Stores a finished trial unless one with its (generation, slot) exists; returns whether it was new.
    @discardableResult
    public func record(_ t: TrialRecord) throws -> Bool {
        try store.writeSync { db in try SQLiteStudyStore.record([t], db) } == 1
    }

    /// The finished (`complete` or `failed`) trials of one generation, by slot.
    public func trials(generation: Int) throws -> [Int: TrialRecord] {
        try store.readSync { db in try SQLiteStudyStore.trials(generation: generation, db).filter { $0.value.status.isFinished } }
    }

    /// Every finished trial, in the order they were stored. Holds them all: prefer
    /// ``StudyStore/allTrials(pageSize:)`` for large studies.
    public func trials() throws -> [TrialRecord] {
        try store.readSync { db in
            try Row.fetchAll(db, sql: "SELECT * FROM trial WHERE status IN ('complete', 'failed') ORDER BY number").map(SQLiteStudyStore.decode)
        }
    }

    /// The number of finished trials.
    public func trialCount() throws -> Int {
        try store.readSync { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM trial WHERE status IN ('complete', 'failed')") ?? 0 }
    }
}
