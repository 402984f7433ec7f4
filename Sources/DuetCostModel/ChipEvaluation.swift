import DuetCore
import DuetHardware
import DuetWorkload

/// Several networks (tasks) on a chip of heterogeneous sub-accelerators: each network runs
/// whole on one sub-accelerator; networks on the same sub-accelerator run one after another,
/// sub-accelerators run concurrently. The assignment minimizes the makespan (ties: energy):
/// exhaustively when there are at most 100,000 assignments, otherwise longest-processing-time
/// first. (The exact Z3 assignment, including layer-level splits, belongs to the solver.)
public struct ChipResult: Sendable {
    public var accelerator: Accelerator
    /// Per network, its evaluation on the sub-accelerator it was assigned to.
    public var networks: [NetworkResult]
    /// Wall time until every network has finished.
    public var makespan: Seconds
    public var energy: Picojoules
    public var area: SquareMillimeters
    /// Peak power: the energy of every task's frame run back to back, over the makespan (the
    /// average power at the highest rate the chip sustains, 1 / makespan). The average power at
    /// a required frame rate is ``schedule(at:)``'s.
    public var power: Milliwatts { Milliwatts(energy: energy, over: makespan) }
    /// Cycles of the sub-accelerator that finishes last, at its clock.
    public var latencyCycles: Int64
}

public enum ChipEvaluator {
    public static func evaluate(_ networks: [NetworkAnalysis], on chip: Accelerator, objective: MappingObjective = .latency,
                                cache: MappingCache = MappingCache()) throws -> ChipResult {
        precondition(!networks.isEmpty, "at least one network")
        let subs = chip.subAccelerators
        // results[i][j]: network i on sub-accelerator j.
        var results: [[NetworkResult]] = []
        for n in networks { results.append(try subs.map { try NetworkEvaluator.evaluate(n, on: $0, objective: objective, cache: cache) }) }
        let assignment = assign(results)
        var busy = [Double](repeating: 0, count: subs.count)
        var cycles = [Int64](repeating: 0, count: subs.count)
        var chosen: [NetworkResult] = []
        var energy = Picojoules.zero
        for (i, j) in assignment.enumerated() {
            let r = results[i][j]
            busy[j] += r.latency.value
            cycles[j] += r.latencyCycles
            energy = energy + r.energy.total
            chosen.append(r)
        }
        let makespan = busy.max() ?? 0
        let critical = busy.firstIndex(of: makespan) ?? 0
        // Leakage of idle sub-accelerators while the chip waits for the last one.
        for (j, s) in subs.enumerated() where busy[j] < makespan {
            energy = energy + Picojoules(AreaModel.area(of: s).total.value * s.technology.leakageMWPerMm2 * 1e-3 * (makespan - busy[j]) * 1e12)
        }
        return ChipResult(accelerator: chip, networks: chosen, makespan: Seconds(makespan), energy: energy,
                          area: chip.area, latencyCycles: cycles[critical])
    }

    /// The sub-accelerator index of each network.
    static func assign(_ r: [[NetworkResult]]) -> [Int] {
        let n = r.count, m = r.first?.count ?? 1
        if m == 1 { return Array(repeating: 0, count: n) }
        let total = pow(Double(m), Double(n))
        if total <= 100_000 {
            var best: (Double, Double, [Int])?
            var a = [Int](repeating: 0, count: n)
            for _ in 0..<Int(total) {
                var busy = [Double](repeating: 0, count: m)
                var e = 0.0
                for i in 0..<n { busy[a[i]] += r[i][a[i]].latency.value; e += r[i][a[i]].energy.total.value }
                let span = busy.max()!
                if best == nil || span < best!.0 - 1e-15 || (abs(span - best!.0) <= 1e-15 && e < best!.1) { best = (span, e, a) }
                var i = 0
                while i < n { a[i] += 1; if a[i] < m { break }; a[i] = 0; i += 1 }
            }
            return best!.2
        }
        // Longest processing time first, each to the sub-accelerator where it finishes earliest.
        var busy = [Double](repeating: 0, count: m)
        var a = [Int](repeating: 0, count: n)
        for i in (0..<n).sorted(by: { r[$0].map(\.latency.value).min()! > r[$1].map(\.latency.value).min()! }) {
            let j = (0..<m).min { busy[$0] + r[i][$0].latency.value < busy[$1] + r[i][$1].latency.value }!
            a[i] = j
            busy[j] += r[i][j].latency.value
        }
        return a
    }
}

import Foundation
