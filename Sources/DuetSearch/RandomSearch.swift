import DuetCore

/// Random search: each ``ask()`` draws a batch of designs uniformly (designs already proposed are
/// redrawn, up to a limit); the ``front`` is the archive of the best designs evaluated.
public struct RandomSearch: Optimizer {
    public let space: DesignSpace
    public let seed: UInt64
    /// Designs per ``ask()``.
    public var batchSize: Int
    public private(set) var generation = 0
    public private(set) var archive = ParetoArchive()
    var rng: SeededGenerator
    var proposed = Set<Point>()

    public init(space: DesignSpace, batchSize: Int = 100, seed: UInt64) {
        precondition(batchSize >= 1)
        self.space = space
        self.batchSize = batchSize
        self.seed = seed
        self.rng = SeededGenerator(seed: seed)
    }

    public mutating func ask() -> [Candidate] {
        var out: [Candidate] = []
        var attempts = 0
        while out.count < batchSize && attempts < 100 * batchSize {
            attempts += 1
            let g = space.randomGenome(using: &rng)
            let p = space.decode(g)
            if !proposed.insert(p).inserted { continue }
            out.append(Candidate(genome: g, point: p))
        }
        return out
    }

    public mutating func tell(_ evaluated: [Individual]) {
        archive.insert(contentsOf: evaluated)
        generation += 1
    }

    public var front: [Individual] { archive.members }
}
