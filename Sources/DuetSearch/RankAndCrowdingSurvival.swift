/// NSGA-II's environmental selection (Deb et al. 2002, §III-C): rank the merged parents and
/// offspring by constrained non-dominated sorting, take whole fronts while they fit, and fill the
/// rest from the next front by decreasing crowding distance (ties at random).
public struct RankAndCrowdingSurvival: Sendable, Hashable {
    public init() {}

    /// The survivors, with their rank and crowding distance computed within their front of the
    /// merged set.
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
