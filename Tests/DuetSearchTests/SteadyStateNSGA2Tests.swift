import DuetCore
import Testing
@testable import DuetSearch

/// Steady-state NSGA-II: the state is a function of the seed and the trials told in finish order,
/// a proposal a function of the state, its number and the earlier proposals; it converges on ZDT1.
@Suite struct SteadyStateNSGA2Tests {
    /// A simulated asynchronous run on ZDT1: `workers` trials in flight, each finishing after a
    /// seeded random number of steps (so finish order ≠ proposal order), every proposal drawn as
    /// soon as a worker is free. Returns the proposals' genomes, the recorded (finish order, trial)
    /// sequence and each proposal's basis.
    func simulate(seed: UInt64, evaluations: Int, workers: Int = 4) async -> (proposals: [[Double]], finished: [(Int64, Int)], basis: [Int64], final: SteadyStateNSGA2) {
        let problem = ZDT(.zdt1)
        var opt = SteadyStateNSGA2(space: problem.space, populationSize: 20, seed: seed)
        var proposals = opt.initialPopulation().map(\.genome)
        var basis = [Int64](repeating: 0, count: proposals.count)
        var seen = Set(proposals)
        var timing = SeededGenerator(seed: 99)
        var inFlight: [(n: Int, left: Int)] = []
        var next = 0
        var finished: [(Int64, Int)] = []
        while finished.count < evaluations {
            while inFlight.count < workers && next < evaluations {
                if next >= proposals.count {
                    let c = await opt.propose(next) { seen.contains($0.genome) }
                    proposals.append(c.genome); basis.append(opt.finishOrder); seen.insert(c.genome)
                }
                inFlight.append((next, 1 + Int(timing.next() % 10)))
                next += 1
            }
            inFlight = inFlight.map { ($0.n, $0.left - 1) }
            for done in inFlight.filter({ $0.left <= 0 }) {
                let g = proposals[done.n]
                let e = try! await problem.evaluate(problem.space.decode(g))
                let order = Int64(finished.count + 1)
                opt.tell(Individual(genome: g, point: problem.space.decode(g), fitness: e.objectives, violation: 0), finishOrder: order)
                finished.append((order, done.n))
            }
            inFlight.removeAll { $0.left <= 0 }
        }
        return (proposals, finished, basis, opt)
    }

    @Test func theSameSeedAndFinishOrderGiveTheSameProposals() async {
        let a = await simulate(seed: 5, evaluations: 300), b = await simulate(seed: 5, evaluations: 300)
        #expect(a.proposals == b.proposals)
        let c = await simulate(seed: 6, evaluations: 300)
        #expect(a.proposals != c.proposals)
    }

    @Test func everyProposalIsRecomputedFromItsBasis() async {
        let run = await simulate(seed: 8, evaluations: 200)
        let problem = ZDT(.zdt1)
        let initial = SteadyStateNSGA2(space: problem.space, populationSize: 20, seed: 8).initialPopulation().count
        #expect(run.finished.map(\.1).sorted() == Array(0..<200))
        #expect(run.finished.map(\.1) != Array(0..<200), "the simulation should finish trials out of order")
        // Replay: tell trials in finish order up to each proposal's basis, then propose it again.
        var replay = SteadyStateNSGA2(space: problem.space, populationSize: 20, seed: 8)
        var told = 0
        for n in initial..<200 {
            while told < run.finished.count && run.finished[told].0 <= run.basis[n] {
                let g = run.proposals[run.finished[told].1]
                let e = try! await problem.evaluate(problem.space.decode(g))
                replay.tell(Individual(genome: g, point: problem.space.decode(g), fitness: e.objectives, violation: 0), finishOrder: run.finished[told].0)
                told += 1
            }
            let earlier = Set(run.proposals[..<n])
            let again = await replay.propose(n) { earlier.contains($0.genome) }
            #expect(again.genome == run.proposals[n], "proposal \(n)")
        }
    }

    @Test func itConvergesOnZDT1AndKeepsItsPopulationBounded() async {
        let run = await simulate(seed: 1, evaluations: 3000)
        #expect(run.final.population.count == 20)
        #expect(Set(run.proposals).count == run.proposals.count)   // no design proposed twice
        let problem = ZDT(.zdt1)
        let reference = problem.paretoFront(count: 200)
        let igd = Indicators.igd(run.final.population.map(\.fitness), reference: reference)
        // The same budget of random designs (their non-dominated ones) is the baseline to beat by far.
        var rng = SeededGenerator(seed: 1)
        var random: [[Double]] = []
        for _ in 0..<3000 { random.append(try! await problem.evaluate(problem.space.decode(problem.space.randomGenome(using: &rng))).objectives) }
        let randomIGD = Indicators.igd(NonDominatedSort.nonDominated(random.flatMap { $0 }, objectiveCount: 2).map { random[$0] }, reference: reference)
        #expect(igd < randomIGD / 2, "IGD \(igd) vs random search's \(randomIGD)")
    }

    @Test func failedTrialsMoveTheFinishOrderOnly() {
        let problem = ZDT(.zdt1)
        var opt = SteadyStateNSGA2(space: problem.space, populationSize: 4, seed: 2)
        let g = opt.initialPopulation()[0]
        opt.tell(Individual(genome: g.genome, point: g.point, fitness: [.infinity, .infinity], violation: .infinity), finishOrder: 3)
        #expect(opt.finishOrder == 3 && opt.population.isEmpty)
        opt.tell(Individual(genome: g.genome, point: g.point, fitness: [0.5, 0.5], violation: 0), finishOrder: 5)
        #expect(opt.finishOrder == 5 && opt.population.count == 1)
    }
}
