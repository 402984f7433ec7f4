/// A design as optimizers see it: its genome, its decoded point and, once evaluated, its fitness
/// in minimization form (maximized objectives negated) with its total constraint violation.
///
/// A failed evaluation has infinite objectives and violation, so it loses every comparison.
public struct Individual: Sendable, Hashable {
    public var genome: [Double]
    public var point: Point
    /// Objective values to minimize; empty until evaluated.
    public var fitness: [Double]
    /// Σ max(0, gᵢ); 0 when feasible, +∞ for a failed evaluation.
    public var violation: Double

    public init(genome: [Double], point: Point, fitness: [Double] = [], violation: Double = 0) {
        self.genome = genome
        self.point = point
        self.fitness = fitness
        self.violation = violation
    }

    public var isFeasible: Bool { violation == 0 }
    public var isEvaluated: Bool { !fitness.isEmpty }
}

/// A proposal from an optimizer's ``Optimizer/ask()``: a genome and the design it decodes to.
public struct Candidate: Sendable, Hashable {
    public var genome: [Double]
    public var point: Point

    public init(genome: [Double], point: Point) {
        self.genome = genome
        self.point = point
    }
}
