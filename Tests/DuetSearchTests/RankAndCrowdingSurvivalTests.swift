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

@Suite struct PruningTruncationTests {
    /// Points on the line f₂ = 10 − f₁ at f₁ = 0, 1, 4.9, 5.1, 9, 10 (range 10 on both objectives).
    let line: [Double] = [0, 1, 4.9, 5.1, 9, 10].flatMap { [$0, 10 - $0] }

    @Test func crowdingDistanceDropsBothPointsOfAClosePair() {
        // Hand-computed distances (×1/10 per objective, two objectives): f₁ = 1: 2·4.9/10 = 0.98,
        // 4.9: 2·4.1/10 = 0.82, 5.1: 0.82, 9: 0.98. Keeping 4 drops 4.9 and 5.1: a gap from 1 to 9.
        var rng = SeededGenerator(seed: 1)
        let r = RankAndCrowdingSurvival().select(count: 4, fitness: line, objectiveCount: 2,
                                                 violation: [Double](repeating: 0, count: 6), using: &rng)
        #expect(Set(r.survivors) == [0, 1, 4, 5])
    }

    @Test func pruningKeepsOnePointOfTheClosePair() {
        // Pruning drops one of 4.9 and 5.1 (a tie, broken at random); the other's distance becomes
        // 2·8/10 = 1.6, and the next smallest is the outer neighbour of the removed point (0.98 →
        // 2·(5.1 − 0)/10 = 1.02 for f₁ = 1 if 4.9 went, or 2·4.9/10 = 0.98 for f₁ = 9 if 5.1 went).
        withEvery(in: 1..<21) { seed in
            var rng = SeededGenerator(seed: seed)
            let survival = RankAndCrowdingSurvival(truncation: .pruning)
            let r = survival.select(count: 4, fitness: line, objectiveCount: 2,
                                    violation: [Double](repeating: 0, count: 6), using: &rng)
            let kept = Set(r.survivors)
            #expect(kept == [0, 1, 3, 5] || kept == [0, 2, 4, 5], "seed \(seed): \(kept)")
            #expect(r.rank == [0, 0, 0, 0])
            // The crowding reported is that among the survivors.
            let points = r.survivors.map { Array(line[2 * $0 ..< 2 * $0 + 2]) }
            #expect(r.crowding == Crowding.distances(points), "seed \(seed)")
        }
    }

    @Test func prunedDistancesEqualAFreshComputationOnTheKeptPoints() {
        // Random non-dominated fronts in 2 and 3 objectives, no duplicates: after pruning to `keep`,
        // each kept point's distance is the crowding distance among the kept points.
        withEvery(in: 1..<31) { seed in
            var rng = SeededGenerator(seed: seed)
            for m in [2, 3] {
                var pts = randomPoints(60, m, using: &rng)
                if m == 2 { pts = pts.map { [$0[0], 1 - $0[0]] } }  // a line: all mutually non-dominated
                else { pts = pts.map { p in let s = p.reduce(0, +); return p.map { $0 / s } } }
                let keep = 10 + Int(seed) % 30
                let flat = pts.flatMap { $0 }
                let (kept, d) = flat.withUnsafeBufferPointer {
                    Crowding.pruned($0, members: Array(0..<60), m: m, keep: keep, using: &rng)
                }
                #expect(kept.count == keep && kept == kept.sorted(), "seed \(seed), m \(m)")
                let fresh = Crowding.distances(kept.map { pts[$0] })
                #expect(d == fresh, "seed \(seed), m \(m)")
                // Every boundary point of the whole front survives.
                let all = Crowding.distances(pts)
                for i in pts.indices where all[i].isInfinite { #expect(kept.contains(i), "seed \(seed), m \(m)") }
            }
        }
    }

    @Test func pruningHandlesDuplicatesAndAllBoundaryFronts() {
        var rng = SeededGenerator(seed: 3)
        // Duplicates (distance 0) go first: (1,2) twice, keep 3 of 4 → the copy goes.
        let dup: [Double] = [0, 4, 1, 2, 1, 2, 4, 0]
        let a = dup.withUnsafeBufferPointer { Crowding.pruned($0, members: [0, 1, 2, 3], m: 2, keep: 3, using: &rng) }
        #expect(a.kept == [0, 1, 3])
        #expect(a.distances == [.infinity, 2, .infinity])
        // Three points of a 3-objective front, each a boundary point: any one may stay.
        let corners: [Double] = [1, 0, 0, 0, 1, 0, 0, 0, 1]
        let b = corners.withUnsafeBufferPointer { Crowding.pruned($0, members: [0, 1, 2], m: 3, keep: 1, using: &rng) }
        #expect(b.kept.count == 1 && b.distances == [.infinity])
        // Keeping everything removes nothing.
        let c = dup.withUnsafeBufferPointer { Crowding.pruned($0, members: [0, 1, 2, 3], m: 2, keep: 4, using: &rng) }
        #expect(c.kept == [0, 1, 2, 3])
    }
}
