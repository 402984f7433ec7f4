/// A decoded design: the value of every variable of a ``DesignSpace`` that exists for this design
/// (a conditional variable whose condition does not hold has no value).
///
/// Points are what problems evaluate and what the evaluation cache is keyed by: two genomes that
/// decode to the same point are the same design. Equality and hashing use the values only; points
/// from different spaces must not be mixed in one cache.
///
/// Storage: one canonical code per variable (the value itself for reals and integers, the
/// exponent of a power of two, the index of a choice; NaN where the variable does not exist),
/// with a hash computed once. Points are hashed and compared several times per generation (the
/// evaluation cache, duplicate elimination), so they are kept flat and cheap to copy and free.
public struct Point: Sendable, Hashable, CustomStringConvertible {
    /// The variable names, positions and domains, shared by every point of a space.
    public let layout: Layout
    @usableFromInline let codes: [Double]
    let digest: UInt64

    /// A point from canonical codes (see ``DesignSpace/decode(_:)``); `-0.0` is stored as `0.0`.
    init(layout: Layout, codes: [Double]) {
        var codes = codes
        var h: UInt64 = 0x243F_6A88_85A3_08D3
        for i in codes.indices {
            if codes[i] == 0 { codes[i] = 0 }
            h = (h ^ codes[i].bitPattern) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
        }
        self.layout = layout
        self.codes = codes
        self.digest = h
    }

    /// The number of variables in the space (existing or not).
    @inlinable public var count: Int { codes.count }

    /// The value of the variable at `index`, or nil when it does not exist in this design.
    @inlinable public subscript(index: Int) -> Value? {
        let c = codes[index]
        if c.isNaN { return nil }
        switch layout.domains[index] {
        case .real: return .real(c)
        case .integer: return .int(Int(c))
        case .powerOfTwo: return .int(1 << Int(c))
        case .ordered(let choices), .categorical(let choices): return choices[Int(c)]
        }
    }

    /// The value of the variable called `name`, or nil when it does not exist in this design (or
    /// the space has no such variable).
    @inlinable public subscript(name: String) -> Value? {
        guard let i = layout.index[name] else { return nil }
        return self[i]
    }

    /// The numeric value of the variable at `index`; traps when it is absent or not numeric (for
    /// problems that know their own space, like the benchmark functions).
    @inlinable public func real(at index: Int) -> Double {
        if layout.isReal[index], !codes[index].isNaN { return codes[index] }
        guard let x = self[index]?.doubleValue else {
            preconditionFailure("variable '\(layout.names[index])' has no numeric value in \(self)")
        }
        return x
    }

    /// The numeric value of every variable, in order, for spaces of real and integer variables
    /// only (NaN where a variable does not exist). A fast path for numeric problems.
    public var reals: [Double] {
        if layout.isReal.allSatisfy({ $0 }) { return codes }
        return (0..<codes.count).map { self[$0]?.doubleValue ?? .nan }
    }

    /// The value of each variable in the space's order; nil where the variable does not exist.
    public var values: [Value?] { (0..<codes.count).map { self[$0] } }

    /// The existing variables and their values.
    public var dictionary: [String: Value] {
        var d: [String: Value] = [:]
        for i in 0..<codes.count { if let v = self[i] { d[layout.names[i]] = v } }
        return d
    }

    public static func == (a: Point, b: Point) -> Bool {
        guard a.digest == b.digest, a.codes.count == b.codes.count else { return false }
        for i in a.codes.indices where a.codes[i].bitPattern != b.codes[i].bitPattern { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(digest) }

    public var description: String {
        "{" + (0..<codes.count).compactMap { i in self[i].map { "\(layout.names[i]): \($0)" } }.joined(separator: ", ") + "}"
    }

    /// The names and domains of a space's variables in order, with a name → position index. One
    /// instance is shared by all points of a space.
    public final class Layout: Sendable {
        public let names: [String]
        public let index: [String: Int]
        public let domains: [Domain]
        @usableFromInline let isReal: [Bool]
        init(names: [String], domains: [Domain]) {
            self.names = names
            self.domains = domains
            self.isReal = domains.map { if case .real = $0 { return true } else { return false } }
            var index: [String: Int] = [:]
            for (i, n) in names.enumerated() where index[n] == nil { index[n] = i }
            self.index = index
        }
    }
}
