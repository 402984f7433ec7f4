/// The value a design variable takes in a decoded ``Point``: an integer (integer and power-of-two
/// variables, integer choices), a real number, a string (a named choice) or a boolean.
///
/// Values are `Hashable` so that points can key the evaluation cache, and literal-expressible so
/// that spaces read naturally: `.categorical("dataflow", ["ws", "os", "rs"])`.
public enum Value: Sendable, Hashable, CustomStringConvertible {
    case int(Int)
    case real(Double)
    case string(String)
    case bool(Bool)

    /// The value as a `Double` when it is numeric (an integer or a real), else nil.
    @inlinable public var doubleValue: Double? {
        switch self {
        case .real(let x): return x
        case .int(let i): return Double(i)
        default: return nil
        }
    }

    /// The value as an `Int` when it is an integer, else nil.
    @inlinable public var intValue: Int? {
        if case .int(let i) = self { return i }
        return nil
    }

    /// The value as a `String` when it is a string, else nil.
    @inlinable public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The value as a `Bool` when it is a boolean, else nil.
    @inlinable public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var description: String {
        switch self {
        case .int(let i): return String(i)
        case .real(let x): return String(x)
        case .string(let s): return s
        case .bool(let b): return String(b)
        }
    }
}

extension Value: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral
{
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .real(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}
