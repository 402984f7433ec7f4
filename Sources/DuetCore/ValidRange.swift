/// The range a number from a user must lie in, checked where the number enters Duet (config
/// readers, `--set`, command-line options), so that absurd values (`clock_mhz=1e300`,
/// `pe_rows` near 2⁶³, `--count 10¹⁴`) are refused with the valid range in the message instead of
/// trapping later in a float → integer conversion or an integer product.
public struct ValidRange: Sendable, Hashable, CustomStringConvertible {
    /// Smallest allowed value (or the exclusive bound when `lowExclusive`).
    public var low: Double
    /// Largest allowed value (inclusive).
    public var high: Double
    /// Whether `low` itself is refused ("greater than 0").
    public var lowExclusive: Bool

    public init(_ low: Double, _ high: Double, lowExclusive: Bool = false) {
        precondition(low <= high, "empty range")
        self.low = low; self.high = high; self.lowExclusive = lowExclusive
    }

    /// `low...high`, both inclusive.
    public init(_ r: ClosedRange<Int>) { self.init(Double(r.lowerBound), Double(r.upperBound)) }

    /// Greater than `low` (exclusive), at most `high`.
    public static func above(_ low: Double, upTo high: Double) -> ValidRange { ValidRange(low, high, lowExclusive: true) }

    /// The largest integer any size, count or index read from a user may have unless a key says
    /// otherwise: 2⁴⁰ (about 10¹²). Products of a few such values are still checked (``Checked``).
    public static let maxSize = 1 << 40

    /// Integers from `low` to ``maxSize``.
    public static func atLeast(_ low: Int) -> ValidRange { ValidRange(Double(low), Double(maxSize)) }

    public func contains(_ x: Double) -> Bool {
        x.isFinite && (lowExclusive ? x > low : x >= low) && x <= high
    }

    /// "from 1 to 65,536", "greater than 0 and at most 100,000".
    public var description: String {
        let lo = ValidRange.format(low), hi = ValidRange.format(high)
        return lowExclusive ? "greater than \(lo) and at most \(hi)" : "from \(lo) to \(hi)"
    }

    /// Whole numbers with thousands separators, other values in plain or exponent form.
    static func format(_ x: Double) -> String {
        if x >= 0x1p63 { return "9,223,372,036,854,775,807" }
        if x == x.rounded(), abs(x) < 0x1p63 {
            let i = Int(x)
            var digits = String(i.magnitude), out = ""
            while digits.count > 3 { out = "," + digits.suffix(3) + out; digits.removeLast(3) }
            return (i < 0 ? "-" : "") + digits + out
        }
        return "\(x)"
    }
}

/// Numbers parsed from user text (a YAML scalar, a `--set` value, an option), range-checked.
/// Each function returns the value or the problem as an ``InputError`` without file or key path
/// (the caller adds them), so that config readers, `--set` and options share one wording.
public enum UserNumber {
    /// Parses `text` as an integer within `range`. Whole numbers written as floats (`1e3`,
    /// `64.0`) are accepted when they are exact; fractions and out-of-range values are refused.
    public static func int(_ text: String, in range: ValidRange) -> Result<Int, InputError> {
        let t = text.trimmingWhitespace()
        if let v = Int(t) {
            guard range.contains(Double(v)) else { return .failure(InputError([outOfRange(t, range)])) }
            return .success(v)
        }
        if let d = Double(t) {
            if !d.isFinite { return .failure(InputError(value: t, message: "must be a whole number \(range), not \(nonFiniteName(d))")) }
            guard range.contains(d), d.magnitude < 0x1p63 else { return .failure(InputError([outOfRange(t, range)])) }
            guard d == d.rounded() else {
                return .failure(InputError(value: t, message: "must be a whole number \(range), not a fraction"))
            }
            return .success(Int(d))   // exact: a whole number below 2⁶³ in magnitude
        }
        return .failure(InputError(value: t, message: "must be a whole number \(range)"))
    }

    /// Parses `text` as a finite number within `range`.
    public static func double(_ text: String, in range: ValidRange) -> Result<Double, InputError> {
        let t = text.trimmingWhitespace()
        guard let d = Double(t) else { return .failure(InputError(value: t, message: "must be a number \(range)")) }
        guard d.isFinite else { return .failure(InputError(value: t, message: "must be a finite number \(range), not \(nonFiniteName(d))")) }
        guard range.contains(d) else { return .failure(InputError([outOfRange(t, range)])) }
        return .success(d)
    }

    static func outOfRange(_ t: String, _ range: ValidRange) -> InputIssue {
        InputIssue(value: t, message: "must be \(range)",
                   hint: t.hasPrefix("-") && range.low >= 0 ? "this value cannot be negative" : "check the value for a typo or a wrong unit")
    }

    /// "nan", "infinity" or "-infinity", as a type name for messages.
    static func nonFiniteName(_ d: Double) -> String {
        d.isNaN ? "NaN" : d > 0 ? "infinity" : "-infinity"
    }
}

import Foundation
