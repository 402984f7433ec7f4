/// Writes a ``JSONValue`` as block-style YAML: mappings as `key: value` lines, lists of scalars in
/// flow style (`[3, 32, 32]`), strings quoted only where YAML would misread them. Parsing the
/// output gives back the same tree.
public enum YAMLWriter {
    public static func write(_ value: JSONValue) -> String {
        var out = ""
        emit(value, indent: 0, into: &out, inList: false)
        return out
    }

    private static func isScalar(_ v: JSONValue) -> Bool {
        switch v { case .array, .object: return false; default: return true }
    }

    private static func scalar(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return JSONValue.format(d)
        case .string(let s): return quoteIfNeeded(s)
        case .array(let a): return "[" + a.map(scalar).joined(separator: ", ") + "]"
        case .object: return "{}"
        }
    }

    /// Quotes a string when it would otherwise parse as another type or break the syntax.
    public static func quoteIfNeeded(_ s: String) -> String {
        let special: Set<Character> = [":", "#", "[", "]", "{", "}", ",", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`", "\\", "\n", "\t"]
        let reserved = ["true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"]
        let needs = s.isEmpty || s.first == " " || s.last == " " || s.first == "-" || s.first == "?"
            || s.contains(where: { special.contains($0) }) || reserved.contains(s.lowercased())
            || Double(s) != nil || Int(s) != nil
        return needs ? JSONValue.string(s).serialized(pretty: false) : s
    }

    private static func emit(_ v: JSONValue, indent: Int, into out: inout String, inList: Bool) {
        let pad = String(repeating: " ", count: indent)
        switch v {
        case .object(let fields):
            if fields.isEmpty { out += "{}\n"; return }
            for (i, f) in fields.enumerated() {
                if !(inList && i == 0) { out += pad }
                out += quoteIfNeeded(f.key) + ":"
                if isScalar(f.value) || isScalarArray(f.value) {
                    out += " " + scalar(f.value) + "\n"
                } else if case .object(let inner) = f.value, inner.isEmpty {
                    out += " {}\n"
                } else if case .array(let inner) = f.value, inner.isEmpty {
                    out += " []\n"
                } else {
                    out += "\n"
                    emit(f.value, indent: indent + 2, into: &out, inList: false)
                }
            }
        case .array(let items):
            for item in items {
                out += pad + "- "
                if isScalar(item) || isScalarArray(item) { out += scalar(item) + "\n" } else {
                    emit(item, indent: indent + 2, into: &out, inList: true)
                }
            }
        default:
            out += scalar(v) + "\n"
        }
    }

    private static func isScalarArray(_ v: JSONValue) -> Bool {
        if case .array(let a) = v { return a.allSatisfy(isScalar) }
        return false
    }
}
