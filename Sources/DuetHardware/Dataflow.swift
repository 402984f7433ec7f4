import DuetCore

/// Which operand a PE array keeps in place and how it places a layer's loops: the key of a
/// template's `mappings` and the value of the `dataflow` parameter. Written in YAML and JSON by
/// its short name (`ws`, `os`, `is`, `rs`); the long names (`weight_stationary`,
/// `weight-stationary`, …) are read too.
public enum Dataflow: String, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    /// Weight-stationary (NVDLA, TPU `ws`): weights stay in the PEs, inputs stream past.
    case ws
    /// Output-stationary (ShiDianNao, TPU `os`): each PE accumulates its outputs in place.
    case os
    /// Input-stationary (TPU `is`): inputs stay, kernels stream past.
    case inputStationary = "is"
    /// Row-stationary (Eyeriss): filter rows stay, 1-D convolutions per PE.
    case rs
    /// A custom mapping given in an accelerator file (`mapping:`), not a template's.
    case custom

    /// The dataflows a template may define (every case but ``custom``).
    public static let templateDataflows: [Dataflow] = [.ws, .os, .inputStationary, .rs]

    public var description: String { rawValue }

    /// Long name, for help texts (`weight-stationary`).
    public var longName: String {
        switch self {
        case .ws: return "weight-stationary"
        case .os: return "output-stationary"
        case .inputStationary: return "input-stationary"
        case .rs: return "row-stationary"
        case .custom: return "custom"
        }
    }

    public static func < (a: Dataflow, b: Dataflow) -> Bool { a.rawValue < b.rawValue }

    /// The dataflow named `text` (short or long name, any case, `-` or `_`), or nil.
    public init?(name text: String) {
        let t = text.lowercased().replacingOccurrences(of: "-", with: "_")
        if let d = Dataflow(rawValue: t) { self = d; return }
        guard let d = Dataflow.allCases.first(where: { $0.longName.replacingOccurrences(of: "-", with: "_") == t }) else { return nil }
        self = d
    }

    /// The dataflow named `text`, or an ``InputError`` at `keyPath` listing the valid names (with a
    /// did-you-mean). `valid`: the names accepted here (default: every template dataflow).
    public static func parse(_ text: String, file: String? = nil, keyPath: String, valid: [Dataflow] = templateDataflows) throws -> Dataflow {
        if let d = Dataflow(name: text), valid.contains(d) { return d }
        let names = valid.map(\.rawValue)
        let guess = Suggestion.closest(to: text, in: names).map { "did you mean '\($0)'? " } ?? ""
        throw InputError(file: file, keyPath: keyPath, value: text, message: "unknown dataflow",
                         hint: guess + "valid dataflows: " + valid.map { "\($0.rawValue) (\($0.longName))" }.joined(separator: ", "))
    }
}

extension Dataflow: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try Dataflow.parse(text, keyPath: decoder.codingPath.map(\.stringValue).joined(separator: "."), valid: Dataflow.allCases)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}
