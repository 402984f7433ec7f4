import Testing
@testable import DuetSearch

@Suite struct CrowdingTests {
    @Test func handComputedInteriorAndBoundaryDistances() {
        // A 2-D front sorted by f1: (0,4) (1,2) (2,1.5) (4,0); ranges 4 and 4.
        let d = Crowding.distances([[0, 4], [1, 2], [2, 1.5], [4, 0]])
        #expect(d[0] == .infinity && d[3] == .infinity)
        // (1,2): (2-0)/4 + (4-1.5)/4 = 0.5 + 0.625
        #expect(abs(d[1] - 1.125) < 1e-12)
        // (2,1.5): (4-1)/4 + (2-0)/4 = 0.75 + 0.5
        #expect(abs(d[2] - 1.25) < 1e-12)
    }

    @Test func resultDoesNotDependOnInputOrder() {
        let points: [[Double]] = [[0, 4], [1, 2], [2, 1.5], [4, 0], [3, 1]]
        let d = Crowding.distances(points)
        let perm = [3, 0, 4, 2, 1]
        let dp = Crowding.distances(perm.map { points[$0] })
        for (k, i) in perm.enumerated() { #expect(dp[k] == d[i]) }
    }

    @Test func duplicatesGetZeroExceptTheFirstCopy() {
        // (1,2) appears twice; the distinct front is (0,4) (1,2) (2,1.5) (4,0).
        let d = Crowding.distances([[0, 4], [1, 2], [2, 1.5], [1, 2], [4, 0]])
        #expect(abs(d[1] - 1.125) < 1e-12)
        #expect(d[3] == 0)
        #expect(abs(d[2] - 1.25) < 1e-12)
        // A duplicated boundary point: only the first copy is a boundary.
        let e = Crowding.distances([[4, 0], [0, 4], [2, 2], [4, 0]])
        #expect(e[0] == .infinity && e[3] == 0 && e[1] == .infinity)
        #expect(abs(e[2] - 2) < 1e-12)
    }

    @Test func atMostTwoDistinctPointsAreAllBoundary() {
        #expect(Crowding.distances([[1, 2]]) == [.infinity])
        #expect(Crowding.distances([[1, 2], [2, 1]]) == [.infinity, .infinity])
        #expect(Crowding.distances([[1, 2], [2, 1], [1, 2]]) == [.infinity, .infinity, 0])
    }

    @Test func anObjectiveWithNoRangeContributesNothing() {
        // f2 constant: only f1 spreads the points; no NaN from 0/0.
        let d = Crowding.distances([[0, 1], [1, 1], [3, 1], [4, 1]])
        #expect(d[0] == .infinity && d[3] == .infinity)
        #expect(abs(d[1] - 0.75) < 1e-12 && abs(d[2] - 0.75) < 1e-12)
        #expect(!d.contains { $0.isNaN })
    }

    @Test func tiesAtAnExtremeGiveOneBoundaryPoint() {
        // Three points share f3 = 0 (an edge of a 3-D front): only one is the f3-minimum boundary.
        let points: [[Double]] = [[0, 1, 0], [0.5, 0.5, 0], [1, 0, 0], [0.4, 0.4, 0.6], [0.2, 0.3, 0.9]]
        let d = Crowding.distances(points)
        #expect(d[1].isFinite)  // interior on f1 and f2, tied (not first) at the f3 minimum
        #expect(d.allSatisfy { $0 >= 0 })
    }
}
