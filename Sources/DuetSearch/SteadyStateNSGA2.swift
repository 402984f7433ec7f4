import DuetCore

/// Steady-state NSGA-II for studies whose trials finish at their own pace (`scheduling: async`):
/// a new proposal as soon as a worker is free, never a generation barrier.
///
/// Proposals are numbered n = 0, 1, 2, …. The first ones are NSGA-II's seeded initial population
/// (``initialPopulation()``, the same designs as generation 0 of ``NSGA2`` with this seed).
/// Every later proposal is one child: binary tournaments over the current population
/// (``TournamentSelection``), ``Variation`` of the two winners, the first child kept — drawn with a
/// generator seeded by (seed, n), and drawn again while the caller says it duplicates an earlier
/// proposal. The population is NSGA-II's survival (``RankAndCrowdingSurvival``) applied one
/// finished trial at a time, in the order trials finished (``tell(_:finishOrder:)``), keeping
/// ``populationSize``; the survival's tie-breaking generator is seeded by (seed, finish order).
///
/// So the state after the trials with finish orders 1…B is a function of the seed and those
/// trials, whatever process computes it or how it batches its reads, and proposal n is a function
/// of that state, n and the earlier proposals: a study that records each trial's finish order and
/// each proposal's B (its basis) can be recomputed exactly. Memory holds the population only.
public struct SteadyStateNSGA2: Sendable {
    public let space: DesignSpace
    public let seed: UInt64
    public let populationSize: Int
    public var variation = Variation()
    public var selection = TournamentSelection()
    public var survival = RankAndCrowdingSurvival(truncation: .pruning)
    /// Draws of a child before falling back to random designs, and random draws before a duplicate is accepted.
    public var maximumDraws = 100

    /// The current population (at most ``populationSize``), with rank and crowding distance of each member.
    public private(set) var population: [Individual] = []
    public private(set) var rank: [Int] = []
    public private(set) var crowding: [Double] = []
    /// The highest finish order told so far (0: none).
    public private(set) var finishOrder: Int64 = 0
    var objectiveCount = 0

    public init(space: DesignSpace, populationSize: Int, seed: UInt64) {
        precondition(populationSize >= 2, "NSGA-II needs a population of at least 2")
        self.space = space
        self.populationSize = populationSize
        self.seed = seed
    }

    /// Proposals 0 ..< count: NSGA-II's initial population with this seed (distinct random designs;
    /// fewer than ``populationSize`` only when the space has fewer designs).
    public func initialPopulation() -> [Candidate] {
        var nsga = NSGA2(space: space, populationSize: populationSize, seed: seed)
        nsga.survival = survival
        nsga.variation = variation
        return nsga.ask()
    }

    /// Tells one finished trial (fitness in minimization form; a failed one has infinite
    /// violation), in finish order: `finishOrder` must exceed every order told before. A failed
    /// trial only moves ``finishOrder``; a complete one joins the population, which survival
    /// cuts back to ``populationSize``.
    public mutating func tell(_ individual: Individual, finishOrder order: Int64) {
        precondition(order > finishOrder, "trials are told in finish order (\(order) after \(finishOrder))")
        finishOrder = order
        guard individual.isEvaluated, !individual.violation.isInfinite else { return }
        if objectiveCount == 0 { objectiveCount = individual.fitness.count }
        precondition(individual.fitness.count == objectiveCount, "every individual needs \(objectiveCount) objective values")
        let merged = population + [individual]
        var flat: [Double] = []
        flat.reserveCapacity(merged.count * objectiveCount)
        for i in merged { flat.append(contentsOf: i.fitness) }
        var rng = SeededGenerator(seed: seed).forked(stream: UInt64(bitPattern: order) | (1 << 63))
        let result = survival.select(count: min(populationSize, merged.count), fitness: flat, objectiveCount: objectiveCount,
                                     violation: merged.map(\.violation), using: &rng)
        population = result.survivors.map { merged[$0] }
        rank = result.rank
        crowding = result.crowding
    }

    /// Proposal `n` (past the initial population): a child of the current population, or a random
    /// design while the population is empty. `isDuplicate` says whether a draw repeats an earlier
    /// proposal; the child is drawn again (up to ``maximumDraws`` times, then random designs as many
    /// times) until it does not, and the last draw is returned when every one did.
    public func propose(_ n: Int, isDuplicate: (Candidate) async throws -> Bool) async rethrows -> Candidate {
        var rng = SeededGenerator(seed: seed).forked(stream: UInt64(n))
        var contestants: TournamentSelection.Contestants?
        if !population.isEmpty {
            var fitness: [Double] = []
            fitness.reserveCapacity(population.count * objectiveCount)
            for i in population { fitness.append(contentsOf: i.fitness) }
            contestants = .init(fitness: fitness, objectiveCount: objectiveCount, rank: rank, crowding: crowding,
                                violation: population.map(\.violation))
        }
        var last: Candidate?
        for draw in 0..<(2 * max(1, maximumDraws)) {
            let genome: [Double]
            if let contestants, draw < maximumDraws {
                let parents = selection.select(count: 2, from: contestants, using: &rng)
                genome = variation.children(of: population[parents[0]].genome, population[parents[1]].genome, in: space, using: &rng).0
            } else {
                genome = space.randomGenome(using: &rng)
            }
            let c = Candidate(genome: genome, point: space.decode(genome))
            if try await !isDuplicate(c) { return c }
            last = c
        }
        return last!
    }
}
