/// Binary tournament selection with constraint handling (Deb et al. 2002, §VI): of two
/// competitors a feasible one beats an infeasible one and two infeasible ones compare by total
/// violation. Two feasible ones compare by ``Comparison``: by default as Deb's reference C code
/// (`tourselect.c`) and pymoo do, by Pareto dominance and then by crowding distance; or as the
/// paper's crowded-comparison operator states it, by rank and then crowding distance. Remaining
/// ties are broken at random.
///
/// Competitors are drawn from concatenated random permutations of the population (as pymoo
/// does), so every individual takes part in about the same number of tournaments.
public struct TournamentSelection: Sendable, Hashable {
    public enum Comparison: Sendable, Hashable {
        /// Dominance, then larger crowding distance (Deb's code, pymoo's default).
        case dominanceThenCrowding
        /// Lower rank, then larger crowding distance (the paper's crowded-comparison operator).
        case rankThenCrowding
    }

    public var comparison: Comparison

    public init(comparison: Comparison = .dominanceThenCrowding) { self.comparison = comparison }

    /// The state of the population the tournaments draw from.
    public struct Contestants {
        /// Flat row-major fitness, `objectiveCount` values per individual (minimized).
        public var fitness: [Double]
        public var objectiveCount: Int
        public var rank: [Int]
        public var crowding: [Double]
        public var violation: [Double]

        public init(fitness: [Double], objectiveCount: Int, rank: [Int], crowding: [Double], violation: [Double]) {
            precondition(rank.count == violation.count && crowding.count == violation.count
                         && fitness.count == violation.count * objectiveCount)
            self.fitness = fitness
            self.objectiveCount = objectiveCount
            self.rank = rank
            self.crowding = crowding
            self.violation = violation
        }

        public var count: Int { violation.count }
    }

    /// The winners of `count` tournaments.
    public func select(count: Int, from c: Contestants, using rng: inout some RandomNumberGenerator) -> [Int] {
        let n = c.count
        precondition(n > 0)
        var competitors: [Int] = []
        competitors.reserveCapacity(2 * count + n)
        while competitors.count < 2 * count {
            var perm = Array(0..<n)
            Self.shuffle(&perm, using: &rng)
            competitors.append(contentsOf: perm)
        }
        var winners = [Int](repeating: 0, count: count)
        for t in 0..<count {
            winners[t] = winner(competitors[2 * t], competitors[2 * t + 1], in: c, using: &rng)
        }
        return winners
    }

    /// The winner of one tournament between `a` and `b`.
    public func winner(_ a: Int, _ b: Int, in c: Contestants, using rng: inout some RandomNumberGenerator) -> Int {
        let va = c.violation[a], vb = c.violation[b]
        if va > 0 || vb > 0 {
            if va < vb { return a }
            if vb < va { return b }
        } else {
            switch comparison {
            case .rankThenCrowding:
                if c.rank[a] < c.rank[b] { return a }
                if c.rank[b] < c.rank[a] { return b }
            case .dominanceThenCrowding:
                let m = c.objectiveCount
                var aBetter = false, bBetter = false
                for j in 0..<m {
                    let x = c.fitness[a * m + j], y = c.fitness[b * m + j]
                    if x < y { aBetter = true } else if y < x { bBetter = true }
                }
                if aBetter && !bBetter { return a }
                if bBetter && !aBetter { return b }
            }
            if c.crowding[a] > c.crowding[b] { return a }
            if c.crowding[b] > c.crowding[a] { return b }
        }
        return rng.nextUnitDouble() < 0.5 ? a : b
    }

    /// Fisher–Yates with the platform-independent draw of `nextUnitDouble`.
    static func shuffle(_ a: inout [Int], using rng: inout some RandomNumberGenerator) {
        var i = a.count - 1
        while i > 0 {
            let j = min(Int(rng.nextUnitDouble() * Double(i + 1)), i)
            a.swapAt(i, j)
            i -= 1
        }
    }
}
