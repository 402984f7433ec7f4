import DuetCore

/// A JSON-RPC 2.0 error object as `duet serve` answers it: a code, a message, and for input errors
/// the issues of Duet's ``InputError`` (file, key, value, fix) under `data.issues`.
public struct RPCError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The error codes of the protocol (docs/FORMATS.md, "duet serve").
    public enum Code: Int, Sendable, Hashable {
        /// The line is not valid JSON (the response's id is null).
        case parseError = -32700
        /// Valid JSON but not a request object (no `"jsonrpc": "2.0"`, no method string, a bad id).
        case invalidRequest = -32600
        /// No such method.
        case methodNotFound = -32601
        /// The params are not an object, a parameter is missing or has the wrong type.
        case invalidParams = -32602
        /// Duet's ``InputError``: a file, a network, a value the user can fix.
        case inputError = -32000
        /// The evaluation itself failed (an external accuracy command, an internal error).
        case evaluationFailed = -32001
    }

    public var code: Code
    public var message: String
    /// The problems, each with file, key path, value and fix (empty when there is nothing to add).
    public var issues: [InputIssue]

    public init(_ code: Code, _ message: String, issues: [InputIssue] = []) {
        self.code = code
        self.message = message
        self.issues = issues
    }

    /// An ``InputError`` as an error object (code -32000).
    public init(_ error: InputError) {
        self.init(.inputError, InputIssue.capped(error.description, limit: 4 * InputIssue.echoLimit), issues: error.issues)
    }

    /// A parameter problem (code -32602) at `key` with the value received and the fix.
    public static func invalidParams(_ key: String, value: JSONValue? = nil, _ message: String, fix: String? = nil) -> RPCError {
        let issue = InputIssue(keyPath: key, value: value.map { InputIssue.capped($0.serialized(pretty: false)) }, message: message, hint: fix)
        return RPCError(.invalidParams, issue.description, issues: [issue])
    }

    /// Any error as an error object: ``RPCError`` as it is, ``InputError`` as code -32000, anything else -32001.
    public static func from(_ error: Error) -> RPCError {
        switch error {
        case let e as RPCError: return e
        case let e as InputError: return RPCError(e)
        default: return RPCError(.evaluationFailed, InputIssue.capped("\(error)", limit: 4 * InputIssue.echoLimit))
        }
    }

    /// `{"code": …, "message": …, "data": {"issues": [...]}}` (`data` only when there are issues).
    public var json: JSONValue {
        var fields: [JSONValue.Field] = [.init("code", .int(code.rawValue)), .init("message", .string(message))]
        if !issues.isEmpty {
            fields.append(.init("data", .obj(["issues": .array(issues.map { i in
                .obj(["file": i.file.map { .string($0) } ?? .null, "key": .string(i.keyPath),
                      "value": i.value.map { .string(InputIssue.capped($0)) } ?? .null,
                      "message": .string(InputIssue.capped(i.message, limit: 4 * InputIssue.echoLimit)),
                      "fix": i.hint.map { .string(InputIssue.capped($0, limit: 4 * InputIssue.echoLimit)) } ?? .null])
            })])))
        }
        return .object(fields)
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// A request's `params` object with typed getters that throw ``RPCError/invalidParams(_:value:_:fix:)``
/// naming the parameter, what it got and what it takes.
struct Params: Sendable {
    let value: JSONValue
    /// The key path prefix of errors (`params`, or `params.designs[3]` inside a batch).
    let path: String

    init(_ value: JSONValue, path: String = "params") {
        self.value = value
        self.path = path
    }

    func key(_ k: String) -> String { KeyPaths.join(path, k) }

    func has(_ k: String) -> Bool { value[k] != nil && value[k] != .null }

    subscript(_ k: String) -> JSONValue? { value[k].flatMap { $0 == .null ? nil : $0 } }

    func string(_ k: String) throws -> String? {
        guard let v = self[k] else { return nil }
        guard let s = v.stringValue else { throw RPCError.invalidParams(key(k), value: v, "\(k) must be a string, not \(v.typeName)") }
        return s
    }

    func requiredString(_ k: String, example: String) throws -> String {
        guard let s = try string(k) else {
            throw RPCError.invalidParams(key(k), "missing parameter '\(k)'", fix: "add \"\(k)\": \(example)")
        }
        return s
    }

    func int(_ k: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let v = self[k] else { return nil }
        guard let n = v.intValue else { throw RPCError.invalidParams(key(k), value: v, "\(k) must be an integer, not \(v.typeName)") }
        guard range.contains(n) else {
            throw RPCError.invalidParams(key(k), value: v, "\(k) must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return n
    }

    func double(_ k: String) throws -> Double? {
        guard let v = self[k] else { return nil }
        guard let d = v.doubleValue, d.isFinite else { throw RPCError.invalidParams(key(k), value: v, "\(k) must be a number, not \(v.typeName)") }
        return d
    }

    func bool(_ k: String) throws -> Bool? {
        guard let v = self[k] else { return nil }
        guard let b = v.boolValue else { throw RPCError.invalidParams(key(k), value: v, "\(k) must be true or false, not \(v.typeName)") }
        return b
    }

    /// A list of strings; a single string is a list of one.
    func strings(_ k: String) throws -> [String]? {
        guard let v = self[k] else { return nil }
        if let s = v.stringValue { return [s] }
        guard let a = v.arrayValue else { throw RPCError.invalidParams(key(k), value: v, "\(k) must be a list of strings, not \(v.typeName)") }
        return try a.enumerated().map { i, x in
            guard let s = x.stringValue else { throw RPCError.invalidParams(key(k) + "[\(i)]", value: x, "\(k) must hold strings, not \(x.typeName)") }
            return s
        }
    }

    /// `key=value` overrides from a list of strings or an object `{key: value}` (numbers, strings, booleans).
    func overrides(_ k: String) throws -> [String] {
        guard let v = self[k] else { return [] }
        if let fields = v.objectFields {
            return try fields.map { f in
                switch f.value {
                case .string(let s): return "\(f.key)=\(s)"
                case .int, .double, .bool: return "\(f.key)=\(f.value.serialized(pretty: false))"
                default: throw RPCError.invalidParams(key(k) + "." + f.key, value: f.value, "an override's value must be a number, string or boolean, not \(f.value.typeName)")
                }
            }
        }
        guard let list = try? strings(k) else {
            throw RPCError.invalidParams(key(k), value: v, "\(k) must be an object {key: value} or a list of \"key=value\" strings, not \(v.typeName)")
        }
        return list
    }
}
