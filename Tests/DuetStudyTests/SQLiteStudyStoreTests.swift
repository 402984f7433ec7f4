import DuetCore
import Foundation
import Testing
@testable import DuetStudy

@Suite("SQLite studies") struct SQLiteStudyStoreTests {
    func tempDir() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite-study-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// A study as Duet wrote it before schemas were versioned (the DDL of the schema-1 Study class).
    func writeSchema1Study(_ path: String) throws {
        try SQLiteStudyStore._execute(path, """
            PRAGMA journal_mode = WAL;
            CREATE TABLE study (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
            CREATE TABLE trial (
                number INTEGER PRIMARY KEY AUTOINCREMENT,
                generation INTEGER NOT NULL, slot INTEGER NOT NULL,
                genome TEXT NOT NULL, design TEXT NOT NULL, metrics TEXT NOT NULL, objectives TEXT NOT NULL,
                constraints TEXT NOT NULL, violation REAL NOT NULL, status TEXT NOT NULL, error TEXT,
                seconds REAL NOT NULL, seed INTEGER NOT NULL, version TEXT NOT NULL,
                created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
                UNIQUE (generation, slot));
            INSERT INTO study VALUES ('objectives', 'accuracy,latency_ms'), ('maximize', '1,0'), ('seed', '42'),
                ('budgets', 'latency_ms=12.5'), ('accuracy', 'cifar=table:acc.csv'), ('config', 'tasks: []'),
                ('config_path', '/tmp/config.yaml'), ('duet_version', '0.1'), ('signature', 'sig');
            INSERT INTO trial (generation, slot, genome, design, metrics, objectives, constraints, violation, status, error, seconds, seed, version)
                VALUES (0, 0, '[1.5,2]', '{}', '{"accuracy":90.5}', '[90.5,3]', '{"latency_ms":-0.5}', 0, 'complete', NULL, 0.25, 42, '0.1'),
                       (0, 1, '[2.5,3]', '{}', '{}', '[]', '{}', 1e308, 'failed', 'timed out', 5, 42, '0.1');
            """)
    }

    @Test func schema1StudyIsMigratedWithItsSettingsTyped() async throws {
        let dir = try tempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/old.sqlite"
        try writeSchema1Study(path)
        let store = try SQLiteStudyStore(path: path, mode: .open)
        #expect(try await store.schemaVersion() == StudySchema.current)
        let s = try #require(try await store.settings())
        #expect(s.objectives == [.init(name: "accuracy", direction: .maximize), .init(name: "latency_ms", direction: .minimize)])
        #expect(s.budgets == [.init(name: "latency_ms", limit: 12.5)] && s.seed == 42 && s.config == "tasks: []")
        #expect(s.accuracy == [.init(task: "cifar", label: "table:acc.csv")] && s.duetVersion == "0.1")
        let g0 = try await store.trials(generation: 0)
        #expect(g0[0]?.status == .complete && g0[0]?.metrics == ["accuracy": 90.5])
        #expect(g0[1]?.status == .failed && g0[1]?.violation == .infinity && g0[1]?.error == "timed out")
        #expect(try await store.attribute("signature") == "sig")
        // The queue works on the migrated study.
        #expect(try await store.enqueue([samplePending(1, 0)]) == 1)
        #expect(try await store.claim(worker: "w", leaseSeconds: 10)?.generation == 1)
        try await store.close()
        // And the pre-protocol API still answers the schema-1 keys.
        let study = try Study(path: path)
        #expect(try study.setting("objectives") == "accuracy,latency_ms" && study.trialCount() == 2)
    }

    @Test func schema1StudyIsReadOnlyThroughAMigratedCopy() async throws {
        let dir = try tempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/old.sqlite"
        try writeSchema1Study(path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let store = try SQLiteStudyStore(path: path, mode: .readOnly)
        #expect(try await store.schemaVersion() == 1)
        #expect(try await store.settings()?.seed == 42)
        #expect(try await store.counts() == TrialCounts(complete: 1, failed: 1, feasible: 1))
        try await store.close()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func someoneElsesDatabaseIsRefusedAndUntouched() throws {
        let dir = try tempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/app.db"
        try SQLiteStudyStore._execute(path, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'ada');")
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        for mode in [StudyOpenMode.create, .open, .readOnly] {
            let e = #expect(throws: InputError.self) { _ = try SQLiteStudyStore(path: path, mode: mode) }
            #expect(e?.description.contains("not a Duet study") == true && e?.description.contains("users") == true)
        }
        #expect(throws: InputError.self) { _ = try Study(path: path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["app.db"])
    }

    @Test func aTableNamedTrialDoesNotMakeAStudy() throws {
        let dir = try tempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/lab.db"
        try SQLiteStudyStore._execute(path, "CREATE TABLE study (key TEXT, value TEXT); CREATE TABLE trial (id INTEGER, result REAL);")
        #expect(throws: InputError.self) { _ = try SQLiteStudyStore(path: path, mode: .create) }
    }

    @Test func aFileThatIsNotSQLiteIsRefused() throws {
        let dir = try tempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/notes.txt"
        try "these are my notes, not a database\n".write(toFile: path, atomically: true, encoding: .utf8)
        let e = #expect(throws: InputError.self) { _ = try SQLiteStudyStore(path: path, mode: .create) }
        #expect(e?.description.contains("not an SQLite database") == true)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "these are my notes, not a database\n")
    }

    @Test func aReadOnlyStudyIsReadWithoutLeavingFiles() async throws {
        let dir = try tempDir()
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir)
            try? FileManager.default.removeItem(atPath: dir)
        }
        let path = dir + "/study.sqlite"
        do {
            let w = try SQLiteStudyStore(path: path, mode: .create)
            try await w.setSettingsOnce(sampleSettings)
            try await w.record((0..<5).map { sampleTrial(0, $0, Double($0)) })
            try await w.close()
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["study.sqlite"])
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: dir)
        let r = try SQLiteStudyStore(path: path, mode: .readOnly)
        #expect(try await r.counts().complete == 5)
        #expect(try await r.settings() == sampleSettings)
        var n = 0
        for try await _ in r.allTrials(pageSize: 2) { n += 1 }
        #expect(n == 5)
        try await r.close()
        let legacy = try Study(path: path, mode: .readOnly)
        #expect(try legacy.trials().count == 5 && legacy.setting("objectives") == "accuracy,latency_ms")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["study.sqlite"])
    }

    @Test func readersBesideALiveWriterSeeItsTrials() async throws {
        let dir = try tempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/live.sqlite"
        let w = try SQLiteStudyStore(path: path, mode: .create)
        try await w.record(sampleTrial(0, 0, 1))
        let r = try SQLiteStudyStore(path: path, mode: .readOnly)
        try await w.record(sampleTrial(0, 1, 2))
        #expect(try await r.counts().complete == 2)
        try await r.close(); try await w.close()
    }
}
