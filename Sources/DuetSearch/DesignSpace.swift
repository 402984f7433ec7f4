import DuetCore

/// A validated set of design variables and its encoding as a flat genome of `Double`s, one gene
/// per variable, which is what optimizers vary.
///
/// Gene encoding: a real variable's gene is its value; an integer's gene is the integer; a
/// power-of-two's gene is its exponent (so 8, 16, 32 are neighbours); an ordered or categorical
/// variable's gene is the index of its choice. Integral genes are kept integral (``repair(_:)``).
/// A conditional variable always has a gene; it decodes to no value while its condition fails, so
/// genetic material survives a parent switching it off and on.
public struct DesignSpace: Sendable, Hashable {
    /// The variables in declaration order (the genome's order).
    public let variables: [Variable]
    /// How each gene is varied, with its bounds; aligned with ``variables``.
    public let genes: [Gene]
    /// The shared name table of this space's points.
    public let layout: Point.Layout
    /// Variables in an order where every parent precedes the variables conditional on it.
    let decodeOrder: [Int]
    /// For each variable, the index of its condition's parent, or -1.
    let parentIndex: [Int]
    let hasConditions: Bool

    /// How an optimizer treats one gene.
    public struct Gene: Sendable, Hashable {
        public enum Kind: Sendable, Hashable {
            /// Continuous in `lower...upper`.
            case real
            /// Integral in `lower...upper`, with an order: varied like a real and rounded.
            case integer
            /// An index in `lower...upper` without order: crossed uniformly and resampled.
            case categorical
        }
        public var kind: Kind
        public var lower: Double
        public var upper: Double
    }

    /// Validates `variables` and builds the space. Throws an ``InputError`` listing every problem
    /// found (swapped or non-power-of-two bounds, empty or repeated choices, duplicate names,
    /// conditions on unknown variables or impossible values, cyclic conditions).
    public init(_ variables: [Variable]) throws {
        var issues = IssueCollector()
        var firstIndex: [String: Int] = [:]
        for (i, v) in variables.enumerated() {
            let at = "variables[\(i)]"
            if v.name.isEmpty { issues.add(at + ".name", "a variable needs a name") }
            if let j = firstIndex[v.name] {
                issues.add(at + ".name", value: v.name, "duplicate variable name '\(v.name)'", hint: "names must be unique; it is first used at variables[\(j)]")
            } else {
                firstIndex[v.name] = i
            }
            Self.validate(v.domain, of: v.name, at: at, into: &issues)
        }
        // Conditions.
        var parent = [Int](repeating: -1, count: variables.count)
        for (i, v) in variables.enumerated() {
            guard let c = v.condition else { continue }
            let at = "variables[\(i)].condition"
            guard let p = firstIndex[c.variable] else {
                issues.add(at + ".variable", value: c.variable, "\(v.name) depends on an unknown variable '\(c.variable)'",
                           hint: Suggestion.hint(for: c.variable, in: variables.map(\.name)))
                continue
            }
            if p == i { issues.add(at + ".variable", value: c.variable, "\(v.name) cannot depend on itself"); continue }
            if c.values.isEmpty {
                issues.add(at + ".values", "\(v.name) depends on \(c.variable) but names no value of it", hint: "list the values of \(c.variable) for which \(v.name) exists")
            }
            for value in c.values.sorted(by: { $0.description < $1.description }) where !Self.contains(variables[p].domain, value) {
                issues.add(at + ".values", value: value.description, "\(v.name) depends on \(c.variable) taking a value it can never take",
                           hint: "\(c.variable) is \(Self.describe(variables[p].domain))")
            }
            parent[i] = p
        }
        // Topological order (parents first); report cycles.
        var order: [Int] = []
        var state = [UInt8](repeating: 0, count: variables.count)  // 0 new, 1 visiting, 2 done
        var cyclic = false
        func visit(_ i: Int) {
            if state[i] == 2 { return }
            if state[i] == 1 { cyclic = true; return }
            state[i] = 1
            if parent[i] >= 0 { visit(parent[i]) }
            state[i] = 2
            order.append(i)
        }
        for i in variables.indices { visit(i) }
        if cyclic {
            let names = variables.indices.filter { parent[$0] >= 0 }.map { variables[$0].name }
            issues.add("variables", "the conditions among \(names.joined(separator: ", ")) form a cycle", hint: "a variable may depend only on variables that do not depend on it")
        }
        if variables.isEmpty { issues.add("variables", "a design space needs at least one variable") }
        try issues.throwIfAny()

        self.variables = variables
        self.genes = variables.map { Self.gene(for: $0.domain) }
        self.layout = Point.Layout(names: variables.map(\.name), domains: variables.map(\.domain))
        self.decodeOrder = order
        self.parentIndex = parent
        self.hasConditions = parent.contains { $0 >= 0 }
    }

    public static func == (a: DesignSpace, b: DesignSpace) -> Bool { a.variables == b.variables }
    public func hash(into hasher: inout Hasher) { hasher.combine(variables) }

    /// The number of genes (= variables).
    public var count: Int { variables.count }

    // MARK: Decoding and encoding

    /// The design a genome stands for. The genome must have one gene per variable; genes are read
    /// as ``repair(_:)`` would leave them (clamped, integral genes rounded).
    public func decode(_ genome: [Double]) -> Point {
        precondition(genome.count == genes.count, "genome has \(genome.count) genes; the space has \(genes.count) variables")
        var codes = genome
        for i in 0..<genes.count {
            let g = genes[i]
            var x = min(max(codes[i], g.lower), g.upper)
            if g.kind != .real { x = x.rounded() }
            codes[i] = x
        }
        if hasConditions {
            for i in decodeOrder {
                let p = parentIndex[i]
                guard p >= 0 else { continue }
                if codes[p].isNaN || !variables[i].condition!.values.contains(value(of: p, code: codes[p])) {
                    codes[i] = .nan
                }
            }
        }
        return Point(layout: layout, codes: codes)
    }

    /// The value variable `i` takes for canonical code `code`.
    func value(of i: Int, code: Double) -> Value {
        switch variables[i].domain {
        case .real: return .real(code)
        case .integer: return .int(Int(code))
        case .powerOfTwo: return .int(1 << Int(code))
        case .ordered(let choices), .categorical(let choices): return choices[Int(code)]
        }
    }

    /// The genome of a design given as name → value. Variables that do not exist in the design
    /// (their condition fails) may be omitted; their genes are set to their lower bound.
    /// Throws an ``InputError`` for unknown names, values outside a domain and missing values.
    public func encode(_ values: [String: Value]) throws -> [Double] {
        var issues = IssueCollector()
        let names = variables.map(\.name)
        for name in values.keys.sorted() where layout.index[name] == nil {
            issues.add(name, value: name, "unknown variable '\(name)'", hint: Suggestion.hint(for: name, in: names))
        }
        var genome = genes.map(\.lower)
        var decoded = [Value?](repeating: nil, count: variables.count)
        for i in decodeOrder {
            let v = variables[i]
            let p = parentIndex[i]
            if p >= 0 {
                guard let pv = decoded[p], let c = v.condition, c.values.contains(pv) else { continue }
            }
            guard let value = values[v.name] else {
                issues.add(v.name, "no value for \(v.name)", hint: "\(v.name) is \(Self.describe(v.domain))")
                continue
            }
            guard let gene = Self.gene(of: value, in: v.domain) else {
                issues.add(v.name, value: value.description, "\(v.name) cannot take this value", hint: "\(v.name) is \(Self.describe(v.domain))")
                continue
            }
            genome[i] = gene
            decoded[i] = value
        }
        try issues.throwIfAny()
        return genome
    }

    // MARK: Sampling and repair

    /// A genome drawn uniformly: reals uniform in their bounds, every integral gene value equally likely.
    public func randomGenome(using rng: inout some RandomNumberGenerator) -> [Double] {
        var genome = [Double](repeating: 0, count: genes.count)
        for (i, g) in genes.enumerated() { genome[i] = Self.sample(g, using: &rng) }
        return genome
    }

    @inline(__always) static func sample(_ g: Gene, using rng: inout some RandomNumberGenerator) -> Double {
        switch g.kind {
        case .real: return g.lower + rng.nextUnitDouble() * (g.upper - g.lower)
        case .integer, .categorical:
            let n = g.upper - g.lower + 1
            return g.lower + min((rng.nextUnitDouble() * n).rounded(.down), n - 1)
        }
    }

    /// Clamps every gene into its bounds and rounds integral genes to the nearest integer.
    public func repair(_ genome: inout [Double]) {
        for (i, g) in genes.enumerated() {
            var x = genome[i]
            if g.kind != .real { x = x.rounded() }
            genome[i] = min(max(x, g.lower), g.upper)
        }
    }

    /// True when every gene is within its bounds and integral genes are integral.
    public func isCanonical(_ genome: [Double]) -> Bool {
        guard genome.count == genes.count else { return false }
        for (i, g) in genes.enumerated() {
            let x = genome[i]
            if !(x >= g.lower && x <= g.upper) { return false }
            if g.kind != .real && x != x.rounded() { return false }
        }
        return true
    }

    // MARK: Domain helpers

    static func gene(for domain: Domain) -> Gene {
        switch domain {
        case .real(let lo, let hi): return Gene(kind: .real, lower: lo, upper: hi)
        case .integer(let lo, let hi): return Gene(kind: .integer, lower: Double(lo), upper: Double(hi))
        case .powerOfTwo(let lo, let hi):
            return Gene(kind: .integer, lower: Double(lo.trailingZeroBitCount), upper: Double(hi.trailingZeroBitCount))
        case .ordered(let c): return Gene(kind: .integer, lower: 0, upper: Double(c.count - 1))
        case .categorical(let c): return Gene(kind: .categorical, lower: 0, upper: Double(c.count - 1))
        }
    }

    static func gene(of value: Value, in domain: Domain) -> Double? {
        switch domain {
        case .real(let lo, let hi):
            guard let x = value.doubleValue, x >= lo, x <= hi else { return nil }
            return x
        case .integer(let lo, let hi):
            guard let i = value.intValue, i >= lo, i <= hi else { return nil }
            return Double(i)
        case .powerOfTwo(let lo, let hi):
            guard let i = value.intValue, i >= lo, i <= hi, i > 0, i & (i - 1) == 0 else { return nil }
            return Double(i.trailingZeroBitCount)
        case .ordered(let c), .categorical(let c):
            return c.firstIndex(of: value).map(Double.init)
        }
    }

    static func contains(_ domain: Domain, _ value: Value) -> Bool { gene(of: value, in: domain) != nil }

    static func describe(_ domain: Domain) -> String {
        switch domain {
        case .real(let lo, let hi): return "a real in \(lo)...\(hi)"
        case .integer(let lo, let hi): return "an integer in \(lo)...\(hi)"
        case .powerOfTwo(let lo, let hi): return "a power of two in \(lo)...\(hi)"
        case .ordered(let c): return "one of " + c.map { "'\($0)'" }.joined(separator: ", ")
        case .categorical(let c): return "one of " + c.map { "'\($0)'" }.joined(separator: ", ")
        }
    }

    static func validate(_ domain: Domain, of name: String, at: String, into issues: inout IssueCollector) {
        func swapped<T: Comparable>(_ lo: T, _ hi: T) {
            if lo > hi {
                issues.add(at, value: "\(lo)...\(hi)", "lower bound \(lo) > upper bound \(hi) for \(name)", hint: "did you swap them?")
            }
        }
        switch domain {
        case .real(let lo, let hi):
            if !lo.isFinite || !hi.isFinite {
                issues.add(at, value: "\(lo)...\(hi)", "the bounds of \(name) must be finite numbers")
            } else {
                swapped(lo, hi)
            }
        case .integer(let lo, let hi):
            swapped(lo, hi)
        case .powerOfTwo(let lo, let hi):
            for (label, b) in [("lower", lo), ("upper", hi)] where b <= 0 || b & (b - 1) != 0 {
                var hint = "powers of two are 1, 2, 4, 8, …"
                if b > 0 {
                    let below = 1 << (Int.bitWidth - 1 - b.leadingZeroBitCount)
                    hint = "the nearest powers of two are \(below) and \(below << 1)"
                }
                issues.add(at + "." + label, value: String(b), "\(label) bound \(b) of \(name) is not a power of two", hint: hint)
            }
            swapped(lo, hi)
        case .ordered(let choices), .categorical(let choices):
            if choices.isEmpty { issues.add(at, "\(name) has no choices", hint: "list at least one value") }
            var seen = Set<Value>()
            for c in choices where !seen.insert(c).inserted {
                issues.add(at, value: c.description, "choice '\(c)' appears more than once in \(name)")
            }
        }
    }
}
