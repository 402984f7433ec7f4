import DuetCore

/// One searchable decision of a network space: a name and its options (as written in arch strings).
public struct SpaceDimension: Sendable, Hashable {
    public var name: String
    public var options: [String]
    public init(_ name: String, _ options: [String]) { self.name = name; self.options = options }
}

/// A point of a network space: one option index per dimension (the genome a search works on).
public struct Architecture: Sendable, Hashable {
    public var choices: [Int]
    public init(_ choices: [Int]) { self.choices = choices }
}

/// A space of networks: a fixed list of categorical decisions, a decoder from a point to a
/// ``Network``, and the space's standard string form.
public protocol NetworkSpace: Sendable {
    /// Short name used in `SPACE:ARCH` references, e.g. `nb201`.
    var name: String { get }
    /// One line on what the space is and where it comes from.
    var summary: String { get }
    /// The decisions, in genome order.
    var dimensions: [SpaceDimension] { get }
    /// Builds the network of `arch` (which must be valid; see ``validate(_:)``).
    func network(_ arch: Architecture) throws -> Network
    /// Parses the space's standard string form; throws an ``InputError`` saying what is wrong.
    func parse(_ text: String) throws -> Architecture
    /// The standard string form of `arch`.
    func format(_ arch: Architecture) -> String
}

extension NetworkSpace {
    /// Number of points (as a Double: FBNet has 9²² ≈ 9.8 × 10²⁰).
    public var cardinality: Double { dimensions.reduce(1.0) { $0 * Double($1.options.count) } }

    /// The exact number of points when it fits in an Int.
    public var exactCardinality: Int? {
        var n = 1
        for d in dimensions {
            let (r, o) = n.multipliedReportingOverflow(by: d.options.count)
            if o { return nil }
            n = r
        }
        return n
    }

    /// Checks that `arch` has one in-range choice per dimension.
    public func validate(_ arch: Architecture) throws {
        guard arch.choices.count == dimensions.count else {
            throw InputError(value: "\(arch.choices.count) choices", message: "\(name) architectures have \(dimensions.count) choices")
        }
        for (i, (c, d)) in zip(arch.choices, dimensions).enumerated() where c < 0 || c >= d.options.count {
            throw InputError(keyPath: "choices[\(i)]", value: "\(c)", message: "choice for \(d.name) out of range 0..<\(d.options.count)")
        }
    }

    /// The architecture at `index` in mixed-radix order (last dimension fastest).
    public func architecture(at index: Int) -> Architecture {
        var rest = index
        var choices = [Int](repeating: 0, count: dimensions.count)
        for i in dimensions.indices.reversed() {
            let n = dimensions[i].options.count
            choices[i] = rest % n
            rest /= n
        }
        return Architecture(choices)
    }

    /// Every architecture, in mixed-radix order; nil when the space is too large (more than `limit`).
    public func enumerate(limit: Int = 10_000_000) -> [Architecture]? {
        guard let n = exactCardinality, n <= limit else { return nil }
        return (0..<n).map(architecture(at:))
    }

    /// `count` uniformly random architectures (`count` at most ``NetworkSpaces/maxSampleCount``;
    /// callers taking the count from a user check it with ``NetworkSpaces/checkSampleCount(_:option:)``).
    public func sample(count: Int, using rng: inout some RandomNumberGenerator) -> [Architecture] {
        precondition((0...NetworkSpaces.maxSampleCount).contains(count), "sample count out of range")
        return (0..<count).map { _ in
            Architecture(dimensions.map { Int(rng.next() % UInt64($0.options.count)) })
        }
    }

    /// Parses `text` and builds its network.
    public func network(parsing text: String) throws -> Network { try network(parse(text)) }

    /// Looks an option up in a dimension, with a did-you-mean on failure.
    func option(_ value: String, in dim: Int, keyPath: String) throws -> Int {
        let d = dimensions[dim]
        guard let i = d.options.firstIndex(of: value) else {
            throw InputError(keyPath: keyPath, value: value, message: "unknown \(name) option for \(d.name)",
                             hint: Suggestion.hint(for: value, in: Array(Set(d.options)).sorted()))
        }
        return i
    }
}

/// The spaces Duet ships.
public enum NetworkSpaces {
    public static let all: [any NetworkSpace] = [NASBench201Space(), FBNetSpace(), FBNetSpace.cifar100, OFAMobileNetV3Space(), ChainSpace.nasaic]

    /// The most architectures one sample may draw: 10⁶ (each is analysed and printed; more would
    /// take hours and gigabytes).
    public static let maxSampleCount = 1_000_000

    /// `count` when it is a valid sample size, otherwise an ``InputError`` at `option` naming the range.
    public static func checkSampleCount(_ count: Int, option: String = "--count") throws -> Int {
        guard (1...maxSampleCount).contains(count) else {
            throw InputError(keyPath: option, value: String(count), message: "must be \(ValidRange(1...maxSampleCount))",
                             hint: "draw fewer architectures per call; repeat with other --seed values for more")
        }
        return count
    }

    /// Looks a space up by name or alias (`nb201`, `nasbench201`, `fbnet`, `fbnet-c100`, `fbnet-cifar100`, `ofa`, `ofa-mbv3`, `nasaic`).
    public static func named(_ name: String) -> (any NetworkSpace)? {
        let key = name.lowercased()
        let aliases = ["fbnet-cifar100": "fbnet-c100", "nasbench201": "nb201", "nas-bench-201": "nb201", "ofa": "ofa-mbv3", "ofa-mobilenetv3": "ofa-mbv3"]
        let canonical = aliases[key] ?? key
        return all.first { $0.name == canonical }
    }

    public static var names: [String] { all.map(\.name) }

    /// The space named `name` (see ``named(_:)``), or an ``InputError`` at `space` suggesting the nearest name.
    public static func lookup(_ name: String) throws -> any NetworkSpace {
        guard let s = named(name) else {
            throw InputError(keyPath: "space", value: name, message: "unknown network space", hint: Suggestion.hint(for: name, in: names))
        }
        return s
    }
}
