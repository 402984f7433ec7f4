/// Distance-based quality indicators of an approximation set against a reference front (for
/// example points sampled from a known Pareto front). All objectives minimized; smaller is better.
public enum Indicators {
    /// Inverted generational distance: the mean, over reference points, of the Euclidean distance
    /// to the nearest point of `approximation`. +∞ for an empty approximation.
    public static func igd(_ approximation: [[Double]], reference: [[Double]]) -> Double {
        meanNearest(from: reference, to: approximation) { r, a in
            var s = 0.0
            for j in 0..<r.count { let d = a[j] - r[j]; s += d * d }
            return s.squareRoot()
        }
    }

    /// IGD⁺ (Ishibuchi et al. 2015): like IGD but only the amount by which an approximation point
    /// is worse than the reference point counts, which makes it weakly Pareto-compliant.
    public static func igdPlus(_ approximation: [[Double]], reference: [[Double]]) -> Double {
        meanNearest(from: reference, to: approximation) { r, a in
            var s = 0.0
            for j in 0..<r.count { let d = max(a[j] - r[j], 0); s += d * d }
            return s.squareRoot()
        }
    }

    /// Generational distance: the mean, over approximation points, of the distance to the
    /// nearest reference point.
    public static func gd(_ approximation: [[Double]], reference: [[Double]]) -> Double {
        meanNearest(from: approximation, to: reference) { a, r in
            var s = 0.0
            for j in 0..<r.count { let d = a[j] - r[j]; s += d * d }
            return s.squareRoot()
        }
    }

    static func meanNearest(from sources: [[Double]], to targets: [[Double]],
                            distance: ([Double], [Double]) -> Double) -> Double {
        if sources.isEmpty { return 0 }
        if targets.isEmpty { return .infinity }
        var total = 0.0
        for s in sources {
            var best = Double.infinity
            for t in targets { best = min(best, distance(s, t)) }
            total += best
        }
        return total / Double(sources.count)
    }
}
