import DuetCore
import Testing
@testable import DuetSearch

@Suite struct RankAndCrowdingSurvivalTests {
    @Test func takesWholeFrontsThenTheLeastCrowded() {
        // Front 0: (0,4) (1,2) (2,1.5) (4,0); front 1: (3,3); infeasible: (0,0) with violation 1.
        let fitness: [Double] = [0, 4, 1, 2, 2, 1.5, 4, 0, 3, 3, 0, 0]
        let violation: [Double] = [0, 0, 0, 0, 0, 1]
        var rng = SeededGenerator(seed: 1)
        let all = RankAndCrowdingSurvival().select(count: 5, fitness: fitness, objectiveCount: 2, violation: violation, using: &rng)
        #expect(Set(all.survivors) == [0, 1, 2, 3, 4])
        #expect(all.rank == [0, 0, 0, 0, 1])
        // Keep 3 of front 0: the two boundary points and (2,1.5), whose crowding 1.25 beats 1.125.
        let three = RankAndCrowdingSurvival().select(count: 3, fitness: fitness, objectiveCount: 2, violation: violation, using: &rng)
        #expect(Set(three.survivors) == [0, 2, 3])
        #expect(three.crowding.filter(\.isFinite).map { ($0 * 1000).rounded() } == [1250])
    }

    @Test func infeasibleSurviveOnlyWhenFeasibleRunOut() {
        let fitness: [Double] = [0, 0, 1, 1, 5, 5]
        let violation: [Double] = [2, 1, 0]
        var rng = SeededGenerator(seed: 1)
        let r = RankAndCrowdingSurvival().select(count: 2, fitness: fitness, objectiveCount: 2, violation: violation, using: &rng)
        #expect(r.survivors == [2, 1])
    }
}
