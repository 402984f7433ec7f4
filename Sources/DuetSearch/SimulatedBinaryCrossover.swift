import Foundation

/// Bounded simulated binary crossover (SBX; Deb & Agrawal 1995, bounded form of Deb's NSGA-II
/// code and pymoo's `SBX`) for real and integer genes.
///
/// For each gene, with probability ``variableProbability``, two children are spread around the
/// parents with a spread factor whose distribution (index ``eta``) is truncated so that both
/// children stay inside the bounds; the children then swap places with probability
/// ``exchangeProbability``. Genes whose parents (nearly) agree, or whose bounds coincide, are
/// copied. Integer genes are crossed on `[lower − ½, upper + ½]` and rounded afterwards by the
/// space's repair, which gives every integer, the end points included, the same share.
public struct SimulatedBinaryCrossover: Sendable, Hashable {
    /// Distribution index: larger keeps children closer to their parents. Default 15 (pymoo).
    public var eta: Double = 15
    /// Probability that a mating crosses at all (otherwise children copy the parents). Default 0.9.
    public var probability: Double = 0.9
    /// Probability that a gene is crossed in a crossing mating. Default 0.5 (Deb's code, pymoo).
    public var variableProbability: Double = 0.5
    /// Probability that the two children of a gene swap. Default 0.5.
    public var exchangeProbability: Double = 0.5

    public init(eta: Double = 15, probability: Double = 0.9, variableProbability: Double = 0.5, exchangeProbability: Double = 0.5) {
        self.eta = eta
        self.probability = probability
        self.variableProbability = variableProbability
        self.exchangeProbability = exchangeProbability
    }

    /// The two children of parent genes `x1`, `x2` within `lower...upper` for the uniform draw
    /// `u` in [0, 1): the child near the smaller parent first. Parents within 1e-14 of each other
    /// are returned unchanged.
    @inlinable public static func children(_ x1: Double, _ x2: Double, lower: Double, upper: Double,
                                           eta: Double, u: Double) -> (Double, Double) {
        let y1 = min(x1, x2), y2 = max(x1, x2)
        let delta = y2 - y1
        if delta <= 1e-14 || upper <= lower { return (y1, y2) }
        @inline(__always) func betaq(_ beta: Double) -> Double {
            let alpha = 2 - 1 / FastPower.power(beta, eta + 1)
            return u <= 1 / alpha ? FastPower.root(u * alpha, eta + 1) : FastPower.root(1 / (2 - u * alpha), eta + 1)
        }
        let c1 = 0.5 * ((y1 + y2) - betaq(1 + 2 * (y1 - lower) / delta) * delta)
        let c2 = 0.5 * ((y1 + y2) + betaq(1 + 2 * (upper - y2) / delta) * delta)
        return (min(max(c1, lower), upper), min(max(c2, lower), upper))
    }

    /// Crosses the real and integer genes of `a` and `b` in place (categorical genes untouched).
    /// Does not decide whether the mating crosses (see ``probability``) and does not round.
    public func cross(_ a: inout [Double], _ b: inout [Double], genes: [DesignSpace.Gene],
                      using rng: inout some RandomNumberGenerator) {
        for (j, g) in genes.enumerated() where g.kind != .categorical {
            guard rng.nextUnitDouble() < variableProbability else { continue }
            let (lower, upper) = g.kind == .integer ? (g.lower - 0.5, g.upper + 0.5) : (g.lower, g.upper)
            if abs(a[j] - b[j]) <= 1e-14 || upper <= lower { continue }
            let u = rng.nextUnitDouble()
            var (c1, c2) = Self.children(a[j], b[j], lower: lower, upper: upper, eta: eta, u: u)
            if rng.nextUnitDouble() < exchangeProbability { swap(&c1, &c2) }
            a[j] = c1
            b[j] = c2
        }
    }
}
