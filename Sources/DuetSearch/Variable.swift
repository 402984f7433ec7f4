/// One named dimension of a ``DesignSpace``: what values it may take (its ``Domain``) and, for a
/// conditional variable, when it exists at all (its ``Condition``).
///
/// ```swift
/// let space = try DesignSpace([
///     .integer("subaccelerators", lower: 1, upper: 4),
///     .powerOfTwo("pe_rows", lower: 8, upper: 256),
///     .categorical("dataflow", ["ws", "os", "rs"]),
///     .powerOfTwo("sa3_pe_rows", lower: 8, upper: 64,
///                 when: Condition("subaccelerators", in: [3, 4])),
/// ])
/// ```
public struct Variable: Sendable, Hashable {
    /// The name the variable has in decoded points and in error messages, e.g. `pe_rows`.
    public var name: String
    /// The values the variable may take.
    public var domain: Domain
    /// When the variable exists; nil for a variable that always exists.
    public var condition: Condition?

    public init(name: String, domain: Domain, condition: Condition? = nil) {
        self.name = name
        self.domain = domain
        self.condition = condition
    }

    /// A real number in `lower...upper` (continuous benchmark problems, clock frequencies).
    public static func real(_ name: String, lower: Double, upper: Double, when condition: Condition? = nil) -> Variable {
        Variable(name: name, domain: .real(lower: lower, upper: upper), condition: condition)
    }

    /// An integer in `lower...upper`.
    public static func integer(_ name: String, lower: Int, upper: Int, when condition: Condition? = nil) -> Variable {
        Variable(name: name, domain: .integer(lower: lower, upper: upper), condition: condition)
    }

    /// A power of two in `lower...upper`; both bounds must themselves be powers of two.
    public static func powerOfTwo(_ name: String, lower: Int, upper: Int, when condition: Condition? = nil) -> Variable {
        Variable(name: name, domain: .powerOfTwo(lower: lower, upper: upper), condition: condition)
    }

    /// One of `choices`, which have a meaningful order (neighbours are similar), e.g. kernel sizes.
    public static func ordered(_ name: String, _ choices: [Value], when condition: Condition? = nil) -> Variable {
        Variable(name: name, domain: .ordered(choices), condition: condition)
    }

    /// One of `choices`, which have no order (e.g. dataflow templates).
    public static func categorical(_ name: String, _ choices: [Value], when condition: Condition? = nil) -> Variable {
        Variable(name: name, domain: .categorical(choices), condition: condition)
    }
}

/// The values a ``Variable`` may take.
public enum Domain: Sendable, Hashable {
    /// A real number in `lower...upper`.
    case real(lower: Double, upper: Double)
    /// An integer in `lower...upper`.
    case integer(lower: Int, upper: Int)
    /// A power of two in `lower...upper` (both bounds powers of two), e.g. 8, 16, …, 256.
    case powerOfTwo(lower: Int, upper: Int)
    /// One of the choices, in a meaningful order: variation moves between neighbours.
    case ordered([Value])
    /// One of the choices, unordered: variation swaps or resamples them.
    case categorical([Value])

    /// A short name of the kind of domain, for messages.
    public var kindName: String {
        switch self {
        case .real: return "real"
        case .integer: return "integer"
        case .powerOfTwo: return "power-of-two"
        case .ordered: return "ordered choice"
        case .categorical: return "categorical"
        }
    }
}

/// When a conditional variable exists: only while another variable (its parent) exists and takes
/// one of `values`. E.g. the sizes of sub-accelerator 3 exist only when the chip has at least 3.
public struct Condition: Sendable, Hashable {
    /// The name of the variable this one depends on.
    public var variable: String
    /// The parent's values for which this variable exists.
    public var values: Set<Value>

    public init(_ variable: String, in values: Set<Value>) {
        self.variable = variable
        self.values = values
    }
}
