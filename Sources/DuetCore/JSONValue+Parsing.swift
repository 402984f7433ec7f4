/// Reading JSON text into a ``JSONValue``, for inputs that arrive as JSON from outside (the
/// `duet serve` protocol, `--metrics` on the command line). The parser never traps: every
/// malformed input — invalid UTF-8, bad escapes, lone surrogates, numbers out of range, nesting
/// deeper than a limit, trailing garbage — is a ``JSONParseError`` with the byte offset.
///
/// Numbers: an integer literal (no fraction, no exponent) that fits `Int` is ``JSONValue/int(_:)``;
/// every other number is ``JSONValue/double(_:)``, and one beyond `Double`'s range is an error.
/// An object's keys keep their order; a repeated key keeps every occurrence (``JSONValue/subscript(_:)``
/// returns the last, as most JSON readers do).
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// Byte offset in the input where it was found.
    public var offset: Int

    public init(_ message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(message) at byte \(offset)" }
}

extension JSONValue {
    /// The deepest nesting of arrays and objects ``init(parsing:maxDepth:)`` accepts by default.
    public static let defaultMaxDepth = 256

    /// Parses one JSON value (surrounded by optional whitespace) from UTF-8 bytes.
    public init(parsing bytes: [UInt8], maxDepth: Int = JSONValue.defaultMaxDepth) throws(JSONParseError) {
        var p = JSONParser(bytes: bytes, maxDepth: maxDepth)
        self = try p.parseDocument()
    }

    /// Parses one JSON value from text.
    public init(parsing text: String, maxDepth: Int = JSONValue.defaultMaxDepth) throws(JSONParseError) {
        try self.init(parsing: Array(text.utf8), maxDepth: maxDepth)
    }

    // MARK: Reading parsed values

    /// The value of `key` in an object (the last occurrence), nil for a missing key or a non-object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let fields) = self else { return nil }
        return fields.last { $0.key == key }?.value
    }

    /// The fields of an object, nil for anything else.
    public var objectFields: [Field]? {
        if case .object(let f) = self { return f }
        return nil
    }

    /// The elements of an array, nil for anything else.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The text of a string, nil for anything else.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// A number as a `Double` (integers converted), nil for anything else.
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// An integer, or a double with an integral value that fits `Int`; nil otherwise.
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d): return d == d.rounded() && abs(d) < 9.0e18 ? Int(d) : nil
        default: return nil
        }
    }

    /// A boolean, nil for anything else.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// A short name of the value's JSON type for error messages ("a string", "an object", …).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int: return "an integer"
        case .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// A recursive-descent JSON parser over bytes with an explicit depth limit.
struct JSONParser {
    let bytes: [UInt8]
    let maxDepth: Int
    var i = 0
    var depth = 0

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipSpace()
        guard i < bytes.count else { throw JSONParseError("empty input: expected a JSON value", offset: i) }
        let v = try parseValue()
        skipSpace()
        if i < bytes.count { throw JSONParseError("unexpected text after the JSON value", offset: i) }
        return v
    }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard i < bytes.count else { throw JSONParseError("unexpected end of input: expected a value", offset: i) }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw JSONParseError("unexpected character \(Self.show(bytes[i])): expected a value", offset: i)
        }
    }

    static func show(_ b: UInt8) -> String {
        (0x21..<0x7F).contains(b) ? "'\(Character(UnicodeScalar(b)))'" : "byte 0x" + String(b, radix: 16)
    }

    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        let start = i
        guard bytes.count - i >= n else { throw JSONParseError("invalid literal: expected '\(word)'", offset: start) }
        let w = word.utf8Start
        for k in 0..<n where bytes[i + k] != w[k] { throw JSONParseError("invalid literal: expected '\(word)'", offset: start) }
        i += n
    }

    mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > maxDepth { throw JSONParseError("arrays and objects nest deeper than \(maxDepth)", offset: i) }
    }

    mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enter()
        i += 1
        var fields: [JSONValue.Field] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; depth -= 1; return .object(fields) }
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
                throw JSONParseError(i < bytes.count ? "expected a key in double quotes" : "unexpected end of input in an object", offset: i)
            }
            let key = try parseString()
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw JSONParseError("expected ':' after an object key", offset: i) }
            i += 1
            skipSpace()
            let value = try parseValue()
            fields.append(.init(key, value))
            skipSpace()
            guard i < bytes.count else { throw JSONParseError("unexpected end of input in an object", offset: i) }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; depth -= 1; return .object(fields) }
            throw JSONParseError("expected ',' or '}' in an object", offset: i)
        }
    }

    mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enter()
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; depth -= 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try parseValue())
            skipSpace()
            guard i < bytes.count else { throw JSONParseError("unexpected end of input in an array", offset: i) }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; depth -= 1; return .array(items) }
            throw JSONParseError("expected ',' or ']' in an array", offset: i)
        }
    }

    mutating func parseString() throws(JSONParseError) -> String {
        let start = i
        i += 1
        // Fast path: no escapes.
        var j = i
        var plain = true
        while j < bytes.count {
            let b = bytes[j]
            if b == UInt8(ascii: "\"") { break }
            if b == UInt8(ascii: "\\") || b < 0x20 { plain = false; break }
            j += 1
        }
        if plain {
            guard j < bytes.count else { throw JSONParseError("unterminated string", offset: start) }
            guard let s = String(validating: bytes[i..<j], as: UTF8.self) else { throw JSONParseError("invalid UTF-8 in a string", offset: i) }
            i = j + 1
            return s
        }
        var out: [UInt8] = []
        out.reserveCapacity(j - i + 16)
        while true {
            guard i < bytes.count else { throw JSONParseError("unterminated string", offset: start) }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { i += 1; break }
            if b < 0x20 { throw JSONParseError("control character \(Self.show(b)) in a string (escape it)", offset: i) }
            if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
            i += 1
            guard i < bytes.count else { throw JSONParseError("unterminated escape in a string", offset: i) }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code) {
                    guard bytes.count - i >= 6, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw JSONParseError("a high surrogate \\u escape without its low surrogate", offset: i)
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw JSONParseError("a high surrogate followed by no low surrogate", offset: i) }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(code) {
                    throw JSONParseError("a lone low surrogate \\u escape", offset: i)
                }
                guard let scalar = Unicode.Scalar(code) else { throw JSONParseError("an invalid \\u escape", offset: i) }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                throw JSONParseError("invalid escape \\\(Character(UnicodeScalar(e)))", offset: i - 1)
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw JSONParseError("invalid UTF-8 in a string", offset: start) }
        return s
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard bytes.count - i >= 4 else { throw JSONParseError("a \\u escape needs four hex digits", offset: i) }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[i]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw JSONParseError("a \\u escape needs four hex digits", offset: i)
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        func digits(_ p: inout JSONParser) -> Int {
            let s = p.i
            while p.i < p.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(p.bytes[p.i]) { p.i += 1 }
            return p.i - s
        }
        let intStart = i
        let n = digits(&self)
        guard n > 0 else { throw JSONParseError("a number needs digits", offset: i) }
        if n > 1 && bytes[intStart] == UInt8(ascii: "0") { throw JSONParseError("a number cannot start with 0", offset: intStart) }
        var integral = true
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            integral = false
            guard digits(&self) > 0 else { throw JSONParseError("a number needs digits after '.'", offset: i) }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            integral = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits(&self) > 0 else { throw JSONParseError("a number needs digits in its exponent", offset: i) }
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if integral, let v = Int(text) { return .int(v) }
        guard let d = Double(text), d.isFinite else { throw JSONParseError("the number \(InputIssue.capped(text, limit: 40)) is out of range", offset: start) }
        return .double(d)
    }
}
