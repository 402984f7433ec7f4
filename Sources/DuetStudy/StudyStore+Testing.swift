import Foundation
import GRDB
#if PostgreSQL
import PostgresNIO
#endif

// Hooks for the conformance tests (internal: reached with @testable import only). They run raw
// SQL to set up what a user cannot make through the API: a study of a newer schema, a foreign file.

#if PostgreSQL
extension PostgresStudyStore {
    /// Runs one statement on `url`'s database as given.
    static func _execute(_ url: PostgresURL, _ sql: String) async throws {
        let logger = Logger(label: "duet.study.test")
        let conn = try await connect(url, readOnly: false, logger: logger)
        do { try await conn.query(PostgresQuery(unsafeSQL: sql), logger: logger) } catch { try? await conn.close(); throw error }
        try await conn.close()
    }

    /// A client of its own on `url`'s database, for tests that play another worker inside an open
    /// transaction (statements run one at a time, as given).
    final class _RawSession: Sendable {
        let conn: PostgresConnection
        let logger = Logger(label: "duet.study.test")
        init(_ conn: PostgresConnection) { self.conn = conn }
        func run(_ sql: String) async throws { try await conn.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
        /// The first column of the first row, as an integer.
        func int(_ sql: String) async throws -> Int {
            var v = 0
            for try await (x) in try await conn.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(Int.self) { v = x }
            return v
        }
        func close() async { try? await conn.close() }
    }

    static func _rawSession(_ url: PostgresURL) async throws -> _RawSession {
        _RawSession(try await connect(url, readOnly: false, logger: Logger(label: "duet.study.test")))
    }
}
#endif

extension SQLiteStudyStore {
    /// Runs SQL on the file at `path` outside any study logic.
    static func _execute(_ path: String, _ sql: String) throws {
        let q = try DatabaseQueue(path: path)
        try q.write { try $0.execute(sql: sql) }
        try q.close()
    }
}
