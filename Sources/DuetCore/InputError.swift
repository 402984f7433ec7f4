import Foundation

/// Errors in user input (files, command-line values, architecture strings): every problem
/// carries where it was found (file and key path), the bad value, what was wrong and how to fix
/// it. Loaders collect all problems of a file and throw them together as one ``InputError``.

/// One problem in user input.
public struct InputIssue: Sendable, Hashable, CustomStringConvertible {
    /// The file the problem is in, or nil for command-line input.
    public var file: String?
    /// Dotted key path inside the file, e.g. `layers[3].kernel`; empty for the whole document.
    public var keyPath: String
    /// The offending value as the user wrote it, when there is one.
    public var value: String?
    /// What is wrong.
    public var message: String
    /// How to fix it, e.g. "did you mean 'pe_rows'?".
    public var hint: String?

    public init(file: String? = nil, keyPath: String = "", value: String? = nil, message: String, hint: String? = nil) {
        self.file = file
        self.keyPath = keyPath
        self.value = value
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var where_ = ""
        if let file { where_ = file }
        if !keyPath.isEmpty { where_ += where_.isEmpty ? "at \(keyPath)" : " at \(keyPath)" }
        let message = InputIssue.capped(self.message, limit: 4 * InputIssue.echoLimit)
        var s = where_.isEmpty ? message : "\(where_): \(message)"
        if let value { s += " (got '\(InputIssue.capped(value))')" }
        if let hint { s += "; \(InputIssue.capped(hint, limit: 4 * InputIssue.echoLimit))" }
        return s
    }

    /// The most characters of a user's value echoed in a message (a 5 KB line of garbage is
    /// shown as its first 200 characters and its length).
    public static let echoLimit = 200

    /// `text` cut to `limit` characters (line breaks shown as ⏎) with its full length noted.
    public static func capped(_ text: String, limit: Int = echoLimit) -> String {
        let flat = text.contains(where: \.isNewline) && limit == echoLimit
            ? text.replacingOccurrences(of: "\r\n", with: "⏎").replacingOccurrences(of: "\n", with: "⏎") : text
        guard flat.count > limit else { return flat }
        return String(flat.prefix(limit)) + "… (\(text.count) characters)"
    }
}

/// All the problems found in one piece of input, reported together. Exit code 2 in the CLI.
public struct InputError: Error, Sendable, Hashable, CustomStringConvertible {
    public var issues: [InputIssue]

    public init(_ issues: [InputIssue]) {
        precondition(!issues.isEmpty, "an InputError needs at least one issue")
        self.issues = issues
    }

    public init(file: String? = nil, keyPath: String = "", value: String? = nil, message: String, hint: String? = nil) {
        self.init([InputIssue(file: file, keyPath: keyPath, value: value, message: message, hint: hint)])
    }

    public var description: String {
        issues.count == 1
            ? issues[0].description
            : "\(issues.count) problems:\n" + issues.map { "  - \($0.description)" }.joined(separator: "\n")
    }

    /// The same issues re-attributed to `file` where they name none.
    public func inFile(_ file: String) -> InputError {
        InputError(issues.map { var i = $0; if i.file == nil { i.file = file }; return i })
    }

    /// The same issues with `prefix` prepended to their key paths.
    public func under(_ prefix: String) -> InputError {
        InputError(issues.map { var i = $0; i.keyPath = KeyPaths.join(prefix, i.keyPath); return i })
    }
}

/// Collects issues while validating, then throws them all at once.
public struct IssueCollector: Sendable {
    public private(set) var issues: [InputIssue] = []
    public var file: String?

    public init(file: String? = nil) { self.file = file }

    public mutating func add(_ keyPath: String, value: String? = nil, _ message: String, hint: String? = nil) {
        issues.append(InputIssue(file: file, keyPath: keyPath, value: value, message: message, hint: hint))
    }

    public mutating func add(_ error: InputError) {
        issues.append(contentsOf: error.issues.map { var i = $0; if i.file == nil { i.file = file }; return i })
    }

    /// Runs `body`, recording an ``InputError`` it throws instead of propagating it; returns nil then.
    public mutating func attempt<T>(_ body: () throws -> T) rethrows -> T? {
        do { return try body() } catch let e as InputError { add(e); return nil }
    }

    public var isEmpty: Bool { issues.isEmpty }

    /// Throws every collected issue as one ``InputError``; does nothing when there are none.
    public func throwIfAny() throws {
        if !issues.isEmpty { throw InputError(issues) }
    }
}

/// Helpers for dotted key paths such as `subaccelerators[1].pe_rows`.
public enum KeyPaths {
    public static func join(_ a: String, _ b: String) -> String {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        return b.hasPrefix("[") ? a + b : a + "." + b
    }
}
