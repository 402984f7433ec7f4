import DuetCore
import Testing
@testable import DuetSearch

@Suite struct NSGA2Tests {
    func run(seed: UInt64, evaluations: Int = 2000) async -> SearchResult {
        let problem = ZDT(.zdt1)
        var nsga = NSGA2(space: problem.space, populationSize: 40, seed: seed)
        return await Search(problem: problem, termination: .evaluations(evaluations), concurrency: 2).run(&nsga)
    }

    @Test func sameSeedGivesIdenticalFronts() async {
        let a = await run(seed: 7), b = await run(seed: 7)
        #expect(a.front.map(\.genome) == b.front.map(\.genome))
        #expect(a.front.map(\.objectives) == b.front.map(\.objectives))
    }

    @Test func differentSeedsGiveDifferentFronts() async {
        let a = await run(seed: 1), b = await run(seed: 2)
        #expect(a.front.map(\.genome) != b.front.map(\.genome))
    }

    @Test func reproducibleWhateverTheConcurrency() async {
        let problem = ZDT(.zdt2)
        var one = NSGA2(space: problem.space, populationSize: 20, seed: 3)
        var four = NSGA2(space: problem.space, populationSize: 20, seed: 3)
        let a = await Search(problem: problem, termination: .generations(10), concurrency: 1).run(&one)
        let b = await Search(problem: problem, termination: .generations(10), concurrency: 4).run(&four)
        #expect(a.front.map(\.genome) == b.front.map(\.genome))
    }

    @Test func invariantsHoldEveryGenerationOnAMixedConstrainedSpace() async throws {
        let problem = try MixedProblem()
        var nsga = NSGA2(space: problem.space, populationSize: 24, seed: 11)
        let evaluator = Evaluator(problem: problem, concurrency: 2)
        for _ in 0..<25 {
            let batch = nsga.ask()
            #expect(Set(batch.map(\.point)).count == batch.count)  // no duplicates proposed
            let outcomes = await evaluator.evaluate(batch.map(\.point))
            nsga.tell(zip(batch, outcomes).map { Search<MixedProblem>.individual($0, $1, [.minimize, .maximize]) })
            nsga._checkInvariants()
        }
        // The front is feasible (the budget is reachable) and non-dominated.
        let front = nsga.front
        #expect(!front.isEmpty && front.allSatisfy(\.isFeasible))
        #expect(NonDominatedSort.ranks(front.map(\.fitness)).allSatisfy { $0 == 0 })
    }

    @Test func pruningTruncationIsReproducibleAndKeepsTheInvariants() async throws {
        let problem = try MixedProblem()
        func run(_ seed: UInt64) async -> [[Double]] {
            var nsga = NSGA2(space: problem.space, populationSize: 24, seed: seed)
            nsga.survival.truncation = .pruning
            let evaluator = Evaluator(problem: problem, concurrency: 2)
            for _ in 0..<15 {
                let batch = nsga.ask()
                let outcomes = await evaluator.evaluate(batch.map(\.point))
                nsga.tell(zip(batch, outcomes).map { Search<MixedProblem>.individual($0, $1, [.minimize, .maximize]) })
                nsga._checkInvariants()
            }
            return nsga.population.map(\.genome)
        }
        let a = await run(5), b = await run(5), c = await run(6)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func convergesOnZDT1() async {
        let result = await run(seed: 1, evaluations: 4000)
        let hv = Hypervolume.compute(result.front.map(\.objectives), reference: [1.1, 1.1])
        // Random points score far lower; 4,000 evaluations reach most of the optimum (0.8767).
        #expect(hv > 0.6)
        #expect(result.evaluations == 4000)
    }

    @Test func smallDiscreteSpacesRunOutOfNewDesignsGracefully() async throws {
        let space = try DesignSpace([.integer("a", lower: 0, upper: 2), .categorical("b", ["x", "y"])])
        let problem = FunctionProblem(space: space, objectives: [.minimize("f"), .minimize("g")]) { p in
            let a = Double(p["a"]!.intValue!), b = p["b"] == "x" ? 0.0 : 1.0
            return Evaluation(objectives: [a + b, 2 - a + b])
        }
        var nsga = NSGA2(space: space, populationSize: 10, seed: 1)
        let result = await Search(problem: problem, termination: .generations(5)).run(&nsga)
        #expect(result.evaluations <= 6)  // only 6 designs exist; the cache and duplicate elimination hold
        #expect(Set(result.front.map(\.point)).count == 3)
        nsga._checkInvariants()
    }
}
