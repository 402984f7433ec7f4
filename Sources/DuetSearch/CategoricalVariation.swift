/// Variation of categorical genes, which have no order: uniform crossover (each gene swaps
/// between the two children with probability ½) and mutation by resampling a different choice.
public struct CategoricalVariation: Sendable, Hashable {
    /// Probability that a categorical gene swaps between the children in a crossing mating.
    public var swapProbability: Double = 0.5
    /// Per-gene resampling probability; nil means 1/n (at most ½) for a genome of n genes.
    public var mutationProbability: Double?

    public init(swapProbability: Double = 0.5, mutationProbability: Double? = nil) {
        self.swapProbability = swapProbability
        self.mutationProbability = mutationProbability
    }

    /// Uniform crossover of the categorical genes of `a` and `b`, in place.
    public func cross(_ a: inout [Double], _ b: inout [Double], genes: [DesignSpace.Gene],
                      using rng: inout some RandomNumberGenerator) {
        for (j, g) in genes.enumerated() where g.kind == .categorical {
            if rng.nextUnitDouble() < swapProbability { let t = a[j]; a[j] = b[j]; b[j] = t }
        }
    }

    /// Resamples each categorical gene with the mutation probability, always to a different choice.
    public func mutate(_ genome: inout [Double], genes: [DesignSpace.Gene], using rng: inout some RandomNumberGenerator) {
        let p = mutationProbability ?? min(0.5, 1 / Double(max(genes.count, 1)))
        for (j, g) in genes.enumerated() where g.kind == .categorical {
            guard rng.nextUnitDouble() < p else { continue }
            Self.resample(&genome, j, g, using: &rng)
        }
    }

    /// Sets gene `j` to a uniformly drawn choice other than its current one (if there is one).
    static func resample(_ genome: inout [Double], _ j: Int, _ g: DesignSpace.Gene, using rng: inout some RandomNumberGenerator) {
        let n = Int(g.upper - g.lower) + 1
        guard n > 1 else { return }
        let current = Int(genome[j] - g.lower)
        var k = min(Int(rng.nextUnitDouble() * Double(n - 1)), n - 2)
        if k >= current { k += 1 }
        genome[j] = g.lower + Double(k)
    }
}
