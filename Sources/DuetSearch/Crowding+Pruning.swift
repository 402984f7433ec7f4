extension Crowding {
    /// Pruning by crowding distance (Kukkonen & Deb 2006, "Improved pruning of non-dominated
    /// solutions based on crowding distance for bi-objective optimization problems"; pymoo's
    /// `crowding_func="pcd"`): removes the most crowded point one at a time, recomputing the
    /// distances of its neighbours after each removal, until `keep` of the points `members` are
    /// left.
    ///
    /// Sorting once and dropping the smallest distances (Deb et al. 2002) can remove both points of
    /// a close pair, since each is the other's neighbour, and open a gap; pruning removes one and
    /// then sees that the other is no longer crowded. Distances are those of
    /// ``distances(_:objectiveCount:)`` (same boundary points, duplicates and normalization); the
    /// boundary points are removed only when no other point is left, at random. Ties go by a random
    /// key drawn once per point.
    ///
    /// - Returns: the kept positions into `members` in increasing order, and the crowding distance
    ///   of each among the kept points. While a finite distance was left at the last removal these
    ///   equal ``distances(_:objectiveCount:)`` of the kept points (when they have no duplicates).
    static func pruned(_ f: UnsafeBufferPointer<Double>, members: [Int], m: Int, keep: Int,
                       using rng: inout some RandomNumberGenerator) -> (kept: [Int], distances: [Double]) {
        let n = members.count
        precondition(keep >= 0 && keep <= n)
        var key = [Double](repeating: 0, count: n)
        for p in 0..<n { key[p] = rng.nextUnitDouble() }
        var d = [Double](repeating: 0, count: n)
        // Neighbours in each objective's order, as positions; -1 at the ends or when the objective
        // contributes nothing (all equal, or an infinite range).
        var prev = [Int](repeating: -1, count: m * n), next = [Int](repeating: -1, count: m * n)
        var ranges = [Double](repeating: 0, count: m)  // the range of contributing objectives, else 0

        // Distinct points, as in distances(_:members:m:): the first of each run of equal rows.
        let unique = distinctRows(f, members: members, m: m)
        let u = unique.count

        @inline(__always) func value(_ p: Int, _ j: Int) -> Double { f[members[p] * m + j] }
        @inline(__always) func distance(_ p: Int) -> Double {
            var s = 0.0
            for j in 0..<m where ranges[j] > 0 {
                s += (value(next[j * n + p], j) - value(prev[j * n + p], j)) / ranges[j]
            }
            return s
        }

        if u <= 2 {
            for p in unique { d[p] = .infinity }
        } else {
            var sorted = unique
            for j in 0..<m {
                sortByObjective(&sorted, f, members: members, m: m, j)
                let range = value(sorted[u - 1], j) - value(sorted[0], j)
                if !(range > 0) { continue }
                d[sorted[0]] = .infinity
                d[sorted[u - 1]] = .infinity
                if !range.isFinite { continue }
                ranges[j] = range
                for k in 0..<u {
                    if k > 0 { prev[j * n + sorted[k]] = sorted[k - 1] }
                    if k < u - 1 { next[j * n + sorted[k]] = sorted[k + 1] }
                }
            }
            for p in unique where d[p].isFinite { d[p] = distance(p) }
        }

        var alive = [Bool](repeating: true, count: n)
        var aliveCount = n
        var linked = [Bool](repeating: false, count: n)
        for p in unique { linked[p] = true }
        // The most crowded point is the least (d, key, position). A binary heap with lazy
        // invalidation finds it in O(log n) (an entry is stale once its point is gone or its
        // distance has changed); it removes exactly the points a linear scan would.
        var heap = PruningHeap(capacity: 3 * n)
        for p in 0..<n { heap.push(d[p], key[p], p) }
        while aliveCount > keep {
            var worst = -1
            while case let (dv, p)? = heap.pop() {
                if alive[p] && dv == d[p] { worst = p; break }
            }
            precondition(worst >= 0, "pruning heap ran dry")
            alive[worst] = false
            aliveCount -= 1
            // A duplicate copy is in no order; once only boundary points are left, nobody's
            // distance is updated any more.
            guard linked[worst], d[worst].isFinite else { continue }
            for j in 0..<m where ranges[j] > 0 {
                let a = prev[j * n + worst], b = next[j * n + worst]
                next[j * n + a] = b
                prev[j * n + b] = a
            }
            for j in 0..<m where ranges[j] > 0 {
                for q in [prev[j * n + worst], next[j * n + worst]] where d[q].isFinite {
                    let new = distance(q)
                    if new != d[q] {
                        d[q] = new
                        heap.push(new, key[q], q)
                    }
                }
            }
        }
        var kept: [Int] = [], distances: [Double] = []
        kept.reserveCapacity(keep)
        distances.reserveCapacity(keep)
        for p in 0..<n where alive[p] {
            kept.append(p)
            distances.append(d[p])
        }
        return (kept, distances)
    }
}

/// A binary min-heap of (distance, key, position) for ``Crowding/pruned(_:members:m:keep:using:)``.
struct PruningHeap {
    private var d: [Double] = [], key: [Double] = [], pos: [Int] = []

    init(capacity: Int) {
        d.reserveCapacity(capacity)
        key.reserveCapacity(capacity)
        pos.reserveCapacity(capacity)
    }

    @inline(__always) private func less(_ i: Int, _ j: Int) -> Bool {
        if d[i] != d[j] { return d[i] < d[j] }
        if key[i] != key[j] { return key[i] < key[j] }
        return pos[i] < pos[j]
    }

    private mutating func swapAt(_ i: Int, _ j: Int) {
        d.swapAt(i, j)
        key.swapAt(i, j)
        pos.swapAt(i, j)
    }

    mutating func push(_ distance: Double, _ k: Double, _ p: Int) {
        d.append(distance)
        key.append(k)
        pos.append(p)
        var i = d.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if !less(i, parent) { break }
            swapAt(i, parent)
            i = parent
        }
    }

    /// The least entry's distance and position, removed.
    mutating func pop() -> (Double, Int)? {
        guard !d.isEmpty else { return nil }
        let top = (d[0], pos[0])
        let last = d.count - 1
        swapAt(0, last)
        d.removeLast()
        key.removeLast()
        pos.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var smallest = i
            if l < d.count && less(l, smallest) { smallest = l }
            if r < d.count && less(r, smallest) { smallest = r }
            if smallest == i { break }
            swapAt(i, smallest)
            i = smallest
        }
        return top
    }
}
