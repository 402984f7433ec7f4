import DuetCore
@testable import DuetSearch

/// Runs `body` for every seed, naming the seed when an expectation fails (swift-collections'
/// `withEvery`).
func withEvery(_ label: String = "seed", in seeds: Range<UInt64>, _ body: (UInt64) throws -> Void) rethrows {
    for s in seeds { try body(s) }
}

/// Brute-force constrained ranks: repeatedly peel the points no remaining point dominates.
func bruteForceRanks(_ points: [[Double]], violations: [Double]? = nil) -> [Int] {
    let v = violations ?? [Double](repeating: 0, count: points.count)
    var ranks = [Int](repeating: -1, count: points.count)
    var remaining = Set(points.indices)
    var r = 0
    while !remaining.isEmpty {
        let front = remaining.filter { i in
            !remaining.contains { j in Dominance.compare(points[j], violation: v[j], points[i], violation: v[i]) == .dominates }
        }
        for i in front { ranks[i] = r }
        remaining.subtract(front)
        r += 1
    }
    return ranks
}

/// Exact hypervolume by inclusion–exclusion over all subsets (small sets only).
func inclusionExclusionHypervolume(_ points: [[Double]], reference: [Double]) -> Double {
    let n = points.count
    var total = 0.0
    for mask in 1..<(1 << n) {
        var corner = [Double](repeating: -Double.infinity, count: reference.count)
        var bits = 0
        for i in 0..<n where mask & (1 << i) != 0 {
            bits += 1
            for j in corner.indices { corner[j] = max(corner[j], points[i][j]) }
        }
        var volume = 1.0
        for j in corner.indices { volume *= max(reference[j] - corner[j], 0) }
        total += bits % 2 == 1 ? volume : -volume
    }
    return total
}

func randomPoints(_ n: Int, _ m: Int, levels: Int? = nil, using rng: inout SeededGenerator) -> [[Double]] {
    (0..<n).map { _ in
        (0..<m).map { _ in
            let u = rng.nextUnitDouble()
            if let levels { return (u * Double(levels)).rounded(.down) / Double(levels) }
            return u
        }
    }
}

/// A small mixed space for operator and optimizer tests.
func mixedSpace() throws -> DesignSpace {
    try DesignSpace([
        .real("clock_ghz", lower: 0.5, upper: 2),
        .integer("subaccelerators", lower: 1, upper: 4),
        .powerOfTwo("pe_rows", lower: 8, upper: 256),
        .ordered("kernel", [3, 5, 7]),
        .categorical("dataflow", ["ws", "os", "rs"]),
        .powerOfTwo("sa3_pe_rows", lower: 4, upper: 64, when: Condition("subaccelerators", in: [3, 4])),
    ])
}

/// A constrained two-objective problem on `mixedSpace()`: minimize "latency", maximize
/// "accuracy", with an area budget.
struct MixedProblem: Problem {
    let space: DesignSpace
    var objectives: [Objective] { [.minimize("latency"), .maximize("accuracy")] }
    var constraints: [String] { ["area"] }

    init() throws { space = try mixedSpace() }

    func evaluate(_ p: Point) async throws -> Evaluation {
        let clock = p["clock_ghz"]!.doubleValue!
        let n = Double(p["subaccelerators"]!.intValue!)
        let rows = Double(p["pe_rows"]!.intValue!)
        let kernel = Double(p["kernel"]!.intValue!)
        let df = ["ws": 1.0, "os": 1.2, "rs": 0.9][p["dataflow"]!.stringValue!]!
        let extra = Double(p["sa3_pe_rows"]?.intValue ?? 0)
        let latency = 1000 * df / (clock * n * (rows + extra))
        let accuracy = 0.7 + 0.02 * kernel - 0.001 * df * kernel * kernel / 3
        let area = n * (rows + extra) * clock / 300 - 1  // ≤ 0 within budget
        return Evaluation(objectives: [latency, accuracy], constraints: [area])
    }
}
