/// Crowding distance (Deb et al. 2002, §III-B): how much room a point has on its front, the sum
/// over objectives of the normalized gap between its two neighbours. Used to keep fronts spread.
///
/// Corner cases, handled so that the result does not depend on the order of the input:
/// - Boundary points get +∞: for each objective, the first and the last point when sorted by that
///   objective, ties broken by the other objectives in order (then by index). Only one point per
///   end: giving +∞ to every point that ties at an extreme lets a whole edge of the front (say
///   all points with f₃ = 0 on DTLZ2) crowd out the rest of it.
/// - An objective on which all points agree contributes nothing (no division by a zero range).
/// - Duplicates (equal objective vectors): the first copy (lowest index) gets the distance
///   computed among the distinct points; the other copies get 0, so survival and tournaments
///   prefer distinct designs. A front with at most two distinct points is all boundary.
public enum Crowding {
    /// The crowding distance of each of the `objectives.count / m` points of one front.
    public static func distances(_ objectives: [Double], objectiveCount m: Int) -> [Double] {
        precondition(m >= 1 && objectives.count % m == 0)
        let n = objectives.count / m
        return objectives.withUnsafeBufferPointer { f in
            distances(f, members: Array(0..<n), m: m)
        }
    }

    /// The crowding distance of each point, given as one array of objectives per point.
    public static func distances(_ points: [[Double]]) -> [Double] {
        guard let m = points.first?.count else { return [] }
        return distances(NonDominatedSort.flatten(points, m), objectiveCount: m)
    }

    /// Sorts positions into `members` by objective `j`; ties by the other objectives, then by
    /// position (so one point per end is the boundary, and the order is deterministic).
    static func sortByObjective(_ positions: inout [Int], _ f: UnsafeBufferPointer<Double>, members: [Int], m: Int, _ j: Int) {
        positions.sort { a, b in
            let ia = members[a] * m, ib = members[b] * m
            let x = f[ia + j], y = f[ib + j]
            if x != y { return x < y }
            for k in 0..<m where k != j && f[ia + k] != f[ib + k] { return f[ia + k] < f[ib + k] }
            return a < b
        }
    }

    /// Distinct points among `members` (indices into the flat objectives `f`): positions into
    /// `members` sorted lexicographically by row, the first of each run of equal rows kept.
    static func distinctRows(_ f: UnsafeBufferPointer<Double>, members: [Int], m: Int) -> [Int] {
        var byRow = Array(0..<members.count)
        byRow.sort { a, b in
            let ia = members[a] * m, ib = members[b] * m
            for j in 0..<m {
                let x = f[ia + j], y = f[ib + j]
                if x < y { return true }
                if y < x { return false }
            }
            return a < b
        }
        var unique: [Int] = []
        unique.reserveCapacity(members.count)
        for k in byRow.indices {
            if k > 0 && NonDominatedSort.equalRows(f, members[byRow[k]], members[byRow[k - 1]], m) { continue }
            unique.append(byRow[k])
        }
        return unique
    }

    /// Crowding distances of the points `members` (indices into the flat objectives `f`),
    /// returned in the order of `members`.
    static func distances(_ f: UnsafeBufferPointer<Double>, members: [Int], m: Int) -> [Double] {
        let n = members.count
        var result = [Double](repeating: 0, count: n)
        if n == 0 { return result }
        let unique = distinctRows(f, members: members, m: m)  // positions into members
        let u = unique.count
        if u <= 2 {
            for p in unique { result[p] = .infinity }
            return result
        }
        var sorted = unique
        for j in 0..<m {
            sortByObjective(&sorted, f, members: members, m: m, j)
            let lo = f[members[sorted[0]] * m + j], hi = f[members[sorted[u - 1]] * m + j]
            let range = hi - lo
            if !(range > 0) { continue }  // all equal on this objective: no information
            result[sorted[0]] = .infinity
            result[sorted[u - 1]] = .infinity
            if !range.isFinite { continue }
            for k in 1..<(u - 1) {
                let p = sorted[k]
                if result[p].isFinite {
                    result[p] += (f[members[sorted[k + 1]] * m + j] - f[members[sorted[k - 1]] * m + j]) / range
                }
            }
        }
        return result
    }
}
