import DuetCore
import Testing
@testable import DuetSearch

@Suite struct SearchTests {
    @Test func maximizedObjectivesAreReportedInTheProblemsOrientation() async throws {
        let problem = try MixedProblem()
        var nsga = NSGA2(space: problem.space, populationSize: 20, seed: 5)
        let result = await Search(problem: problem, termination: .evaluations(400)).run(&nsga)
        #expect(!result.front.isEmpty)
        // Accuracy is maximized: reported positive (the optimizer saw it negated).
        #expect(result.front.allSatisfy { $0.objectives[1] > 0.5 && $0.violation == 0 })
        let best = result.front.map { $0.objectives[1] }.max()!
        #expect(nsga.front.map { -$0.fitness[1] }.max()! == best)
        #expect(result.seed == 5)
        #expect(result.trials == 400)
    }

    @Test func stopsOnWallTime() async {
        let problem = ZDT(.zdt1, variables: 5)
        var nsga = NSGA2(space: problem.space, populationSize: 10, seed: 1)
        let result = await Search(problem: problem, termination: .seconds(0.05) || .evaluations(10_000_000)).run(&nsga)
        #expect(result.stopReason == "0.05 s")
        #expect(result.elapsedSeconds >= 0.05)
    }

    @Test func pointsReadAsNamedValues() throws {
        let space = try mixedSpace()
        let p = space.decode([1, 4, 8, 2, 0, 6])
        let d: [String: Value] = p.dictionary
        #expect(d == ["clock_ghz": 1.0, "subaccelerators": 4, "pe_rows": 256, "kernel": 7, "dataflow": "ws", "sa3_pe_rows": 64])
        #expect(p.description == "{clock_ghz: 1.0, subaccelerators: 4, pe_rows: 256, kernel: 7, dataflow: ws, sa3_pe_rows: 64}")
    }
}
