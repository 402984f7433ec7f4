import DuetCore
import Foundation

/// Budgets a design must meet, from a spec YAML:
///
///     budgets:            # for the whole chip
///       latency_ms: 10    # makespan
///       energy_mj: 5
///       area_mm2: 20
///       power_mw: 500     # peak: energy / makespan, every task back to back
///       fps: 30           # every task one frame per 1/30 s: the makespan must fit (a lower bound)
///       average_power_mw: 200   # at the required frame rates (see FrameSchedule)
///     tasks:              # per network, by name
///       resnet50: {latency_ms: 8, energy_mj: 3, fps: 60}
public struct Spec: Sendable, Hashable {
    public struct Budget: Sendable, Hashable {
        /// `latency_ms`, `energy_mj`, `area_mm2`, `power_mw`, `fps` or `average_power_mw`.
        public var metric: String
        /// Network name for a per-task budget, nil for the chip.
        public var task: String?
        public var limit: Double
        /// The name used in verdicts, e.g. `latency_ms` or `resnet50.latency_ms`.
        public var name: String { task.map { "\($0).\(metric)" } ?? metric }
    }

    public static let metrics = ["latency_ms", "energy_mj", "area_mm2", "power_mw", "fps", "average_power_mw"]
    /// Metrics whose budget is a lower bound (value ≥ limit).
    public static let lowerBounds: Set<String> = ["fps"]
    /// Metrics that belong to the whole chip only.
    static let chipOnly: Set<String> = ["area_mm2", "average_power_mw"]
    public var budgets: [Budget]

    public init(budgets: [Budget]) { self.budgets = budgets }

    /// The required frame rates the budgets name (`fps`, `TASK.fps`).
    public var rates: FrameRates {
        var r = FrameRates()
        for b in budgets where b.metric == "fps" {
            if let t = b.task { r.tasks[t] = b.limit } else { r.chip = b.limit }
        }
        return r
    }

    public static func load(path: String) throws -> Spec {
        let d = Diagnostics(file: path)
        let r = ConfigReader(try ConfigNode.load(path: path), diagnostics: d)
        var budgets: [Budget] = []
        func read(_ reader: ConfigReader, task: String?, allowArea: Bool) {
            for m in metrics {
                guard let v = reader.double(m) else { continue }
                if v <= 0 {
                    d.add(reader.keyPath(m), value: String(v), "a budget must be positive",
                          hint: v < 0 ? "budgets are upper limits; remove the minus sign" : "remove the budget to leave it unconstrained")
                    continue
                }
                if !allowArea && Self.chipOnly.contains(m) {
                    d.add(reader.keyPath(m), "\(m == "area_mm2" ? "area" : "average power") is a chip budget, not a task budget", hint: "move \(m) under budgets")
                    continue
                }
                budgets.append(Budget(metric: m, task: task, limit: v))
            }
            reader.finish()
        }
        if let b = r.object("budgets") { read(b, task: nil, allowArea: true) }
        if let t = r.object("tasks") {
            for name in t.keys { if let tr = t.object(name) { read(tr, task: name, allowArea: false) } }
            t.finish()
        }
        r.finish()
        try d.throwIfAny()
        if budgets.isEmpty { throw InputError(file: path, message: "the spec sets no budget", hint: "add e.g. 'budgets: {latency_ms: 10}'") }
        let spec = Spec(budgets: budgets)
        if budgets.contains(where: { $0.metric == "average_power_mw" }), spec.rates.chip == nil {
            let perTask = budgets.filter { $0.metric == "fps" && $0.task != nil }.count
            if perTask == 0 {
                throw InputError(file: path, keyPath: "budgets.average_power_mw", message: "average power needs the frame rates it is averaged at",
                                 hint: "add budgets.fps (every task's rate), or tasks.NAME.fps for every task")
            }
        }
        return spec
    }
}

/// The verdict on one budget: the value reached, the margin (limit − value, in the budget's
/// unit; negative when violated) and whether it is met.
public struct Verdict: Sendable, Hashable {
    public var budget: String
    public var limit: Double
    public var value: Double
    /// Whether the limit is a lower bound (a frame rate): met when value ≥ limit.
    public var atLeast = false
    /// How far inside the budget, in its unit (negative when violated).
    public var margin: Double { atLeast ? value - limit : limit - value }
    public var met: Bool { atLeast ? value >= limit : value <= limit }

    public init(budget: String, limit: Double, value: Double, atLeast: Bool = false) {
        self.budget = budget; self.limit = limit; self.value = value; self.atLeast = atLeast
    }
}

extension Spec {
    /// Verdicts for `result`; a per-task budget naming no evaluated network is an input error.
    public func verdicts(for result: ChipResult) throws -> [Verdict] {
        var out: [Verdict] = []
        var issues = IssueCollector()
        let schedule = result.schedule(at: rates)
        for b in budgets {
            let value: Double
            if let task = b.task {
                guard let n = result.networks.first(where: { $0.network == task }) else {
                    issues.add("tasks.\(task)", value: task, "no evaluated network has this name",
                               hint: Suggestion.hint(for: task, in: result.networks.map(\.network)))
                    continue
                }
                switch b.metric {
                case "latency_ms": value = n.latency.milliseconds
                case "energy_mj": value = n.energy.total.millijoules
                case "fps": value = schedule.achievableFPS[result.networks.firstIndex(where: { $0.network == task })!]
                default: value = Milliwatts(energy: n.energy.total, over: n.latency).value
                }
            } else {
                switch b.metric {
                case "latency_ms": value = result.makespan.milliseconds
                case "energy_mj": value = result.energy.millijoules
                case "area_mm2": value = result.area.value
                case "fps": value = schedule.chipFPS
                case "average_power_mw":
                    guard let p = schedule.averagePower else {
                        issues.add("budgets.average_power_mw", "average power needs a frame rate for every task",
                                   hint: "add budgets.fps, or tasks.NAME.fps for each of " + result.networks.map(\.network).joined(separator: ", "))
                        continue
                    }
                    value = p.value
                default: value = result.power.value
                }
            }
            out.append(Verdict(budget: b.name, limit: b.limit, value: value, atLeast: Self.lowerBounds.contains(b.metric)))
        }
        try issues.throwIfAny()
        return out
    }
}

extension Spec {
    /// Verdicts for networks on a table-driven device, which run one after another: latency only
    /// (a budget on energy, area or power is an input error naming it).
    public func verdicts(tableLatencies: [(network: String, latencyMs: Double)]) throws -> [Verdict] {
        var out: [Verdict] = []
        var issues = IssueCollector()
        for b in budgets {
            guard b.metric == "latency_ms" else {
                issues.add("budgets.\(b.name)", value: String(b.limit), "a latency table gives latency only",
                           hint: "remove this budget, or evaluate on an --accelerator for energy, area and power")
                continue
            }
            if let task = b.task {
                guard let n = tableLatencies.first(where: { $0.network == task }) else {
                    issues.add("tasks.\(task)", value: task, "no evaluated network has this name",
                               hint: Suggestion.hint(for: task, in: tableLatencies.map(\.network)))
                    continue
                }
                out.append(Verdict(budget: b.name, limit: b.limit, value: n.latencyMs))
            } else {
                out.append(Verdict(budget: b.name, limit: b.limit, value: tableLatencies.reduce(0) { $0 + $1.latencyMs }))
            }
        }
        try issues.throwIfAny()
        return out
    }
}
