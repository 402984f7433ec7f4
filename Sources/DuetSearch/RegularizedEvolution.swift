import DuetCore

/// Regularized (aging) evolution (Real, Aggarwal, Huang & Le 2019), extended to several
/// objectives and constraints.
///
/// A population of ``populationSize`` random designs is evaluated first. Then each child comes
/// from a tournament: ``sampleSize`` members drawn at random, the parent is the best of them, the
/// child is the parent with exactly one gene mutated (polynomial mutation for real and integer
/// genes, a different choice for categorical ones). Children join the population and the *oldest*
/// members leave, whatever their quality. "Best of the sample" is the sample's first front under
/// constrained dominance, one member of it at random; with one objective that is the best one.
/// ``ask()`` returns ``batchSize`` children at a time so they can be evaluated in parallel.
public struct RegularizedEvolution: Optimizer {
    public let space: DesignSpace
    public let seed: UInt64
    public var populationSize: Int
    public var sampleSize: Int
    public var batchSize: Int
    public var mutation = PolynomialMutation()
    public private(set) var generation = 0
    /// Members, oldest first.
    public private(set) var population: [Individual] = []
    public private(set) var archive = ParetoArchive()
    var rng: SeededGenerator
    var started = false

    public init(space: DesignSpace, populationSize: Int = 100, sampleSize: Int = 25, batchSize: Int = 10, seed: UInt64) {
        precondition(populationSize >= 2 && sampleSize >= 1 && batchSize >= 1)
        self.space = space
        self.populationSize = populationSize
        self.sampleSize = min(sampleSize, populationSize)
        self.batchSize = batchSize
        self.seed = seed
        self.rng = SeededGenerator(seed: seed)
    }

    public mutating func ask() -> [Candidate] {
        if !started {
            started = true
            return (0..<populationSize).map { _ in
                let g = space.randomGenome(using: &rng)
                return Candidate(genome: g, point: space.decode(g))
            }
        }
        guard !population.isEmpty else { return [] }
        return (0..<batchSize).map { _ in
            var g = population[tournament()].genome
            mutateOneGene(&g)
            return Candidate(genome: g, point: space.decode(g))
        }
    }

    /// The index of the winner of one tournament.
    mutating func tournament() -> Int {
        var sample: [Int] = []
        for _ in 0..<sampleSize { sample.append(min(Int(rng.nextUnitDouble() * Double(population.count)), population.count - 1)) }
        let m = population[sample[0]].fitness.count
        var flat: [Double] = []
        for i in sample { flat.append(contentsOf: population[i].fitness) }
        let ranks = NonDominatedSort.ranks(flat, objectiveCount: m, violations: sample.map { population[$0].violation })
        let best = sample.indices.filter { ranks[$0] == 0 }
        return sample[best[min(Int(rng.nextUnitDouble() * Double(best.count)), best.count - 1)]]
    }

    mutating func mutateOneGene(_ g: inout [Double]) {
        // Prefer a gene that can change.
        let movable = space.genes.indices.filter { space.genes[$0].upper > space.genes[$0].lower }
        guard !movable.isEmpty else { return }
        let j = movable[min(Int(rng.nextUnitDouble() * Double(movable.count)), movable.count - 1)]
        let gene = space.genes[j]
        if gene.kind == .categorical {
            CategoricalVariation.resample(&g, j, gene, using: &rng)
        } else {
            mutation.mutateGene(&g, j, gene, using: &rng)
        }
        space.repair(&g)
    }

    public mutating func tell(_ evaluated: [Individual]) {
        let done = evaluated.filter(\.isEvaluated)
        population.append(contentsOf: done)
        if population.count > populationSize { population.removeFirst(population.count - populationSize) }
        archive.insert(contentsOf: done)
        generation += 1
    }

    public var front: [Individual] { archive.members }
}
