import DuetCore
import DuetCostModel
import DuetHardware
import DuetSolver
import DuetWorkload
import Foundation

/// Every sub-accelerator configuration of a hardware space (templates × dataflows of `tpu` ×
/// power-of-two PE rows × PE columns × global buffer KiB), evaluated on fixed networks by
/// ``NetworkEvaluator`` at each slot count's DRAM share, and converted to the solver's integers
/// (rounded up: latency to ns, energy to fJ, area to µm², idle leakage to µW).
public struct ChipSpaceCandidates: Sendable {
    /// One configuration of a sub-accelerator slot.
    public struct Config: Sendable, Hashable, CustomStringConvertible {
        public var template: String
        /// The dataflow (for `tpu`: ws, os or is; otherwise the template's own).
        public var dataflow: Dataflow?
        public var peRows: Int
        public var peCols: Int
        public var globalBufferKiB: Int
        public var description: String {
            "\(template)\(dataflow.map { "/\($0)" } ?? "") \(peRows)x\(peCols) \(globalBufferKiB)KiB"
        }
    }

    /// Real-valued cost of one network on one configuration.
    public struct Cost: Sendable, Hashable {
        /// Seconds.
        public var latency: Double
        /// Picojoules (leakage while running included).
        public var energy: Double
    }

    public var spec: ExploreConfig.HardwareSpaceSpec
    public var configs: [Config]
    /// Slot count → per configuration, the network costs (nil: some network cannot run on it,
    /// e.g. a layer's smallest tile does not fit the global buffer).
    public var costs: [Int: [[Cost]?]]
    /// Per configuration: area (mm²), idle leakage (mW), PEs — independent of the slot count.
    public var areaMm2: [Double]
    public var leakageMW: [Double]
    /// Slot count → indices into `configs` of the solver's candidates (those that run every network).
    public var candidateConfigs: [Int: [Int]]
    /// The first reason a configuration was left out, if any.
    public var exclusion: String?
    /// Network evaluations made (configurations × networks × slot counts).
    public var evaluations: Int
    let bases: [String: SubAccelerator]
    let mappings: [String: [Dataflow: SpatialMapping]]
    let scalings: [String: BandwidthScaling]

    /// The configurations of `spec`, in order (template, dataflow, rows, cols, buffer).
    public static func configurations(_ spec: ExploreConfig.HardwareSpaceSpec) -> [Config] {
        func pow2(_ r: ClosedRange<Int>) -> [Int] {
            var out: [Int] = []
            var v = 1
            while v <= r.upperBound { if v >= r.lowerBound { out.append(v) }; if v > Int.max / 2 { break }; v *= 2 }
            return out
        }
        var out: [Config] = []
        for t in spec.templates {
            for df in t == "tpu" ? CoExploration.tpuDataflows.map(Optional.some) : [nil] {
                for r in pow2(spec.peRows) { for c in pow2(spec.peCols) { for b in pow2(spec.globalBufferKiB) {
                    out.append(Config(template: t, dataflow: df, peRows: r, peCols: c, globalBufferKiB: b))
                } } }
            }
        }
        return out
    }

    /// Loads the templates of `spec` and evaluates every configuration on every network (in
    /// parallel child tasks, sharing `cache`). Throws an ``InputError`` when there are more than
    /// `maxConfigurations` configurations.
    public static func evaluate(spec: ExploreConfig.HardwareSpaceSpec, networks: [NetworkAnalysis], dataDir: URL,
                                cache: MappingCache = MappingCache(), maxConfigurations: Int = 2048) async throws -> ChipSpaceCandidates {
        let configs = configurations(spec)
        if configs.count > maxConfigurations {
            throw InputError(keyPath: "target.hardware", value: "\(configs.count) configurations",
                             message: "too many sub-accelerator configurations to evaluate each exactly (at most \(maxConfigurations))",
                             hint: "narrow pe_rows, pe_cols or global_buffer_kib, or list fewer templates")
        }
        // One chip setting (node, clock, precision): ChipSolveSetup refuses searched ones.
        let loaded = try spec.loadBases(dataDir: dataDir)
        guard spec.chipSettings.count == 1, let bases = loaded.bases[spec.chipSettings[0]] else {
            throw InputError(keyPath: "target.hardware.node_nm", message: "duet solve takes one node, clock and precision per chip",
                             hint: "give one value each, and solve once per choice")
        }
        var out = ChipSpaceCandidates(spec: spec, configs: configs, costs: [:], areaMm2: [], leakageMW: [], candidateConfigs: [:],
                                      exclusion: nil, evaluations: 0, bases: bases, mappings: loaded.templates.mapValues(\.mappings),
                                      scalings: loaded.templates.mapValues(\.bandwidthScaling))
        for c in configs {
            let s = out.subAccelerator(c, slot: 0, count: 1)
            let a = AreaModel.area(of: s).total.value
            out.areaMm2.append(a)
            out.leakageMW.append(a * s.technology.leakageMWPerMm2)
        }
        for k in spec.minSubaccelerators...spec.maxSubaccelerators {
            let me = out
            // One child task per configuration, at most one per core in flight (a new one starts
            // when one finishes), each yielding between networks so that other tasks of the
            // process still run; results are placed by configuration index, so the order in which
            // tasks finish changes nothing.
            var results = [([Cost]?, String?)](repeating: (nil, nil), count: configs.count)
            @Sendable func evaluate(_ ci: Int) async -> (Int, [Cost]?, String?) {
                let hw = me.subAccelerator(configs[ci], slot: 0, count: k)
                var row: [Cost] = []
                for n in networks {
                    await Task.yield()
                    do {
                        let r = try NetworkEvaluator.evaluate(n, on: hw, cache: cache)
                        row.append(Cost(latency: r.latency.value, energy: r.energy.total.value))
                    } catch {
                        return (ci, nil, "\(configs[ci]) cannot run \(n.network.name): \(error)")
                    }
                }
                return (ci, row, nil)
            }
            let width = max(1, ProcessInfo.processInfo.activeProcessorCount)
            await withTaskGroup(of: (Int, [Cost]?, String?).self) { group in
                var next = 0
                while next < min(width, configs.count) { let ci = next; group.addTask { await evaluate(ci) }; next += 1 }
                while let done = await group.next() {
                    results[done.0] = (done.1, done.2)
                    if next < configs.count { let c = next; group.addTask { await evaluate(c) }; next += 1 }
                }
            }
            out.costs[k] = configs.indices.map { results[$0].0 }
            out.candidateConfigs[k] = configs.indices.filter { results[$0].0 != nil }
            out.exclusion = out.exclusion ?? configs.indices.lazy.compactMap { results[$0].1 }.first
            out.evaluations += configs.count * networks.count
        }
        return out
    }

    /// The sub-accelerator of configuration `c` in slot `slot` of a chip of `count`.
    public func subAccelerator(_ c: Config, slot: Int, count: Int) -> SubAccelerator {
        CoExploration.subAccelerator(template: c.template, base: bases[c.template]!, mappings: mappings[c.template] ?? [:],
                                     scaling: scalings[c.template] ?? .default, peRows: c.peRows,
                                     peCols: c.peCols, globalBufferKiB: c.globalBufferKiB, dataflow: c.dataflow, slot: slot,
                                     count: count, dramGBps: spec.dramGBps)
    }

    /// The chip of a solver design (slots named `sub<j>-<template>` as the co-exploration names them).
    public func accelerator(_ d: ChipDesign) -> Accelerator {
        let subs = d.slots.enumerated().map { j, s in subAccelerator(configs[candidateConfigs[d.count]![s]], slot: j, count: d.count) }
        return Accelerator(name: "chip", subAccelerators: subs, dramGBps: spec.dramGBps)
    }

    /// A real-valued cost converted to the solver's integer (rounded up), or an ``InputError``
    /// when it is not finite or beyond 2⁵³ (exactly representable, far from overflow).
    static func fixed(_ x: Double, _ scale: Double, what: String) throws -> Int64 {
        let v = (x * scale).rounded(.up)
        guard v.isFinite, v >= 0, v <= 9_007_199_254_740_992 else {
            throw InputError(message: "\(what) (\(x)) is out of range for the exact solver", hint: "check the cost model's inputs")
        }
        return Int64(v)
    }

    /// The solver's candidates: slot count → integer costs of the configurations that run every network.
    public func solverCandidates() throws -> [Int: [ChipCandidate]] {
        var out: [Int: [ChipCandidate]] = [:]
        for (k, idx) in candidateConfigs {
            out[k] = try idx.map { ci in
                let row = costs[k]![ci]!
                return ChipCandidate(label: configs[ci].description,
                                     latencyNs: try row.map { try Self.fixed($0.latency, 1e9, what: "latency of \(configs[ci])") },
                                     energyFJ: try row.map { try Self.fixed($0.energy, 1e3, what: "energy of \(configs[ci])") },
                                     areaUm2: try Self.fixed(areaMm2[ci], 1e6, what: "area of \(configs[ci])"),
                                     leakageUW: try Self.fixed(leakageMW[ci], 1e3, what: "leakage of \(configs[ci])"),
                                     pes: Int64(configs[ci].peRows) * Int64(configs[ci].peCols))
            }
        }
        return out
    }

    /// The periodic schedule of a design's tasks (named `tasks`, in order) at `rates` (see ``FrameSchedule``).
    public func schedule(_ d: ChipDesign, rates: FrameRates, tasks: [String]) -> FrameSchedule {
        let idx = candidateConfigs[d.count]!
        let row = d.assignment.enumerated().map { i, j in costs[d.count]![idx[d.slots[j]]]![i] }
        return FrameSchedule(latency: row.map(\.latency), energy: row.map(\.energy), assignment: d.assignment,
                             leakageMW: d.slots.map { leakageMW[idx[$0]] }, rates: tasks.map { rates.rate(of: $0) })
    }

    /// Real-valued metrics of a design, as ``ChipEvaluator`` computes them for the same
    /// assignment: makespan (s), energy with idle leakage (pJ), area (mm²), average power (mW).
    public func realMetrics(_ d: ChipDesign) -> (makespan: Double, energy: Double, area: Double, power: Double, taskLatency: [Double], taskEnergy: [Double]) {
        let idx = candidateConfigs[d.count]!
        var busy = [Double](repeating: 0, count: d.count)
        var energy = 0.0
        var tl: [Double] = [], te: [Double] = []
        for (i, j) in d.assignment.enumerated() {
            let c = costs[d.count]![idx[d.slots[j]]]![i]
            busy[j] += c.latency
            energy += c.energy
            tl.append(c.latency); te.append(c.energy)
        }
        let makespan = busy.max() ?? 0
        var area = 0.0
        for (j, s) in d.slots.enumerated() {
            let ci = idx[s]
            area += areaMm2[ci]
            if busy[j] < makespan { energy += leakageMW[ci] * 1e-3 * (makespan - busy[j]) * 1e12 }
        }
        return (makespan, energy, area, Milliwatts(energy: Picojoules(energy), over: Seconds(makespan)).value, tl, te)
    }
}
