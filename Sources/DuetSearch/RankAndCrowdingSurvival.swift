/// NSGA-II's environmental selection (Deb et al. 2002, §III-C): rank the merged parents and
/// offspring by constrained non-dominated sorting, take whole fronts while they fit, and fill the
/// rest from the next front by decreasing crowding distance (ties at random), or, with
/// ``Truncation/pruning``, by removing its most crowded points one at a time.
public struct RankAndCrowdingSurvival: Sendable, Hashable {
    /// How the front that does not fit whole is cut down.
    public enum Truncation: Sendable, Hashable {
        /// Deb et al. 2002 (and pymoo's default `crowding_func="cd"`): compute the crowding
        /// distances once and keep the largest.
        case crowdingDistance
        /// Kukkonen & Deb 2006 (pymoo's `crowding_func="pcd"`): remove the point with the smallest
        /// crowding distance, recompute its neighbours' distances, repeat
        /// (``Crowding/pruned(_:members:m:keep:using:)``). Keeps fronts more evenly spread, at
        /// the cost of a heap operation per removed point (a few percent of a run).
        case pruning
    }

    /// How the last, splitting front is cut down. Default ``Truncation/crowdingDistance`` (the paper).
    public var truncation: Truncation

    public init(truncation: Truncation = .crowdingDistance) { self.truncation = truncation }

    /// The survivors, with their rank and crowding distance computed within their front of the
    /// merged set (with ``Truncation/pruning``, within the kept part of the splitting front).
    public struct Result: Sendable, Hashable {
        /// Indices into the input, whole fronts first in rank order.
        public var survivors: [Int]
        public var rank: [Int]
        public var crowding: [Double]
    }

    /// Selects `count` of the points given as flat row-major `fitness` (`m` objectives each,
    /// minimized) and total constraint `violation`s.
    public func select(count: Int, fitness: [Double], objectiveCount m: Int, violation: [Double],
                       using rng: inout some RandomNumberGenerator) -> Result {
        let n = violation.count
        let ranks = NonDominatedSort.ranks(fitness, objectiveCount: m, violations: violation)
        let fronts = NonDominatedSort.fronts(fromRanks: ranks)
        var result = Result(survivors: [], rank: [], crowding: [])
        result.survivors.reserveCapacity(min(count, n))
        fitness.withUnsafeBufferPointer { f in
            for front in fronts {
                let remaining = count - result.survivors.count
                if remaining <= 0 { break }
                if front.count > remaining && truncation == .pruning {
                    let (kept, cd) = Crowding.pruned(f, members: front, m: m, keep: remaining, using: &rng)
                    result.survivors.append(contentsOf: kept.map { front[$0] })
                    result.crowding.append(contentsOf: cd)
                    result.rank.append(contentsOf: repeatElement(ranks[front[0]], count: kept.count))
                    break
                }
                let cd = Crowding.distances(f, members: front, m: m)
                if front.count <= remaining {
                    result.survivors.append(contentsOf: front)
                    result.crowding.append(contentsOf: cd)
                    result.rank.append(contentsOf: repeatElement(ranks[front[0]], count: front.count))
                } else {
                    // Largest crowding first; random keys break ties.
                    var keyed = front.indices.map { ($0, cd[$0], rng.nextUnitDouble()) }
                    keyed.sort { $0.1 > $1.1 || ($0.1 == $1.1 && $0.2 < $1.2) }
                    for (k, _, _) in keyed.prefix(remaining) {
                        result.survivors.append(front[k])
                        result.crowding.append(cd[k])
                        result.rank.append(ranks[front[k]])
                    }
                }
            }
        }
        return result
    }
}
