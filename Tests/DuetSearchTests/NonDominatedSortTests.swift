import DuetCore
import Testing
@testable import DuetSearch

@Suite struct NonDominatedSortTests {
    @Test func handComputedTwoObjectiveFronts() {
        let points: [[Double]] = [[1, 5], [2, 3], [3, 4], [4, 1], [2, 3], [5, 5], [3, 2]]
        // fronts: {[1,5],[2,3],[2,3],[4,1],[3,2]} ; {[3,4]} ; {[5,5]}
        #expect(NonDominatedSort.ranks(points) == [0, 0, 1, 0, 0, 2, 0])
        #expect(NonDominatedSort.nonDominated(points) == [0, 1, 3, 4, 6])
        #expect(NonDominatedSort.fronts(fromRanks: [0, 0, 1, 0, 0, 2, 0]) == [[0, 1, 3, 4, 6], [2], [5]])
    }

    @Test func equalFirstObjectiveWithWorseSecondIsDominated() {
        #expect(NonDominatedSort.ranks([[1, 2], [1, 3], [1, 2]]) == [0, 1, 0])
        #expect(NonDominatedSort.ranks([[1, 1, 2], [1, 1, 3], [0, 2, 3]]) == [0, 1, 0])
        #expect(NonDominatedSort.ranks([[1, 1, 1, 2], [1, 1, 1, 3]]) == [0, 1])
    }

    @Test func agreesWithBruteForceForOneToFiveObjectives() {
        withEvery(in: 0..<30) { seed in
            var rng = SeededGenerator(seed: seed)
            for m in 1...5 {
                // Coarse levels make ties and duplicates common.
                let points = randomPoints(120, m, levels: seed % 2 == 0 ? 6 : nil, using: &rng)
                #expect(NonDominatedSort.ranks(points) == bruteForceRanks(points), "seed \(seed), m \(m)")
            }
        }
    }

    @Test func constrainedRanksPutInfeasiblePointsAfterByViolation() {
        let points: [[Double]] = [[5, 5], [0, 0], [1, 1], [9, 9], [0, 9]]
        let violations: [Double] = [0, 2, 1, 0, 1]
        let flat = points.flatMap { $0 }
        let ranks = NonDominatedSort.ranks(flat, objectiveCount: 2, violations: violations)
        #expect(ranks == [0, 3, 2, 1, 2])
        #expect(ranks == bruteForceRanks(points, violations: violations))
    }

    @Test func constrainedRanksAgreeWithBruteForce() {
        withEvery(in: 0..<20) { seed in
            var rng = SeededGenerator(seed: 100 + seed)
            let points = randomPoints(80, 3, levels: 5, using: &rng)
            let violations = (0..<80).map { _ in rng.nextUnitDouble() < 0.3 ? (rng.nextUnitDouble() * 4).rounded(.down) : 0 }
            let ranks = NonDominatedSort.ranks(points.flatMap { $0 }, objectiveCount: 3, violations: violations)
            #expect(ranks == bruteForceRanks(points, violations: violations), "seed \(seed)")
        }
    }

    @Test func emptyAndSingle() {
        #expect(NonDominatedSort.ranks([[Double]]()) == [])
        #expect(NonDominatedSort.ranks([[3.0, 4.0]]) == [0])
    }

    @Test func scalesToManyPoints() {
        var rng = SeededGenerator(seed: 1)
        let flat = (0..<(20_000 * 3)).map { _ in rng.nextUnitDouble() }
        let ranks = NonDominatedSort.ranks(flat, objectiveCount: 3)
        #expect(ranks.count == 20_000)
        // The first front of uniform points is a small, non-dominated subset.
        let first = ranks.indices.filter { ranks[$0] == 0 }
        for i in first.prefix(50) {
            for j in first.prefix(50) where i != j {
                #expect(Dominance.compare(Array(flat[(3 * i)..<(3 * i + 3)]), Array(flat[(3 * j)..<(3 * j + 3)])) != .dominates)
            }
        }
    }
}
