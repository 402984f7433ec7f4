import DuetCore
import DuetCostModel
import DuetHardware
import DuetSolver
import DuetWorkload
import Foundation

/// `duet solve` with `target.schedule: layers`: the chip whose layer schedule (``LayerScheduler``,
/// a network's layers spread over the sub-accelerators) finishes soonest under the budgets.
///
/// Scheduling layers of several networks on heterogeneous sub-accelerators is NP-hard and the
/// chip choice multiplies it, so this is a heuristic with a stated gap, not a proof: it starts
/// from the exact whole-network optimum (Z3, ``ChipAssignmentSolver``: the fastest chip when
/// networks run whole), evaluates that chip's layer schedule (never longer than its whole-network
/// assignment), then climbs through neighbouring chips — one slot changed, to a configuration one
/// step away (PE rows, PE columns or buffer halved or doubled, another dataflow or template) or,
/// one move in four, to any configuration — keeping a chip when it meets the budgets and finishes
/// sooner. Every random choice comes from `seed`. The answer's gap is to that chip's own lower bound
/// (``LayerScheduler/Schedule/lowerBound``); chips the search did not reach are not bounded.
public enum ChipLayerSearch {
    /// Chips evaluated when the config gives no `evaluations` (explore's default, 2,000, is for networks).
    public static let defaultEvaluations = 200

    /// The search's answer.
    public struct Outcome: Sendable {
        /// The best chip found (its `assignment` is unused: the layer schedule places the work).
        public var design: ChipDesign
        /// Its evaluation with layer scheduling (makespan in seconds).
        public var result: ChipResult
        /// Whether it meets every budget.
        public var feasible: Bool
        /// The whole-network optimum's makespan, seconds (where the search started).
        public var wholeMakespan: Double
        /// Chips evaluated with layer scheduling.
        public var evaluations: Int
        public var seconds: Double
    }

    /// A budget on the layer-scheduled chip, in real units (`latency_ms`, `fps`, `energy_mj`,
    /// `area_mm2`, `power_mw`, `pe_count`, `TASK.latency_ms`, `TASK.energy_mj`).
    struct Budget {
        var name: String
        var limit: Double
        var value: (ChipResult) -> Double
    }

    static func budgets(_ cfg: ExploreConfig) -> [Budget] {
        let index = Dictionary(uniqueKeysWithValues: cfg.tasks.enumerated().map { ($0.element.name, $0.offset) })
        var out: [Budget] = []
        for (name, limit) in cfg.budgets {
            let parts = name.split(separator: ".").map(String.init)
            if parts.count == 2, let i = index[parts[0]] {
                switch parts[1] {
                case "latency_ms": out.append(Budget(name: name, limit: limit) { $0.networks[i].latency.value * 1e3 })
                case "energy_mj": out.append(Budget(name: name, limit: limit) { $0.networks[i].energy.total.value * 1e-9 })
                default: break   // ChipSolveSetup refused the others
                }
                continue
            }
            switch name {
            case "latency_ms": out.append(Budget(name: name, limit: limit) { $0.makespan.value * 1e3 })
            case "fps": out.append(Budget(name: name, limit: 1e3 / limit) { $0.makespan.value * 1e3 })
            case "energy_mj": out.append(Budget(name: name, limit: limit) { $0.energy.value * 1e-9 })
            case "area_mm2": out.append(Budget(name: name, limit: limit) { $0.area.value })
            case "power_mw": out.append(Budget(name: name, limit: limit) { $0.power.value })
            case "pe_count": out.append(Budget(name: name, limit: limit) { Double($0.accelerator.subAccelerators.reduce(0) { $0 + $1.peCount }) })
            default: break
            }
        }
        return out
    }

    /// Relative excess over the budgets (0: feasible).
    static func violation(_ r: ChipResult, _ budgets: [Budget]) -> Double {
        budgets.reduce(0) { acc, b in
            let v = b.value(r)
            return acc + (v > b.limit * (1 + 1e-12) ? (v - b.limit) / max(abs(b.limit), 1e-30) : 0)
        }
    }

    /// Searches from `start` (the whole-network optimum) for at most `evaluations` chips.
    public static func run(_ cfg: ExploreConfig, space: ChipSpaceCandidates, networks: [NetworkAnalysis], start: ChipDesign,
                           evaluations: Int, cache: MappingCache) throws -> Outcome {
        let began = Date()
        let k = start.count
        let kept = space.candidateConfigs[k] ?? []
        let budgets = budgets(cfg)
        // Cheap budgets first: area and PEs are sums over the slots.
        let areaLimit = cfg.budgets.first { $0.name == "area_mm2" }?.limit, peLimit = cfg.budgets.first { $0.name == "pe_count" }?.limit
        func cheapOK(_ slots: [Int]) -> Bool {
            let cis = slots.map { kept[$0] }
            if let a = areaLimit, cis.reduce(0.0, { $0 + space.areaMm2[$1] }) > a * (1 + 1e-12) { return false }
            if let p = peLimit, Double(cis.reduce(0) { $0 + space.configs[$1].peRows * space.configs[$1].peCols }) > p { return false }
            return true
        }
        func evaluate(_ slots: [Int]) throws -> ChipResult {
            let chip = space.accelerator(ChipDesign(count: k, slots: slots, assignment: Array(repeating: 0, count: networks.count)))
            return try ChipEvaluator.evaluate(networks, on: chip, cache: cache, scheduling: .layers)
        }
        // A configuration one step from another: position of each configuration among the kept ones.
        var position: [ChipSpaceCandidates.Config: Int] = [:]
        for (p, ci) in kept.enumerated() { position[space.configs[ci]] = p }
        func steps(_ p: Int) -> [Int] {
            let c = space.configs[kept[p]]
            var out: [ChipSpaceCandidates.Config] = []
            for f in [0.5, 2.0] {
                var x = c; x.peRows = Int(Double(c.peRows) * f); out.append(x)
                x = c; x.peCols = Int(Double(c.peCols) * f); out.append(x)
                x = c; x.globalBufferKiB = Int(Double(c.globalBufferKiB) * f); out.append(x)
            }
            for other in kept.map({ space.configs[$0] }) where (other.template != c.template || other.dataflow != c.dataflow)
                && other.peRows == c.peRows && other.peCols == c.peCols && other.globalBufferKiB == c.globalBufferKiB {
                out.append(other)
            }
            return out.compactMap { position[$0] }
        }

        var rng = SeededGenerator(seed: cfg.seed)
        var slots = start.slots
        var best = try evaluate(slots)
        var bestViolation = violation(best, budgets)
        let whole = best.layerSchedule?.wholeMakespan ?? best.makespan.value
        var seen: Set<[Int]> = [slots.sorted()]
        var evaluated = 1
        var attempts = 0
        while evaluated < evaluations && attempts < evaluations * 20 && !kept.isEmpty {
            attempts += 1
            let j = Int(rng.next() % UInt64(k))
            let near = steps(slots[j])
            let p = (near.isEmpty || rng.next() % 4 == 0) ? Int(rng.next() % UInt64(kept.count)) : near[Int(rng.next() % UInt64(near.count))]
            var next = slots
            next[j] = p
            guard seen.insert(next.sorted()).inserted, cheapOK(next) else { continue }
            let r: ChipResult
            do { r = try evaluate(next) } catch { continue }   // a configuration that cannot run a layer here
            evaluated += 1
            let v = violation(r, budgets)
            if (v == 0 && bestViolation == 0 && r.makespan.value < best.makespan.value * (1 - 1e-12)) || v < bestViolation {
                best = r; bestViolation = v; slots = next
            }
        }
        return Outcome(design: ChipDesign(count: k, slots: slots, assignment: Array(repeating: 0, count: networks.count)),
                       result: best, feasible: bestViolation == 0, wholeMakespan: whole, evaluations: evaluated,
                       seconds: Date().timeIntervalSince(began))
    }
}
