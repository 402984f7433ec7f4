/// Typed, validating access to a mapping in a ``ConfigNode`` tree. Every accessor records its key
/// as known; ``finish()`` then reports the keys nobody asked for, with a did-you-mean. Problems go
/// to a shared ``Diagnostics`` so that all of a file's problems are reported at once.

/// The problems found while reading one document; shared by all readers of that document.
public final class Diagnostics {
    public var collector: IssueCollector
    public init(file: String?) { collector = IssueCollector(file: file) }
    public var file: String? { collector.file }
    public func add(_ keyPath: String, value: String? = nil, _ message: String, hint: String? = nil) {
        collector.add(keyPath, value: value, message, hint: hint)
    }
    public func add(_ error: InputError) { collector.add(error) }
    public func throwIfAny() throws { try collector.throwIfAny() }
}

public final class ConfigReader {
    public let node: ConfigNode
    /// Key path of this mapping inside the document.
    public let path: String
    public let diagnostics: Diagnostics
    private var entries: [(key: String, value: ConfigNode)] = []
    private var known: [String] = []

    /// Wraps `node`; when it is not a mapping, records a problem and reads as empty.
    public init(_ node: ConfigNode, path: String = "", diagnostics: Diagnostics) {
        self.node = node
        self.path = path
        self.diagnostics = diagnostics
        switch node.value {
        case .mapping(let m): entries = m
        case .null: entries = []
        default:
            diagnostics.add(path, value: node.scalarText, "expected a mapping of keys to values, found \(node.typeName)")
        }
    }

    /// Keys present in the mapping, in document order.
    public var keys: [String] { entries.map(\.key) }

    public func has(_ key: String) -> Bool { known.append(key); return entries.contains { $0.key == key } }

    /// The raw node at `key`, marking the key as known.
    public func raw(_ key: String) -> ConfigNode? {
        known.append(key)
        guard let e = entries.first(where: { $0.key == key }) else { return nil }
        if case .null = e.value.value { return nil }
        return e.value
    }

    public func keyPath(_ key: String) -> String { KeyPaths.join(path, key) }

    private func missing(_ key: String, _ what: String) {
        diagnostics.add(keyPath(key), "missing required key '\(key)'", hint: "add '\(key): <\(what)>'")
    }

    private func wrongType(_ key: String, _ n: ConfigNode, _ what: String) {
        diagnostics.add(keyPath(key), value: n.scalarText, "expected \(what), found \(n.typeName)")
    }

    /// An integer within `min`…`max` (default: no lower bound, at most ``ValidRange/maxSize``);
    /// nil (and a recorded problem, naming the valid range, if `required` or out of range) when
    /// absent or bad.
    public func int(_ key: String, required: Bool = false, min: Int? = nil, max: Int? = nil) -> Int? {
        guard let n = raw(key) else { if required { missing(key, "integer") }; return nil }
        return checkedInt(n, path: keyPath(key), min: min, max: max)
    }

    /// A number (integers accepted) within `min`…`max` (`min` exclusive when `minExclusive`;
    /// default upper bound ``ConfigReader/maxNumber``). NaN and infinities are refused.
    public func double(_ key: String, required: Bool = false, min: Double? = nil, max: Double? = nil, minExclusive: Bool = false) -> Double? {
        guard let n = raw(key) else { if required { missing(key, "number") }; return nil }
        guard case .scalar(let s, let quoted) = n.value, !quoted, Double(s) != nil else {
            wrongType(key, n, "a number"); return nil
        }
        let range = ValidRange(min ?? -ConfigReader.maxNumber, max ?? ConfigReader.maxNumber, lowExclusive: minExclusive)
        switch UserNumber.double(s, in: range) {
        case .success(let v): return v
        case .failure(let error):
            let issue = error.issues[0]
            diagnostics.add(keyPath(key), value: s, rangeMessage(issue, s, range, explicitMin: min != nil, explicitMax: max != nil), hint: issue.hint)
            return nil
        }
    }

    /// The largest magnitude a number read from a config may have unless its key says otherwise
    /// (10¹⁵): beyond it sums overflow to infinity and conversions to integers trap.
    public static let maxNumber = 1e15

    /// Checks one integer scalar against `min`…`max`, recording a problem at `path`.
    private func checkedInt(_ n: ConfigNode, path: String, min: Int?, max: Int?) -> Int? {
        guard case .scalar(let s, false) = n.value, Double(s) != nil else {
            diagnostics.add(path, value: n.scalarText, "expected an integer, found \(n.typeName)"); return nil
        }
        let range = ValidRange(Double(min ?? -ValidRange.maxSize), Double(max ?? ValidRange.maxSize))
        switch UserNumber.int(s, in: range) {
        case .success(let v): return v
        case .failure(let error):
            let issue = error.issues[0]
            let hint = s.hasPrefix("-") && (min ?? 0) >= 0 ? "this value cannot be negative" : issue.hint
            diagnostics.add(path, value: s, rangeMessage(issue, s, range, explicitMin: min != nil, explicitMax: max != nil), hint: hint)
            return nil
        }
    }

    /// "must be at least 1" when the value is below a lower bound and the upper bound is only
    /// the default one (and "must be at most …" the other way round); otherwise the issue's own
    /// message, which names the whole range.
    private func rangeMessage(_ issue: InputIssue, _ s: String, _ range: ValidRange, explicitMin: Bool, explicitMax: Bool) -> String {
        guard issue.message.hasPrefix("must be from") || issue.message.hasPrefix("must be greater"), let v = Double(s) else { return issue.message }
        if !explicitMax, v <= range.low {
            return range.lowExclusive ? "must be greater than \(ValidRange.format(range.low))" : "must be at least \(ValidRange.format(range.low))"
        }
        if !explicitMin, v > range.high { return "must be at most \(ValidRange.format(range.high))" }
        return issue.message
    }

    public func bool(_ key: String) -> Bool? {
        guard let n = raw(key) else { return nil }
        guard case .scalar(let s, false) = n.value, ["true", "false", "yes", "no"].contains(s.lowercased()) else {
            wrongType(key, n, "true or false"); return nil
        }
        return ["true", "yes"].contains(s.lowercased())
    }

    /// A string (plain scalars such as numbers are accepted as their text).
    public func string(_ key: String, required: Bool = false) -> String? {
        guard let n = raw(key) else { if required { missing(key, "text") }; return nil }
        guard case .scalar(let s, _) = n.value else { wrongType(key, n, "a string"); return nil }
        return s
    }

    /// A string that must be one of `choices`; otherwise a problem with a did-you-mean.
    public func choice(_ key: String, in choices: [String], required: Bool = false) -> String? {
        guard let s = string(key, required: required) else { return nil }
        guard choices.contains(s) else {
            diagnostics.add(keyPath(key), value: s, "unknown value", hint: Suggestion.hint(for: s, in: choices))
            return nil
        }
        return s
    }

    /// A list of integers; a single integer is accepted as a one-element list.
    public func ints(_ key: String, required: Bool = false, min: Int? = nil, max: Int? = nil) -> [Int]? {
        guard let n = raw(key) else { if required { missing(key, "list of integers") }; return nil }
        let items: [ConfigNode]
        switch n.value {
        case .sequence(let seq): items = seq
        case .scalar: items = [n]
        default: wrongType(key, n, "a list of integers"); return nil
        }
        var out: [Int] = []
        let isList: Bool = { if case .sequence = n.value { return true }; return false }()
        for (i, item) in items.enumerated() {
            let path = isList ? keyPath(key) + "[\(i)]" : keyPath(key)
            guard let v = checkedInt(item, path: path, min: min, max: max) else { return nil }
            out.append(v)
        }
        return out
    }

    /// A list of strings; a single string is accepted as a one-element list.
    public func strings(_ key: String, required: Bool = false) -> [String]? {
        guard let n = raw(key) else { if required { missing(key, "list of names") }; return nil }
        switch n.value {
        case .scalar(let s, _): return [s]
        case .sequence(let seq):
            var out: [String] = []
            for (i, item) in seq.enumerated() {
                guard let s = item.scalarText else {
                    diagnostics.add(keyPath(key) + "[\(i)]", "expected a string, found \(item.typeName)")
                    return nil
                }
                out.append(s)
            }
            return out
        default: wrongType(key, n, "a list of strings"); return nil
        }
    }

    /// A nested mapping.
    public func object(_ key: String, required: Bool = false) -> ConfigReader? {
        guard let n = raw(key) else { if required { missing(key, "mapping") }; return nil }
        guard case .mapping = n.value else { wrongType(key, n, "a mapping"); return nil }
        return ConfigReader(n, path: keyPath(key), diagnostics: diagnostics)
    }

    /// A list of mappings.
    public func objects(_ key: String, required: Bool = false) -> [ConfigReader]? {
        guard let n = raw(key) else { if required { missing(key, "list") }; return nil }
        guard case .sequence(let seq) = n.value else { wrongType(key, n, "a list"); return nil }
        return seq.enumerated().map { ConfigReader($1, path: keyPath(key) + "[\($0)]", diagnostics: diagnostics) }
    }

    /// Marks every present key as known (used when an entry is already invalid as a whole, so that
    /// its other keys are not reported as unknown too).
    public func acceptAllKeys() { known.append(contentsOf: entries.map(\.key)) }

    /// Reports every key present that no accessor asked for, with a did-you-mean among the known keys.
    public func finish() {
        for e in entries where !known.contains(e.key) {
            diagnostics.add(keyPath(e.key), "unknown key '\(e.key)'",
                            hint: Suggestion.closest(to: e.key, in: Set(known).sorted()).map { "did you mean '\($0)'?" }
                                ?? "known keys here: " + Set(known).sorted().joined(separator: ", "))
        }
    }
}
