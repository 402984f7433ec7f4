import DuetCore
import Testing
@testable import DuetSearch

@Suite struct RandomSearchTests {
    @Test func reproducibleAndDistinctProposals() {
        let space = ZDT(.zdt1, variables: 5).space
        var a = RandomSearch(space: space, batchSize: 50, seed: 4), b = RandomSearch(space: space, batchSize: 50, seed: 4)
        var c = RandomSearch(space: space, batchSize: 50, seed: 5)
        let x = a.ask(), y = b.ask(), z = c.ask()
        #expect(x.map(\.genome) == y.map(\.genome))
        #expect(x.map(\.genome) != z.map(\.genome))
        #expect(Set(x.map(\.point)).count == 50)
    }

    @Test func frontIsTheNonDominatedArchive() async {
        let problem = ZDT(.zdt1, variables: 5)
        var random = RandomSearch(space: problem.space, batchSize: 100, seed: 1)
        let result = await Search(problem: problem, termination: .evaluations(1000)).run(&random)
        #expect(result.trials == 1000)
        #expect(NonDominatedSort.ranks(result.front.map(\.objectives)).allSatisfy { $0 == 0 })
        #expect(!result.front.isEmpty)
    }
}
