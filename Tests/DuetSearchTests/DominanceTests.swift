import Testing
@testable import DuetSearch

@Suite struct DominanceTests {
    @Test func paretoDominance() {
        #expect(Dominance.compare([1, 2], [2, 3]) == .dominates)
        #expect(Dominance.compare([1, 3], [1, 2]) == .dominated)
        #expect(Dominance.compare([1, 3], [2, 2]) == .incomparable)
        #expect(Dominance.compare([1, 2], [1, 2]) == .incomparable)  // equal: neither dominates
    }

    @Test func constrainedDominanceCornerCases() {
        // Feasible beats infeasible even when its objectives are much worse.
        #expect(Dominance.compare([9, 9], violation: 0, [0, 0], violation: 0.001) == .dominates)
        #expect(Dominance.compare([0, 0], violation: 0.001, [9, 9], violation: 0) == .dominated)
        // Two infeasible: smaller violation wins, objectives ignored.
        #expect(Dominance.compare([9, 9], violation: 1, [0, 0], violation: 2) == .dominates)
        #expect(Dominance.compare([0, 0], violation: 2, [9, 9], violation: 1) == .dominated)
        // Equal violations: neither, even if one is better in objectives.
        #expect(Dominance.compare([0, 0], violation: 1, [9, 9], violation: 1) == .incomparable)
        // Both feasible: plain Pareto dominance.
        #expect(Dominance.compare([1, 1], violation: 0, [1, 2], violation: 0) == .dominates)
        #expect(Dominance.compare([1, 2], violation: 0, [2, 1], violation: 0) == .incomparable)
        // A failed evaluation (infinite violation) loses to any finite violation.
        #expect(Dominance.compare([0, 0], violation: .infinity, [5, 5], violation: 1e9) == .dominated)
    }

    @Test func evaluationViolationSumsPositiveParts() {
        let e = Evaluation(objectives: [1], constraints: [-2, 0.5, 0, 1.5])
        #expect(e.violation == 2)
        #expect(!e.isFeasible)
        #expect(Evaluation(objectives: [1], constraints: [-1, 0]).isFeasible)
    }
}
