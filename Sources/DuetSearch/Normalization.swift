/// Maps objective vectors onto a common scale: the ideal point goes to 0 and the nadir point to 1
/// in every objective, so objectives in seconds and in joules can share a hypervolume reference
/// point or a distance.
public struct Normalization: Sendable, Hashable {
    /// The best value of each objective (maps to 0).
    public var ideal: [Double]
    /// The worst value of each objective that matters (maps to 1).
    public var nadir: [Double]

    public init(ideal: [Double], nadir: [Double]) {
        precondition(ideal.count == nadir.count, "ideal and nadir need the same number of objectives")
        self.ideal = ideal
        self.nadir = nadir
    }

    /// The ideal and nadir points of `points` (component-wise minimum and maximum), e.g. of a
    /// reference front or of everything evaluated so far.
    public init(fitting points: [[Double]]) {
        precondition(!points.isEmpty, "cannot fit a normalization to no points")
        var lo = points[0], hi = points[0]
        for p in points.dropFirst() {
            for j in 0..<p.count { lo[j] = min(lo[j], p[j]); hi[j] = max(hi[j], p[j]) }
        }
        self.init(ideal: lo, nadir: hi)
    }

    /// `(f − ideal) / (nadir − ideal)` per objective; an objective with no range maps to 0.
    public func normalize(_ f: [Double]) -> [Double] {
        precondition(f.count == ideal.count)
        var out = f
        for j in 0..<f.count {
            let range = nadir[j] - ideal[j]
            out[j] = range > 0 ? (f[j] - ideal[j]) / range : 0
        }
        return out
    }

    /// The inverse of ``normalize(_:)``.
    public func denormalize(_ u: [Double]) -> [Double] {
        precondition(u.count == ideal.count)
        var out = u
        for j in 0..<u.count { out[j] = ideal[j] + u[j] * (nadir[j] - ideal[j]) }
        return out
    }

    /// A hypervolume reference point a fraction `offset` of the range beyond the nadir
    /// (`nadir + offset·(nadir − ideal)`), the usual choice (offset 0.1) when none is given.
    public func referencePoint(offset: Double = 0.1) -> [Double] {
        denormalize([Double](repeating: 1 + offset, count: ideal.count))
    }
}
