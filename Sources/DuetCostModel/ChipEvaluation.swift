import DuetCore
import DuetHardware
import DuetWorkload

/// Several networks (tasks) on a chip of heterogeneous sub-accelerators: each network runs
/// whole on one sub-accelerator; networks on the same sub-accelerator run one after another,
/// sub-accelerators run concurrently. The assignment minimizes the makespan (ties: energy):
/// exhaustively when there are at most 100,000 assignments, otherwise longest-processing-time
/// first. With ``ChipScheduling/layers`` a network's layers may also be spread over the
/// sub-accelerators (``LayerScheduler``), when that finishes sooner.
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
    /// With layer scheduling asked for: its makespan, a lower bound on any schedule's (seconds),
    /// whether it was used (shorter than the whole-network assignment's makespan), and that one.
    public var layerSchedule: LayerScheduleSummary? = nil

    public struct LayerScheduleSummary: Sendable, Hashable {
        public var makespan: Double
        public var lowerBound: Double
        public var used: Bool
        public var wholeMakespan: Double
        /// (makespan − bound) / bound: how far the heuristic may be from the optimum at most.
        public var gap: Double { lowerBound > 0 ? (min(makespan, wholeMakespan) - lowerBound) / lowerBound : 0 }
    }
}

public enum ChipEvaluator {
    /// - Parameter scheduling: whole networks per sub-accelerator (default), or layers (``LayerScheduler``),
    ///   kept when its makespan is shorter than the whole-network assignment's (``ChipResult/layerSchedule`` says which).
    public static func evaluate(_ networks: [NetworkAnalysis], on chip: Accelerator, objective: MappingObjective = .latency,
                                cache: MappingCache = MappingCache(), scheduling: ChipScheduling = .networks) throws -> ChipResult {
        precondition(!networks.isEmpty, "at least one network")
        let subs = chip.subAccelerators
        if scheduling == .layers, let s = subs.first(where: \.activationResidency) {
            throw InputError(keyPath: "schedule", value: "layers",
                             message: "layer scheduling passes every activation between layers through DRAM, but '\(s.name)' keeps activations on chip (activation_residency)",
                             hint: "use one of them: schedule: networks with activation_residency, or schedule: layers without it")
        }
        // results[i][j]: network i on sub-accelerator j.
        var results: [[NetworkResult]] = []
        for n in networks { results.append(try subs.map { try NetworkEvaluator.evaluate(n, on: $0, objective: objective, cache: cache) }) }
        var whole = combine(results, assign(results), chip: chip)
        guard scheduling == .layers, subs.count > 1 else { return whole }
        let schedule = LayerScheduler.schedule(results, clocksMHz: subs.map(\.clockMHz))
        whole.layerSchedule = .init(makespan: schedule.makespan, lowerBound: schedule.lowerBound, used: false, wholeMakespan: whole.makespan.value)
        guard schedule.makespan < whole.makespan.value * (1 - 1e-9) else { return whole }
        // Layers placed by the schedule: each network's layers from the sub-accelerator it ran on.
        var chosen: [NetworkResult] = []
        var busy = [Double](repeating: 0, count: subs.count)
        var energy = Picojoules.zero
        for (i, slots) in schedule.slots.enumerated() {
            var r = results[i][0]
            var used: [Int] = []
            r.layers = slots.enumerated().map { l, slot in
                var layer = results[i][slot.subAccelerator].layers[l]
                layer.subAccelerator = subs[slot.subAccelerator].name
                busy[slot.subAccelerator] += slot.finish - slot.start
                if !used.contains(slot.subAccelerator) && slot.finish > slot.start { used.append(slot.subAccelerator) }
                return layer
            }
            r.subAccelerator = used.map { subs[$0].name }.joined(separator: "+")
            if let j = used.first { r.clockMHz = subs[j].clockMHz }
            let active = slots.filter { $0.finish > $0.start }
            r.scheduledSpan = (active.map(\.finish).max() ?? 0) - (active.map(\.start).min() ?? 0)
            energy = energy + r.energy.total
            chosen.append(r)
        }
        let makespan = schedule.makespan
        energy = energy + idleLeakage(subs, busy: busy, makespan: makespan)
        let last = schedule.slots.flatMap { $0 }.max { $0.finish < $1.finish }?.subAccelerator ?? 0
        var result = ChipResult(accelerator: chip, networks: chosen, makespan: Seconds(makespan), energy: energy, area: chip.area,
                                latencyCycles: Int64((makespan * subs[last].clockMHz * 1e6).rounded(.up)))
        result.layerSchedule = .init(makespan: makespan, lowerBound: schedule.lowerBound, used: true, wholeMakespan: whole.makespan.value)
        return result
    }

    /// Leakage of the sub-accelerators while they wait for the last one: each one's leakage power
    /// over `makespan − busy` seconds.
    static func idleLeakage(_ subs: [SubAccelerator], busy: [Double], makespan: Double) -> Picojoules {
        var e = Picojoules.zero
        for (j, s) in subs.enumerated() where busy[j] < makespan {
            e = e + Picojoules(s.leakagePower.value * 1e-3 * (makespan - busy[j]) * 1e12)   // mW → W, × s → J, → pJ
        }
        return e
    }

    /// The chip's result with network i on sub-accelerator `assignment[i]`.
    static func combine(_ results: [[NetworkResult]], _ assignment: [Int], chip: Accelerator) -> ChipResult {
        let subs = chip.subAccelerators
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
        energy = energy + idleLeakage(subs, busy: busy, makespan: makespan)
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
