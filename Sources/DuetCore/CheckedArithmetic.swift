/// Integer arithmetic on user-supplied shapes that reports overflow as an ``InputError``
/// instead of trapping. MAC counts of absurd layers (e.g. 10⁵ channels at 10⁵×10⁵ pixels)
/// exceed Int64; Duet must say so, not crash.
public enum Checked {
    /// The product of `factors`, or an ``InputError`` naming `what` when it overflows Int64
    /// (`what` is only built then).
    public static func product(_ factors: [Int], what: @autoclosure () -> String, keyPath: String = "") throws -> Int {
        var acc = 1
        for f in factors {
            let (r, o) = acc.multipliedReportingOverflow(by: f)
            if o {
                throw InputError(
                    keyPath: keyPath, value: factors.map(String.init).joined(separator: "×"),
                    message: "\(what()) overflows a 64-bit integer",
                    hint: "the shape is too large to count; check the sizes for a typo")
            }
            acc = r
        }
        return acc
    }

    /// `a + b`, or an ``InputError`` naming `what` when it overflows (`what` is only built then).
    public static func sum(_ a: Int, _ b: Int, what: @autoclosure () -> String, keyPath: String = "") throws -> Int {
        let (r, o) = a.addingReportingOverflow(b)
        if o {
            throw InputError(keyPath: keyPath, message: "\(what()) overflows a 64-bit integer",
                             hint: "the network is too large to count; check the sizes for a typo")
        }
        return r
    }

    /// `x` rounded down to an integer, saturated to ±2⁶⁰ (and 0 for NaN): for limits such as a
    /// budget in the solver's integer unit, where a value beyond any reachable total simply never
    /// binds. Converting 1e300 with `Int64(_:)` traps; this does not.
    public static func saturatingInt64(_ x: Double) -> Int64 {
        let bound = Double(Int64(1) << 60)
        guard !x.isNaN else { return 0 }
        let v = x.rounded(.down)
        if v >= bound { return 1 << 60 }
        if v <= -bound { return -(1 << 60) }
        return Int64(v)
    }
}
