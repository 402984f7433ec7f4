import Foundation

/// A JSON document with ordered object keys, written deterministically. Duet's machine-readable
/// outputs are built as `JSONValue`s so that key order follows the documented schema and the same
/// input always gives byte-identical output.
public indirect enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([Field])

    public struct Field: Sendable, Hashable {
        public var key: String
        public var value: JSONValue
        public init(_ key: String, _ value: JSONValue) { self.key = key; self.value = value }
    }

    /// Builds an object from key/value pairs in the given order.
    public static func obj(_ pairs: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .object(pairs.map { Field($0.key, $0.value) })
    }

    /// This object with `field` appended (nil: unchanged; not an object: unchanged).
    public func adding(_ field: (String, JSONValue)?) -> JSONValue {
        guard let field, case .object(var fields) = self else { return self }
        fields.append(Field(field.0, field.1))
        return .object(fields)
    }

    /// Serialized text; `pretty` indents by two spaces.
    public func serialized(pretty: Bool = true) -> String {
        var out = ""
        write(into: &out, indent: pretty ? 0 : nil)
        return out
    }

    private func write(into out: inout String, indent: Int?) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += JSONValue.format(d)
        case .string(let s): JSONValue.escape(s, into: &out)
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            let scalarOnly = a.allSatisfy { if case .array = $0 { return false }; if case .object = $0 { return false }; return true }
            if scalarOnly || indent == nil {
                out += "["
                for (i, v) in a.enumerated() {
                    if i > 0 { out += indent == nil ? "," : ", " }
                    v.write(into: &out, indent: nil)
                }
                out += "]"
                return
            }
            let ind = indent!
            out += "[\n"
            for (i, v) in a.enumerated() {
                out += String(repeating: " ", count: ind + 2)
                v.write(into: &out, indent: ind + 2)
                out += i + 1 < a.count ? ",\n" : "\n"
            }
            out += String(repeating: " ", count: ind) + "]"
        case .object(let fields):
            if fields.isEmpty { out += "{}"; return }
            guard let ind = indent else {
                out += "{"
                for (i, f) in fields.enumerated() {
                    if i > 0 { out += "," }
                    JSONValue.escape(f.key, into: &out); out += ":"
                    f.value.write(into: &out, indent: nil)
                }
                out += "}"
                return
            }
            out += "{\n"
            for (i, f) in fields.enumerated() {
                out += String(repeating: " ", count: ind + 2)
                JSONValue.escape(f.key, into: &out); out += ": "
                f.value.write(into: &out, indent: ind + 2)
                out += i + 1 < fields.count ? ",\n" : "\n"
            }
            out += String(repeating: " ", count: ind) + "}"
        }
    }

    /// Shortest round-tripping decimal form; integral values print without exponent up to 1e15.
    public static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }

    private static func escape(_ s: String, into out: inout String) {
        // Almost every key and value needs no escape: copy it whole (one append, not one per scalar).
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            out += "\""
            out += s
            out += "\""
            return
        }
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        out += "\""
    }
}
