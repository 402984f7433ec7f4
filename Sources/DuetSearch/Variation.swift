/// How NSGA-II makes two children from two parents: with probability
/// ``SimulatedBinaryCrossover/probability`` the mating crosses (SBX on real and integer genes,
/// uniform crossover on categorical genes), then each child mutates (polynomial mutation and
/// categorical resampling) and is repaired (clamped, integral genes rounded).
public struct Variation: Sendable, Hashable {
    public var crossover = SimulatedBinaryCrossover()
    public var mutation = PolynomialMutation()
    public var categorical = CategoricalVariation()

    public init(crossover: SimulatedBinaryCrossover = .init(), mutation: PolynomialMutation = .init(),
                categorical: CategoricalVariation = .init()) {
        self.crossover = crossover
        self.mutation = mutation
        self.categorical = categorical
    }

    /// Two repaired children of `p1` and `p2`.
    public func children(of p1: [Double], _ p2: [Double], in space: DesignSpace,
                         using rng: inout some RandomNumberGenerator) -> ([Double], [Double]) {
        var a = p1, b = p2
        let genes = space.genes
        if rng.nextUnitDouble() < crossover.probability {
            crossover.cross(&a, &b, genes: genes, using: &rng)
            categorical.cross(&a, &b, genes: genes, using: &rng)
        }
        mutate(&a, in: space, using: &rng)
        mutate(&b, in: space, using: &rng)
        return (a, b)
    }

    /// Mutates and repairs one genome.
    public func mutate(_ genome: inout [Double], in space: DesignSpace, using rng: inout some RandomNumberGenerator) {
        mutation.mutate(&genome, genes: space.genes, using: &rng)
        categorical.mutate(&genome, genes: space.genes, using: &rng)
        space.repair(&genome)
    }
}
