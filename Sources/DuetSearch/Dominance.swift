/// Pareto dominance between objective vectors to be minimized, and Deb's constrained dominance.
public enum Dominance: Sendable, Hashable {
    /// The first vector dominates the second: no worse in every objective, better in one.
    case dominates
    /// The second vector dominates the first.
    case dominated
    /// Neither dominates the other (including equal vectors).
    case incomparable

    /// How `a` relates to `b`, both minimized.
    @inlinable public static func compare(_ a: [Double], _ b: [Double]) -> Dominance {
        precondition(a.count == b.count, "objective vectors of different lengths")
        var aBetter = false, bBetter = false
        for j in 0..<a.count {
            if a[j] < b[j] { aBetter = true } else if b[j] < a[j] { bBetter = true }
            if aBetter && bBetter { return .incomparable }
        }
        if aBetter { return .dominates }
        if bBetter { return .dominated }
        return .incomparable
    }

    /// Constrained dominance (Deb et al. 2002, §VI): a feasible design dominates an infeasible
    /// one; of two infeasible designs the one with the smaller total violation dominates (equal
    /// violations: neither); two feasible designs compare by Pareto dominance.
    @inlinable public static func compare(_ a: [Double], violation va: Double, _ b: [Double], violation vb: Double) -> Dominance {
        switch (va > 0, vb > 0) {
        case (false, false): return compare(a, b)
        case (false, true): return .dominates
        case (true, false): return .dominated
        case (true, true): return va < vb ? .dominates : (vb < va ? .dominated : .incomparable)
        }
    }
}
