import DuetCore

/// NSGA-II (Deb, Pratap, Agarwal & Meyarivan 2002) as an ask/tell optimizer.
///
/// The first ``ask()`` samples a population of distinct random designs. Each later one makes
/// offspring: parents by binary tournament (``TournamentSelection``), children by ``Variation``
/// (SBX η=15 with probability 0.9, polynomial mutation η=20 with probability 1/n, uniform
/// crossover and resampling for categorical genes), keeping only children whose decoded design is
/// new to the population and to the batch (duplicate elimination, as pymoo does). ``tell(_:)``
/// merges parents and offspring and keeps the best by ``RankAndCrowdingSurvival``.
public struct NSGA2: Optimizer {
    public let space: DesignSpace
    public let seed: UInt64
    public var populationSize: Int
    /// Offspring per generation; defaults to the population size.
    public var offspringCount: Int
    public var variation: Variation
    public var selection = TournamentSelection()
    /// Survival truncates the last front by pruning (the most crowded point removed one at a time,
    /// neighbours' distances recomputed; Kukkonen & Deb 2006, pymoo's `pcd`): better spread than
    /// one-shot crowding distance (hypervolume above pymoo's default NSGA-II on ZDT1–3 and DTLZ2,
    /// docs/VALIDATION.md). Set `.crowdingDistance` for Deb et al. 2002's original.
    public var survival = RankAndCrowdingSurvival(truncation: .pruning)
    /// Whether children that decode to a design already in the population or batch are discarded.
    public var eliminatesDuplicates = true

    public private(set) var generation = 0
    /// The current population.
    public private(set) var population: [Individual] = []
    /// Rank and crowding distance of each population member (from the last survival).
    public private(set) var rank: [Int] = []
    public private(set) var crowding: [Double] = []
    var rng: SeededGenerator
    var objectiveCount = 0

    public init(space: DesignSpace, populationSize: Int = 100, offspringCount: Int? = nil,
                variation: Variation = Variation(), seed: UInt64) {
        precondition(populationSize >= 2, "NSGA-II needs a population of at least 2")
        self.space = space
        self.populationSize = populationSize
        self.offspringCount = offspringCount ?? populationSize
        self.variation = variation
        self.seed = seed
        self.rng = SeededGenerator(seed: seed)
    }

    public mutating func ask() -> [Candidate] {
        if population.isEmpty { return initialPopulation() }
        return offspring()
    }

    /// Genomes placed in the initial population before the random ones (e.g. feasible designs
    /// from an exact solver: the hybrid optimizer); at most `populationSize` are used.
    public var seeds: [[Double]] = []

    mutating func initialPopulation() -> [Candidate] {
        var seen = Set<Point>()
        var out: [Candidate] = []
        for g in seeds.prefix(populationSize) {
            let p = space.decode(g)
            if eliminatesDuplicates && !seen.insert(p).inserted { continue }
            out.append(Candidate(genome: g, point: p))
        }
        var attempts = 0
        while out.count < populationSize && attempts < 100 * populationSize {
            attempts += 1
            let g = space.randomGenome(using: &rng)
            let p = space.decode(g)
            if eliminatesDuplicates && !seen.insert(p).inserted { continue }
            out.append(Candidate(genome: g, point: p))
        }
        return out
    }

    mutating func offspring() -> [Candidate] {
        var seen = Set<Point>()
        if eliminatesDuplicates {
            seen.reserveCapacity(population.count + offspringCount)
            for i in population { seen.insert(i.point) }
        }
        var fitness: [Double] = []
        fitness.reserveCapacity(population.count * objectiveCount)
        for i in population { fitness.append(contentsOf: i.fitness) }
        let contestants = TournamentSelection.Contestants(fitness: fitness, objectiveCount: objectiveCount, rank: rank,
                                                          crowding: crowding, violation: population.map(\.violation))
        var out: [Candidate] = []
        out.reserveCapacity(offspringCount)
        var rounds = 0
        while out.count < offspringCount && rounds < 100 {
            rounds += 1
            let matings = (offspringCount - out.count + 1) / 2
            let parents = selection.select(count: 2 * matings, from: contestants, using: &rng)
            for k in 0..<matings {
                let (a, b) = variation.children(of: population[parents[2 * k]].genome, population[parents[2 * k + 1]].genome,
                                                in: space, using: &rng)
                for g in [a, b] where out.count < offspringCount {
                    let p = space.decode(g)
                    if eliminatesDuplicates && !seen.insert(p).inserted { continue }
                    out.append(Candidate(genome: g, point: p))
                }
            }
        }
        return out
    }

    public mutating func tell(_ evaluated: [Individual]) {
        let merged = population + evaluated.filter(\.isEvaluated)
        if merged.isEmpty { return }
        if objectiveCount == 0 { objectiveCount = merged[0].fitness.count }
        let m = objectiveCount
        var flat: [Double] = []
        flat.reserveCapacity(merged.count * m)
        for i in merged {
            precondition(i.fitness.count == m, "every individual needs \(m) objective values")
            flat.append(contentsOf: i.fitness)
        }
        let result = survival.select(count: populationSize, fitness: flat, objectiveCount: m,
                                     violation: merged.map(\.violation), using: &rng)
        population = result.survivors.map { merged[$0] }
        rank = result.rank
        crowding = result.crowding
        generation += 1
        #if DEBUG
        _checkInvariants()
        #endif
    }

    public var front: [Individual] {
        population.indices.filter { rank[$0] == 0 && !population[$0].violation.isInfinite }.map { population[$0] }
    }

    /// Checks the population's invariants (for tests and debug builds): size, distinct designs,
    /// canonical genomes that decode to their points, stored ranks equal to a fresh constrained
    /// sort, crowding distances non-negative.
    public func _checkInvariants() {
        precondition(population.count <= populationSize, "population overflows")
        precondition(rank.count == population.count && crowding.count == population.count)
        if eliminatesDuplicates {
            precondition(Set(population.map(\.point)).count == population.count, "duplicate designs in the population")
        }
        for i in population {
            precondition(space.isCanonical(i.genome), "genome out of bounds or not integral: \(i.genome)")
            precondition(space.decode(i.genome) == i.point, "genome does not decode to its point")
        }
        if !population.isEmpty {
            let flat = population.flatMap(\.fitness)
            let fresh = NonDominatedSort.ranks(flat, objectiveCount: objectiveCount, violations: population.map(\.violation))
            precondition(fresh == rank, "stored ranks differ from a fresh sort")
        }
        precondition(crowding.allSatisfy { $0 >= 0 }, "negative crowding distance")
    }
}
