/// The hypervolume indicator: the volume of objective space dominated by a set of points and
/// bounded by a reference point, all objectives minimized. Larger is better.
///
/// Only points strictly better than the reference in every objective contribute.
/// Algorithms: 1–2 objectives by a sweep (O(n log n)); 3 objectives by a sweep over the third
/// objective keeping the 2-D staircase of the points so far and its area updated incrementally
/// (HV3D's idea, Beume et al. 2009, with a sorted array: O(n log n) plus insertion moves);
/// 4 or more by WFG (While, Bradstreet & Barone 2012): the sum of exclusive contributions,
/// each the box of a point minus the hypervolume of its non-dominated limit set.
public enum Hypervolume {
    /// The hypervolume of `points` (one objective array per point) with respect to `reference`.
    public static func compute(_ points: [[Double]], reference: [Double]) -> Double {
        let m = reference.count
        var flat: [Double] = []
        flat.reserveCapacity(points.count * m)
        for p in points {
            precondition(p.count == m, "every point needs as many objectives as the reference point")
            flat.append(contentsOf: p)
        }
        return compute(flat, objectiveCount: m, reference: reference)
    }

    /// The hypervolume of flat row-major `objectives` (`m` per point) with respect to `reference`.
    public static func compute(_ objectives: [Double], objectiveCount m: Int, reference: [Double]) -> Double {
        precondition(reference.count == m && m >= 1 && objectives.count % m == 0)
        // Keep points strictly inside the reference box.
        var inside: [Double] = []
        inside.reserveCapacity(objectives.count)
        let n = objectives.count / m
        for i in 0..<n {
            var ok = true
            for j in 0..<m where !(objectives[i * m + j] < reference[j]) { ok = false; break }
            if ok { inside.append(contentsOf: objectives[(i * m)..<(i * m + m)]) }
        }
        if inside.isEmpty { return 0 }
        switch m {
        case 1: return reference[0] - inside.min()!
        case 2: return hv2(inside, reference)
        case 3: return hv3(inside, reference)
        default: return wfg(inside, m, reference)
        }
    }

    static func hv2(_ f: [Double], _ r: [Double]) -> Double {
        let n = f.count / 2
        var order = Array(0..<n)
        order.sort { f[2 * $0] < f[2 * $1] || (f[2 * $0] == f[2 * $1] && f[2 * $0 + 1] < f[2 * $1 + 1]) }
        var volume = 0.0
        var lastY = r[1]
        // Sweep x ascending; each point that lowers the staircase adds the strip to its right.
        var stairX: [Double] = [], stairY: [Double] = []
        for i in order where f[2 * i + 1] < lastY {
            stairX.append(f[2 * i]); stairY.append(f[2 * i + 1])
            lastY = f[2 * i + 1]
        }
        for k in 0..<stairX.count {
            let nextX = k + 1 < stairX.count ? stairX[k + 1] : r[0]
            volume += (nextX - stairX[k]) * (r[1] - stairY[k])
        }
        return volume
    }

    static func hv3(_ f: [Double], _ r: [Double]) -> Double {
        let n = f.count / 3
        var order = Array(0..<n)
        order.sort { f[3 * $0 + 2] < f[3 * $1 + 2] || (f[3 * $0 + 2] == f[3 * $1 + 2] && $0 < $1) }
        var stair = Staircase(reference: SIMD2(r[0], r[1]))
        var volume = 0.0
        for k in 0..<n {
            let i = order[k]
            stair.insert(SIMD2(f[3 * i], f[3 * i + 1]))
            let nextZ = k + 1 < n ? f[3 * order[k + 1] + 2] : r[2]
            volume += stair.area * (nextZ - f[3 * i + 2])
        }
        return volume
    }

    /// A 2-D non-dominated staircase (x ascending, y descending) with the area it dominates up
    /// to a reference point, kept up to date on insertion.
    struct Staircase {
        var points: [SIMD2<Double>] = []
        var area = 0.0
        let reference: SIMD2<Double>

        init(reference: SIMD2<Double>) { self.reference = reference }

        mutating func insert(_ p: SIMD2<Double>) {
            // Points before `pos` have x < p.x.
            var lo = 0, hi = points.count
            while lo < hi {
                let mid = (lo + hi) >> 1
                if points[mid].x < p.x { lo = mid + 1 } else { hi = mid }
            }
            let pos = lo
            if pos > 0 && points[pos - 1].y <= p.y { return }  // dominated by its left neighbour
            if pos < points.count && points[pos].x == p.x && points[pos].y <= p.y { return }
            var added = 0.0
            var cursorX = p.x
            var height = pos > 0 ? points[pos - 1].y : reference.y
            var end = pos
            while end < points.count && points[end].y >= p.y {
                added += (points[end].x - cursorX) * (height - p.y)
                cursorX = points[end].x
                height = points[end].y
                end += 1
            }
            let nextX = end < points.count ? points[end].x : reference.x
            added += (nextX - cursorX) * (height - p.y)
            area += added
            if end == pos {
                points.insert(p, at: pos)
            } else {
                points[pos] = p
                if end > pos + 1 { points.removeSubrange((pos + 1)..<end) }
            }
        }
    }

    static func wfg(_ f: [Double], _ m: Int, _ r: [Double]) -> Double {
        if m == 3 { return hv3(f, r) }
        if m == 2 { return hv2(f, r) }
        // Non-dominated, distinct points only.
        let n = f.count / m
        let ranks = NonDominatedSort.ranks(f, objectiveCount: m)
        var pts: [[Double]] = []
        var seen = Set<[Double]>()
        for i in 0..<n where ranks[i] == 0 {
            let p = Array(f[(i * m)..<(i * m + m)])
            if seen.insert(p).inserted { pts.append(p) }
        }
        // Sorting by the last objective (descending) keeps limit sets small (WFG §4).
        pts.sort { $0[m - 1] > $1[m - 1] }
        var volume = 0.0
        for k in 0..<pts.count {
            var box = 1.0
            for j in 0..<m { box *= r[j] - pts[k][j] }
            var limit: [Double] = []
            limit.reserveCapacity((pts.count - k - 1) * m)
            for l in (k + 1)..<pts.count {
                for j in 0..<m { limit.append(max(pts[k][j], pts[l][j])) }
            }
            let dominatedPart = limit.isEmpty ? 0 : wfg(limit, m, r)
            volume += box - dominatedPart
        }
        return volume
    }
}
