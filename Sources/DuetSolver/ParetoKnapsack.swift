/// Exact multiple-choice knapsack by Pareto dynamic programming: for an additive decomposition,
/// the architecture maximizing (or minimizing) one metric subject to `metric_b ≤ limit` on one
/// budgeted metric. After each position it keeps only the non-dominated (budget cost, objective)
/// partial choices that can still meet the budget, so the optimum is exact.
enum ParetoKnapsack {
    struct State { var cost: Int64; var value: Int64; var choices: [UInt8] }

    static func solve(costs: [[Int64]], values: [[Int64]], constantCost: Int64, constantValue: Int64, limit: Int64, maximize: Bool)
        -> (choices: [Int], value: Int64, cost: Int64)?
    {
        let sign: Int64 = maximize ? 1 : -1
        let n = costs.count
        // Least cost still to come after each position, for pruning.
        var minRest = [Int64](repeating: 0, count: n + 1)
        for l in stride(from: n - 1, through: 0, by: -1) { minRest[l] = minRest[l + 1] + costs[l].min()! }
        var states = [State(cost: constantCost, value: constantValue * sign, choices: [])]
        for l in 0..<n {
            var next: [State] = []
            next.reserveCapacity(states.count * costs[l].count)
            for s in states {
                for o in costs[l].indices {
                    let c = s.cost + costs[l][o]
                    if c + minRest[l + 1] > limit { continue }
                    next.append(State(cost: c, value: s.value + values[l][o] * sign, choices: s.choices + [UInt8(o)]))
                }
            }
            // Keep the Pareto set: by cost ascending, value strictly increasing.
            next.sort { $0.cost != $1.cost ? $0.cost < $1.cost : $0.value > $1.value }
            var kept: [State] = []
            var bestValue = Int64.min
            for s in next where s.value > bestValue { kept.append(s); bestValue = s.value }
            states = kept
            if states.isEmpty { return nil }
        }
        guard let best = states.max(by: { $0.value < $1.value }) else { return nil }
        return (best.choices.map(Int.init), best.value * sign, best.cost)
    }
}
