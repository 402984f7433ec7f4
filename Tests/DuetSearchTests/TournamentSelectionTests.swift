import DuetCore
import Testing
@testable import DuetSearch

@Suite struct TournamentSelectionTests {
    // Four contestants: 0 and 1 feasible and mutually non-dominated (0 more crowded-out),
    // 2 feasible and dominated by 0, 3 infeasible with the best objectives.
    let contestants = TournamentSelection.Contestants(
        fitness: [1, 3, 3, 1, 2, 4, 0, 0], objectiveCount: 2,
        rank: [0, 0, 1, 2], crowding: [0.5, 2, .infinity, .infinity], violation: [0, 0, 0, 0.5])

    @Test func feasibleBeatsInfeasible() {
        var rng = SeededGenerator(seed: 1)
        let t = TournamentSelection()
        #expect(t.winner(3, 2, in: contestants, using: &rng) == 2)
        #expect(t.winner(0, 3, in: contestants, using: &rng) == 0)
    }

    @Test func smallerViolationWinsAmongInfeasible() {
        var rng = SeededGenerator(seed: 1)
        let c = TournamentSelection.Contestants(fitness: [0, 0, 5, 5], objectiveCount: 2, rank: [0, 0],
                                                crowding: [1, 1], violation: [2, 1])
        #expect(TournamentSelection().winner(0, 1, in: c, using: &rng) == 1)
    }

    @Test func dominanceThenCrowding() {
        var rng = SeededGenerator(seed: 1)
        let t = TournamentSelection(comparison: .dominanceThenCrowding)
        #expect(t.winner(0, 2, in: contestants, using: &rng) == 0)  // 0 dominates 2 despite 2's crowding
        #expect(t.winner(0, 1, in: contestants, using: &rng) == 1)  // non-dominated: larger crowding
    }

    @Test func rankThenCrowding() {
        var rng = SeededGenerator(seed: 1)
        let t = TournamentSelection(comparison: .rankThenCrowding)
        #expect(t.winner(1, 2, in: contestants, using: &rng) == 1)
        #expect(t.winner(0, 1, in: contestants, using: &rng) == 1)
    }

    @Test func fullTiesAreBrokenAtRandomBothWays() {
        var rng = SeededGenerator(seed: 1)
        let c = TournamentSelection.Contestants(fitness: [1, 1, 1, 1], objectiveCount: 2, rank: [0, 0],
                                                crowding: [1, 1], violation: [0, 0])
        let wins = (0..<200).map { _ in TournamentSelection().winner(0, 1, in: c, using: &rng) }
        #expect(Set(wins) == [0, 1])
    }

    @Test func everyoneCompetesAboutEqually() {
        var rng = SeededGenerator(seed: 3)
        let n = 10
        let c = TournamentSelection.Contestants(fitness: (0..<n).flatMap { [Double($0), Double(n - $0)] }, objectiveCount: 2,
                                                rank: [Int](repeating: 0, count: n), crowding: (0..<n).map(Double.init),
                                                violation: [Double](repeating: 0, count: n))
        let winners = TournamentSelection().select(count: n, from: c, using: &rng)
        #expect(winners.count == n)
        // From two permutations each index meets exactly two opponents; the most crowded always wins.
        #expect(winners.contains(n - 1))
        #expect(!winners.contains(0))
    }
}
