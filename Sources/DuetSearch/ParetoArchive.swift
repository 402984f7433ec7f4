/// The non-dominated designs seen so far under constrained dominance: the feasible Pareto set,
/// or while no design is feasible, the designs with the least violation. Distinct points only.
public struct ParetoArchive: Sendable {
    public private(set) var members: [Individual] = []
    /// The number of objectives; set by the first insertion.
    public private(set) var objectiveCount = 0

    public init() {}

    /// Adds `individuals` (evaluated, fitness in minimization form) and drops what they dominate.
    public mutating func insert(contentsOf individuals: [Individual]) {
        let added = individuals.filter { $0.isEvaluated && !$0.violation.isInfinite }
        if added.isEmpty { return }
        if objectiveCount == 0 { objectiveCount = added[0].fitness.count }
        var seen = Set(members.map(\.point))
        var all = members
        for i in added where seen.insert(i.point).inserted { all.append(i) }
        let m = objectiveCount
        var flat: [Double] = []
        flat.reserveCapacity(all.count * m)
        for i in all { flat.append(contentsOf: i.fitness) }
        let ranks = NonDominatedSort.ranks(flat, objectiveCount: m, violations: all.map(\.violation))
        members = all.indices.filter { ranks[$0] == 0 }.map { all[$0] }
    }
}
