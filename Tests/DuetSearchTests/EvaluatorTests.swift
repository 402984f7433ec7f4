import DuetCore
import Testing
@testable import DuetSearch

/// Counts how many evaluations run at once.
actor Gauge {
    var current = 0, peak = 0, calls = 0
    func enter() { current += 1; calls += 1; peak = max(peak, current) }
    func leave() { current -= 1 }
}

struct SlowProblem: Problem {
    let space = try! DesignSpace([.integer("x", lower: 0, upper: 1000)])
    let gauge: Gauge
    var objectives: [Objective] { [.minimize("x")] }
    func evaluate(_ p: Point) async throws -> Evaluation {
        await gauge.enter()
        try await Task.sleep(for: .milliseconds(2))
        await gauge.leave()
        let x = p["x"]!.intValue!
        if x == 13 { throw Failure() }
        if x == 14 { return Evaluation(objectives: [.nan]) }
        if x == 15 { return Evaluation(objectives: [1, 2]) }
        return Evaluation(objectives: [Double(x)])
    }
    struct Failure: Error, CustomStringConvertible { var description: String { "simulator crashed" } }
}

@Suite struct EvaluatorTests {
    func points(_ xs: [Int], in space: DesignSpace) -> [Point] { xs.map { space.decode([Double($0)]) } }

    @Test func resultsComeBackInOrderAndRespectTheConcurrencyLimit() async {
        let gauge = Gauge()
        let problem = SlowProblem(gauge: gauge)
        let evaluator = Evaluator(problem: problem, concurrency: 3)
        let xs = Array(20..<60)
        let outcomes = await evaluator.evaluate(points(xs, in: problem.space))
        #expect(outcomes.map { $0.evaluation!.objectives[0] } == xs.map(Double.init))
        #expect(await gauge.peak <= 3)
        #expect(await gauge.peak >= 2)  // it did run concurrently
    }

    @Test func cachesByPointAndCountsEvaluations() async {
        let gauge = Gauge()
        let problem = SlowProblem(gauge: gauge)
        let evaluator = Evaluator(problem: problem, concurrency: 4)
        _ = await evaluator.evaluate(points([1, 2, 3, 2, 1], in: problem.space))
        #expect(await evaluator.evaluationCount == 3)
        #expect(await evaluator.cacheHits == 2)
        _ = await evaluator.evaluate(points([3, 4], in: problem.space))
        #expect(await evaluator.evaluationCount == 4)
        #expect(await gauge.calls == 4)
        let uncached = Evaluator(problem: problem, concurrency: 4, caching: false)
        _ = await uncached.evaluate(points([1, 1], in: problem.space))
        #expect(await uncached.evaluationCount == 2)
    }

    @Test func failuresAreRecordedOutcomes() async {
        let problem = SlowProblem(gauge: Gauge())
        let evaluator = Evaluator(problem: problem, concurrency: 2)
        let outcomes = await evaluator.evaluate(points([12, 13, 14, 15], in: problem.space))
        #expect(outcomes[0].evaluation?.objectives == [12])
        #expect(outcomes[1] == .failed("simulator crashed"))
        #expect(outcomes[2] == .failed("objective 'x' is NaN"))
        #expect(outcomes[3] == .failed("returned 2 objective values for 1 objectives"))
        #expect(await evaluator.failureCount == 3)
    }

    @Test func aSearchSurvivesFailingEvaluations() async {
        let space = try! DesignSpace([.real("x", lower: 0, upper: 1), .real("y", lower: 0, upper: 1)])
        let problem = FunctionProblem(space: space, objectives: [.minimize("f"), .minimize("g")]) { p in
            let x = p.real(at: 0), y = p.real(at: 1)
            if x > 0.7 { throw SlowProblem.Failure() }
            return Evaluation(objectives: [x, 1 - x + y])
        }
        var nsga = NSGA2(space: space, populationSize: 20, seed: 1)
        let result = await Search(problem: problem, termination: .evaluations(400)).run(&nsga)
        #expect(result.failures > 0)
        #expect(!result.front.isEmpty)
        #expect(result.front.allSatisfy { $0.failure == nil && $0.point.real(at: 0) <= 0.7 })
    }
}
