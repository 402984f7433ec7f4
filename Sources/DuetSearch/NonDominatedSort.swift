/// Non-dominated sorting: the Pareto rank of every point (0 for the first front, 1 for the front
/// that is non-dominated once the first is removed, …), all objectives minimized.
///
/// Points are given flat and row-major: point `i`'s objectives are `objectives[i*m ..< (i+1)*m]`.
/// Every algorithm first sorts the points lexicographically, so an earlier point can never be
/// dominated by a later one, then places each point in the first front none of whose members
/// dominates it, found by binary search over the fronts (fronts are nested: whatever front k
/// dominates, front k−1 dominates too). Checking one front costs:
/// - 2 objectives: O(1), the front's smallest second objective (O(N log N) overall);
/// - 3 objectives: O(log n), a staircase of the front's projection on objectives 2–3 kept sorted
///   (the dimension-sweep idea of Jensen 2003 / Fortin et al. 2013);
/// - more: a scan of the front (ENS-BS, Zhang et al. 2015), O(MN²) in the worst case.
/// Duplicates share a rank.
public enum NonDominatedSort {
    /// The rank of each of the `objectives.count / m` points.
    public static func ranks(_ objectives: [Double], objectiveCount m: Int) -> [Int] {
        precondition(m >= 1, "need at least one objective")
        precondition(objectives.count % m == 0, "objectives.count must be a multiple of the objective count")
        let n = objectives.count / m
        if n == 0 { return [] }
        return objectives.withUnsafeBufferPointer { f in
            let order = lexicographicOrder(f, n: n, m: m)
            switch m {
            case 1: return ranks1(f, order: order)
            case 2: return ranks2(f, order: order)
            case 3: return ranks3(f, order: order)
            default: return ranksN(f, order: order, m: m)
            }
        }
    }

    /// The rank of each point, given as one array of objectives per point.
    public static func ranks(_ points: [[Double]]) -> [Int] {
        guard let m = points.first?.count else { return [] }
        return ranks(flatten(points, m), objectiveCount: m)
    }

    /// Ranks under Deb's constrained dominance: feasible points (violation 0) ranked by their
    /// objectives first; then infeasible points, one front per distinct violation, smallest first.
    public static func ranks(_ objectives: [Double], objectiveCount m: Int, violations: [Double]) -> [Int] {
        let n = violations.count
        precondition(objectives.count == n * m, "one violation per point")
        var feasible: [Int] = [], infeasible: [Int] = []
        for i in 0..<n { if violations[i] > 0 { infeasible.append(i) } else { feasible.append(i) } }
        if infeasible.isEmpty { return ranks(objectives, objectiveCount: m) }
        var result = [Int](repeating: 0, count: n)
        var next = 0
        if !feasible.isEmpty {
            var sub = [Double](); sub.reserveCapacity(feasible.count * m)
            for i in feasible { sub.append(contentsOf: objectives[(i * m)..<(i * m + m)]) }
            let r = ranks(sub, objectiveCount: m)
            for (k, i) in feasible.enumerated() { result[i] = r[k]; next = max(next, r[k] + 1) }
        }
        infeasible.sort { violations[$0] < violations[$1] || (violations[$0] == violations[$1] && $0 < $1) }
        var rank = next
        for (k, i) in infeasible.enumerated() {
            if k > 0 && violations[i] != violations[infeasible[k - 1]] { rank += 1 }
            result[i] = rank
        }
        return result
    }

    /// The indices of each front in rank order, each in increasing index order.
    public static func fronts(fromRanks ranks: [Int]) -> [[Int]] {
        let count = (ranks.max() ?? -1) + 1
        var fronts = [[Int]](repeating: [], count: count)
        for (i, r) in ranks.enumerated() { fronts[r].append(i) }
        return fronts
    }

    /// The indices of the non-dominated points (rank 0), in increasing order.
    public static func nonDominated(_ objectives: [Double], objectiveCount m: Int) -> [Int] {
        ranksZero(objectives, m)
    }

    /// The indices of the non-dominated points among `points` (rank 0), in increasing order.
    public static func nonDominated(_ points: [[Double]]) -> [Int] {
        guard let m = points.first?.count else { return [] }
        return ranksZero(flatten(points, m), m)
    }

    static func ranksZero(_ objectives: [Double], _ m: Int) -> [Int] {
        let r = ranks(objectives, objectiveCount: m)
        return r.indices.filter { r[$0] == 0 }
    }

    static func flatten(_ points: [[Double]], _ m: Int) -> [Double] {
        var flat = [Double](); flat.reserveCapacity(points.count * m)
        for p in points {
            precondition(p.count == m, "all points need \(m) objectives")
            flat.append(contentsOf: p)
        }
        return flat
    }

    // MARK: - Algorithms

    /// Point indices sorted lexicographically by objectives (ties by index, for determinism).
    static func lexicographicOrder(_ f: UnsafeBufferPointer<Double>, n: Int, m: Int) -> [Int32] {
        var order = (0..<Int32(n)).map { $0 }
        order.sort { a, b in
            let ia = Int(a) * m, ib = Int(b) * m
            for j in 0..<m {
                let x = f[ia + j], y = f[ib + j]
                if x < y { return true }
                if y < x { return false }
            }
            return a < b
        }
        return order
    }

    @inline(__always) static func equalRows(_ f: UnsafeBufferPointer<Double>, _ a: Int, _ b: Int, _ m: Int) -> Bool {
        for j in 0..<m where f[a * m + j] != f[b * m + j] { return false }
        return true
    }

    static func ranks1(_ f: UnsafeBufferPointer<Double>, order: [Int32]) -> [Int] {
        var ranks = [Int](repeating: 0, count: order.count)
        var rank = 0
        for k in 0..<order.count {
            if k > 0 && f[Int(order[k])] != f[Int(order[k - 1])] { rank += 1 }
            ranks[Int(order[k])] = rank
        }
        return ranks
    }

    static func ranks2(_ f: UnsafeBufferPointer<Double>, order: [Int32]) -> [Int] {
        let n = order.count
        var ranks = [Int](repeating: 0, count: n)
        // minF2[k]: the smallest second objective in front k so far (non-decreasing in k).
        var minF2: [Double] = []
        minF2.reserveCapacity(64)
        var previous = -1
        for k in 0..<n {
            let i = Int(order[k])
            if previous >= 0 && f[2 * i] == f[2 * previous] && f[2 * i + 1] == f[2 * previous + 1] {
                ranks[i] = ranks[previous]
                continue
            }
            previous = i
            let y = f[2 * i + 1]
            // First front whose smallest f2 exceeds y (such a front cannot dominate the point).
            var lo = 0, hi = minF2.count
            while lo < hi {
                let mid = (lo + hi) >> 1
                if minF2[mid] <= y { lo = mid + 1 } else { hi = mid }
            }
            if lo == minF2.count { minF2.append(y) } else { minF2[lo] = y }
            ranks[i] = lo
        }
        return ranks
    }

    static func ranks3(_ f: UnsafeBufferPointer<Double>, order: [Int32]) -> [Int] {
        let n = order.count
        var ranks = [Int](repeating: 0, count: n)
        // fronts[k]: the minimal points of front k projected on (f2, f3), f2 ascending, f3 descending.
        var fronts: [[SIMD2<Double>]] = []
        var previous = -1
        for k in 0..<n {
            let i = Int(order[k])
            if previous >= 0 && equalRows(f, i, previous, 3) {
                ranks[i] = ranks[previous]
                continue
            }
            previous = i
            let p = SIMD2(f[3 * i + 1], f[3 * i + 2])
            var lo = 0, hi = fronts.count
            while lo < hi {
                let mid = (lo + hi) >> 1
                if staircaseDominates(fronts[mid], p) { lo = mid + 1 } else { hi = mid }
            }
            if lo == fronts.count { fronts.append([p]) } else { staircaseInsert(&fronts[lo], p) }
            ranks[i] = lo
        }
        return ranks
    }

    /// Index of the first staircase element with x > `x` (all before it have x ≤ `x`).
    @inline(__always) static func upperBound(_ s: [SIMD2<Double>], _ x: Double) -> Int {
        var lo = 0, hi = s.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if s[mid].x <= x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Whether some staircase point is ≤ p in both coordinates.
    @inline(__always) static func staircaseDominates(_ s: [SIMD2<Double>], _ p: SIMD2<Double>) -> Bool {
        let k = upperBound(s, p.x)
        return k > 0 && s[k - 1].y <= p.y
    }

    /// Inserts p (not weakly dominated by the staircase), removing the points it weakly dominates.
    @inline(__always) static func staircaseInsert(_ s: inout [SIMD2<Double>], _ p: SIMD2<Double>) {
        // First index with x >= p.x.
        var lo = 0, hi = s.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if s[mid].x < p.x { lo = mid + 1 } else { hi = mid }
        }
        var end = lo
        while end < s.count && s[end].y >= p.y { end += 1 }
        if end == lo {
            s.insert(p, at: lo)
        } else {
            s[lo] = p
            if end > lo + 1 { s.removeSubrange((lo + 1)..<end) }
        }
    }

    static func ranksN(_ f: UnsafeBufferPointer<Double>, order: [Int32], m: Int) -> [Int] {
        let n = order.count
        var ranks = [Int](repeating: 0, count: n)
        // Each front keeps its members' objectives 2…m contiguously, sorted by objective 2, so a
        // query scans only the prefix that could dominate (objective 2 no worse than the point's).
        var fronts: [[Double]] = []
        let w = m - 1
        var p = [Double](repeating: 0, count: w)
        var previous = -1
        for k in 0..<n {
            let i = Int(order[k])
            if previous >= 0 && equalRows(f, i, previous, m) {
                ranks[i] = ranks[previous]
                continue
            }
            previous = i
            for j in 0..<w { p[j] = f[i * m + 1 + j] }
            var lo = 0, hi = fronts.count
            while lo < hi {
                let mid = (lo + hi) >> 1
                if frontDominates(fronts[mid], p, w) { lo = mid + 1 } else { hi = mid }
            }
            if lo == fronts.count {
                fronts.append(p)
            } else {
                let at = prefixEnd(fronts[lo], p[0], w)
                fronts[lo].insert(contentsOf: p, at: at * w)
            }
            ranks[i] = lo
        }
        return ranks
    }

    /// The number of members of a flat front (stride `w`) whose first stored objective is ≤ `x`.
    @inline(__always) static func prefixEnd(_ front: [Double], _ x: Double, _ w: Int) -> Int {
        var lo = 0, hi = front.count / w
        while lo < hi {
            let mid = (lo + hi) >> 1
            if front[mid * w] <= x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Whether a member of `front` (all lexicographically before the point, objectives 2…m
    /// stored flat with stride `w`) dominates the point whose objectives 2…m are `p`. Members
    /// are not duplicates of it and have f₁ ≤ its f₁, so "≤ in objectives 2…m" is domination.
    @inline(__always) static func frontDominates(_ front: [Double], _ p: [Double], _ w: Int) -> Bool {
        front.withUnsafeBufferPointer { q in
            p.withUnsafeBufferPointer { p in
                var k = prefixEnd(front, p[0], w) - 1
                while k >= 0 {
                    let base = k * w
                    var dominated = true
                    for j in 1..<w where q[base + j] > p[j] { dominated = false; break }
                    if dominated { return true }
                    k -= 1
                }
                return false
            }
        }
    }
}
