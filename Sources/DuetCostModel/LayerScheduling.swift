import DuetCore
import DuetHardware
import DuetWorkload

/// How a chip's tasks share its sub-accelerators.
public enum ChipScheduling: String, Sendable, Hashable, CaseIterable {
    /// Each network runs whole on one sub-accelerator (the assignment minimizes the makespan).
    case networks
    /// A network's layers may run on different sub-accelerators (HEFT list scheduling over every
    /// task's layer graph), kept only where it beats the whole-network assignment.
    case layers
}

/// Layer-level scheduling of one frame of every task on a heterogeneous chip: Heterogeneous
/// Earliest Finish Time (Topcuoglu et al., 2002). Each layer's time on each sub-accelerator is its
/// layer-at-a-time cost there, so a tensor passed between sub-accelerators goes through DRAM at no
/// extra cost (every layer already reads its inputs from DRAM); the DRAM shares are per
/// sub-accelerator, so concurrent layers do not slow each other. Layers are taken in decreasing
/// upward rank (mean time over the sub-accelerators + the longest rank of a consumer), each placed
/// where it finishes first after its producers and the sub-accelerator's previous layer.
public enum LayerScheduler {
    /// One layer's placement.
    public struct Slot: Sendable, Hashable {
        public var subAccelerator: Int
        public var start: Double
        public var finish: Double
    }

    /// The schedule: per network, per layer, its slot; the makespan (seconds); and a lower bound
    /// on any schedule's makespan (the longer of the longest task's chain at each layer's fastest
    /// sub-accelerator and the total fastest work spread evenly), for the stated gap.
    public struct Schedule: Sendable {
        public var slots: [[Slot]]
        public var makespan: Double
        public var lowerBound: Double
    }

    /// - Parameter results: `results[i][j]`: network i evaluated on sub-accelerator j (same layers in the same order).
    public static func schedule(_ results: [[NetworkResult]], clocksMHz: [Double]) -> Schedule {
        let n = results.count, m = clocksMHz.count
        // time[i][l][j]: seconds of layer l of network i on sub-accelerator j.
        let time: [[[Double]]] = results.map { row in
            (0..<row[0].layers.count).map { l in (0..<m).map { j in Double(row[j].layers[l].cost.latencyCycles) / (clocksMHz[j] * 1e6) } }
        }
        // Producers of each layer within its network.
        let preds: [[[Int]]] = results.map { row in
            let layers = row[0].layers
            var index: [String: Int] = [:]
            for (l, r) in layers.enumerated() { index[r.analysis.layer.name] = l }
            return layers.map { r in r.analysis.layer.inputs.compactMap { index[$0] } }
        }
        var rank: [[Double]] = time.map { [Double](repeating: 0, count: $0.count) }
        for i in 0..<n {
            var succs = [[Int]](repeating: [], count: time[i].count)
            for (l, ps) in preds[i].enumerated() { for p in ps { succs[p].append(l) } }
            for l in stride(from: time[i].count - 1, through: 0, by: -1) {
                let mean = time[i][l].reduce(0, +) / Double(m)
                rank[i][l] = mean + (succs[l].map { rank[i][$0] }.max() ?? 0)
            }
        }
        var order: [(i: Int, l: Int)] = []
        for i in 0..<n { for l in 0..<time[i].count { order.append((i, l)) } }
        // Decreasing rank; ties in layer order (a producer never follows its consumer).
        order.sort { a, b in
            let ra = rank[a.i][a.l], rb = rank[b.i][b.l]
            if ra != rb { return ra > rb }
            return a.i != b.i ? a.i < b.i : a.l < b.l
        }
        var slots: [[Slot?]] = time.map { [Slot?](repeating: nil, count: $0.count) }
        var available = [Double](repeating: 0, count: m)
        for (i, l) in order {
            // A producer not yet placed (equal ranks across a zero-time layer) is placed first by
            // the sort's tie-break within a network; its finish is then known.
            let ready = preds[i][l].map { slots[i][$0]?.finish ?? 0 }.max() ?? 0
            var best: Slot?
            for j in 0..<m {
                let t = time[i][l][j]
                let start = t == 0 ? ready : max(ready, available[j])
                let s = Slot(subAccelerator: j, start: start, finish: start + t)
                if best == nil || s.finish < best!.finish - 1e-15 { best = s }
            }
            slots[i][l] = best
            if time[i][l][best!.subAccelerator] > 0 { available[best!.subAccelerator] = best!.finish }
        }
        let placed = slots.map { $0.map { $0! } }
        let makespan = placed.flatMap { $0.map(\.finish) }.max() ?? 0
        // Lower bound: a task's layers on its critical path at their fastest, or all work at its
        // fastest spread over the m sub-accelerators.
        var chain = 0.0, work = 0.0
        for i in 0..<n {
            var longest = [Double](repeating: 0, count: time[i].count)
            for l in 0..<time[i].count {
                let fastest = time[i][l].min() ?? 0
                work += fastest
                longest[l] = fastest + (preds[i][l].map { longest[$0] }.max() ?? 0)
            }
            chain = max(chain, longest.max() ?? 0)
        }
        var bound = max(chain, work / Double(m))
        if m == 2 { bound = max(bound, twoMachineBound(time.flatMap { $0 })) }
        return Schedule(slots: placed, makespan: makespan, lowerBound: bound)
    }

    /// On two sub-accelerators, the makespan of the best fractional split of all layers ignoring
    /// their order: layers sorted by their time ratio, a prefix on the first, the rest on the
    /// second, one layer split so both finish together (the linear program's optimum).
    static func twoMachineBound(_ jobs: [[Double]]) -> Double {
        let sorted = jobs.filter { $0[0] + $0[1] > 0 }.sorted { $0[0] * $1[1] < $1[0] * $0[1] }
        var first = 0.0, second = sorted.reduce(0) { $0 + $1[1] }
        for j in sorted {
            second -= j[1]
            // x of this layer on the first: first + x·a = second + (1 − x)·b.
            let x = (second + j[1] - first) / (j[0] + j[1])
            if x <= 1 { return first + max(0, x) * j[0] }
            first += j[0]
        }
        return first
    }
}
