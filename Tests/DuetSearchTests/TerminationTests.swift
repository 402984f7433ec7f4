import Testing
@testable import DuetSearch

@Suite struct TerminationTests {
    func status(_ e: Int, _ g: Int, _ s: Double, front: [[Double]] = []) -> SearchStatus {
        SearchStatus(evaluations: e, generations: g, elapsedSeconds: s, front: front)
    }

    @Test func singleCriteriaAndProgress() {
        var t = TerminationTracker(.evaluations(100))
        t.update(status(40, 1, 0))
        #expect(!t.isDone && t.progress == 0.4 && t.remainingEvaluations == 60)
        t.update(status(100, 2, 0))
        #expect(t.isDone && t.progress == 1)
        var g = TerminationTracker(.generations(4))
        g.update(status(0, 3, 0))
        #expect(!g.isDone && g.progress == 0.75)
        var s = TerminationTracker(.seconds(2))
        s.update(status(0, 0, 2.5))
        #expect(s.isDone && s.reasons == ["2.0 s"])
    }

    @Test func anyStopsAtTheFirstAndAllAtTheLast() {
        var any = TerminationTracker(.evaluations(100) || .generations(3))
        any.update(status(50, 3, 0))
        #expect(any.isDone && any.reasons == ["3 generations"])
        #expect(any.progress == 1)
        var all = TerminationTracker(.evaluations(100) && .generations(3))
        all.update(status(50, 3, 0))
        #expect(!all.isDone && all.progress == 0.5)
        all.update(status(100, 4, 0))
        #expect(all.isDone)
        #expect(all.remainingEvaluations == nil)
        #expect(any.remainingEvaluations == 50)
    }

    @Test func noImprovementCountsStagnantGenerations() {
        var t = TerminationTracker(.noImprovement(generations: 2, reference: [2, 2]))
        #expect(t.needsFront)
        t.update(status(0, 1, 0, front: [[1, 1]]))       // HV 1
        t.update(status(0, 2, 0, front: [[0.5, 1]]))     // HV 1.5: improved
        #expect(!t.isDone && t.progress == 0)
        t.update(status(0, 3, 0, front: [[0.5, 1]]))
        #expect(!t.isDone && t.progress == 0.5)
        t.update(status(0, 4, 0, front: [[0.5, 1]]))
        #expect(t.isDone)
    }

    @Test func noImprovementFixesAReferenceFromTheFirstFront() {
        var t = TerminationTracker(.noImprovement(generations: 1))
        t.update(status(0, 1, 0, front: [[0, 1], [1, 0]]))
        t.update(status(0, 2, 0, front: [[0, 1], [1, 0], [0.4, 0.4]]))
        #expect(!t.isDone)
        t.update(status(0, 3, 0, front: [[0, 1], [1, 0], [0.4, 0.4]]))
        #expect(t.isDone)
    }

    @Test func searchStopsOnTheCriterionAndNeverExceedsTheBudget() async {
        let problem = ZDT(.zdt1, variables: 4)
        var nsga = NSGA2(space: problem.space, populationSize: 30, seed: 1)
        var fractions: [Double] = []
        let result = await Search(problem: problem, termination: .evaluations(250) || .generations(100)).run(&nsga) {
            fractions.append($0.fraction)
        }
        #expect(result.trials == 250)  // the last batch is cut to the budget
        #expect(result.stopReason == "250 evaluations")
        #expect(fractions == fractions.sorted() && fractions.last == 1)
    }
}
