/// Physical and architectural units as distinct types, so a latency in cycles can never be added
/// to an energy in picojoules. Each wraps a `value` in the unit its name states.

/// A quantity with a unit: a wrapped scalar that adds, subtracts and scales but never mixes with
/// another unit.
public protocol UnitQuantity: Sendable, Hashable, Comparable, Codable, AdditiveArithmetic,
    CustomStringConvertible
{
    associatedtype Scalar: Numeric & Comparable & Codable & Sendable & Hashable
    /// The magnitude in this type's unit.
    var value: Scalar { get }
    init(_ value: Scalar)
    /// The unit's symbol, e.g. `"pJ"`.
    static var symbol: String { get }
}

extension UnitQuantity {
    public static var zero: Self { Self(0) }
    public static func + (a: Self, b: Self) -> Self { Self(a.value + b.value) }
    public static func - (a: Self, b: Self) -> Self { Self(a.value - b.value) }
    public static func < (a: Self, b: Self) -> Bool { a.value < b.value }
    public static func * (a: Self, k: Scalar) -> Self { Self(a.value * k) }
    public static func * (k: Scalar, a: Self) -> Self { Self(k * a.value) }
    public var description: String { "\(value) \(Self.symbol)" }
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(Scalar.self))
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }
}

/// Clock cycles (integer count).
public struct Cycles: UnitQuantity {
    public var value: Int64
    public init(_ value: Int64) { self.value = value }
    public static var symbol: String { "cycles" }
    /// Wall time of these cycles at `clock`.
    public func seconds(at clock: Megahertz) -> Seconds { Seconds(Double(value) / (clock.value * 1e6)) }
}

/// Time in seconds.
public struct Seconds: UnitQuantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static var symbol: String { "s" }
    /// The same time in milliseconds.
    public var milliseconds: Double { value * 1e3 }
}

/// Clock frequency in megahertz.
public struct Megahertz: UnitQuantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static var symbol: String { "MHz" }
}

/// Energy in picojoules.
public struct Picojoules: UnitQuantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static var symbol: String { "pJ" }
    /// The same energy in millijoules.
    public var millijoules: Double { value * 1e-9 }
}

/// Area in square millimetres.
public struct SquareMillimeters: UnitQuantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static var symbol: String { "mm²" }
}

/// Power in milliwatts.
public struct Milliwatts: UnitQuantity {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static var symbol: String { "mW" }
    /// Average power of `energy` spent over `time`.
    public init(energy: Picojoules, over time: Seconds) {
        self.value = time.value > 0 ? energy.value * 1e-12 / time.value * 1e3 : 0
    }
}

/// A storage or traffic amount in bytes.
public struct Bytes: UnitQuantity {
    public var value: Int64
    public init(_ value: Int64) { self.value = value }
    public static var symbol: String { "B" }
    /// The same amount in bits.
    public var bits: Bits { Bits(value * 8) }
    /// Bytes in `kib` kibibytes.
    public static func kibibytes(_ kib: Int64) -> Bytes { Bytes(kib * 1024) }
}

/// A storage or traffic amount in bits.
public struct Bits: UnitQuantity {
    public var value: Int64
    public init(_ value: Int64) { self.value = value }
    public static var symbol: String { "b" }
    /// Whole bytes needed to hold these bits (rounded up).
    public var bytes: Bytes { Bytes((value + 7) / 8) }
}
