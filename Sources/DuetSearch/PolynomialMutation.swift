import Foundation

/// Bounded polynomial mutation (Deb & Goyal 1996, the form in Deb's NSGA-II code and pymoo's
/// `PM`) for real and integer genes.
///
/// Each gene mutates with probability ``probability`` (default 1/n for n genes, capped at ½).
/// The perturbation has a polynomial distribution (index ``eta``) scaled so the gene stays in
/// its bounds. Integer genes mutate on `[lower − ½, upper + ½]` and are rounded by the repair.
public struct PolynomialMutation: Sendable, Hashable {
    /// Distribution index: larger makes smaller moves. Default 20 (pymoo).
    public var eta: Double = 20
    /// Per-gene mutation probability; nil means 1/n (at most ½) for a genome of n genes.
    public var probability: Double?
    /// Probability that an individual is considered for mutation at all. Default 1 (Deb's code);
    /// pymoo's `PM` uses 0.9.
    public var individualProbability: Double = 1

    public init(eta: Double = 20, probability: Double? = nil, individualProbability: Double = 1) {
        self.eta = eta
        self.probability = probability
        self.individualProbability = individualProbability
    }

    /// The per-gene probability for a genome of `geneCount` genes.
    public func geneProbability(geneCount: Int) -> Double {
        probability ?? min(0.5, 1 / Double(max(geneCount, 1)))
    }

    /// The mutated value of gene value `x` in `lower...upper` for the uniform draw `u` in [0, 1).
    @inlinable public static func mutated(_ x: Double, lower: Double, upper: Double, eta: Double, u: Double) -> Double {
        let range = upper - lower
        if !(range > 0) { return x }
        let delta1 = (x - lower) / range, delta2 = (upper - x) / range
        let deltaq: Double
        if u <= 0.5 {
            let val = 2 * u + (1 - 2 * u) * FastPower.power(1 - delta1, eta + 1)
            deltaq = FastPower.root(val, eta + 1) - 1
        } else {
            let val = 2 * (1 - u) + 2 * (u - 0.5) * FastPower.power(1 - delta2, eta + 1)
            deltaq = 1 - FastPower.root(val, eta + 1)
        }
        return min(max(x + deltaq * range, lower), upper)
    }

    /// Mutates the real and integer genes of `genome` in place (categorical genes untouched);
    /// does not round.
    public func mutate(_ genome: inout [Double], genes: [DesignSpace.Gene], using rng: inout some RandomNumberGenerator) {
        if individualProbability < 1 && !(rng.nextUnitDouble() < individualProbability) { return }
        let p = geneProbability(geneCount: genes.count)
        for (j, g) in genes.enumerated() where g.kind != .categorical {
            guard rng.nextUnitDouble() < p else { continue }
            mutateGene(&genome, j, g, using: &rng)
        }
    }

    /// Mutates gene `j` unconditionally.
    func mutateGene(_ genome: inout [Double], _ j: Int, _ g: DesignSpace.Gene, using rng: inout some RandomNumberGenerator) {
        let (lower, upper) = g.kind == .integer ? (g.lower - 0.5, g.upper + 0.5) : (g.lower, g.upper)
        genome[j] = Self.mutated(genome[j], lower: lower, upper: upper, eta: eta, u: rng.nextUnitDouble())
    }
}
