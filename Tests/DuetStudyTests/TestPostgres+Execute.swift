import Foundation
import _DuetTestSupport
@testable import DuetStudy

extension TestPostgres {
    /// Runs one SQL statement as the server's superuser (tests only).
    static func execute(_ sql: String, database: String = "postgres") async throws {
        var url = try PostgresURL(parsing: try await baseURL())
        url.database = database
        try await PostgresStudyStore._execute(url, sql)
    }

}
