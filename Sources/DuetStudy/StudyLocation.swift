import DuetCore
import Foundation

/// Where a study lives: an SQLite file or a study in a PostgreSQL database.
///
/// Parsed from what the user typed: `postgresql://…` or `postgres://…` is PostgreSQL; anything
/// else is a path to an SQLite file. The `description` never shows a password.
public enum StudyLocation: Sendable, Hashable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresURL)

    public init(parsing text: String) throws {
        let lower = text.lowercased()
        if lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://") {
            self = .postgres(try PostgresURL(parsing: text))
        } else if lower.contains("://") {
            throw InputError(value: text, message: "unsupported study URL scheme",
                             hint: "give a path to an SQLite file or a URL postgresql://USER@HOST:PORT/DB?study=NAME")
        } else {
            guard !text.isEmpty else { throw InputError(message: "empty study path", hint: "give a path such as study.sqlite") }
            self = .sqlite(path: text)
        }
    }

    /// Whether the study is in a PostgreSQL database (shared by hosts through its queue).
    public var isPostgres: Bool { if case .postgres = self { return true }; return false }

    /// The location as the user may see it: the path, or the URL with its password masked.
    public var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let url): return url.description
        }
    }
}

/// A PostgreSQL study URL: `postgresql://USER[:PASSWORD]@HOST[:PORT]/DB?study=NAME[&sslmode=MODE]`.
///
/// The password comes from the URL, else `PGPASSWORD`, else `~/.pgpass` (or `PGPASSFILE`), as with
/// libpq; it is never shown (``description`` masks it) and never stored in a study.
public struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    public enum SSLMode: String, Sendable, Hashable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS if the server offers it (the default, as libpq's `prefer`); `allow` means the same here.
        case prefer, allow
        /// TLS or fail; the certificate is not verified (libpq's `require`).
        case require
        /// TLS with the certificate verified against the system's roots (and, for verify-full, the host name).
        case verifyCA = "verify-ca", verifyFull = "verify-full"
    }

    public var user: String
    /// The password as resolved from the URL, PGPASSWORD or ~/.pgpass; nil when none was found.
    public var password: String?
    public var host: String
    /// TCP port; 5432 unless the URL names one.
    public var port: Int
    public var database: String
    /// The study's name (`?study=`); nil in a URL that names only a database (e.g. for listing).
    public var study: String?
    public var sslMode: SSLMode
    /// Where the password came from, for messages: "URL", "PGPASSWORD", the pgpass file's path, or nil.
    public var passwordSource: String?

    public init(parsing text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        func bad(_ message: String, _ hint: String = "write postgresql://USER[:PASSWORD]@HOST[:PORT]/DB?study=NAME") -> InputError {
            InputError(value: PostgresURL.masked(text), message: message, hint: hint)
        }
        guard let c = URLComponents(string: text) else { throw bad("not a valid URL") }
        guard let host = c.host, !host.isEmpty else { throw bad("the URL names no host") }
        self.host = host
        self.port = c.port ?? 5432
        guard (1...65535).contains(port) else { throw bad("port \(port) is out of range 1…65535") }
        let db = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        guard !db.isEmpty, !db.contains("/") else { throw bad("the URL names no database (…@HOST:PORT/DB)") }
        self.database = db
        self.user = c.user ?? environment["PGUSER"] ?? environment["USER"] ?? "postgres"
        var study: String? = nil, ssl = SSLMode.prefer
        for item in c.queryItems ?? [] {
            switch item.name {
            case "study":
                guard let v = item.value, !v.isEmpty else { throw bad("empty study name", "write ?study=NAME") }
                study = v
            case "sslmode":
                guard let v = item.value, let m = SSLMode(rawValue: v) else {
                    throw bad("unknown sslmode '\(item.value ?? "")'", "use sslmode=disable, prefer, require, verify-ca or verify-full")
                }
                ssl = m
            case "connect_timeout", "application_name": continue
            default:
                throw bad("unknown URL parameter '\(item.name)'", "Duet reads study=NAME and sslmode=MODE")
            }
        }
        self.study = study
        self.sslMode = ssl
        if let p = c.password {
            password = p; passwordSource = "URL"
        } else if let p = environment["PGPASSWORD"] {
            password = p; passwordSource = "PGPASSWORD"
        } else {
            let file = environment["PGPASSFILE"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.pgpass")
            if let p = PostgresURL.pgpassLookup(file: file, host: host, port: port, database: db, user: user) {
                password = p; passwordSource = file
            } else {
                password = nil; passwordSource = nil
            }
        }
    }

    /// `host:port`, for messages.
    public var endpoint: String { "\(host):\(port)" }

    /// The URL with the password masked (`***`) and no password from elsewhere added.
    public var description: String {
        var s = "postgresql://\(user)\(passwordSource == "URL" ? ":***" : "")@\(host):\(port)/\(database)"
        var q: [String] = []
        if let study { q.append("study=\(study)") }
        if sslMode != .prefer { q.append("sslmode=\(sslMode.rawValue)") }
        if !q.isEmpty { s += "?" + q.joined(separator: "&") }
        return s
    }

    /// The same URL for another study in the same database.
    public func withStudy(_ name: String?) -> PostgresURL { var u = self; u.study = name; return u }

    /// `text` with any password between `://user:` and `@` replaced by `***` (for messages about unparsable URLs).
    public static func masked(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].lastIndex(of: "@") else { return text }
        let auth = text[scheme.upperBound..<at]
        guard let colon = auth.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }

    /// The password for (host, port, database, user) in a pgpass file (`host:port:db:user:password`
    /// lines, `*` matches anything, `\:` and `\\` escape), as libpq reads it; nil when none matches.
    static func pgpassLookup(file: String, host: String, port: Int, database: String, user: String) -> String? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            var fields: [String] = [], cur = "", escaped = false
            for ch in line {
                if escaped { cur.append(ch); escaped = false } else if ch == "\\" { escaped = true } else if ch == ":" && fields.count < 4 {
                    fields.append(cur); cur = ""
                } else { cur.append(ch) }
            }
            fields.append(cur)
            guard fields.count == 5 else { continue }
            let hostOK = fields[0] == "*" || fields[0] == host || (fields[0] == "localhost" && host == "127.0.0.1")
            if hostOK && (fields[1] == "*" || fields[1] == String(port)) && (fields[2] == "*" || fields[2] == database)
                && (fields[3] == "*" || fields[3] == user) {
                return fields[4]
            }
        }
        return nil
    }
}
