extension Hypervolume {
    /// The hypervolume of `points` in the box [`ideal`, `reference`], as a fraction of the box:
    /// 1 when a point sits on the ideal, 0 when every point lies on or beyond the reference.
    /// All objectives are minimized (negate maximized ones first). Each objective is mapped by
    /// (v − ideal) / (reference − ideal) and clamped to [0, 1], then the hypervolume is taken
    /// against the reference point (1, …, 1), so the result always lies in [0, 1]. An objective
    /// whose box has no width (reference ≤ ideal) counts as met by every point (its factor is 1).
    /// Unitless: the same front gives the same value whatever units the objectives are in.
    public static func normalized(_ points: [[Double]], ideal: [Double], reference: [Double]) -> Double {
        let m = ideal.count
        precondition(reference.count == m && m >= 1, "ideal and reference need the same number of objectives")
        let live = (0..<m).filter { reference[$0] > ideal[$0] }
        if points.isEmpty { return 0 }
        if live.isEmpty { return 1 }
        var flat: [Double] = []
        flat.reserveCapacity(points.count * live.count)
        for p in points {
            precondition(p.count == m, "every point needs as many objectives as the ideal point")
            for k in live {
                let v = (p[k] - ideal[k]) / (reference[k] - ideal[k])
                flat.append(v.isNaN ? 1 : min(1, max(0, v)))
            }
        }
        let hv = compute(flat, objectiveCount: live.count, reference: [Double](repeating: 1, count: live.count))
        return min(1, max(0, hv))
    }
}
