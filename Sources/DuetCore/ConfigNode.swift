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
            if Double(s) != nil { return "a number" }
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

    /// Parses YAML (a superset of JSON for our purposes) into a tree; syntax errors become an
    /// ``InputError`` naming `file`.
    public static func parse(yaml text: String, file: String?) throws -> ConfigNode {
        do {
            guard let node = try Yams.compose(yaml: text) else { return ConfigNode(.null) }
            return convert(node)
        } catch let e as YamlError {
            throw InputError(file: file, message: "not valid YAML: \(e)", hint: "check indentation and quoting")
        } catch {
            throw InputError(file: file, message: "not valid YAML: \(error)")
        }
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

    private static func convert(_ node: Yams.Node) -> ConfigNode {
        let line = node.mark.map { $0.line }
        switch node {
        case .scalar(let s):
            let quoted = s.style == .singleQuoted || s.style == .doubleQuoted || s.style == .literal || s.style == .folded
            if !quoted, ["~", "null", "Null", "NULL", ""].contains(s.string), s.tag.description != "tag:yaml.org,2002:str" {
                return ConfigNode(.null, line: line)
            }
            return ConfigNode(.scalar(s.string, quoted: quoted), line: line)
        case .sequence(let seq):
            return ConfigNode(.sequence(seq.map(convert)), line: line)
        case .mapping(let map):
            return ConfigNode(.mapping(map.map { (key: $0.key.string ?? "\($0.key)", value: convert($0.value)) }), line: line)
        case .alias(let a):
            return ConfigNode(.scalar("*\(a.anchor)", quoted: false), line: line)
        }
    }
}
