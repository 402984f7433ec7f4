import Foundation

/// `x^e` and `x^(1/e)` for the distribution indices of SBX and polynomial mutation, which are
/// almost always small integers (η + 1 = 16, 21): powers by repeated squaring and, when `e` is
/// a power of two, roots by repeated square roots, instead of `pow` (which dominated the
/// variation step). Results agree with `pow` to a few ulps.
@usableFromInline enum FastPower {
    @inlinable static func power(_ x: Double, _ e: Double) -> Double {
        guard e >= 0, e <= 64, e == e.rounded() else { return pow(x, e) }
        var n = Int(e), base = x, result = 1.0
        while n > 0 {
            if n & 1 == 1 { result *= base }
            base *= base
            n >>= 1
        }
        return result
    }

    @inlinable static func root(_ x: Double, _ e: Double) -> Double {
        if e >= 1, e <= 64, e == e.rounded() {
            var n = Int(e)
            if n & (n - 1) == 0 {
                var r = x
                while n > 1 { r = r.squareRoot(); n >>= 1 }
                return r
            }
        }
        return pow(x, 1 / e)
    }
}
