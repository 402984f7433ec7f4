import Foundation
import Yams

/// A parsed YAML or JSON document as a tree that remembers key order and source lines, so that
/// validation can report the exact key path (and line) of every problem.
public struct ConfigNode: Sendable {
    public enum Value: Sendable {
        case null
        /// A scalar as written; `quoted` is true for quoted YAML scalars and JSON strings.
        case scalar(String, quoted: Bool)
        case sequence([ConfigNode])
        case mapping([(key: String, value: ConfigNode)])
    }

    public var value: Value
    /// 1-based source line, when known.
    public var line: Int?

    public init(_ value: Value, line: Int? = nil) {
        self.value = value
        self.line = line
    }

    /// A short name of this node's type for error messages ("a number", "a list", …).
    public var typeName: String {
        switch value {
        case .null: return "nothing (null)"
        case .scalar(let s, let quoted):
            if quoted { return "a string" }
            if Int(s) != nil { return "an integer" }
            if let d = Double(s) { return d.isFinite ? "a number" : "a non-finite number" }
            if ["true", "false"].contains(s.lowercased()) { return "a boolean" }
            return "a string"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    /// The scalar text, if this is a scalar.
    public var scalarText: String? {
        if case .scalar(let s, _) = value { return s }
        return nil
    }

    // MARK: Parsing

    /// The most values (scalars, lists, mappings) a document that uses YAML aliases (`*name`) may
    /// expand to once they are resolved: 10⁵, or 20 per byte of its text when that is more. An
    /// alias bomb (`b: [*a, *a, …]` nested ten deep) is refused at once instead of expanding to
    /// gigabytes; a document without aliases is never larger than its text.
    public static let maxValues = 100_000

    /// The limit ``maxValues`` gives `text`.
    static func valueBudget(_ text: String) -> Int {
        guard text.contains("*"), text.contains("&") else { return Int.max }
        return max(maxValues, 20 * text.utf8.count)
    }
    /// The deepest nesting of lists and mappings accepted (deeper documents would exhaust the stack).
    public static let maxDepth = 1000

    /// Parses YAML (a superset of JSON for our purposes) into a tree; syntax errors, alias bombs
    /// and absurd nesting become an ``InputError`` naming `file`.
    public static func parse(yaml text: String, file: String?) throws -> ConfigNode {
        let depth = nestingDepth(text)
        guard depth <= maxDepth else {
            throw InputError(file: file, message: "the document nests lists and mappings \(depth) deep, more than the \(maxDepth) accepted",
                             hint: "this is not a Duet configuration; check that the right file was given")
        }
        let node: Yams.Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw InputError(file: file, message: "not valid YAML: \(e)", hint: "check indentation and quoting")
        } catch {
            throw InputError(file: file, message: "not valid YAML: \(error)")
        }
        guard let node else { return ConfigNode(.null) }
        let limit = valueBudget(text)
        var budget = limit
        guard let tree = convert(node, budget: &budget) else {
            throw InputError(file: file, message: "the document expands to more than \(limit) values once its YAML aliases (*name) are resolved",
                             hint: "write the values out, or use fewer nested aliases")
        }
        return tree
    }

    /// An upper bound of the nesting depth of flow (`[`, `{`) and block (indentation) collections,
    /// computed in one pass without parsing.
    static func nestingDepth(_ text: String) -> Int {
        var flow = 0, maxFlow = 0, maxIndent = 0, indent = 0, atLineStart = true
        for b in text.utf8 {
            if b == UInt8(ascii: "\n") { atLineStart = true; indent = 0; continue }
            if atLineStart {
                if b == UInt8(ascii: " ") || b == UInt8(ascii: "-") { indent += 1; continue }
                atLineStart = false
                maxIndent = max(maxIndent, indent)
            }
            // Brackets inside strings and comments count too: an over-estimate, harmless at this limit.
            if b == UInt8(ascii: "[") || b == UInt8(ascii: "{") { flow += 1; maxFlow = max(maxFlow, flow) }
            else if b == UInt8(ascii: "]") || b == UInt8(ascii: "}") { flow = max(0, flow - 1) }
        }
        // Block nesting needs at least one column of indentation per level.
        return maxFlow + maxIndent
    }

    /// Reads and parses a file, choosing JSON or YAML by extension.
    public static func load(path: String) throws -> ConfigNode {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(file: path, message: "cannot read the file", hint: "check that the path exists and is readable")
        }
        // JSON is parsed by the YAML parser too (JSON documents are YAML flow documents), so
        // both formats give the same tree, with quoted strings marked as such.
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError(file: path, message: "the file is not UTF-8 text")
        }
        return try parse(yaml: text, file: path)
    }

    /// Converts Yams' tree, expanding aliases; nil once more than `budget` values were made.
    private static func convert(_ node: Yams.Node, budget: inout Int) -> ConfigNode? {
        budget -= 1
        guard budget >= 0 else { return nil }
        let line = node.mark.map { $0.line }
        switch node {
        case .scalar(let s):
            let quoted = s.style == .singleQuoted || s.style == .doubleQuoted || s.style == .literal || s.style == .folded
            if !quoted, ["~", "null", "Null", "NULL", ""].contains(s.string), s.tag.description != "tag:yaml.org,2002:str" {
                return ConfigNode(.null, line: line)
            }
            return ConfigNode(.scalar(s.string, quoted: quoted), line: line)
        case .sequence(let seq):
            var items: [ConfigNode] = []
            for item in seq { guard let c = convert(item, budget: &budget) else { return nil }; items.append(c) }
            return ConfigNode(.sequence(items), line: line)
        case .mapping(let map):
            var entries: [(key: String, value: ConfigNode)] = []
            for (k, v) in map {
                guard let c = convert(v, budget: &budget) else { return nil }
                entries.append((key: k.string ?? "\(k)", value: c))
            }
            return ConfigNode(.mapping(entries), line: line)
        case .alias(let a):
            return ConfigNode(.scalar("*\(a.anchor)", quoted: false), line: line)
        }
    }
}
