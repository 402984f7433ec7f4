import DuetCore
import DuetHardware

/// Required frame rates (`budgets.fps`, `TASK.fps`): the rate every task of the chip runs at,
/// unless a task has a rate of its own. Frames per second.
public struct FrameRates: Sendable, Hashable {
    /// The chip's rate: one frame of every task per 1/`chip` seconds (the makespan must fit).
    public var chip: Double?
    /// Per task (network name), its own rate.
    public var tasks: [String: Double]

    public init(chip: Double? = nil, tasks: [String: Double] = [:]) {
        self.chip = chip; self.tasks = tasks
    }

    public var isEmpty: Bool { chip == nil && tasks.isEmpty }

    /// The rate `task` must run at: its own, else the chip's, else nil.
    public func rate(of task: String) -> Double? { tasks[task] ?? chip }
}

/// A periodic schedule at required frame rates on a chip whose tasks run whole on their
/// sub-accelerators (one frame of task i takes `latency_i` seconds and `energy_i` picojoules,
/// leakage while it runs included):
///
/// - utilization of sub-accelerator j: `U_j = Σ_{i on j} latency_i × rate_i` (≤ 1 to keep up);
/// - average power = `Σ_i energy_i × rate_i + Σ_j leakage_j × (1 − U_j)` — active energy per
///   frame × rate, plus each sub-accelerator's leakage power over its idle share of the time
///   (clamped at 0 when it cannot keep up);
/// - achievable rate of task i: `(1 − Σ_{k ≠ i on j} latency_k × rate_k) / latency_i` (the
///   others at their required rates; tasks without a rate take none of the time);
/// - the chip's achievable rate: `1 / makespan` (every task one frame, back to back).
///
/// Peak (back-to-back) power is energy ÷ makespan (``ChipResult/power``); at the rate
/// 1 / makespan the average power equals it.
public struct FrameSchedule: Sendable, Hashable {
    /// Per sub-accelerator, the share of time it is busy at the required rates.
    public var utilization: [Double]
    /// Per task, the highest rate it can run at, frames per second.
    public var achievableFPS: [Double]
    /// The chip's rate with every task one frame back to back: 1 / makespan.
    public var chipFPS: Double
    /// Average power at the required rates, milliwatts; nil unless every task has a rate.
    public var averagePower: Milliwatts?

    /// - Parameters:
    ///   - latency: per task, seconds per frame.
    ///   - energy: per task, picojoules per frame (leakage while running included).
    ///   - assignment: per task, the index of its sub-accelerator.
    ///   - leakageMW: per sub-accelerator, leakage power, milliwatts.
    ///   - rates: per task, its required rate (fps), nil for none.
    public init(latency: [Double], energy: [Double], assignment: [Int], leakageMW: [Double], rates: [Double?]) {
        precondition(latency.count == energy.count && latency.count == assignment.count && latency.count == rates.count)
        var time = [[Double]](repeating: [Double](repeating: 0, count: leakageMW.count), count: latency.count)
        for (i, j) in assignment.enumerated() { time[i][j] = latency[i] }
        var busy = [Double](repeating: 0, count: leakageMW.count)
        for (i, j) in assignment.enumerated() { busy[j] += latency[i] }
        self.init(time: time, energy: energy, makespan: busy.max() ?? 0, leakageMW: leakageMW, rates: rates)
    }

    /// The same for tasks whose layers may run on several sub-accelerators (layer scheduling):
    /// `time[i][j]` is the seconds task i's frame keeps sub-accelerator j busy, `makespan` the
    /// seconds one frame of every task takes from an idle chip. A task's achievable rate is
    /// bounded by every sub-accelerator it uses: `min_j (1 − others_j) / time[i][j]`.
    public init(time: [[Double]], energy: [Double], makespan: Double, leakageMW: [Double], rates: [Double?]) {
        precondition(time.count == energy.count && time.count == rates.count)
        var u = [Double](repeating: 0, count: leakageMW.count)
        for (i, row) in time.enumerated() { for (j, t) in row.enumerated() { u[j] += t * (rates[i] ?? 0) } }
        utilization = u
        chipFPS = makespan > 0 ? 1 / makespan : .infinity
        achievableFPS = time.indices.map { i in
            var best = Double.infinity
            for (j, t) in time[i].enumerated() where t > 0 { best = min(best, (1 - (u[j] - t * (rates[i] ?? 0))) / t) }
            return best
        }
        if rates.allSatisfy({ $0 != nil }) {
            // pJ × (1/s) = pW; × 1e-9 → mW.
            var mw = zip(energy, rates).reduce(0) { $0 + $1.0 * $1.1! } * 1e-9
            for (j, l) in leakageMW.enumerated() { mw += l * max(0, 1 - u[j]) }
            averagePower = Milliwatts(mw)
        } else {
            averagePower = nil
        }
    }
}

extension SubAccelerator {
    /// Leakage power of the whole sub-accelerator (its area × the node's leakage density).
    public var leakagePower: Milliwatts { Milliwatts(AreaModel.area(of: self).total.value * technology.leakageMWPerMm2) }
}

extension ChipResult {
    /// The periodic schedule of this chip's tasks at `rates` (see ``FrameSchedule``).
    public func schedule(at rates: FrameRates) -> FrameSchedule {
        let subs = accelerator.subAccelerators
        let index = Dictionary(subs.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
        let time = networks.map { n -> [Double] in
            var row = [Double](repeating: 0, count: subs.count)
            if n.layers.contains(where: { $0.subAccelerator != nil }) {
                for l in n.layers {
                    let j = index[l.subAccelerator ?? n.subAccelerator] ?? 0
                    row[j] += Double(l.cost.latencyCycles) / (subs[j].clockMHz * 1e6)
                }
            } else {
                row[index[n.subAccelerator] ?? 0] = n.latency.value
            }
            return row
        }
        return FrameSchedule(time: time, energy: networks.map(\.energy.total.value), makespan: makespan.value,
                             leakageMW: subs.map(\.leakagePower.value), rates: networks.map { rates.rate(of: $0.network) })
    }
}
