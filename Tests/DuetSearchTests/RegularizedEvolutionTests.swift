import DuetCore
import Testing
@testable import DuetSearch

@Suite struct RegularizedEvolutionTests {
    @Test func oldestLeaveFirstAndPopulationStaysBounded() {
        let space = ZDT(.zdt1, variables: 4).space
        var re = RegularizedEvolution(space: space, populationSize: 10, sampleSize: 3, batchSize: 4, seed: 1)
        let initial = re.ask()
        #expect(initial.count == 10)
        re.tell(initial.map { Individual(genome: $0.genome, point: $0.point, fitness: [$0.genome[0], 1 - $0.genome[0]]) })
        let children = re.ask()
        #expect(children.count == 4)
        re.tell(children.map { Individual(genome: $0.genome, point: $0.point, fitness: [$0.genome[0], 1 - $0.genome[0]]) })
        #expect(re.population.count == 10)
        // The first four of the initial population aged out; the children are the youngest.
        #expect(re.population.prefix(6).map(\.point) == initial.suffix(6).map(\.point))
        #expect(re.population.suffix(4).map(\.point) == children.map(\.point))
    }

    @Test func childrenDifferFromTheirParentInOneGene() {
        let space = ZDT(.zdt1, variables: 6).space
        var re = RegularizedEvolution(space: space, populationSize: 5, sampleSize: 5, batchSize: 20, seed: 2)
        let initial = re.ask()
        re.tell(initial.map { Individual(genome: $0.genome, point: $0.point, fitness: [0]) })
        for child in re.ask() {
            let closest = initial.map { p in zip(p.genome, child.genome).filter { $0 != $1 }.count }.min()!
            #expect(closest <= 1)
        }
    }

    @Test func improvesASingleObjective() async {
        let space = try! DesignSpace((1...4).map { .integer("x\($0)", lower: -20, upper: 20) })
        let problem = FunctionProblem(space: space, objectives: [.minimize("sphere")]) { p in
            Evaluation(objectives: [(0..<4).map { p.real(at: $0) }.map { $0 * $0 }.reduce(0, +)])
        }
        var re = RegularizedEvolution(space: space, populationSize: 20, sampleSize: 5, batchSize: 5, seed: 3)
        let result = await Search(problem: problem, termination: .evaluations(1500)).run(&re)
        #expect(result.front.count >= 1)
        #expect(result.front[0].objectives[0] <= 4)
    }

    @Test func sameSeedSameRun() async {
        let problem = ZDT(.zdt3, variables: 6)
        var a = RegularizedEvolution(space: problem.space, seed: 8), b = RegularizedEvolution(space: problem.space, seed: 8)
        let ra = await Search(problem: problem, termination: .evaluations(600)).run(&a)
        let rb = await Search(problem: problem, termination: .evaluations(600)).run(&b)
        #expect(ra.front.map(\.genome) == rb.front.map(\.genome))
    }
}
